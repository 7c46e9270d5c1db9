"""How one entry of a graph-form sub-model is written, and the one error when it is not a block.

An entry is a one-key mapping (``- conv: {filters: 128}``), a scalar for the block's shorthand
field (``- dense: 1024``), a bare name (``- flatten``) or the tagged mapping itself
(``- {block: conv, filters: 128}``). :func:`tagged_block` turns each into the tagged mapping
the discriminated union of blocks reads. Anything else is a mistake it names exactly (an
unknown block type, a misspelt bare block, fields beside the type instead of under it), with
the valid block types and the position of what was written; left to the union, the same
mistake gives a "cannot find the tag" error and others besides.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticCustomError

from phazer.issues import BAD_TYPE, NOT_A_BLOCK, shown
from phazer.spec.custom_errors import spec_error

TAG = "block"
"""The field that names a block's type (the union's discriminator)."""
Registry = dict[str, tuple[type[BaseModel], str | None]]
"""Block type -> (model, field a scalar shorthand sets): :data:`~phazer.spec.graph_blocks.
BLOCK_TYPES`."""

_FORMS = "write a block as `- name`, `- name: value` or `- name: {field: value, ...}`"


def tagged_block(value: Any, registry: Registry) -> Any:
    """``value`` as ``{"block": name, ...fields}``.

    Raises:
        PydanticCustomError: ``value`` is not a block (see :func:`_not_a_block`).
    """
    if isinstance(value, str):
        if value in registry:
            return {TAG: value}
        raise _unknown(value, registry, (), at_key=False)
    if not isinstance(value, dict) or not value:
        raise _not_a_block(value, registry)
    if TAG in value:
        if isinstance(value[TAG], str) and value[TAG] in registry:
            return value
        raise _unknown(value[TAG], registry, (TAG,), at_key=False)
    if len(value) > 1:
        raise _several_keys(value, registry)
    ((key, body),) = value.items()
    if key not in registry:
        raise _unknown(key, registry, (key,), at_key=True)
    if isinstance(body, dict):
        return {TAG: key, **body}
    if body is None:
        return {TAG: key}
    shorthand = registry[key][1]
    if shorthand is None:
        raise spec_error(NOT_A_BLOCK, f"block {shown(key)} takes no value, got {shown(body)}",
                         f"write `- {key}` (it has no field a value could set)", at=(key,))
    return {TAG: key, shorthand: body}


def _unknown(word: object, registry: Registry, at: tuple[str | int, ...],
             at_key: bool) -> PydanticCustomError:
    return spec_error(NOT_A_BLOCK, f"unknown block type {shown(word)}; expected one of: "
                      f"{', '.join(registry)}", _FORMS, word=word, choices=registry, at=at,
                      at_key=at_key)


def _several_keys(value: dict, registry: Registry) -> PydanticCustomError:
    """A mapping of several keys: fields beside the type, two blocks, or an unknown type."""
    keys = [str(k) for k in value]
    types = [k for k in keys if k in registry]
    if not types:
        return _unknown(keys[0], registry, (keys[0],), at_key=True)
    listed = ", ".join(shown(k) for k in keys)
    if len(types) > 1:
        return spec_error(NOT_A_BLOCK, f"one entry holds several blocks ({listed})",
                          "put each block on its own `- ` line", at=(types[1],), at_key=True)
    (block,) = types
    others = [k for k in keys if k != block]
    fields = sorted(set(registry[block][0].model_fields) - {TAG})
    message = (f"{shown(others[0])} sits beside {shown(block)} in one entry ({listed}); a "
               "block entry has one key, its type, with its fields under it")
    if others[0] in fields:
        return spec_error(NOT_A_BLOCK, message, f"indent it under `{block}:`, e.g. "
                          f"`- {block}: {{{others[0]}: ...}}`", at=(others[0],), at_key=True)
    return spec_error(NOT_A_BLOCK, message, f"move it under `{block}:` if it is one of its "
                      f"fields: {', '.join(fields)}", word=others[0], choices=fields,
                      at=(others[0],), at_key=True)


def _not_a_block(value: Any, registry: Registry) -> PydanticCustomError:
    """An entry that is neither a name nor a mapping naming a block (a number, a list, ...)."""
    if value is None:
        return spec_error(NOT_A_BLOCK, "an empty entry (`- ` with nothing after it) is not a "
                          "block", _FORMS)
    kind = "an empty mapping" if value == {} else f"{shown(value)} ({type(value).__name__})"
    return spec_error(BAD_TYPE if value != {} else NOT_A_BLOCK,
                      f"expected a block, got {kind}; a block is one of: "
                      f"{', '.join(registry)}", _FORMS)
