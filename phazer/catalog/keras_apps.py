"""Figures of the Keras Applications encoders, read from a generated table (no TensorFlow).

phazer treats a ``keras.applications`` encoder as one opaque op. Its figures - parameter counts,
output shape and forward FLOPs for every input size the input-size rule can produce - come from
``keras_apps_table.json``, which ``scripts/gen_keras_apps_table.py`` writes by building the
models with Keras (``include_top=False, weights=None``); a slow test rebuilds a sample and
compares. Nothing here imports TensorFlow or Keras.

The table holds, per encoder:

* ``sizes``: every input size phazer's rule ``max(min_size, floor16(default * scaling / 100))``
  can give for scaling 1-200 %, i.e. the multiples of 16 from the minimum (rounded up) to
  ``floor16(2 * default_size)``, plus ``min_size`` itself when it is not a multiple of 16;
* ``out``: the output's spatial side for each of those sizes, or ``null`` where Keras refuses to
  build the model (``refused`` keeps Keras' message);
* ``variants``: parameters (trainable, non-trainable), output channels and forward FLOPs per
  size, one entry per combination of the tabulated options (MobileNet width, depth multiplier,
  minimalistic); encoders without options have a single variant keyed ``""``;
* ``kwargs``: extra arguments phazer passes to the Keras constructor.

Each variant also has ``memory``: per size, what a training step keeps inside the encoder
(elements per example; see ``scripts/keras_app_memory.py`` and :class:`KerasAppMemory`).

FLOPs follow :mod:`phazer.ir.ops`' convention (a multiply-add counts 2; bias adds, activations,
element-wise ops and dropout 1 per element; normalizations 5; pooling 1 per input element).
"""

from __future__ import annotations

import functools
import itertools
import json
import math
from collections.abc import Iterable, Iterator, Mapping
from importlib import resources
from types import MappingProxyType
from typing import Any, NamedTuple

TABLE_FILE = "keras_apps_table.json"

# phazer option name -> the Keras constructor argument it sets.
KERAS_ARGUMENTS: Mapping[str, str] = MappingProxyType({
    "width": "alpha", "depth_multiplier": "depth_multiplier", "dropout": "dropout",
    "minimalistic": "minimalistic"})


class KerasAppLookupError(ValueError):
    """The table has no figures for this encoder, input size or option value."""


class ParamFigures(NamedTuple):
    """Trainable and non-trainable parameter counts of a Keras Applications model."""

    trainable: int
    non_trainable: int

    @property
    def total(self) -> int:
        """All parameters."""
        return self.trainable + self.non_trainable


class KerasAppMemory(NamedTuple):
    """What one training step keeps and handles inside a Keras Applications model.

    Elements per example, found by walking the model's layers with the memory estimate's own
    rules (:mod:`phazer.plan.memory_walk`); the model's input (the batch) is not included.

    Attributes:
        saved: tensors kept for the backward pass (no layout copies: the GPU convention).
        saved_cpu: the same on XLA:CPU, without the weight-gradient copies...
        saved_cpu_wgrad: ... which XLA:CPU keeps channels-first, apart.
        transient: the largest output plus input gradient of one layer's backward.
        forward: the largest output plus inputs of one layer's forward.
    """

    saved: int
    saved_cpu: int
    saved_cpu_wgrad: int
    transient: int
    forward: int


class KerasAppFigures(NamedTuple):
    """What the plan needs to know about one Keras Applications model.

    Attributes:
        params: trainable and non-trainable parameters.
        output_shape: ``(height, width, channels)`` of the model's output (no batch axis).
        flops: forward FLOPs per example.
        memory: what a training step keeps inside the model, or ``None`` when the table has
            no such figures.
    """

    params: ParamFigures
    output_shape: tuple[int, int, int]
    flops: int
    memory: KerasAppMemory | None = None


class _FrozenMapping(Mapping[str, Any]):
    """A read-only view of a parsed JSON object that freezes each value on first access.

    Freezing the whole table up front cost more than reading it (the MobileNet entries hold
    most of its million characters); a summary needs one encoder's entry, so only what is
    looked up is converted (and kept).
    """

    __slots__ = ("_frozen", "_raw")

    def __init__(self, raw: dict[str, Any]) -> None:
        self._raw = raw
        self._frozen: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        try:
            return self._frozen[key]
        except KeyError:
            value = self._frozen[key] = _freeze(self._raw[key])
            return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)

    def __contains__(self, key: object) -> bool:
        return key in self._raw

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self._raw)} keys)"


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return _FrozenMapping(value)
    if isinstance(value, list):
        return tuple(_freeze(item) for item in value)
    return value


@functools.cache
def table_text() -> str:
    """The table file's text; read once."""
    return resources.files(__package__).joinpath(TABLE_FILE).read_text(encoding="utf-8")


@functools.lru_cache(maxsize=1)
def load_table() -> Mapping[str, Any]:
    """The parsed table, read-only (mappings are read-only views, lists tuples); read once.

    Nested values are frozen when first looked up, so reading one encoder's figures does not
    pay for converting the whole table.
    """
    return _freeze(json.loads(table_text()))


@functools.cache
def _encoder_entry(encoder: str) -> Mapping[str, Any] | None:
    """One encoder's entry, parsed alone from the table's text; ``None`` if not found.

    The generator writes each encoder as a key indented by two spaces (the only keys at that
    depth), so its object can be decoded on its own without parsing the rest of the file: a
    dry run needs one encoder of forty. tests/test_keras_apps_table.py checks every entry
    against the whole table's.
    """
    text = table_text()
    marker = f"\n  {json.dumps(encoder)}: "
    start = text.find(marker)
    if start < 0:
        return None
    value, _ = json.JSONDecoder().raw_decode(text, start + len(marker))
    return _freeze(value)


def format_option(value: Any) -> str:
    """How an option value is written in a variant key (``0.35``, ``2``, ``true``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def variant_key(values: Mapping[str, Any]) -> str:
    """The table key of one option combination: ``name=value`` pairs sorted by name."""
    return ",".join(f"{name}={format_option(values[name])}" for name in sorted(values))


def describe_sizes(sizes: Iterable[int]) -> str:
    """A short human description of a set of sizes, e.g. ``75, 80-592 px (step 16)``."""
    ordered = sorted(set(sizes))
    if not ordered:
        return "none"
    runs: list[list[int]] = []
    for size in ordered:
        if runs and size - runs[-1][-1] == 16:
            runs[-1].append(size)
        else:
            runs.append([size])
    parts = [str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}" for run in runs]
    stepped = any(len(run) > 2 for run in runs)
    return ", ".join(parts) + " px" + (" (step 16)" if stepped else "")


def keras_app_encoders() -> tuple[str, ...]:
    """Names of the encoders the table describes."""
    return tuple(sorted(load_table()["encoders"]))


def _entry(encoder: str) -> Mapping[str, Any]:
    entry = _encoder_entry(encoder)
    if entry is not None:
        return entry
    encoders = load_table()["encoders"]
    if encoder not in encoders:
        raise KerasAppLookupError(
            f"no Keras Applications figures for encoder {encoder!r}; the table has: "
            f"{', '.join(sorted(encoders))}")
    return encoders[encoder]


def allowed_options(encoder: str) -> Mapping[str, tuple[Any, ...]]:
    """The tabulated values of each option of an encoder (empty for most encoders).

    MobileNet widths, depth multipliers and the minimalistic switch are only available at the
    values listed here; phazer restricts the spec to them.
    """
    return _entry(encoder)["options"]


def _resolve_options(encoder: str, entry: Mapping[str, Any],
                     options: Mapping[str, Any]) -> dict[str, Any]:
    grid: Mapping[str, tuple[Any, ...]] = entry["options"]
    ignored = set(entry["ignored_options"])
    unknown = sorted(set(options) - set(grid) - ignored)
    if unknown:
        accepted = sorted(set(grid) | ignored)
        raise KerasAppLookupError(
            f"{encoder} has no option {', '.join(repr(u) for u in unknown)}; "
            + (f"its options are: {', '.join(accepted)}" if accepted else "it takes no options"))
    chosen: dict[str, Any] = {}
    for name, values in grid.items():
        value = options.get(name)
        if value is None:
            value = entry["defaults"][name]
        match = next((v for v in values if _same_value(v, value)), None)
        if match is None:
            raise KerasAppLookupError(
                f"{encoder}: {name}={value!r} is not tabulated; allowed values: "
                f"{_describe_values(values)}")
        chosen[name] = match
    return chosen


def _same_value(tabulated: Any, value: Any) -> bool:
    if isinstance(tabulated, bool) or isinstance(value, bool):
        return tabulated is value
    if isinstance(tabulated, float) or isinstance(value, float):
        return isinstance(value, int | float) and math.isclose(tabulated, value, abs_tol=1e-9)
    return bool(tabulated == value)


def _describe_values(values: tuple[Any, ...]) -> str:
    numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    if len(numbers) == len(values) and len(values) > 3:
        steps = {round(b - a, 9) for a, b in itertools.pairwise(values)}
        if len(steps) == 1:
            step = steps.pop()
            return f"{format_option(values[0])} to {format_option(values[-1])} " \
                   f"in steps of {format_option(step)}"
    return ", ".join(format_option(v) for v in values)


def _variant(encoder: str, entry: Mapping[str, Any],
             options: Mapping[str, Any]) -> Mapping[str, Any]:
    key = variant_key(_resolve_options(encoder, entry, options))
    return entry["variants"][key]


def allowed_input_sizes(encoder: str, **options: Any) -> tuple[int, ...]:
    """The input sizes (px) at which Keras builds the encoder, ascending.

    Args:
        encoder: the encoder name (``efficientnet_b4``, ``mobilenet_v2``, ...).
        **options: MobileNet options (``width``, ``depth_multiplier``, ``minimalistic``,
            ``dropout``); checked against the table even though sizes do not depend on them.

    Raises:
        KerasAppLookupError: unknown encoder or option value.
    """
    entry = _entry(encoder)
    _variant(encoder, entry, options)
    return tuple(size for size, out in zip(entry["sizes"], entry["out"], strict=True)
                 if out is not None)


def refused_input_sizes(encoder: str) -> Mapping[int, str]:
    """Sizes the input-size rule can give but Keras refuses to build, with Keras' message."""
    return MappingProxyType({int(size): message
                             for size, message in _entry(encoder)["refused"].items()})


def keras_app_figures(encoder: str, input_size: int, **options: Any) -> KerasAppFigures:
    """Parameters, output shape and FLOPs of a Keras Applications encoder.

    Args:
        encoder: the encoder name (``efficientnet_b4``, ``mobilenet_v2``, ...).
        input_size: the square input's side in pixels.
        **options: MobileNet options: ``width`` (alpha), ``depth_multiplier`` (v1),
            ``minimalistic`` (v3); ``dropout`` (v1) is accepted and has no effect without the
            classifier top. Omitted options take Keras' defaults.

    Raises:
        KerasAppLookupError: the encoder, size or an option value is not in the table, or Keras
            refuses to build the encoder at that size; the message names what is allowed.
    """
    entry = _entry(encoder)
    variant = _variant(encoder, entry, options)
    sizes: tuple[int, ...] = entry["sizes"]
    if input_size not in sizes:
        raise KerasAppLookupError(
            f"{encoder} has no figures for a {input_size} px input; the input-size rule gives "
            f"{describe_sizes(sizes)}")
    index = sizes.index(input_size)
    side = entry["out"][index]
    if side is None:
        allowed = [s for s, out in zip(sizes, entry["out"], strict=True) if out is not None]
        raise KerasAppLookupError(
            f"Keras cannot build {encoder} at {input_size} px "
            f"({entry['refused'][str(input_size)]}); allowed sizes: {describe_sizes(allowed)}")
    trainable, non_trainable = variant["params"]
    memory = variant.get("memory")
    return KerasAppFigures(ParamFigures(trainable, non_trainable),
                           (side, side, variant["channels"]), variant["flops"][index],
                           None if memory is None else KerasAppMemory(*memory[index]))


def keras_app_kwargs(encoder: str, **options: Any) -> dict[str, Any]:
    """Keyword arguments for the ``keras.applications`` constructor of an encoder.

    Input shape and weights are left to the caller; phazer's option names are mapped to Keras'
    (``width`` -> ``alpha``), and the table's extra arguments (``include_preprocessing``) added.

    Raises:
        KerasAppLookupError: unknown encoder or option value.
    """
    entry = _entry(encoder)
    kwargs: dict[str, Any] = {"include_top": False, **entry["kwargs"]}
    for name, value in _resolve_options(encoder, entry, options).items():
        kwargs[KERAS_ARGUMENTS[name]] = value
    for name in entry["ignored_options"]:
        if options.get(name) is not None:
            kwargs[KERAS_ARGUMENTS[name]] = options[name]
    return kwargs


def keras_name(encoder: str) -> str:
    """The ``keras.applications`` constructor of an encoder (``EfficientNetB4``)."""
    return str(_entry(encoder)["keras_name"])
