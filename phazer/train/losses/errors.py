"""The error of a loss that cannot be built from the user's files."""

from __future__ import annotations

from phazer.train.precheck import TrainInputError


class LossWeightsError(TrainInputError):
    """A loss's weights file (``training.losses[].weights_file``) is missing or unreadable.

    A :class:`~phazer.train.precheck.TrainInputError`: ``phazer train`` reports its message
    and hint on one line each, without a traceback.
    """
