"""phazer: declarative face-swap autoencoders in the style of faceswap's Phaze-A."""

__version__ = "0.1.0"
