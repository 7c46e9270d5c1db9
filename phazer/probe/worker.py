"""The measuring side of the probe: run as ``python -m phazer.probe.worker REQUEST_JSON``.

It builds the spec's Keras model under the requested dtype policy, compiles it with XLA
(``jit_compile=True``), the requested optimizer and a mean-absolute-error loss on every
output, and runs real training steps on random data. It prints one JSON line: the device,
TensorFlow's allocator peak over the measured steps and the wall time. XLA's buffer plan is
dumped by the ``XLA_FLAGS`` the parent set; the parent reads it (see
:mod:`phazer.probe.xla_report`). Running in its own process keeps the dtype policy, the XLA
flags and the memory of the model out of the caller.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any


def _optimizer(keras: Any, request: dict) -> Any:
    name = request["optimizer"]
    options: dict[str, Any] = {}
    if name in ("adam", "adamw"):
        options["amsgrad"] = request.get("amsgrad", False)
    if name in ("sgd", "rmsprop"):
        options["momentum"] = request.get("momentum", 0.0)
    if name == "rmsprop":
        options["centered"] = request.get("centered", False)
    classes = {"adam": "Adam", "adamw": "AdamW", "nadam": "Nadam", "adamax": "Adamax",
               "rmsprop": "RMSprop", "lion": "Lion", "sgd": "SGD"}
    return getattr(keras.optimizers, classes[name])(**options)


def run(request: dict) -> dict:
    """Build, compile and train as ``request`` says; return the allocator figures."""
    import keras
    import numpy as np
    import tensorflow as tf

    from phazer.compiler import compile_model_ir
    from phazer.emit import emit_model
    from phazer.spec import load_spec

    keras.mixed_precision.set_global_policy(request["precision"])
    # the weights' values do not change a step's memory, and ImageNet weights may not be on
    # this machine: measure with the encoder's own initialisation
    spec = load_spec(request["reference"], request.get("overrides") or []).spec
    model = emit_model(compile_model_ir(spec).without_pretrained())
    model.compile(optimizer=_optimizer(keras, request), loss="mae", jit_compile=True)
    batch = request["batch_size"]
    rng = np.random.default_rng(0)
    inputs = [rng.random((batch, *t.shape[1:]), dtype=np.float32) for t in model.inputs]
    targets = [rng.random((batch, *t.shape[1:]), dtype=np.float32) for t in model.outputs]
    device = "GPU:0" if tf.config.list_physical_devices("GPU") else "CPU:0"
    steps = max(1, request.get("steps", 2))
    start = time.perf_counter()
    if steps > 1:
        model.train_on_batch(inputs, targets)  # compiles the step
        steps -= 1
    tf.config.experimental.reset_memory_stats(device)
    for _ in range(steps):
        model.train_on_batch(inputs, targets)
    peak = tf.config.experimental.get_memory_info(device)["peak"]
    return {"device": device, "allocator_peak": int(peak),
            "seconds": round(time.perf_counter() - start, 2),
            "keras_total_params": int(model.count_params())}


def main() -> None:
    """Entry point: one JSON request as the argument, one JSON result line on stdout."""
    os.environ["KERAS_BACKEND"] = "tensorflow"  # XLA's dump is TensorFlow's
    # the full tensorflow wheel keeps no memory statistics on the CPU unless its CPU allocator
    # is the BFC one (tensorflow-cpu's default): set before TensorFlow loads
    os.environ.setdefault("TF_CPU_ALLOCATOR_USE_BFC", "true")
    print(json.dumps(run(json.loads(sys.argv[1]))))


if __name__ == "__main__":
    main()
