"""The training masks phazer offers (``training.mask_type``), one place, TensorFlow-free.

faceswap's extract step stores neural-network masks in each face file's PNG header, under the
names listed in :data:`STORED_MASKS`; ``components`` and ``extended`` are drawn from the
face's 68 landmarks (:data:`LANDMARK_MASKS`); ``alpha`` is phazer's own: the image's alpha
channel, for face folders without faceswap's header. docs/training-data.md describes each.
"""

from __future__ import annotations

from typing import Literal

LANDMARK_MASKS: tuple[str, ...] = ("components", "extended")
"""Masks drawn from the landmarks: a hull of the face's parts, and the same reaching up onto
the forehead."""

STORED_MASKS: tuple[str, ...] = (
    "bisenet-fp_face", "bisenet-fp_head", "custom_face", "custom_head", "unet-dfl",
    "vgg-clear", "vgg-obstructed")
"""The mask names faceswap's extract and manual tools store in a face's header."""

MASK_TYPES: tuple[str, ...] = ("none", "alpha", *LANDMARK_MASKS, *STORED_MASKS)
"""Every ``training.mask_type`` choice."""

MaskType = Literal[MASK_TYPES]  # type: ignore[valid-type]

FACESWAP_DEFAULT_MASK = "extended"
"""faceswap's default ``mask_type``: what an unset mask type means for faceswap face sets."""

ALPHA_MASK = "alpha"
"""What an unset mask type means for plain face folders (the image's alpha channel)."""
