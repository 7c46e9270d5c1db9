"""Procedural faces for any number of identities, deterministic from a seed (numpy only).

An :class:`Identity` is what stays the same across a person's photos: face shape, skin, hair
colour and style, eye colour and spacing, brows, nose, mouth, ears, and a beard, glasses or
blush for some. A :class:`Pose` is what changes from photo to photo: head turn (yaw), tilt
(roll), position and scale within the aligned crop, expression (mouth open, smile, eyes,
brows), lighting (direction, strength, brightness) and the background.

:func:`render_face` draws one identity in one pose as an RGBA image whose alpha channel is the
face mask, so the ground truth of a swap is simply ``render_face(identity_b, pose_of_image)``:
"B in A's pose". The drawing (:mod:`phazer.data.face_drawing`) is vectorised over the pixels:
about 5 ms of CPU for a 64 px face.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from phazer.data.face_drawing import draw_face
from phazer.data.face_traits import Colour, Identity, Pose

SKIN_TONES: tuple[Colour, ...] = (
    (0.98, 0.85, 0.76), (0.92, 0.74, 0.60), (0.84, 0.62, 0.46), (0.70, 0.50, 0.35),
    (0.54, 0.37, 0.25), (0.38, 0.25, 0.17), (0.96, 0.78, 0.72), (0.80, 0.66, 0.50))
HAIR_COLOURS: tuple[Colour, ...] = (
    (0.07, 0.06, 0.05), (0.27, 0.17, 0.10), (0.52, 0.34, 0.18), (0.88, 0.74, 0.45),
    (0.64, 0.26, 0.12), (0.72, 0.72, 0.74), (0.95, 0.91, 0.80), (0.20, 0.28, 0.62))
EYE_COLOURS: tuple[Colour, ...] = (
    (0.36, 0.22, 0.12), (0.18, 0.11, 0.06), (0.28, 0.50, 0.78), (0.32, 0.56, 0.34),
    (0.52, 0.45, 0.22), (0.50, 0.56, 0.62))


def _jitter(rng: np.random.Generator, colour: Colour, amount: float) -> Colour:
    values = np.clip(np.asarray(colour) + rng.uniform(-amount, amount, 3), 0.0, 1.0)
    return (float(values[0]), float(values[1]), float(values[2]))


def _make_identity(rng: np.random.Generator, skin: Colour, hair: Colour) -> Identity:
    skin = _jitter(rng, skin, 0.03)
    lip = tuple(float(c) for c in np.clip(np.asarray(skin) * (0.78, 0.52, 0.52) + (0.1, 0, 0),
                                          0, 1))
    return Identity(
        face_width=rng.uniform(0.42, 0.56), face_height=rng.uniform(0.58, 0.72),
        jaw_taper=rng.uniform(0.0, 0.4), skin=skin, hair=_jitter(rng, hair, 0.04),
        hair_line=rng.uniform(0.12, 0.42), hair_volume=rng.uniform(0.03, 0.2),
        hair_length=rng.uniform(-0.25, 0.7), fringe_wave=rng.uniform(0.0, 1.0),
        hair_part=rng.uniform(-1.0, 1.0), bald=bool(rng.random() < 0.1),
        eye_spacing=rng.uniform(0.15, 0.23), eye_height=rng.uniform(-0.12, -0.01),
        eye_width=rng.uniform(0.065, 0.095), eye_size=rng.uniform(0.03, 0.048),
        iris=_jitter(rng, EYE_COLOURS[rng.integers(len(EYE_COLOURS))], 0.05),
        brow_thickness=rng.uniform(0.012, 0.035), brow_gap=rng.uniform(0.06, 0.11),
        brow_tilt=rng.uniform(-0.3, 0.25), brow_arch=rng.uniform(0.0, 0.035),
        nose_length=rng.uniform(0.13, 0.23), nose_width=rng.uniform(0.05, 0.1),
        mouth_height=rng.uniform(0.28, 0.4), mouth_width=rng.uniform(0.11, 0.2),
        lip_thickness=rng.uniform(0.015, 0.04), lip=lip,  # type: ignore[arg-type]
        ear_size=rng.uniform(0.8, 1.2), beard=float(rng.uniform(0.5, 0.9)) if rng.random() < 0.3
        else 0.0, glasses=bool(rng.random() < 0.25),
        glasses_colour=_jitter(rng, (0.12, 0.1, 0.1), 0.1), blush=rng.uniform(0.0, 0.35))


def make_identities(count: int, seed: int) -> list[Identity]:
    """``count`` distinct identities; the same seed always gives the same ones.

    Skin tones and hair colours are dealt from shuffled palettes, so any eight consecutive
    identities differ in both; every other attribute is drawn at random.
    """
    rng = np.random.default_rng(seed)
    skins = rng.permutation(len(SKIN_TONES))
    hairs = rng.permutation(len(HAIR_COLOURS))
    return [_make_identity(rng, SKIN_TONES[skins[i % len(skins)]],
                           HAIR_COLOURS[hairs[(i + i // len(hairs)) % len(hairs)]])
            for i in range(count)]


def sample_poses(count: int, seed: int) -> list[Pose]:
    """``count`` poses (the variation between aligned photos); deterministic from the seed."""
    rng = np.random.default_rng(seed)
    poses = []
    for _ in range(count):
        background = rng.uniform(0.15, 0.85, (2, 3))
        poses.append(Pose(
            yaw=rng.uniform(-0.5, 0.5), roll=rng.uniform(-0.15, 0.15),
            shift_x=rng.uniform(-0.04, 0.04), shift_y=rng.uniform(-0.04, 0.04),
            scale=rng.uniform(0.94, 1.06), mouth_open=float(rng.beta(1.2, 3.0)),
            smile=rng.uniform(-0.4, 1.0), eye_open=float(np.clip(rng.beta(5, 1.3), 0.1, 1)),
            brow_raise=rng.uniform(-0.3, 1.0), light_azimuth=rng.uniform(0, 2 * math.pi),
            light_elevation=rng.uniform(0.5, 1.3), light_strength=rng.uniform(0.15, 0.55),
            brightness=rng.uniform(0.8, 1.15),
            background_a=tuple(float(c) for c in background[0]),  # type: ignore[arg-type]
            background_b=tuple(float(c) for c in background[1]),  # type: ignore[arg-type]
            background_angle=rng.uniform(0, 2 * math.pi)))
    return poses


def render_face(identity: Identity, pose: Pose, size: int) -> np.ndarray:
    """Draw one identity in one pose.

    Args:
        identity: who (from :func:`make_identities`).
        pose: how (from :func:`sample_poses`).
        size: the image side in px.

    Returns:
        [size, size, 4] uint8 RGBA; the alpha channel is the face mask (the skin outline,
        forehead included).
    """
    return draw_face(identity, pose, size)


def render_faces(identity: Identity, poses: Sequence[Pose], size: int) -> np.ndarray:
    """:func:`render_face` for many poses: [N, size, size, 4] uint8."""
    return np.stack([render_face(identity, pose, size) for pose in poses]) if poses else \
        np.zeros((0, size, size, 4), np.uint8)


def write_identity(folder: str | Path, identity: Identity, poses: Sequence[Pose], size: int,
                   prefix: str = "face") -> list[Path]:
    """Write one PNG (RGBA, alpha = mask) per pose into ``folder`` (created if needed).

    Returns:
        The files written, ``<prefix>_00000.png`` onwards, in pose order.
    """
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for index, pose in enumerate(poses):
        path = target / f"{prefix}_{index:05d}.png"
        Image.fromarray(render_face(identity, pose, size), "RGBA").save(path)
        written.append(path)
    return written
