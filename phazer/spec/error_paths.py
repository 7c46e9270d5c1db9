"""Follow a pydantic error location through the spec's types.

A pydantic location mixes the fields, keys and list indices a file spells with the labels
pydantic adds for unions: the tag of a discriminated union (``encoder.efficientnet_b4.width``),
the tag a callable discriminator returns (a graph-form sub-model's ``blocks``, a block's
``list`` of filters) and the label of a plain union's member. :func:`locate` walks the
location along the annotations and tells them apart: the path an issue shows has none of the
labels; the path to look the position up by keeps a block's type, which the file writes as a
key (``- conv: {kernel: 5}``, see :mod:`phazer.spec.block_entries`).
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from typing import Any, ForwardRef, get_args, get_origin

from pydantic import BaseModel, Discriminator, Tag
from pydantic.fields import FieldInfo

from phazer.spec.yaml_source import FieldPath

WRITTEN_TAG = "block"
"""A union discriminated on this field is written with the tag as the key (graph blocks)."""


@dataclass(frozen=True)
class ErrorPlace:
    """Where a pydantic error points, in the spec's terms.

    Attributes:
        path: the location without union labels (what an issue shows).
        written: the location as the file may spell it (a block's type kept as a key); parts
            the file does not spell are skipped when the position is looked up.
        owner: the model whose field (or unknown key) the last part names, None elsewhere.
        info: the last part's field info: the field's own, or a list item's or union
            member's constraints (for range messages); None when unknown.
        fields: the fields a key of ``owner`` may name (a written tag left out).
        tag: the block type of ``owner`` when it is a graph-form block, else None.
    """

    path: FieldPath
    written: FieldPath
    owner: type[BaseModel] | None = None
    info: FieldInfo | None = None
    fields: tuple[str, ...] = ()
    tag: str | None = None


def unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    """The annotation without ``Annotated``, and the metadata that held."""
    metadata: list[Any] = []
    while get_origin(annotation) is typing.Annotated:
        metadata += list(annotation.__metadata__)
        annotation = get_args(annotation)[0]
    return annotation, metadata


def is_union(annotation: Any) -> bool:
    """Whether ``annotation`` (unwrapped) is a union."""
    return get_origin(annotation) in (typing.Union, types.UnionType)


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _discriminator(metadata: list[Any]) -> str | Discriminator | None:
    for meta in metadata:
        if isinstance(meta, Discriminator):
            return meta
        if isinstance(meta, FieldInfo):
            found = meta.discriminator or _discriminator(meta.metadata)
            if found is not None:
                return found
    return None


def _tag_values(model: type[BaseModel], field: str) -> tuple[Any, ...]:
    info = model.model_fields.get(field)
    return get_args(unwrap(info.annotation)[0]) if info is not None else ()


def _member(annotation: Any, metadata: list[Any], part: object) -> tuple[Any, bool] | None:
    """The union member ``part`` names, and whether the file writes ``part`` as a key."""
    members = get_args(annotation)
    discriminator = _discriminator(metadata)
    if isinstance(discriminator, Discriminator):
        found = [m for m in members if any(isinstance(meta, Tag) and meta.tag == part
                                           for meta in unwrap(m)[1])]
        return (found[0], False) if found else None
    if isinstance(discriminator, str):
        found = [m for m in members if _is_model(unwrap(m)[0])
                 and part in _tag_values(unwrap(m)[0], discriminator)]
        return (found[0], discriminator == WRITTEN_TAG) if found else None
    if not isinstance(part, str):
        return None
    for member in members:   # a plain union: pydantic labels each member's errors
        inner = unwrap(member)[0]
        if (_is_model(inner) and inner.__name__ == part) or (
                get_origin(inner) is list and part.startswith("list[")) or (
                get_origin(inner) is dict and part.startswith("dict[")):
            return member, False
    plain = [m for m in members if not _is_model(unwrap(m)[0]) and m is not type(None)
             and get_origin(unwrap(m)[0]) not in (list, dict)]
    return (plain[0], False) if len(plain) == 1 else None


def _field_annotation(model: type[BaseModel], name: str) -> Any:
    """A field's annotation, its forward reference resolved (models build lazily)."""
    annotation = model.model_fields[name].annotation
    if isinstance(annotation, ForwardRef | str):
        try:
            annotation = typing.get_type_hints(model, include_extras=True)[name]
        except (NameError, TypeError, KeyError):
            return Any   # the walk stops here; the rest of the location is kept as it is
    return annotation


def _leaf_info(annotation: Any, default: FieldInfo | None) -> FieldInfo | None:
    """The constraints of a list item or union member as a FieldInfo (``default``: not a leaf)."""
    inner = unwrap(annotation)[0]
    if _is_model(inner) or is_union(inner) or get_origin(inner) in (list, dict):
        return default
    return FieldInfo.from_annotation(annotation)


def _visible_fields(model: type[BaseModel], hidden: str | None) -> tuple[str, ...]:
    return tuple(sorted(name for name in model.model_fields if name != hidden))


def locate(root: type[BaseModel], loc: tuple) -> ErrorPlace:
    """Follow ``loc`` from ``root``; past what the types explain, parts are kept as they are."""
    path: list[str | int] = []
    written: list[str | int] = []
    annotation: Any = root
    metadata: list[Any] = []
    owner: type[BaseModel] | None = None
    info: FieldInfo | None = None
    tag: str | None = None
    parts = list(loc)
    while parts:
        inner, more = unwrap(annotation)
        metadata = metadata + more
        part = parts[0]
        optional = [m for m in get_args(inner) if m is not type(None)]
        if is_union(inner) and len(optional) == 1:   # pydantic labels no `X | None`
            annotation = optional[0]
            continue
        if is_union(inner):
            member = _member(inner, metadata, part)
            if member is None:
                break
            parts.pop(0)
            annotation, as_key = member
            metadata = []
            if as_key:
                written.append(part)
                tag = str(part)
            info = _leaf_info(annotation, info)
            continue
        if _is_model(inner):
            if not isinstance(part, str) or part not in inner.model_fields:
                break
            owner, info = inner, inner.model_fields[part]
            annotation, metadata = _field_annotation(inner, part), [info]
        elif get_origin(inner) is dict and isinstance(part, str):
            owner, info, tag = None, None, None
            annotation, metadata = get_args(inner)[1], []
        elif get_origin(inner) is list and isinstance(part, int):
            owner, tag = None, None
            annotation, metadata = get_args(inner)[0], []
            info = _leaf_info(annotation, info)
        else:
            break
        parts.pop(0)
        path.append(part)
        written.append(part)
    if parts:   # an unknown key (or what the types do not explain): the rest as it is
        owner = unwrap(annotation)[0] if _is_model(unwrap(annotation)[0]) else None
        info = None
        path += parts
        written += parts
    fields = _visible_fields(owner, WRITTEN_TAG if tag else None) if owner else ()
    return ErrorPlace(tuple(path), tuple(written), owner, info, fields,
                      tag if owner is not None else None)
