"""The optimizer of a spec's ``training.optimizer`` section, with loss scaling.

:func:`build_optimizer` makes phazer's optimizer class named in
:mod:`phazer.catalog.optimizers` (:mod:`phazer.train.optimizer_classes`,
:mod:`phazer.train.rmsprop_lion_sgd`, :mod:`phazer.train.adabelief`: torch's update rules,
as faceswap trains) from the arguments
:func:`phazer.catalog.optimizers.optimizer_arguments` reads off the spec: learning rate,
epsilon = 10 ** ``epsilon_exponent``, betas, weight decay, clipping (autoclip's history is
an optimizer variable, saved with its state) and gradient accumulation. It is wrapped in a
``LossScaleOptimizer`` when the model computes in float16: the gradients are unscaled before
they are accumulated, clipped and applied.
"""

from __future__ import annotations

import keras

from phazer.catalog.optimizers import optimizer_arguments
from phazer.spec.training import TrainingSpec
from phazer.train.adabelief import AdaBelief
from phazer.train.optimizer_base import PhazerOptimizer
from phazer.train.optimizer_classes import Adam, Adamax, AdamW, Nadam
from phazer.train.rmsprop_lion_sgd import SGD, Lion, RMSprop

OPTIMIZER_CLASSES: dict[str, type[PhazerOptimizer]] = {
    cls.__name__: cls for cls in (AdaBelief, Adam, AdamW, Adamax, Nadam, RMSprop, Lion, SGD)}
"""phazer's optimizer classes by the class name the catalog gives (``keras_class``)."""


def build_optimizer(training: TrainingSpec) -> keras.optimizers.Optimizer:
    """The optimizer of a spec (a loss-scale optimizer around it for float16 compute).

    Call it inside the distribution strategy's scope (if any): it creates variables.
    """
    class_name, kwargs = optimizer_arguments(training.optimizer)
    optimizer: keras.optimizers.Optimizer = OPTIMIZER_CLASSES[class_name](**kwargs)
    if training.dtype_policy == "mixed_float16":   # bfloat16 has float32's range: no scaling
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer


def inner_optimizer(optimizer: keras.optimizers.Optimizer) -> keras.optimizers.Optimizer:
    """The optimizer that updates the weights (a loss-scale optimizer's inner one)."""
    return getattr(optimizer, "inner_optimizer", optimizer)
