"""Which spec fields may change when a training run resumes: the one place that decides it.

A model dir keeps the spec it was trained with. When ``phazer train`` resumes it, the new spec
may differ only in fields that neither change the weights' shapes and meaning nor the saved
optimizer state's layout: the loss, the learning rate, dropout, freezing, batch size, ... Every
other change is refused with the diff :func:`model_defining_diff` returns.

:data:`RESUME_RULES` maps dotted spec paths (a path covers everything below it) to whether the
field may change; the most specific rule for a path wins, and a path no rule covers is
model-defining. :data:`RESUMABLE_FIELDS` and :data:`FIXED_TRAINING_FIELDS` are the two halves.
:data:`CHANGE_RULES` lets a fixed field change between some of its values (float32 and
bfloat16 compute share their optimizer state; float16's is different).

The rules name a ``phazer: 1`` spec's fields; a graph-form spec (``phazer: 2``) has the same
``weights``, ``convolutions`` and ``training`` at its top level, and its Phaze-A settings under
``phaze_a`` follow the rule of the same field without the prefix (``phaze_a.fc.dropout`` as
``fc.dropout``). Its sub-models' blocks are model-defining.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from phazer.spec.dump import spec_to_data
from phazer.spec.graph_form import GraphSpec
from phazer.spec.models import ModelSpec

RESUME_RULES: dict[str, bool] = {
    # descriptive only
    "name": True,
    "description": True,
    "tagline": True,
    "use": True,
    # no weights: a dropout layer's rate is only used in training
    "fc.dropout": True,
    "gblock_fc.dropout": True,
    "encoder.dropout": True,
    # what is trained, and what was loaded when the model was created (never again on resume)
    "weights.freeze": True,
    "weights.load": True,
    "encoder.imagenet_weights": True,
    "encoder.pretrained": True,
    "encoder.weights_file": True,
    # how the model is fitted ...
    "training": True,
    # ... except the crop the model learnt to expect: `phazer swap` must crop the same way
    "training.coverage": False,
    # ... and what changes the saved optimizer state's variables (its kind or their number)
    "training.optimizer.type": False,
    "training.optimizer.amsgrad": False,
    "training.optimizer.momentum": False,
    "training.optimizer.centered": False,
    "training.optimizer.gradient_accumulation": False,
    # float16 compute wraps the optimizer in a loss-scale optimizer with its own state
    # (float32 <-> bfloat16 may change: CHANGE_RULES)
    "training.mixed_precision": False,
}


def _same_loss_scaling(before: Any, after: Any) -> bool:
    """Whether a precision change keeps the optimizer's state: float16 is the odd one out.

    float16 (``true`` / ``"float16"``) adds a loss-scale optimizer's state; float32 and
    bfloat16 keep float32 weights and the same optimizer state, so they may swap.
    """
    def float16(value: Any) -> bool:
        return value is True or value == "float16"

    return float16(before) == float16(after)


# Fixed fields that may still change between some values: path -> whether (old, new) may.
CHANGE_RULES: dict[str, Callable[[Any, Any], bool]] = {
    "training.mixed_precision": _same_loss_scaling,
}

PHAZE_A = "phaze_a"
"""The graph form's group of Phaze-A settings (the fields of a ``phazer: 1`` spec)."""

RESUMABLE_FIELDS: tuple[str, ...] = tuple(path for path, ok in RESUME_RULES.items() if ok)
FIXED_TRAINING_FIELDS: tuple[str, ...] = tuple(
    path for path, ok in RESUME_RULES.items() if not ok)


class _Absent:
    """Marks a field one of the two specs does not have (another variant of a union)."""

    def __repr__(self) -> str:
        return "<absent>"


ABSENT: Any = _Absent()


def is_resumable(path: str) -> bool:
    """Whether the field at a dotted spec path may change on resume.

    The most specific rule in :data:`RESUME_RULES` covering the path decides; list indices in
    the path (``training.losses.0.weight``) are covered by their list's rule; a graph form's
    ``phaze_a.<field>`` is covered by the rule of ``<field>``.
    """
    parts = path.removeprefix(f"{PHAZE_A}.").split(".")
    for end in range(len(parts), 0, -1):
        rule = RESUME_RULES.get(".".join(parts[:end]))
        if rule is not None:
            return rule
    return False


def _flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """Dotted path -> leaf value; lists are leaves (compared whole)."""
    if not isinstance(data, dict):
        return {prefix: data}
    flat: dict[str, Any] = {}
    for key, value in data.items():
        flat.update(_flatten(value, f"{prefix}.{key}" if prefix else key))
    return flat


def spec_diff(old: ModelSpec | GraphSpec, new: ModelSpec | GraphSpec) -> list[tuple[str, Any, Any]]:
    """Every field whose value differs between two specs, in schema order.

    Returns:
        ``(path, old value, new value)`` per changed field; a field that only one spec has (the
        other chose another ``type``) shows :data:`ABSENT` on the other side. Values are plain
        data (as in the YAML), lists compared whole.
    """
    before = _flatten(spec_to_data(old))
    after = _flatten(spec_to_data(new))
    paths = list(before) + [path for path in after if path not in before]
    return [(path, before.get(path, ABSENT), after.get(path, ABSENT)) for path in paths
            if before.get(path, ABSENT) != after.get(path, ABSENT)]


def model_defining_diff(old: ModelSpec | GraphSpec, new: ModelSpec | GraphSpec
                        ) -> list[tuple[str, Any, Any]]:
    """The changed fields that may NOT change when resuming a model trained with ``old``.

    Args:
        old: the spec the model dir was trained with.
        new: the spec given now.

    Returns:
        ``(path, old value, new value)`` for each such field, in schema order; empty when the
        model may resume with ``new``.
    """
    return [(path, before, after) for path, before, after in spec_diff(old, new)
            if not is_resumable(path)
            and not (path in CHANGE_RULES and CHANGE_RULES[path](before, after))]


def format_diff(changes: list[tuple[str, Any, Any]]) -> list[str]:
    """One line per change, e.g. ``fc.depth: 1 -> 2``, for messages."""
    return [f"{path}: {_show(before)} -> {_show(after)}" for path, before, after in changes]


def _show(value: Any) -> str:
    return "(not set)" if value is ABSENT else json.dumps(value)
