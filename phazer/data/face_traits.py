"""What a synthetic face is made of: an :class:`Identity` (stable) and a :class:`Pose` (per image).

:mod:`phazer.data.synthetic` samples them; :mod:`phazer.data.face_drawing` paints them.
"""

from __future__ import annotations

from dataclasses import dataclass

Colour = tuple[float, float, float]


@dataclass(frozen=True)
class Identity:
    """The stable look of one synthetic person (lengths in half-image units)."""

    face_width: float
    face_height: float
    jaw_taper: float
    skin: Colour
    hair: Colour
    hair_line: float
    hair_volume: float
    hair_length: float
    fringe_wave: float
    hair_part: float
    bald: bool
    eye_spacing: float
    eye_height: float
    eye_width: float
    eye_size: float
    iris: Colour
    brow_thickness: float
    brow_gap: float
    brow_tilt: float
    brow_arch: float
    nose_length: float
    nose_width: float
    mouth_height: float
    mouth_width: float
    lip_thickness: float
    lip: Colour
    ear_size: float
    beard: float
    glasses: bool
    glasses_colour: Colour
    blush: float


@dataclass(frozen=True)
class Pose:
    """What varies from one image to the next (angles in radians, lengths in half-images)."""

    yaw: float
    roll: float
    shift_x: float
    shift_y: float
    scale: float
    mouth_open: float
    smile: float
    eye_open: float
    brow_raise: float
    light_azimuth: float
    light_elevation: float
    light_strength: float
    brightness: float
    background_a: Colour
    background_b: Colour
    background_angle: float
