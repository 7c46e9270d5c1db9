"""The learning rate finder's plot: smoothed loss against the rate, drawn with Pillow.

As faceswap's ``learning_rate_finder_<time>.png``: the smoothed loss of each update against
its recorded rate on a log scale, leaving out the first 10 updates and the last one (where
the smoothing has not settled, and where the sweep diverged), with a dot at the rate each
strength (default, aggressive, extreme) would choose. phazer writes it as ``lr_finder.png``
in the model dir.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from phazer.fileio import atomic_write_bytes
from phazer.train.lr_sweep import STRENGTH_DIVISORS

SIZE = (800, 500)
MARGIN = (80, 50, 30, 60)      # left, top, right, bottom
SKIP_START, SKIP_END = 10, 1
COLOURS = {"default": (40, 160, 40), "aggressive": (220, 180, 0), "extreme": (210, 40, 40)}
LINE = (31, 119, 180)
GRID = (225, 225, 225)
INK = (40, 40, 40)


def plotted(rates: Sequence[float], losses: Sequence[float]
            ) -> tuple[list[float], list[float]]:
    """The points faceswap plots: all but the first 10 and the last (all when too few)."""
    if len(rates) > SKIP_START + SKIP_END + 1:
        return list(rates[SKIP_START:-SKIP_END]), list(losses[SKIP_START:-SKIP_END])
    return list(rates), list(losses)


def strength_marks(rates: Sequence[float], losses: Sequence[float], best_rate: float
                   ) -> dict[str, tuple[float, float]]:
    """Each strength's rate and the plotted loss at the first rate reaching it."""
    marks = {}
    for strength, divisor in STRENGTH_DIVISORS.items():
        rate = best_rate / divisor
        index = next((i for i, r in enumerate(rates) if r >= rate), None)
        if index is not None:
            marks[strength] = (rate, losses[index])
    return marks


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:           # Pillow < 10.1: one size only
        return ImageFont.load_default()


def draw_plot(rates: Sequence[float], losses: Sequence[float], best_rate: float,
              chosen: str) -> Image.Image:
    """The plot as an image.

    Args:
        rates: the recorded rates of the sweep.
        losses: their smoothed losses.
        best_rate: the recorded rate at the lowest smoothed loss.
        chosen: the strength in use (its label is marked).
    """
    xs, ys = plotted(rates, losses)
    image = Image.new("RGB", SIZE, "white")
    pen = ImageDraw.Draw(image)
    small, title = _font(13), _font(16)
    left, top, right, bottom = MARGIN[0], MARGIN[1], SIZE[0] - MARGIN[2], SIZE[1] - MARGIN[3]
    finite = [y for y in ys if math.isfinite(y)] or [0.0, 1.0]
    low_x, high_x = math.log10(min(xs)), math.log10(max(xs))
    low_y, high_y = min(finite), max(finite)
    span_x, span_y = max(high_x - low_x, 1e-9), max(high_y - low_y, 1e-12)
    low_y, high_y = low_y - 0.05 * span_y, high_y + 0.05 * span_y
    span_y = high_y - low_y

    def at(x: float, y: float) -> tuple[float, float]:
        y = min(max(y, low_y), high_y) if math.isfinite(y) else high_y
        return (left + (math.log10(x) - low_x) / span_x * (right - left),
                bottom - (y - low_y) / span_y * (bottom - top))

    for decade in range(math.ceil(low_x), math.floor(high_x) + 1):
        x = left + (decade - low_x) / span_x * (right - left)
        pen.line([(x, top), (x, bottom)], fill=GRID)
        pen.text((x, bottom + 6), f"1e{decade}", fill=INK, font=small, anchor="mt")
    for tick in range(5):
        value = low_y + span_y * tick / 4
        y = bottom - tick / 4 * (bottom - top)
        pen.line([(left, y), (right, y)], fill=GRID)
        pen.text((left - 6, y), f"{value:.4g}", fill=INK, font=small, anchor="rm")
    pen.rectangle([left, top, right, bottom], outline=INK)
    pen.line([at(x, y) for x, y in zip(xs, ys, strict=True)], fill=LINE, width=2)
    legend_y = top + 10
    for strength, (rate, loss) in strength_marks(xs, ys, best_rate).items():
        cx, cy = at(rate, loss)
        colour = COLOURS[strength]
        pen.ellipse([cx - 5, cy - 5, cx + 5, cy + 5], fill=colour)
        label = f"{strength.title()}: {rate:.1e}" + (" (chosen)" if strength == chosen else "")
        pen.ellipse([right - 200, legend_y - 4, right - 192, legend_y + 4], fill=colour)
        pen.text((right - 186, legend_y), label, fill=INK, font=small, anchor="lm")
        legend_y += 18
    pen.text(((left + right) / 2, 12), "Learning Rate Finder", fill=INK, font=title,
             anchor="mt")
    pen.text(((left + right) / 2, SIZE[1] - 18), "Learning rate (log scale)", fill=INK,
             font=small, anchor="mm")
    pen.text((left, top - 8), "Loss (smoothed)", fill=INK, font=small, anchor="ls")
    return image


def write_plot(path: Path, rates: Sequence[float], losses: Sequence[float],
               best_rate: float, chosen: str) -> None:
    """Draw the plot and write it as a PNG (atomically)."""
    buffer = io.BytesIO()
    draw_plot(rates, losses, best_rate, chosen).save(buffer, format="PNG")
    atomic_write_bytes(path, buffer.getvalue())
