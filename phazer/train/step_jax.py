"""The JAX train step: Keras' stateless calls inside one ``jax.jit`` (always XLA).

JAX computes on values, not variables: the step takes the values of the model's trainable and
other variables and of the optimizer's, returns their new values with the loss terms, and
:class:`JaxTrainStep` writes them back into the Keras variables after every iteration. So
everything that reads or sets a variable between steps (the learning rate the schedule sets,
saves, previews, the optimizer state of a resume) sees the model as it is, exactly as on the
other backends. The loss scale of float16 training is an optimizer variable, read inside the
step through a ``StatelessScope`` (as Keras' own JAX trainer does).

With a Keras distribution set (``keras.distribution.DataParallel``, several devices), the
variables are replicated by Keras and each batch is split over the devices on its first axis
before the step; XLA reduces the gradients.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jax
import keras
from keras.src.backend.common.stateless_scope import StatelessScope

from phazer.train.losses import ModelLoss

State = tuple[list[Any], list[Any], list[Any]]
"""The values of the trainable, the other and the optimizer's variables."""


class JaxTrainStep:
    """One training iteration with ``jax.value_and_grad`` under ``jax.jit``.

    Args:
        model: the Keras model (inputs ``face_in_<side>``, outputs as ``loss.output_names``).
        optimizer: a built optimizer.
        loss: the per-output loss.
    """

    strategy = None
    fixed_xla = (True, "the jax backend compiles every step with XLA")
    compile_errors: tuple[type[Exception], ...] = ()

    def __init__(self, model: keras.Model, optimizer: keras.optimizers.Optimizer,
                 loss: ModelLoss) -> None:
        self.model = model
        self.optimizer = optimizer
        self.loss = loss
        self.trainable = list(model.trainable_variables)
        self.others = list(model.non_trainable_variables)
        self.slots = list(optimizer.variables)
        self._jitted = jax.jit(self._pure_step, donate_argnums=0)

    def function(self, jit_compile: bool = True) -> Any:
        """The callable of one iteration (always compiled)."""
        return self.step

    def _scaled_loss(self, trainable: list[Any], others: list[Any], slots: list[Any],
                     inputs: Mapping[str, Any], targets: Mapping[str, Any]
                     ) -> tuple[Any, tuple[dict[str, Any], list[Any]]]:
        outputs, others = self.model.stateless_call(trainable, others, dict(inputs),
                                                    training=True)
        if not isinstance(outputs, list | tuple):
            outputs = [outputs]
        predictions = dict(zip(self.model.output_names, outputs, strict=True))
        terms = self.loss.terms(targets, predictions)
        total = sum(terms.values())
        with StatelessScope(state_mapping=list(zip(self.optimizer.variables, slots,
                                                   strict=True))):
            scaled = self.optimizer.scale_loss(total)
        return scaled, (terms, others)

    def _pure_step(self, state: State, inputs: Mapping[str, Any], targets: Mapping[str, Any]
                   ) -> tuple[dict[str, Any], State]:
        trainable, others, slots = state
        gradient_of = jax.value_and_grad(self._scaled_loss, has_aux=True)
        (_, (terms, others)), grads = gradient_of(trainable, others, slots, inputs, targets)
        trainable, slots = self.optimizer.stateless_apply(slots, grads, trainable)
        return terms, (trainable, others, slots)

    def step(self, inputs: Mapping[str, Any], targets: Mapping[str, Any]) -> dict[str, Any]:
        """Run one iteration on the variables' current values; write the new ones back."""
        state = ([v.value for v in self.trainable], [v.value for v in self.others],
                 [v.value for v in self.slots])
        inputs, targets = _placed(inputs), _placed(targets)
        terms, (trainable, others, slots) = self._jitted(state, inputs, targets)
        for group, values in ((self.trainable, trainable), (self.others, others),
                              (self.slots, slots)):
            for variable, value in zip(group, values, strict=True):
                variable.assign(value)
        return terms


def _placed(batch: Mapping[str, Any]) -> dict[str, Any]:
    """The batch as JAX arrays, split over the devices of a Keras distribution if one is set."""
    distribution = keras.distribution.distribution()
    if distribution is None:
        return {name: jax.numpy.asarray(value) for name, value in batch.items()}
    from keras.src.backend.jax.distribution_lib import distribute_data_input

    return {name: distribute_data_input(value, distribution.get_data_layout(value.shape),
                                        distribution.batch_dim_name)
            for name, value in batch.items()}
