"""Apply phazer's optimizers to fixed gradients on the backend KERAS_BACKEND names.

Run as ``python optimizer_updates.py OUT.npz``: for every case of :data:`CASES` (an optimizer
section of a spec, with clipping, accumulation, decay, float16 loss scaling) it builds the
optimizer as ``phazer train`` does, updates a kernel and a bias with four steps of fixed
gradients (the JAX step's ``stateless_apply`` on JAX, ``apply`` elsewhere) and saves the
weights and every optimizer variable. tests/test_backend_optimizers.py compares the backends.
"""

from __future__ import annotations

import sys

import keras
import numpy as np

from phazer.spec.training import TrainingSpec
from phazer.train.checkpoint import _scope_free
from phazer.train.optimizers import build_optimizer

CASES: dict[str, dict] = {
    "adam": {"optimizer": {"type": "adam", "learning_rate": 1e-3}},
    "adam_amsgrad_norm": {"optimizer": {"type": "adam", "amsgrad": True, "clipping": "norm",
                                        "clipping_value": 0.5}},
    "adamw": {"optimizer": {"type": "adamw", "learning_rate": 1e-3, "weight_decay": 0.1}},
    "adamax": {"optimizer": {"type": "adamax", "learning_rate": 1e-3}},
    "nadam_global_norm": {"optimizer": {"type": "nadam", "clipping": "global_norm",
                                        "clipping_value": 0.3}},
    "adabelief": {"optimizer": {"type": "adabelief", "learning_rate": 1e-3,
                                "weight_decay": 0.01}},
    "rmsprop_value": {"optimizer": {"type": "rmsprop", "clipping": "value",
                                    "clipping_value": 0.2, "weight_decay": 0.01}},
    "lion_autoclip": {"optimizer": {"type": "lion", "clipping": "autoclip",
                                    "clipping_value": 5, "autoclip_history": 3}},
    "sgd_accumulate": {"optimizer": {"type": "sgd", "learning_rate": 1e-2,
                                     "gradient_accumulation": 2}},
    "adam_float16": {"mixed_precision": "float16", "optimizer": {"type": "adam"}},
}
STEPS = 4


def gradients(step: int) -> list[np.ndarray]:
    """The step's gradients of the kernel (3x4) and the bias (4); step 2 of float16 is inf."""
    rng = np.random.default_rng(100 + step)
    return [rng.normal(size=(3, 4)).astype(np.float32), rng.normal(size=4).astype(np.float32)]


def run_case(name: str, section: dict) -> dict[str, np.ndarray]:
    """The weights and optimizer variables after :data:`STEPS` updates."""
    optimizer = build_optimizer(TrainingSpec.model_validate(section))
    start = np.random.default_rng(7)
    weights = [keras.Variable(start.normal(size=(3, 4)).astype(np.float32), name="kernel"),
               keras.Variable(start.normal(size=4).astype(np.float32), name="bias")]
    optimizer.build(weights)
    for step in range(STEPS):
        grads = gradients(step)
        if section.get("mixed_precision") == "float16":
            scale = float(np.asarray(optimizer.scale_loss(1.0)))
            grads = [g * scale for g in grads]
            if step == 2:
                grads[0][0, 0] = np.inf     # skipped, and the scale halves
        grads = [keras.ops.convert_to_tensor(g) for g in grads]
        if keras.backend.backend() == "jax":
            values, slots = optimizer.stateless_apply([v.value for v in optimizer.variables],
                                                      grads, [w.value for w in weights])
            for variable, value in zip(weights, values, strict=True):
                variable.assign(value)
            for variable, value in zip(optimizer.variables, slots, strict=True):
                variable.assign(value)
        else:
            optimizer.apply(grads, weights)
    out = {f"{name}/weight{i}": np.asarray(w.numpy()) for i, w in enumerate(weights)}
    for variable in optimizer.variables:
        out[f"{name}/{_scope_free(str(variable.path))}"] = np.asarray(
            keras.ops.convert_to_numpy(variable.value), np.float64)
    return out


def main(target: str) -> None:
    """Run every case and save the arrays to ``target``."""
    arrays: dict[str, np.ndarray] = {}
    for name, section in CASES.items():
        arrays.update(run_case(name, section))
    np.savez(target, **arrays)


if __name__ == "__main__":
    main(sys.argv[1])
