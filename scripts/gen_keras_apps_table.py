"""Regenerate phazer/catalog/keras_apps_table.json by building the Keras Applications encoders.

Needs TensorFlow and Keras (never downloads anything: every model is built with
``weights=None``). The table gives, for every Keras encoder of ``phazer/catalog/encoders.py``
and every input size phazer's input-size rule can produce, the output shape, the parameters
(trainable, non-trainable) and the forward FLOPs per example; sizes Keras refuses are kept with
Keras' message.

    python scripts/gen_keras_apps_table.py                # regenerate, verify, write
    python scripts/gen_keras_apps_table.py --jobs 2       # worker processes (default: CPUs)
    python scripts/gen_keras_apps_table.py --no-verify    # skip the fixed-size rebuilds
    python scripts/gen_keras_apps_table.py --check        # regenerate and compare, do not write

How it stays fast without guessing:

1. Each model is built once with a dynamic input ``(None, None, 3)`` inside a Keras
   ``StatelessScope`` that never initialises the weights, then its graph is traced symbolically
   at every size (``compute_output_spec`` op by op). In these applications the only construction
   step that reads a spatial size is ``imagenet_utils.correct_pad`` (EfficientNet, MobileNetV2,
   MobileNetV3): the padding it returns depends on the parity of the tensor it pads. Its calls
   are recorded during the build and the ``ZeroPadding2D`` layers they made are re-padded from
   the traced shape. NASNet compares spatial sizes while it builds, so it is built per size.
2. Keras' own input checks run per size: the constructor is called with the fixed shape and
   stopped when it reaches ``layers.Input``.
3. MobileNet options change channel counts, not spatial sizes: every option combination is built
   once (dynamic input). A combination whose layer graph (operation types and names) was already
   traced takes the spatial dimensions of that trace and its own channel dimensions; the first
   of each distinct graph is traced. The extreme combinations are also traced in full as a check.
4. Verification (unless ``--no-verify``): every encoder is rebuilt with a fixed input at sampled
   sizes (smallest, default, largest, and one whose ``size / 16`` is odd); parameters, output
   shape and FLOPs must equal the table's, which also shows that parameters do not depend on
   the input size.

A run takes 4-11 minutes with 2 worker processes on 2 CPU cores (4 min 19 s on an idle AMD
EPYC, most of it building the table; NASNet's per-size builds and the 390 MobileNet v1
combinations are half of it).

FLOPs are counted by ``scripts/keras_app_flops.py`` and the memory figures by
``scripts/keras_app_memory.py``, both from the traced shapes.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import math
import multiprocessing
import os
import sys
import time
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from phazer.catalog.encoders import ENCODERS, EncoderInfo  # noqa: E402
from phazer.catalog.keras_apps import KERAS_ARGUMENTS, TABLE_FILE, variant_key  # noqa: E402
from scripts.keras_app_flops import graph_flops  # noqa: E402
from scripts.keras_app_memory import FIGURES as MEMORY_FIGURES  # noqa: E402
from scripts.keras_app_memory import Shapes, graph_memory  # noqa: E402

TABLE_PATH = REPO / "phazer" / "catalog" / TABLE_FILE
FORMAT = 1

WIDTHS = tuple(round(0.05 * step, 2) for step in range(2, 41))  # 0.10 .. 2.00
DEPTH_MULTIPLIERS = tuple(range(1, 11))
FAMILY_OPTIONS: dict[str, dict[str, tuple[Any, ...]]] = {
    "mobilenet_v1": {"width": WIDTHS, "depth_multiplier": DEPTH_MULTIPLIERS},
    "mobilenet_v2": {"width": WIDTHS},
    "mobilenet_v3": {"width": WIDTHS, "minimalistic": (False, True)},
}
OPTION_DEFAULTS = {"width": 1.0, "depth_multiplier": 1, "minimalistic": False}
# Options that always change the layer graph (not only channel counts): tasks are split by them.
# Other options may change it too (MobileNetV2 gains a residual add at small widths): every task
# finds the distinct graphs among its combinations and traces one of each.
STRUCTURE_OPTIONS = ("minimalistic",)
# Accepted options that cannot change anything with include_top=False.
FAMILY_IGNORED = {"mobilenet_v1": ("dropout",)}
# phazer scales the pixels itself, so the models' own preprocessing is switched off where Keras
# offers the switch and faceswap switched it off (EfficientNetV2) or meant to (MobileNetV3).
FAMILY_KWARGS: dict[str, dict[str, Any]] = {
    "efficientnet_v2": {"include_preprocessing": False},
    "mobilenet_v3": {"include_preprocessing": False},
}
PER_SIZE_FAMILIES = ("nasnet",)
VARIANTS_PER_TASK = 30
MESSAGE_CHARS = 300


# --- what to tabulate (no Keras needed) ----------------------------------------------------
def keras_encoders() -> dict[str, EncoderInfo]:
    """The catalog's Keras Applications encoders."""
    return {name: info for name, info in ENCODERS.items() if info.is_keras_application}


def candidate_sizes(info: EncoderInfo) -> list[int]:
    """Every size ``max(min_size, floor16(default * scaling / 100))`` can take, scaling 1-200."""
    first = -(-info.min_size // 16) * 16
    last = info.default_size * 2 // 16 * 16
    sizes = list(range(first, last + 1, 16))
    return ([info.min_size] if info.min_size % 16 else []) + sizes


def option_grid(info: EncoderInfo) -> dict[str, tuple[Any, ...]]:
    """The tabulated values of each option of an encoder."""
    return FAMILY_OPTIONS.get(info.family, {})


def variants(info: EncoderInfo) -> list[dict[str, Any]]:
    """Every option combination of an encoder (``[{}]`` without options)."""
    combos: list[dict[str, Any]] = [{}]
    for name, values in option_grid(info).items():
        combos = [{**combo, name: value} for combo in combos for value in values]
    return combos


def constructor_kwargs(info: EncoderInfo, options: Mapping[str, Any]) -> dict[str, Any]:
    """Keras constructor arguments for one option combination (no input shape, no weights)."""
    kwargs: dict[str, Any] = {"include_top": False, **FAMILY_KWARGS.get(info.family, {})}
    for name, value in options.items():
        kwargs[KERAS_ARGUMENTS[name]] = value
    return kwargs


# --- Keras side (worker processes) ----------------------------------------------------------
class _ChecksPassed(Exception):
    """Raised in place of ``layers.Input``: the constructor's input checks all passed."""


_QUIET_SINGLE_THREADED = {
    # The work is Python-bound: one thread per worker process avoids two processes fighting
    # over the cores with TensorFlow's thread pools.
    "TF_CPP_MIN_LOG_LEVEL": "3", "TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1",
    "OMP_NUM_THREADS": "1",
}


def _keras() -> Any:
    for variable, value in _QUIET_SINGLE_THREADED.items():
        os.environ.setdefault(variable, value)
    warnings.filterwarnings("ignore")
    import keras
    return keras


def _message(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= MESSAGE_CHARS else text[:MESSAGE_CHARS - 3] + "..."


def preflight(info: EncoderInfo, kwargs: Mapping[str, Any], size: int) -> str | None:
    """Run the constructor's own input checks for a fixed size; Keras' message if it refuses."""
    keras = _keras()
    from keras.src import layers as src_layers
    constructor = getattr(keras.applications, info.keras_name)
    original = src_layers.Input

    def stop(*args: Any, **kw: Any) -> Any:
        raise _ChecksPassed

    src_layers.Input = stop
    try:
        constructor(input_shape=(size, size, 3), weights=None, **kwargs)
    except _ChecksPassed:
        return None
    except Exception as exc:
        return _message(exc)
    finally:
        src_layers.Input = original
    raise RuntimeError(f"{info.keras_name} built without calling layers.Input")


def build(info: EncoderInfo, kwargs: Mapping[str, Any],
          size: int | None) -> tuple[Any, dict[int, Any]]:
    """Build a model without allocating weights; also return its ``correct_pad`` layers.

    Returns:
        The model and ``{operation index: kernel size}`` for every ZeroPadding2D whose padding
        came from ``imagenet_utils.correct_pad``.
    """
    keras = _keras()
    from keras.src.applications import imagenet_utils
    keras.backend.clear_session()
    constructor = getattr(keras.applications, info.keras_name)
    original = imagenet_utils.correct_pad
    calls: dict[int, Any] = {}

    def recording(inputs: Any, kernel_size: Any) -> Any:
        calls[id(inputs)] = kernel_size
        return original(inputs, kernel_size)

    imagenet_utils.correct_pad = recording
    try:
        with keras.StatelessScope(initialize_variables=False):
            model = constructor(input_shape=(size, size, 3), weights=None, **kwargs)
    finally:
        imagenet_utils.correct_pad = original
    marks = {}
    for index, op in enumerate(model.operations):
        if isinstance(op, keras.layers.ZeroPadding2D):
            (node,) = op._inbound_nodes
            source = id(node.input_tensors[0])
            if source in calls:
                marks[index] = calls[source]
    if len(marks) != len(calls):
        raise RuntimeError(f"{info.keras_name}: {len(calls)} correct_pad calls but "
                           f"{len(marks)} matching ZeroPadding2D layers")
    return model, marks




def node_shapes(model: Any) -> dict[int, Shapes]:
    """``{operation index: (input shapes, output shapes)}`` as the model was built."""
    keras = _keras()
    shapes = {}
    for index, op in enumerate(model.operations):
        if isinstance(op, keras.layers.InputLayer):
            continue
        (node,) = op._inbound_nodes
        shapes[index] = (tuple(tuple(t.shape) for t in node.input_tensors),
                         tuple(tuple(t.shape) for t in node.outputs))
    return shapes


def trace(model: Any, size: int,
          marks: Mapping[int, Any]) -> tuple[tuple[int, ...], dict[int, Shapes]]:
    """Propagate a ``(1, size, size, 3)`` input through the graph symbolically.

    ZeroPadding2D layers made by ``correct_pad`` get the padding ``correct_pad`` gives for the
    traced shape, as a fixed-size build would have.

    Returns:
        The output shape (no batch axis) and every operation's input and output shapes.
    """
    keras = _keras()
    from keras.src import tree
    from keras.src.applications import imagenet_utils
    index = {id(op): i for i, op in enumerate(model.operations)}
    shapes: dict[int, Shapes] = {}

    def operation_fn(op: Any) -> Any:
        def run(*args: Any, **kwargs: Any) -> Any:
            i = index[id(op)]
            tensors = [t for t in tree.flatten((args, kwargs))
                       if isinstance(t, keras.KerasTensor)]
            if i in marks:
                (x,) = tensors
                (top, bottom), (left, right) = imagenet_utils.correct_pad(x, marks[i])
                b, h, w, c = x.shape
                out = keras.KerasTensor((b, h + top + bottom, w + left + right, c),
                                        dtype=x.dtype)
            else:
                out = op.compute_output_spec(*args, **kwargs)
            if i in shapes:
                raise RuntimeError(f"operation {op.name} runs twice")
            shapes[i] = (tuple(tuple(t.shape) for t in tensors),
                         tuple(tuple(t.shape) for t in tree.flatten(out)))
            return out
        return run

    output = model._run_through_graph(keras.KerasTensor((1, size, size, 3)), operation_fn)
    return tuple(output.shape[1:]), shapes


def count_params(model: Any) -> list[int]:
    """``[trainable, non_trainable]`` parameter counts."""
    return [sum(math.prod(v.shape) for v in model.trainable_weights),
            sum(math.prod(v.shape) for v in model.non_trainable_weights)]


def _splice(symbolic: Shapes, reference: Shapes) -> Shapes:
    """Fill the unknown (spatial, batch) dimensions of a dynamic build from a reference trace."""
    def fill(sym: Sequence[tuple[int | None, ...]],
             ref: Sequence[tuple[int | None, ...]]) -> tuple[tuple[int | None, ...], ...]:
        return tuple(tuple(r if d is None else d for d, r in zip(ds, rs, strict=True))
                     for ds, rs in zip(sym, ref, strict=True))
    return fill(symbolic[0], reference[0]), fill(symbolic[1], reference[1])


def _signature(model: Any) -> tuple[tuple[str, str], ...]:
    return tuple((type(op).__name__, op.name) for op in model.operations)


def _trace_sizes(name: str, info: EncoderInfo, kwargs: Mapping[str, Any], model: Any,
                 marks: Mapping[int, Any], sizes: list[int],
                 per_size: dict[int, dict[str, Any]]) -> dict[int, dict[int, Shapes]]:
    """Trace a model at every size; record (or check) the output side or refusal per size."""
    traced: dict[int, dict[int, Shapes]] = {}
    for size in sizes:
        refused = preflight(info, kwargs, size)
        if refused is None:
            try:
                out, traced[size] = trace(model, size, marks)
            except Exception as exc:
                refused = _message(exc)
        if refused is not None:
            figures: dict[str, Any] = {"refused": refused}
        elif len(out) != 3 or out[0] != out[1]:
            raise RuntimeError(f"{name} at {size}px: unexpected output shape {out}")
        else:
            figures = {"out": out[0]}
        seen = per_size.setdefault(size, figures)
        if seen.get("out") != figures.get("out"):
            raise RuntimeError(f"{name} at {size}px: option combinations disagree on the "
                               f"output size or refusal: {seen} vs {figures}")
    return traced


def task_dynamic(name: str, combos: list[dict[str, Any]], sizes: list[int],
                 full_checks: list[str]) -> dict[str, Any]:
    """Tabulate option combinations of one encoder from dynamic-input builds and traces.

    The first combination with a given layer graph is traced at every size; the others with
    the same graph (same operation types and names) borrow its spatial dimensions.
    """
    start = time.perf_counter()
    info = ENCODERS[name]
    per_size: dict[int, dict[str, Any]] = {}
    references: dict[tuple[tuple[str, str], ...], dict[int, dict[int, Shapes]]] = {}
    results: dict[str, Any] = {}
    for combo in combos:
        key, kwargs = variant_key(combo), constructor_kwargs(info, combo)
        model, marks = build(info, kwargs, None)
        signature = _signature(model)
        borrowed = signature in references
        if not borrowed:
            references[signature] = _trace_sizes(name, info, kwargs, model, marks, sizes,
                                                 per_size)
            per_shapes = references[signature]
        else:
            symbolic = node_shapes(model)
            per_shapes = {size: {i: _splice(symbolic[i], shapes[i]) for i in shapes}
                          for size, shapes in references[signature].items()}
        flops = {size: graph_flops(model, shapes) for size, shapes in per_shapes.items()}
        memory = {size: graph_memory(model, shapes) for size, shapes in per_shapes.items()}
        if borrowed and key in full_checks:
            for size in references[signature]:
                out, shapes = trace(model, size, marks)
                if out[0] != per_size[size]["out"] or graph_flops(model, shapes) != flops[size] \
                        or graph_memory(model, shapes) != memory[size]:
                    raise RuntimeError(f"{name} {key} at {size}px: full trace disagrees")
        results[key] = {"params": count_params(model), "channels": model.output.shape[-1],
                        "flops": flops, "memory": memory}
    return {"encoder": name, "sizes": per_size, "variants": results,
            "references": len(references), "seconds": time.perf_counter() - start}


def task_fixed(name: str, sizes: list[int]) -> dict[str, Any]:
    """Tabulate an encoder whose layer graph depends on the input size: one build per size."""
    start = time.perf_counter()
    info = ENCODERS[name]
    kwargs = constructor_kwargs(info, {})
    per_size: dict[int, dict[str, Any]] = {}
    params: dict[int, list[int]] = {}
    for size in sizes:
        refused = preflight(info, kwargs, size)
        if refused is None:
            try:
                model, _ = build(info, kwargs, size)
            except Exception as exc:
                refused = _message(exc)
        if refused is not None:
            per_size[size] = {"refused": refused}
            continue
        out = tuple(model.output.shape[1:])
        if out[0] != out[1]:
            raise RuntimeError(f"{name} at {size}px: non-square output {out}")
        shapes = node_shapes(model)
        per_size[size] = {"out": out[0], "channels": out[2],
                          "flops": graph_flops(model, shapes),
                          "memory": graph_memory(model, shapes)}
        params[size] = count_params(model)
    return {"encoder": name, "sizes": per_size, "params": params,
            "seconds": time.perf_counter() - start}


def task_verify(name: str, combo: dict[str, Any], size: int) -> dict[str, Any]:
    """Build one encoder with a fixed input size and report its figures."""
    start = time.perf_counter()
    info = ENCODERS[name]
    kwargs = constructor_kwargs(info, combo)
    refused = preflight(info, kwargs, size)
    if refused is None:
        try:
            model, _ = build(info, kwargs, size)
        except Exception as exc:
            refused = _message(exc)
    result: dict[str, Any] = {"encoder": name, "key": variant_key(combo), "size": size}
    if refused is not None:
        result["refused"] = refused
    else:
        shapes = node_shapes(model)
        result.update(params=count_params(model), shape=list(model.output.shape[1:]),
                      flops=graph_flops(model, shapes), memory=graph_memory(model, shapes))
    result["seconds"] = time.perf_counter() - start
    return result


def run_task(task: tuple[str, tuple[Any, ...]]) -> dict[str, Any]:
    """Worker entry point."""
    kind, args = task
    function = {"dynamic": task_dynamic, "fixed": task_fixed, "verify": task_verify}[kind]
    return {"kind": kind, **function(*args)}


# --- planning and assembling (main process) ----------------------------------------------
def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def plan_tasks(names: Iterable[str]) -> list[tuple[str, tuple[Any, ...]]]:
    """The table-building tasks, most expensive first."""
    tasks: list[tuple[str, tuple[Any, ...]]] = []
    for name in names:
        info = ENCODERS[name]
        sizes = candidate_sizes(info)
        if info.family in PER_SIZE_FAMILIES:
            tasks.extend(("fixed", (name, chunk)) for chunk in _chunks(sizes, 10))
            continue
        groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
        for combo in variants(info):
            groups.setdefault(tuple(combo.get(o) for o in STRUCTURE_OPTIONS), []).append(combo)
        for combos in groups.values():
            # default values first, so the first task traces the default graph
            combos.sort(key=lambda c: tuple(c.get(o) != OPTION_DEFAULTS[o] for o in c))
            checks = [variant_key(c) for c in _extremes(combos)]
            for chunk in _chunks(combos, VARIANTS_PER_TASK):
                tasks.append(("dynamic", (name, chunk, sizes, checks)))
    # longest first (roughly: per-size builds, then many combinations, then large defaults)
    return sorted(tasks, key=lambda task: (task[0] != "fixed", -len(task[1][1]),
                                           -ENCODERS[task[1][0]].default_size))


def _extremes(combos: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The combinations with the smallest and largest option values (checked in full)."""
    if len(combos) == 1:
        return combos
    smallest = min(combos, key=lambda c: tuple(sorted(c.items())))
    largest = max(combos, key=lambda c: tuple(sorted(c.items())))
    return [smallest, largest]


def verify_tasks(table: Mapping[str, Any]) -> list[tuple[str, tuple[Any, ...]]]:
    """Fixed-size rebuilds at sampled sizes (and option combinations)."""
    tasks: list[tuple[str, tuple[Any, ...]]] = []
    for name, entry in table["encoders"].items():
        info = ENCODERS[name]
        allowed = [s for s, out in zip(entry["sizes"], entry["out"], strict=True)
                   if out is not None]
        picks = {allowed[0], allowed[-1], max(s for s in allowed if s <= info.default_size)}
        if not any(s % 16 == 0 and (s // 16) % 2 for s in picks):
            picks.add(next(s for s in allowed if s % 16 == 0 and (s // 16) % 2))
        default = {o: OPTION_DEFAULTS[o] for o in option_grid(info)}
        tasks.extend(("verify", (name, default, size)) for size in sorted(picks))
        odd = next(s for s in allowed if s % 16 == 0 and (s // 16) % 2)
        for combo in _extremes(variants(info)):
            if combo != default:
                tasks.append(("verify", (name, combo, odd)))
        if info.family == "mobilenet_v3":
            tasks.append(("verify", (name, {**default, "minimalistic": True}, odd)))
    return tasks


def assemble(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Merge the task results into the table."""
    encoders: dict[str, Any] = {}
    by_name: dict[str, list[dict[str, Any]]] = {}
    for result in results:
        by_name.setdefault(result["encoder"], []).append(result)
    for name in sorted(by_name):
        info = ENCODERS[name]
        sizes = candidate_sizes(info)
        per_size: dict[int, dict[str, Any]] = {}
        entry_variants: dict[str, Any] = {}
        for result in by_name[name]:
            for size, figures in result["sizes"].items():
                seen = per_size.setdefault(size, figures)
                if ("out" in seen) != ("out" in figures) or seen.get("out") != figures.get("out"):
                    raise RuntimeError(f"{name} at {size}px: option groups disagree")
            for key, figures in result.get("variants", {}).items():
                entry_variants[key] = {
                    "params": figures["params"], "channels": figures["channels"],
                    "flops": [figures["flops"].get(size) for size in sizes],
                    "memory": [figures["memory"].get(size) for size in sizes]}
        if info.family in PER_SIZE_FAMILIES:
            params = {tuple(p) for r in by_name[name] for p in r["params"].values()}
            channels = {f["channels"] for f in per_size.values() if "out" in f}
            if len(params) != 1 or len(channels) != 1:
                raise RuntimeError(f"{name}: parameters or channels depend on the input size")
            entry_variants[""] = {
                "params": list(params.pop()), "channels": channels.pop(),
                "flops": [per_size[size].get("flops") for size in sizes],
                "memory": [per_size[size].get("memory") for size in sizes]}
        grid = option_grid(info)
        encoders[name] = {
            "keras_name": info.keras_name,
            "default_size": info.default_size,
            "min_size": info.min_size,
            "kwargs": FAMILY_KWARGS.get(info.family, {}),
            "options": {option: list(values) for option, values in grid.items()},
            "defaults": {option: OPTION_DEFAULTS[option] for option in grid},
            "ignored_options": list(FAMILY_IGNORED.get(info.family, ())),
            "sizes": sizes,
            "out": [per_size[size].get("out") for size in sizes],
            "refused": {str(size): per_size[size]["refused"] for size in sizes
                        if "refused" in per_size[size]},
            "variants": entry_variants,
        }
        expected = {variant_key(combo) for combo in variants(info)}
        if set(entry_variants) != expected:
            raise RuntimeError(f"{name}: missing variants {sorted(expected - set(entry_variants))}")
    return {"format": FORMAT, "keras_version": importlib.metadata.version("keras"),
            "generator": "scripts/gen_keras_apps_table.py",
            "flops": "forward FLOPs per example; multiply-add = 2 (see the generator's docstring)",
            "memory": "per size: elements per example kept and handled inside the encoder by a "
                      "training step: " + ", ".join(MEMORY_FIGURES)
                      + " (see scripts/keras_app_memory.py)",
            "encoders": encoders}


def check_verification(table: Mapping[str, Any], results: list[dict[str, Any]]) -> list[str]:
    """Compare the fixed-size rebuilds with the table; the list of disagreements."""
    problems = []
    for result in results:
        entry = table["encoders"][result["encoder"]]
        index = entry["sizes"].index(result["size"])
        where = f"{result['encoder']} [{result['key']}] at {result['size']}px"
        if "refused" in result:
            problems.append(f"{where}: fixed build refused: {result['refused']}")
            continue
        variant = entry["variants"][result["key"]]
        expected = {"params": variant["params"],
                    "shape": [entry["out"][index], entry["out"][index], variant["channels"]],
                    "flops": variant["flops"][index], "memory": variant["memory"][index]}
        for field, value in expected.items():
            if result[field] != value:
                problems.append(f"{where}: {field} {result[field]} != table {value}")
    return problems


def dumps(value: Any, depth: int = 0, max_depth: int = 4) -> str:
    """Deterministic JSON: objects down to ``max_depth`` one member per line, compact below."""
    if not isinstance(value, dict) or depth >= max_depth or not value:
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    pad = " " * (depth + 1)
    members = [f"{pad}{json.dumps(key)}: {dumps(value[key], depth + 1, max_depth)}"
               for key in sorted(value)]
    return "{\n" + ",\n".join(members) + "\n" + " " * depth + "}"


def _run(tasks: list[tuple[str, tuple[Any, ...]]], jobs: int, label: str) -> list[dict[str, Any]]:
    results = []
    start = time.perf_counter()
    if jobs <= 1:
        iterator: Iterable[dict[str, Any]] = map(run_task, tasks)
        pool = None
    else:
        pool = multiprocessing.get_context("spawn").Pool(jobs)
        iterator = pool.imap_unordered(run_task, tasks)
    try:
        for done, result in enumerate(iterator, 1):
            results.append(result)
            print(f"  {label} {done}/{len(tasks)} {result['encoder']:22s} "
                  f"{result['seconds']:6.1f}s", flush=True)
    finally:
        if pool is not None:
            pool.close()
            pool.join()
    print(f"{label}: {len(tasks)} tasks in {time.perf_counter() - start:.1f}s", flush=True)
    return results


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--no-verify", action="store_true", help="skip fixed-size rebuilds")
    parser.add_argument("--check", action="store_true",
                        help="compare with the shipped table instead of writing it")
    parser.add_argument("--out", type=Path, default=TABLE_PATH)
    args = parser.parse_args(argv)
    for variable, value in _QUIET_SINGLE_THREADED.items():  # inherited by the workers
        os.environ.setdefault(variable, value)

    start = time.perf_counter()
    names = sorted(keras_encoders())
    print(f"tabulating {len(names)} encoders with {args.jobs} job(s)", flush=True)
    table = assemble(_run(plan_tasks(names), args.jobs, "table"))
    if not args.no_verify:
        problems = check_verification(table, _run(verify_tasks(table), args.jobs, "verify"))
        if problems:
            print("verification failed:\n  " + "\n  ".join(problems), file=sys.stderr)
            return 1
    text = dumps(table) + "\n"
    refused = {name: list(entry["refused"]) for name, entry in table["encoders"].items()
               if entry["refused"]}
    print(f"refused sizes: {refused or 'none'}")
    print(f"table: {len(text.encode())} bytes; total time {time.perf_counter() - start:.1f}s")
    if args.check:
        same = args.out.read_text(encoding="utf-8") == text
        print("the shipped table is up to date" if same else "the shipped table differs")
        return 0 if same else 1
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
