"""The PyTorch train step: autograd on the Keras model, run eagerly, one device.

The same iteration as TensorFlow's (:mod:`phazer.train.step_tensorflow`): every side's
forward pass, the loss terms, ``backward()`` on their (loss-scaled) sum, and the optimizer's
``apply`` under ``torch.no_grad()`` (accumulation, clipping, weight decay and loss scaling are
the optimizer's, in ``keras.ops``, so they are the same code on every backend). Keras' torch
backend puts the model on the GPU (CUDA, or Apple's MPS) when there is one; the batch is moved
there as it is converted.

One device: phazer does not wrap the model in DistributedDataParallel (Keras' torch backend has
no data-parallel distribution, and one GPU is what faceswap trains on); several devices train on
TensorFlow (``tf.distribute``) or JAX.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import keras
import torch

from phazer.train.losses import ModelLoss


def to_tensors(batch: Mapping[str, Any]) -> dict[str, Any]:
    """A batch (numpy arrays) as the backend's tensors on its device."""
    return {name: keras.ops.convert_to_tensor(value) for name, value in batch.items()}


class TorchTrainStep:
    """One training iteration with PyTorch's autograd.

    Args:
        model: the Keras model (inputs ``face_in_<side>``, outputs as ``loss.output_names``).
        optimizer: a built optimizer.
        loss: the per-output loss.
    """

    strategy = None
    fixed_xla = (False, "the torch backend runs the step eagerly; training.xla does not apply")
    compile_errors: tuple[type[Exception], ...] = ()

    def __init__(self, model: keras.Model, optimizer: keras.optimizers.Optimizer,
                 loss: ModelLoss) -> None:
        self.model = model
        self.optimizer = optimizer
        self.loss = loss
        self.variables = list(model.trainable_variables)

    def function(self, jit_compile: bool = False) -> Any:
        """The callable of one iteration (``jit_compile`` does not apply)."""
        return self.step

    def step(self, inputs: Mapping[str, Any], targets: Mapping[str, Any]) -> dict[str, Any]:
        """Run one iteration; the loss terms (detached scalars)."""
        inputs, targets = to_tensors(inputs), to_tensors(targets)
        outputs = self.model(inputs, training=True)
        if not isinstance(outputs, list | tuple):
            outputs = [outputs]
        predictions = dict(zip(self.model.output_names, outputs, strict=True))
        terms = self.loss.terms(targets, predictions)
        total = sum(terms.values())
        for variable in self.variables:
            variable.value.grad = None
        self.optimizer.scale_loss(total).backward()
        grads = [variable.value.grad for variable in self.variables]
        with torch.no_grad():
            self.optimizer.apply(grads, self.variables)
        return {name: value.detach() for name, value in terms.items()}
