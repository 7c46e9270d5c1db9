"""Turn pydantic validation errors into phazer Issues: path, position, expectation, hint."""

from __future__ import annotations

import re
import types
import typing
from typing import Any, get_args, get_origin

import annotated_types
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from phazer.catalog.encoders import UNSUPPORTED_ENCODERS
from phazer.issues import (
    BAD_CHOICE,
    BAD_TYPE,
    BAD_VERSION,
    MAX_LISTED_ISSUES,
    MISSING_FIELD,
    NOT_MULTIPLE,
    OUT_OF_RANGE,
    SCHEMA_OTHER,
    UNKNOWN_KEY,
    UNSUPPORTED_ENCODER,
    Issue,
    clip,
    shown,
)
from phazer.spec.constraints import Bounds, bounds_of
from phazer.spec.custom_errors import custom_error
from phazer.spec.error_paths import ErrorPlace, locate, unwrap
from phazer.spec.yaml_source import FieldPath, SourceMap
from phazer.suggest import MAX_SUGGESTED, closest, did_you_mean

_TYPE_NAMES = {
    "int_type": "an integer", "int_parsing": "an integer", "int_from_float": "an integer",
    "float_type": "a number", "float_parsing": "a number", "bool_type": "true or false",
    "bool_parsing": "true or false", "string_type": "a string", "list_type": "a list",
    "model_type": "a mapping of fields", "dict_type": "a mapping of fields",
    "model_attributes_type": "a mapping of fields",
}

_SCALAR_KINDS = {"int_type", "int_parsing", "int_from_float", "float_type", "float_parsing",
                 "bool_type", "bool_parsing"}
_MAPPING_KINDS = {"model_type", "dict_type", "model_attributes_type"}


def _union_variants(annotation: Any) -> list[type[BaseModel]]:
    annotation = unwrap(annotation)[0]
    if get_origin(annotation) in (typing.Union, types.UnionType):
        return [a for a in get_args(annotation) if isinstance(a, type)
                and issubclass(a, BaseModel)]
    return []


def _length_limits(info: FieldInfo | None) -> tuple[int, int | None]:
    low, high = 0, None
    for meta in info.metadata if info is not None else ():
        if isinstance(meta, annotated_types.MinLen):
            low = meta.min_length
        elif isinstance(meta, annotated_types.MaxLen):
            high = meta.max_length
    return low, high


def _dotted(path: FieldPath) -> str:
    return ".".join(str(p) for p in path)


def _describe(value: Any) -> str:
    return f"{shown(value)} ({type(value).__name__})"


def _nearest_hint(value: Any, bounds: Bounds) -> str:
    values = bounds.nearest(value)
    if not values and isinstance(value, int | float):
        if bounds.high is not None and value >= bounds.high:
            return f"use a value below {bounds.high}"
        if bounds.low is not None and value <= bounds.low:
            return f"use a value above {bounds.low}"
    if not values:
        return f"use {bounds.text()}"
    return f"use {' or '.join(str(v) for v in values)} (the nearest allowed)"


def _choices_from(expected: str) -> list[str]:
    """The choices of pydantic's "'a', 'b' or 'c'", booleans spelt as YAML spells them."""
    return [word.strip("'") if word.startswith("'") else word.lower()
            for word in re.findall(r"'[^']*'|\b(?:True|False)\b", expected)]


def _reads_unquoted(text: str) -> bool:
    """Whether ``text`` is a number or a boolean once its quotes are gone (``"40"``)."""
    try:
        float(text)
    except ValueError:
        return text.strip().lower() in ("true", "false", "yes", "no", "on", "off")
    return True


def _owner_text(place: ErrorPlace) -> str:
    """Where an unknown key was found: ``fc``, ``the top level``, ``the conv block at ...``."""
    where = clip(_dotted(place.path[:-1]))
    if place.tag is not None:
        return f"the {place.tag} block at {where}"
    return where or "the top level"


def _discriminator(ctx: dict) -> str:
    """The field a tagged union is discriminated on, as pydantic's error names it."""
    return str(ctx.get("discriminator", "'type'")).strip("'")


def error_to_issue(error: dict, root: type[BaseModel], source: SourceMap,
                   suggest: bool = True) -> Issue:
    """Convert one pydantic error dict into an Issue with position and hint.

    Args:
        error: one of ``ValidationError.errors()``.
        root: the model validated.
        source: where the values came from.
        suggest: look for did-you-mean hints (off past the first issues of a long report).
    """
    hints = did_you_mean if suggest else (lambda word, choices: "")
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    place = locate(root, tuple(error["loc"]))
    path, written, info = place.path, place.written, place.info
    code, message, hint = SCHEMA_OTHER, clip(error["msg"], 600), ""
    prefer_key = False
    custom = custom_error(error)

    if custom is not None:
        code, written, prefer_key = custom.code, (*written, *custom.at), custom.at_key
        found = hints(custom.word, custom.choices) if custom.word is not None else ""
        hint = found or custom.hint
    elif kind == "extra_forbidden":
        prefer_key = True
        key = str(path[-1])
        code = UNKNOWN_KEY
        message = (f"unknown field {shown(key)} in {_owner_text(place)}; expected one of: "
                   f"{', '.join(place.fields)}")
        hint = hints(key, place.fields) or "remove it, or check `phazer schema` for the fields"
    elif kind in ("literal_error", "enum"):
        choices = _choices_from(ctx.get("expected", ""))
        if path == ("phazer",):
            code = BAD_VERSION
            message = (f"unsupported format version {shown(value)}; this phazer reads "
                       "versions 1 and 2")
            hint = ("set `phazer: 1` (Phaze-A's switches) or `phazer: 2` (the graph form, "
                    "docs/graphs.md)")
        else:
            code = BAD_CHOICE
            message = f"{_describe(value)} is not allowed; expected one of: {', '.join(choices)}"
            hint = hints(str(value), choices)
    elif kind == "union_tag_invalid":
        tag = ctx.get("tag")
        path, written = (*path, _discriminator(ctx)), (*written, _discriminator(ctx))
        choices = _choices_from(ctx.get("expected_tags", ""))
        if tag in UNSUPPORTED_ENCODERS:
            code = UNSUPPORTED_ENCODER
            message = f"encoder {shown(tag)}: {UNSUPPORTED_ENCODERS[tag]}"
            hint = "pick another encoder, e.g. efficientnet_b4 or fs_original"
        else:
            code = BAD_CHOICE
            message = f"unknown type {shown(tag)}; expected one of: {', '.join(choices)}"
            hint = hints(str(tag), choices)
    elif kind == "union_tag_not_found":
        tag_field = _discriminator(ctx)
        path, written = (*path, tag_field), (*written, tag_field)
        code, message = MISSING_FIELD, f"`{tag_field}` is required to choose the variant"
        hint = f"add a `{tag_field}:` line"
    elif kind == "missing":
        code, message = MISSING_FIELD, f"required field '{path[-1]}' is missing"
        hint = "add it"
    elif kind in _TYPE_NAMES:
        code = BAD_TYPE
        message = f"expected {_TYPE_NAMES[kind]}, got {_describe(value)}"
        if isinstance(value, str) and kind in _SCALAR_KINDS and _reads_unquoted(value):
            hint = "remove the quotes: YAML reads quoted values as strings"
        elif kind in ("bool_type", "bool_parsing"):
            hint = "write true or false"
        elif kind in _MAPPING_KINDS and _union_variants(info.annotation if info else None):
            hint = f"write it as a mapping, e.g. `{path[-1]}: {{type: {clip(value)}}}`" if \
                isinstance(value, str) else "write it as a mapping with a `type:` field"
        elif kind in _MAPPING_KINDS:
            hint = "write its fields indented under it, one `key: value` per line"
        elif kind == "list_type":
            hint = f"write a list, e.g. `[{clip(value)}]`" if isinstance(value, str) else ""
    elif kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        code = OUT_OF_RANGE
        bounds = bounds_of(info, ctx)
        message = f"{shown(value)} is out of range; expected {bounds.text()}"
        hint = _nearest_hint(value, bounds)
    elif kind in ("too_short", "too_long"):
        code = OUT_OF_RANGE
        low, high = _length_limits(info)
        count = ctx.get("actual_length")
        message = f"{count} entries; expected {low} to {high}" if high is not None else \
            f"{count} entries; expected at least {low}"
        hint = "remove entries" if kind == "too_long" else "add an entry"
    elif kind == "multiple_of":
        code = NOT_MULTIPLE
        bounds = bounds_of(info, ctx)
        message = f"{shown(value)} is not a multiple of {bounds.step}; expected {bounds.text()}"
        hint = _nearest_hint(value, bounds)
    elif kind == "value_error":
        code = NOT_MULTIPLE if ("odd" in message or "multiple of" in message) else SCHEMA_OTHER
        message = f"{_describe(value)}: {clip(str(ctx.get('error', message)))}"

    pos = source.find(source.spelt(written), prefer_key=prefer_key)
    dotted = clip(_dotted(path))
    if pos is None or pos.from_override:
        return Issue(code, "error", dotted, message, hint, pos.file if pos else None)
    return Issue(code, "error", dotted, message, hint, pos.file, pos.line, pos.column)


def _misspelt_fields(errors: list[dict], root: type[BaseModel]) -> set[FieldPath]:
    """Required fields an unknown key stands for (``modles:`` for ``models``).

    Such a field is reported missing too; the unknown key's did-you-mean says it all.
    """
    meant: set[FieldPath] = set()
    for error in errors:
        if error["type"] == "extra_forbidden":
            place = locate(root, tuple(error["loc"]))
            near = closest(str(place.path[-1]), place.fields)
            if near is not None:
                meant.add((*place.path[:-1], near))
    return meant


def validation_issues(exc: ValidationError, root: type[BaseModel],
                      source: SourceMap) -> list[Issue]:
    """All issues of a pydantic ValidationError, de-duplicated by (path, code).

    A required field reported missing where an unknown key looks like its misspelling is left
    out (the unknown key's issue suggests it). Past the first
    :data:`~phazer.issues.MAX_LISTED_ISSUES` (all a report lists), the rest are only counted:
    each becomes a bare issue without position, hint or de-duplication, so ten thousand
    unknown keys cost no more than the hundred listed.
    """
    errors = exc.errors(include_url=False)
    misspelt = _misspelt_fields(errors[:MAX_SUGGESTED], root)
    seen: set[tuple[str, str]] = set()
    issues: list[Issue] = []
    listed = 0
    for error in errors:
        if listed >= MAX_LISTED_ISSUES:
            issues.append(Issue(SCHEMA_OTHER, "error", clip(_dotted(tuple(error["loc"]))),
                                clip(error["msg"])))
            continue
        if misspelt and error["type"] == "missing" and \
                locate(root, tuple(error["loc"])).path in misspelt:
            continue
        issue = error_to_issue(error, root, source, suggest=listed < MAX_SUGGESTED)
        if (issue.path, issue.code) in seen:
            continue
        seen.add((issue.path, issue.code))
        issues.append(issue)
        listed += 1
    return issues
