"""How a synthetic face is drawn: the head's frame, hair, face, features, light (numpy).

:func:`draw_face` paints an :class:`~phazer.data.face_traits.Identity` in a
:class:`~phazer.data.face_traits.Pose` with the shapes of :mod:`phazer.data.shapes`. Features sit
on the face as on an ellipsoid: turning the head (yaw) slides them sideways by their depth, the
nose tip furthest, and narrows them; lighting is Lambert shading of that ellipsoid.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from phazer.data import shapes

if TYPE_CHECKING:
    from phazer.data.face_traits import Identity, Pose

_FACE_CENTRE_Y = 0.06
_DEPTH = 0.85   # how far the face surface stands out, as a fraction of its half-width
_ZOOM = 1.2     # the head's size in the crop (aligned faces fill most of it)


@dataclass(frozen=True)
class _Frame:
    """Pixel coordinates in the head's frame, and how features move with the head's turn."""

    x: np.ndarray
    y: np.ndarray
    pixel: float
    yaw: float
    width: float
    height: float

    def project(self, fx: float, fy: float, lift: float = 0.0) -> tuple[float, float]:
        """Screen position of a point on the face surface (``lift`` stands out further)."""
        nx, ny = fx / self.width, (fy - _FACE_CENTRE_Y) / self.height
        depth = _DEPTH * self.width * math.sqrt(max(0.0, 1.0 - nx * nx - ny * ny)) + lift
        return fx * math.cos(self.yaw) + depth * math.sin(self.yaw), fy


def _frame(identity: Identity, pose: Pose, size: int) -> _Frame:
    centres = ((np.arange(size) + 0.5) / size * 2.0 - 1.0).astype(np.float32)
    xs, ys = np.meshgrid(centres, centres)
    zoom = pose.scale * _ZOOM
    xs, ys = (xs - pose.shift_x) / zoom, (ys - pose.shift_y) / zoom
    cos, sin = math.cos(pose.roll), math.sin(pose.roll)
    return _Frame(cos * xs + sin * ys, -sin * xs + cos * ys, 2.0 / size / zoom, pose.yaw,
                  identity.face_width, identity.face_height)


def _hair_back(f: _Frame, idt: Identity) -> np.ndarray:
    cap = shapes.ellipse(f.x, f.y, 0.0, _FACE_CENTRE_Y - 0.06, idt.face_width + idt.hair_volume,
                         idt.face_height + 0.8 * idt.hair_volume, f.pixel)
    return cap * shapes.coverage(f.y - (_FACE_CENTRE_Y + idt.hair_length), f.pixel)


def _hair_front(f: _Frame, idt: Identity) -> np.ndarray:
    top = _FACE_CENTRE_Y - idt.face_height * (1.0 - idt.hair_line)
    line = (top + 0.05 * idt.fringe_wave * np.cos(f.x * 9.0 + 3.0 * idt.hair_part)
            + 0.12 * idt.hair_part * f.x + 0.25 * np.abs(f.x) ** 2)
    return shapes.coverage(f.y - line, f.pixel)


def _face_distance(f: _Frame, idt: Identity) -> np.ndarray:
    below = np.clip((f.y - _FACE_CENTRE_Y) / idt.face_height, 0.0, 1.0)
    half_width = idt.face_width * (1.0 - idt.jaw_taper * below ** 2)
    return shapes.ellipse_distance(f.x, f.y, 0.0, _FACE_CENTRE_Y, half_width, idt.face_height)


def _shade(f: _Frame, idt: Identity, pose: Pose) -> np.ndarray:
    """Lambert shading of the head as an ellipsoid lit from the pose's light direction."""
    nx = f.x / (idt.face_width + idt.hair_volume)
    ny = (f.y - _FACE_CENTRE_Y) / (idt.face_height + idt.hair_volume)
    nz = np.sqrt(np.clip(1.0 - nx * nx - ny * ny, 0.0, 1.0))
    light = (math.cos(pose.light_elevation) * math.cos(pose.light_azimuth),
             math.cos(pose.light_elevation) * math.sin(pose.light_azimuth),
             math.sin(pose.light_elevation))
    lambert = np.clip(nx * light[0] + ny * light[1] + nz * light[2], 0.0, 1.0)
    return (1.0 - pose.light_strength) + pose.light_strength * 1.6 * lambert


def _eyes_and_brows(img: np.ndarray, f: _Frame, idt: Identity, pose: Pose) -> np.ndarray:
    fore = math.cos(pose.yaw)
    for side in (-1.0, 1.0):
        ex, ey = f.project(side * idt.eye_spacing, idt.eye_height)
        width, height = idt.eye_width * fore, idt.eye_size * max(pose.eye_open, 0.08)
        white = shapes.ellipse(f.x, f.y, ex, ey, width, height, f.pixel)
        img = shapes.blend(img, (0.95, 0.94, 0.9), white)
        iris = shapes.ellipse(f.x, f.y, ex, ey, idt.eye_size * 0.95 * fore, idt.eye_size * 0.95,
                              f.pixel) * white
        img = shapes.blend(img, idt.iris, iris)
        pupil = shapes.ellipse(f.x, f.y, ex, ey, idt.eye_size * 0.42 * fore,
                               idt.eye_size * 0.42, f.pixel) * white
        img = shapes.blend(img, (0.03, 0.03, 0.03), pupil)
        lid = shapes.ring(f.x, f.y, ex, ey, width, height, 0.012, f.pixel)
        img = shapes.blend(img, np.asarray(idt.skin) * 0.35, lid * (f.y < ey + 0.2 * height))
        bx, by = f.project(side * (idt.eye_spacing + 0.01),
                           idt.eye_height - idt.brow_gap - 0.035 * pose.brow_raise)
        brow = shapes.band(f.x, f.y, bx, by, idt.eye_width * 1.35 * fore, idt.brow_thickness,
                           side * idt.brow_tilt, idt.brow_arch, f.pixel)
        img = shapes.blend(img, np.asarray(idt.hair) * 0.7, brow * 0.95)
        if idt.glasses:
            frame = shapes.ring(f.x, f.y, ex, ey, idt.eye_width * 1.5 * fore,
                                idt.eye_width * 1.15, 0.016, f.pixel)
            img = shapes.blend(img, idt.glasses_colour, frame)
    if idt.glasses:
        left, y = f.project(-idt.eye_spacing + idt.eye_width * 1.5, idt.eye_height)
        right, _ = f.project(idt.eye_spacing - idt.eye_width * 1.5, idt.eye_height)
        bridge = shapes.band(f.x, f.y, (left + right) / 2, y - 0.01, max(abs(right - left) / 2,
                             0.01), 0.008, 0.0, 0.01, f.pixel)
        img = shapes.blend(img, idt.glasses_colour, bridge)
    return img


def _nose_and_mouth(img: np.ndarray, f: _Frame, idt: Identity, pose: Pose,
                    face: np.ndarray) -> np.ndarray:
    fore = math.cos(pose.yaw)
    skin = np.asarray(idt.skin)
    tip_y = idt.eye_height + idt.nose_length
    tip_x, _ = f.project(0.0, tip_y, lift=0.45 * idt.nose_length)
    ridge_x, ridge_y = f.project(0.0, idt.eye_height + idt.nose_length / 2,
                                 lift=0.25 * idt.nose_length)
    side = 1.0 if math.cos(pose.light_azimuth) < 0 else -1.0
    ridge = shapes.band(f.x, f.y, ridge_x + side * idt.nose_width * 0.35 * fore, ridge_y,
                        idt.nose_length / 2, idt.nose_width * 0.18, math.pi / 2, 0.0, f.pixel)
    img = shapes.blend(img, skin * 0.72, ridge * 0.6)
    for nostril in (-1.0, 1.0):
        nostril_cov = shapes.ellipse(f.x, f.y, tip_x + nostril * idt.nose_width * 0.45 * fore,
                                     tip_y, 0.02 * fore + 0.004, 0.011, f.pixel)
        img = shapes.blend(img, skin * 0.35, nostril_cov)
    if idt.beard:
        chin = shapes.coverage(tip_y + 0.035 - f.y, f.pixel) * face
        img = shapes.blend(img, np.asarray(idt.hair) * 0.8, chin * idt.beard)
    mx, my = f.project(0.0, idt.mouth_height)
    width = idt.mouth_width * fore
    u = np.clip((f.x - mx) / width, -1.0, 1.0)
    curve = my - 0.045 * pose.smile * (u * u - 0.4)
    rounded = np.sqrt(np.clip(1.0 - u * u, 0.0, 1.0))
    opening = 0.055 * pose.mouth_open * rounded
    ends = (np.abs(f.x - mx) - width)
    lips = shapes.coverage(np.maximum(np.abs(f.y - curve) - idt.lip_thickness * rounded - opening,
                                      ends), f.pixel)
    img = shapes.blend(img, idt.lip, lips)
    if pose.mouth_open > 0.08:
        inside = shapes.coverage(np.maximum(np.abs(f.y - curve) - opening,
                                            ends + 0.15 * width), f.pixel)
        img = shapes.blend(img, (0.25, 0.05, 0.06), inside)
        teeth = inside * shapes.coverage(f.y - (curve - 0.4 * opening), f.pixel)
        img = shapes.blend(img, (0.92, 0.9, 0.85), teeth)
    return img


def draw_face(identity: Identity, pose: Pose, size: int) -> np.ndarray:
    """The face as [size, size, 4] uint8 RGBA (alpha = the face mask)."""
    f = _frame(identity, pose, size)
    idt = identity
    t = (np.cos(pose.background_angle) * f.x + np.sin(pose.background_angle) * f.y) / 2 + 0.5
    img = shapes.blend(np.broadcast_to(np.asarray(pose.background_a, np.float32),
                                       (size, size, 3)), pose.background_b, np.clip(t, 0.0, 1.0))
    head = np.zeros((size, size), np.float32)
    if not idt.bald:
        back = _hair_back(f, idt)
        img, head = shapes.blend(img, idt.hair, back), np.maximum(head, back)
    for side in (-1.0, 1.0):
        ear = shapes.ellipse(f.x, f.y, side * idt.face_width * math.cos(pose.yaw) * 0.98
                             + idt.face_width * 0.9 * math.sin(pose.yaw) * 0.1,
                             idt.eye_height + 0.07, 0.055 * idt.ear_size, 0.11 * idt.ear_size,
                             f.pixel)
        img, head = shapes.blend(img, np.asarray(idt.skin) * 0.88, ear), np.maximum(head, ear)
    face = shapes.coverage(_face_distance(f, idt), f.pixel)
    img, head = shapes.blend(img, idt.skin, face), np.maximum(head, face)
    for side in (-1.0, 1.0):
        cx, cy = f.project(side * (idt.eye_spacing + 0.04), idt.eye_height + 0.13)
        cheek = shapes.ellipse(f.x, f.y, cx, cy, 0.07, 0.045, f.pixel * 6)
        img = shapes.blend(img, (0.9, 0.42, 0.42), cheek * idt.blush)
    img = _nose_and_mouth(img, f, idt, pose, face)
    img = _eyes_and_brows(img, f, idt, pose)
    if not idt.bald:
        front = _hair_front(f, idt) * face
        img = shapes.blend(img, idt.hair, front)
    shade = 1.0 + (_shade(f, idt, pose) - 1.0) * head
    img = img * shade[..., None] * pose.brightness
    rgba = np.concatenate([np.clip(img, 0.0, 1.0), face[..., None]], axis=-1)
    return np.round(rgba * 255.0).astype(np.uint8)
