"""Kernel initializers: phazer's initializer names and the two custom ones (ICNR, conv-aware).

Blocks name an initializer with a plain string in the ``kernel_initializer`` attr of a
``conv2d``, ``conv2d_transpose`` or ``dense`` op; :func:`get_initializer` turns it into a Keras
initializer. Accepted names (see :data:`INITIALIZER_NAMES`):

- ``he_uniform``, ``he_normal``, ``glorot_uniform``, ``glorot_normal``, ``lecun_uniform``,
  ``lecun_normal``, ``orthogonal``, ``zeros``, ``ones``: the Keras initializers of that name.
- ``random_normal``: ``RandomNormal(mean=0, stddev=0.02)``, faceswap's choice in its
  unbalanced, villain and dfaker models.
- ``variance_scaling_<scale>`` (e.g. ``variance_scaling_0.2``): ``VarianceScaling(scale,
  mode="fan_in", distribution="uniform")``, what faceswap uses for a residual block's 2nd conv.
- ``conv_aware``: :class:`ConvolutionAware`.
- ``icnr`` (sub-kernel ``he_uniform``) or ``icnr_<name>`` (``icnr:<name>`` also accepted), with
  any name above as the sub-kernel's, e.g. ``icnr_conv_aware``: :class:`ICNR` for the
  convolution in front of a x2 pixel shuffle (or any upscaler's convolution).
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable
from typing import Any

import keras
from keras import ops

from phazer.emit.errors import EmitError

_PACKAGE = "phazer"


@keras.saving.register_keras_serializable(package=_PACKAGE)
class ICNR(keras.initializers.Initializer):
    """ICNR: initialise a sub-pixel convolution so its shuffled output starts checkerboard-free.

    A kernel of shape ``(kh, kw, in, out)`` feeding a pixel shuffle of factor ``scale`` is
    built from one sub-kernel of shape ``(kh, kw, in, out / scale**2)`` drawn from
    ``initializer``, repeated for every one of the ``scale**2`` sub-pixel positions. With the
    channel order of :class:`phazer.emit.layers.PixelShuffle` (sub-pixel position major,
    output channel minor) the repetition is a tile along the last axis, so right after
    initialisation every ``scale x scale`` output block holds one value per channel, i.e.
    the layer starts as a nearest-neighbour upscale of a normal convolution (Aitken et al.,
    2017, "Checkerboard artifact free sub-pixel convolution").

    Args:
        initializer: the sub-kernel's initializer (a Keras initializer, name or config).
        scale: the pixel shuffle's factor.
    """

    def __init__(self, initializer: Any = "he_uniform", scale: int = 2) -> None:
        self.initializer = keras.initializers.get(initializer)
        self.scale = int(scale)

    def __call__(self, shape: tuple[int, ...], dtype: Any = None) -> Any:
        """Draw a kernel of ``shape``."""
        positions = self.scale ** 2
        if len(shape) != 4 or shape[-1] % positions:
            raise ValueError(f"ICNR x{self.scale} needs a conv kernel (kh, kw, in, out) with out "
                             f"divisible by {positions}; got shape {tuple(shape)}")
        sub_shape = (*shape[:-1], shape[-1] // positions)
        sub_kernel = self.initializer(sub_shape, dtype=dtype)
        return ops.tile(sub_kernel, (1, 1, 1, positions))

    def get_config(self) -> dict[str, Any]:
        """The initializer's constructor arguments."""
        return {"initializer": keras.initializers.serialize(self.initializer),
                "scale": self.scale}


@keras.saving.register_keras_serializable(package=_PACKAGE)
class ConvolutionAware(keras.initializers.Initializer):
    """A convolution-aware initializer (after Aghajanyan, 2017, arXiv:1702.06295).

    The paper builds each filter's input-channel kernels to be orthogonal in the Fourier
    domain. For the unitary DFT, Parseval's theorem makes that the same as orthogonality of
    the flattened ``kh x kw`` kernels, which is what this version builds directly: for every
    output filter, its input-channel kernels come in groups of ``kh * kw`` mutually orthonormal
    patterns (a random orthogonal matrix from the QR decomposition of a Gaussian one, signs
    fixed so it is uniformly distributed), then Gaussian noise of std ``eps_std`` breaks
    exact symmetry and the whole kernel is rescaled to He variance ``2 / fan_in``.

    A 1x1 kernel has no spatial pattern to orthogonalise and gets He-normal values; a kernel
    that is not 4-D (e.g. a Dense one) falls back to ``he_uniform``. Everything runs in
    ``keras.ops`` on the backend; the values are reproducible for a given ``seed``.

    The construction costs seconds for large kernels, so the saved config marks the
    initializer ``restored``: a model rebuilt from it (``load_model``, ``clone_model``) is about
    to receive its saved weights, and gets cheap He-uniform placeholders instead (faceswap's
    initializer does the same).

    Args:
        eps_std: standard deviation of the symmetry-breaking noise (before rescaling).
        seed: random seed; ``None`` draws one from Python's ``random`` (which
            ``keras.utils.set_random_seed`` seeds).
        restored: built from a saved config: draw He-uniform placeholders.
    """

    def __init__(self, eps_std: float = 0.05, seed: int | None = None,
                 restored: bool = False) -> None:
        self.eps_std = float(eps_std)
        self.seed = seed
        self.restored = bool(restored)
        self._seed = seed if seed is not None else random.randint(1, 2**30)

    def __call__(self, shape: tuple[int, ...], dtype: Any = None) -> Any:
        """Draw a kernel of ``shape``."""
        dtype = dtype or keras.config.floatx()
        if self.restored or len(shape) != 4:
            return keras.initializers.HeUniform(seed=self._seed)(shape, dtype=dtype)
        kh, kw, cin, cout = shape
        size, fan_in = kh * kw, kh * kw * cin
        if size == 1:
            return keras.random.normal(shape, stddev=math.sqrt(2.0 / fan_in), dtype=dtype,
                                       seed=self._seed)
        groups = -(-cin // size)
        gaussian = keras.random.normal((cout, groups, size, size), dtype="float32",
                                       seed=self._seed)
        q, r = ops.linalg.qr(gaussian)
        signs = ops.sign(ops.diagonal(r, axis1=-2, axis2=-1))
        q = q * ops.expand_dims(signs, -2)                   # column j times sign(r_jj)
        patterns = ops.transpose(q, (0, 1, 3, 2))            # rows: orthonormal patterns
        patterns = ops.reshape(patterns, (cout, groups * size, size))[:, :cin, :]
        patterns = patterns + keras.random.normal((cout, cin, size), stddev=self.eps_std,
                                                  dtype="float32", seed=self._seed + 1)
        kernel = ops.reshape(ops.transpose(patterns, (2, 1, 0)), (kh, kw, cin, cout))
        kernel = kernel * ops.sqrt((2.0 / fan_in) / ops.var(kernel))
        return ops.cast(kernel, dtype)

    def get_config(self) -> dict[str, Any]:
        """The initializer's constructor arguments."""
        return {"eps_std": self.eps_std, "seed": self.seed, "restored": True}


_KERAS_NAMED: dict[str, Callable[[], keras.initializers.Initializer]] = {
    "he_uniform": keras.initializers.HeUniform,
    "he_normal": keras.initializers.HeNormal,
    "glorot_uniform": keras.initializers.GlorotUniform,
    "glorot_normal": keras.initializers.GlorotNormal,
    "lecun_uniform": keras.initializers.LecunUniform,
    "lecun_normal": keras.initializers.LecunNormal,
    "orthogonal": keras.initializers.Orthogonal,
    "zeros": keras.initializers.Zeros,
    "ones": keras.initializers.Ones,
    "conv_aware": ConvolutionAware,
    "random_normal": lambda: keras.initializers.RandomNormal(mean=0.0, stddev=0.02),
}
_VARIANCE_SCALING = re.compile(r"variance_scaling_(\d+(?:\.\d+)?)")

INITIALIZER_NAMES: tuple[str, ...] = (*_KERAS_NAMED, "variance_scaling_<scale>", "icnr",
                                      "icnr_<name>")


def get_initializer(name: str) -> keras.initializers.Initializer:
    """A fresh Keras initializer for one of phazer's initializer names.

    Args:
        name: an initializer name (see the module docstring / :data:`INITIALIZER_NAMES`).

    Raises:
        EmitError: the name is not one phazer knows.
    """
    if not isinstance(name, str):
        raise EmitError(f"kernel_initializer must be a name string, got {name!r}")
    if name in _KERAS_NAMED:
        return _KERAS_NAMED[name]()
    scaling = _VARIANCE_SCALING.fullmatch(name)
    if scaling:
        return keras.initializers.VarianceScaling(scale=float(scaling.group(1)), mode="fan_in",
                                                  distribution="uniform")
    if name == "icnr":
        return ICNR(keras.initializers.HeUniform())
    if name.startswith(("icnr_", "icnr:")) and not name[5:].startswith("icnr"):
        return ICNR(get_initializer(name[5:]))
    raise EmitError(f"unknown kernel_initializer {name!r}; expected one of "
                    f"{', '.join(INITIALIZER_NAMES)}")
