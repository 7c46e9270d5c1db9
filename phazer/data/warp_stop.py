"""When the input's random warp stops: ``training.augmentation.no_warp_from``.

faceswap users train with the random warp (what teaches the shared encoder to swap) and, late
in training, restart with ``--no-warp`` so the last iterations sharpen the details the warp
blurs. phazer does it within one run: the pipeline counts model iterations and stops warping
from the spec's ``no_warp_from`` on. The counting is exact (batch ``i`` of a session is the
model's iteration ``first + i + 1``) and survives resumes.

The mark lives in a :class:`WarpStop` variable the pipeline reads for each batch, so a run with
a time limit (``phazer demo``) can bring it forward when its share of the time is used; batches
already prefetched keep their warp (a few iterations' lag).
"""

from __future__ import annotations

import tensorflow as tf

NEVER = 2**62   # a mark no run reaches: warped throughout


class WarpStop:
    """The first model iteration whose input is not warped, as a variable the pipeline reads.

    Args:
        no_warp_from: the spec's ``training.augmentation.no_warp_from`` (None: never).
    """

    def __init__(self, no_warp_from: int | None) -> None:
        first = NEVER if no_warp_from is None else no_warp_from
        self.variable = tf.Variable(first, dtype=tf.int64, trainable=False,
                                    name="no_warp_from")

    @property
    def iteration(self) -> int | None:
        """The first unwarped model iteration (None: never)."""
        value = int(self.variable.numpy())
        return None if value >= NEVER else value

    def stop_at(self, iteration: int) -> bool:
        """Stop the warp from model iteration ``iteration`` on, if it is not stopped sooner.

        Returns:
            Whether the mark moved.
        """
        current = self.iteration
        if current is not None and current <= iteration:
            return False
        self.variable.assign(iteration)
        return True


def warped(iteration: tf.Tensor, no_warp_from: tf.Tensor | tf.Variable | int) -> tf.Tensor:
    """Whether model iteration ``iteration`` (1-based, int64) trains on a warped input."""
    return iteration < tf.cast(no_warp_from, tf.int64)
