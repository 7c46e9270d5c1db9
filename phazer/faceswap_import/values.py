"""Turn raw faceswap option values (``.ini`` text or JSON values) into typed values.

faceswap's ``.ini`` files hold text (``True``/``False``, ``0.5``, ``encoder, fc_a``); its preset
JSON files hold typed values, except for list options, which are stored as comma-separated text.
Both go through :func:`parse_value`, which either returns the typed value or explains in one line
why it cannot. Text in a JSON file is read like ``.ini`` text, so values copied over from a
``train.ini`` still work.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from phazer.faceswap_import.options import OptionFact, OptionValue
from phazer.suggest import did_you_mean

# The words configparser (and so faceswap) accepts for booleans, case-insensitively.
_TRUE_WORDS = frozenset({"1", "yes", "true", "on"})
_FALSE_WORDS = frozenset({"0", "no", "false", "off"})
_INT_RE = re.compile(r"[+-]?\d+")
_FLOAT_RE = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_TYPE_WORDS = {"int": "an integer", "float": "a number", "bool": "True or False",
               "str": "a word", "list": "a comma-separated list of sub-model names"}


@dataclass(frozen=True)
class ParseFailure:
    """Why a raw value could not be read.

    Attributes:
        message: what was found and what faceswap expects.
        hint: how to fix it ("" when there is nothing to add).
    """

    message: str
    hint: str = ""


def expected_text(fact: OptionFact) -> str:
    """A few words naming what an option takes, e.g. ``an integer``."""
    return _TYPE_WORDS[fact.datatype]


def parse_value(raw: object, fact: OptionFact) -> OptionValue | ParseFailure:
    """Read one raw value as the option's faceswap type.

    Args:
        raw: the value from the file: text from an ``.ini``, or a JSON value.
        fact: what faceswap expects for the option.

    Returns:
        The typed value, or a :class:`ParseFailure` saying why it cannot be read.
    """
    if raw is None:
        return ParseFailure(f"has no value; expected {expected_text(fact)}")
    value = _from_text(raw.strip(), fact) if isinstance(raw, str) else _from_json(raw, fact)
    if isinstance(value, ParseFailure):
        return value
    return _check_choices(value, fact)


def _from_text(text: str, fact: OptionFact) -> OptionValue | ParseFailure:
    kind = fact.datatype
    if kind == "str":
        return text
    if kind == "list":
        return [item for item in re.split(r"[,\s]+", text) if item]
    if kind == "bool":
        word = text.lower()
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
        return ParseFailure(f"{text!r} is not a boolean; expected True or False",
                            "faceswap writes booleans as True or False")
    if kind == "int":
        if _INT_RE.fullmatch(text):
            return int(text)
        return ParseFailure(f"{text!r} is not an integer", _int_hint(text))
    if _FLOAT_RE.fullmatch(text):
        value = float(text)
        if math.isfinite(value):
            return value
    return ParseFailure(f"{text!r} is not a number", "write a decimal number, e.g. 0.5")


def _int_hint(text: str) -> str:
    if _FLOAT_RE.fullmatch(text) and float(text).is_integer():
        return f"write it without the decimal part: {int(float(text))}"
    return "write a whole number, e.g. 4"


def _from_json(raw: object, fact: OptionFact) -> OptionValue | ParseFailure:
    kind = fact.datatype
    wrong = ParseFailure(f"expected {expected_text(fact)}, got {raw!r} "
                         f"({type(raw).__name__})")
    if kind == "bool":
        return raw if isinstance(raw, bool) else wrong
    if isinstance(raw, bool):
        return wrong
    if kind == "int":
        if isinstance(raw, int):
            return raw
        if isinstance(raw, float) and raw.is_integer():
            return ParseFailure(wrong.message, f"write it without the decimal part: {int(raw)}")
        return wrong
    if kind == "float":
        if isinstance(raw, int | float) and math.isfinite(raw):
            return float(raw)
        return wrong
    if kind == "list":
        if isinstance(raw, list) and all(isinstance(item, str) for item in raw):
            return [item.strip() for item in raw if item.strip()]
        return wrong
    return wrong  # a "str" option holding a non-string JSON value


def _check_choices(value: OptionValue, fact: OptionFact) -> OptionValue | ParseFailure:
    if not fact.choices:
        return value
    items = value if isinstance(value, list) else [value]
    for item in items:
        if item not in fact.choices:
            what = "sub-model" if fact.datatype == "list" else "value"
            hint = did_you_mean(str(item), list(fact.choices))
            return ParseFailure(f"{item!r} is not a {what} faceswap offers; expected one of: "
                                f"{', '.join(fact.choices)}", hint)
    return value
