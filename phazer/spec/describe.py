"""Short human descriptions of a spec: routing in a few words, derived values.

Used by ``phazer presets`` (one table row per preset) and ``phazer render`` (the ``# derived:``
comment block). Pure Python; nothing here builds a model.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from phazer.catalog.encoders import ENCODERS
from phazer.spec.graph_form import GraphSpec
from phazer.spec.models import ModelSpec

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9`(\"'])")


def first_sentence(text: str) -> str:
    """The first sentence of a description, on one line ("" for an empty text).

    A sentence ends at ``.``, ``!`` or ``?`` followed by whitespace and a capital letter (so
    "e.g. the" does not end one).
    """
    flat = " ".join(text.split())
    return _SENTENCE_END.split(flat, maxsplit=1)[0] if flat else ""


def lead_clause(sentence: str) -> str:
    """The part of a sentence before its first colon or semicolon (the whole when none)."""
    return re.split(r"[:;]\s", sentence, maxsplit=1)[0].rstrip(".")


def encoder_input_size(spec: ModelSpec) -> int:
    """The encoder's input size in px for the spec's encoder and scaling."""
    return ENCODERS[spec.encoder.type].input_size(spec.encoder.scaling)


def encoder_input_note(spec: ModelSpec) -> list[str]:
    """How the encoder input size follows from the encoder's default size and the scaling."""
    info = ENCODERS[spec.encoder.type]
    scaling = spec.encoder.scaling
    exact = info.default_size * scaling / 100
    floored = int(exact // 16 * 16)
    size = info.input_size(scaling)
    how = f"{scaling}% of {info.default_size}"
    if floored < info.min_size:
        how += f" = {exact:g}, raised to the encoder's minimum of {info.min_size}"
    elif floored != exact:
        how += f" = {exact:g}, floored to a multiple of 16"
    return [f"encoder input {size} px ({how})"]


# Each deriver turns a spec into "# derived:" lines for `phazer render`. Later stages (the
# decoder filter list, FC output shapes, parameter counts) add their function here.
Deriver = Callable[[ModelSpec], list[str]]
DERIVERS: tuple[Deriver, ...] = (encoder_input_note,)


def derived_values(spec: GraphSpec, derivers: tuple[Deriver, ...] = DERIVERS) -> list[str]:
    """Every value the Phaze-A blocks of a spec (in the graph form) derive, one line each.

    None without Phaze-A blocks: the graph form's own blocks write every size themselves.
    """
    if not spec.uses_phaze_a:
        return []
    settings = spec.model_spec()
    return [line for derive in derivers for line in derive(settings)]
