"""The JSON Schema of a phazer spec, for editors and for ``docs/spec-reference.md``.

A spec file is one of two forms, chosen by its ``phazer`` field the way the loader chooses
(:func:`phazer.spec.parse_spec_data`): ``phazer: 2`` is the graph form
(:class:`~phazer.spec.graph_form.GraphSpec`), anything else the switch form
(:class:`~phazer.spec.models.ModelSpec`). The schema says so with ``if``/``then``/``else``
on that field, so an editor checks and completes each file against its own form.

Everything is generated from the pydantic models. The graph form's blocks come from
:data:`~phazer.spec.graph_blocks.BLOCK_TYPES`: each block's fields are its model's (without
the ``block`` tag), and a block entry is written the three ways ``_as_tagged`` reads it —
a one-key mapping (``- conv: {filters: 128}``), a scalar for the block's shorthand field
(``- dense: 1024``) or, for a block without required fields, its bare name (``- flatten``).
Adding a block to ``BLOCK_TYPES`` adds it here.

The schema is committed as ``schemas/phazer.schema.json``; a test fails when the committed
file and the models differ (regenerate it with ``phazer schema``).
"""

from __future__ import annotations

import copy
import json
from typing import Any

from pydantic.json_schema import models_json_schema

from phazer.sides import SIDE_NAME
from phazer.spec.graph_blocks import BLOCK_TYPES
from phazer.spec.graph_form import GRAPH_FORMAT_VERSION, GraphSpec
from phazer.spec.models import FORMAT_VERSION, ModelSpec
from phazer.spec.routes import SUBMODEL_NAME, route_description, route_pattern

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID = "urn:phazer:spec"
SCHEMA_TITLE = "phazer model spec"
SCHEMA_DESCRIPTION = (
    f"A phazer spec in one of two forms, chosen by `phazer`: {FORMAT_VERSION} (the default) is "
    "the switch form, Phaze-A's routing switches and option groups; "
    f"{GRAPH_FORMAT_VERSION} is the graph form, named sides, sub-models written as lists of "
    "blocks, and a route per side. A file that extends a graph-form spec says "
    f"`phazer: {GRAPH_FORMAT_VERSION}` too, so that it is checked as one.")
DEFAULT_SCHEMA_PATH = "schemas/phazer.schema.json"
SWITCH_FORM_DEF = "ModelSpec"
GRAPH_FORM_DEF = "GraphSpec"
BLOCK_DEF = "Block"
"""The ``$defs`` entry of one block of a graph-form sub-model (any of its written forms)."""

EXTENDS_PROPERTY: dict[str, Any] = {
    "description": "A built-in preset name or a spec file path (relative to this file) whose "
                   "fields this spec starts from; mappings are merged, other values replaced, "
                   "and a mapping whose `type` changes replaces the parent's mapping.",
    "title": "Extends",
    "type": "string",
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/$defs/{name}"}


def _def_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


# --- the switch form ---------------------------------------------------------------------------
def _require_discriminators(definitions: dict[str, Any]) -> None:
    """Mark ``type`` required in every variant of a discriminated union.

    Some variants give ``type`` a default (``fs_original``, ``dense``), which pydantic reports
    as optional; inside a union the tag is what picks the variant, so the loader requires it.
    """
    for prop in _walk_properties(definitions):
        discriminator = prop.get("discriminator")
        if not isinstance(discriminator, dict) or discriminator["propertyName"] == "block":
            continue
        tag = discriminator["propertyName"]
        for ref in set(discriminator.get("mapping", {}).values()):
            variant = definitions[_def_name(ref)]
            required = variant.setdefault("required", [])
            if tag not in required:
                required.insert(0, tag)


def _walk_properties(definitions: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for definition in definitions.values():
        found.extend(definition.get("properties", {}).values())
    return found


def _with_extends(definition: dict[str, Any]) -> None:
    definition["properties"] = {"extends": EXTENDS_PROPERTY, **definition["properties"]}


def _plain_unions(node: Any) -> Any:
    """A ``oneOf`` without a discriminator (a union chosen by a function) as ``anyOf``.

    The graph form picks a list's or a scalar's form by what is written (so an error names
    that form only); for an editor the forms are alternatives like any union's.
    """
    if isinstance(node, dict):
        node = {key: _plain_unions(value) for key, value in node.items()}
        if "oneOf" in node and "discriminator" not in node:
            return {"anyOf": node.pop("oneOf"), **node}
        return node
    if isinstance(node, list):
        return [_plain_unions(value) for value in node]
    return node


# --- the graph form ----------------------------------------------------------------------------
def _is_block_union(node: Any) -> bool:
    return isinstance(node, dict) and isinstance(node.get("discriminator"), dict) \
        and node["discriminator"].get("propertyName") == "block"


def _replace_block_unions(node: Any) -> Any:
    """Every tagged union of blocks (pydantic's view) as a reference to :data:`BLOCK_DEF`."""
    if _is_block_union(node):
        return _ref(BLOCK_DEF)
    if isinstance(node, dict):
        return {key: _replace_block_unions(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_replace_block_unions(value) for value in node]
    return node


def _block_body(definition: dict[str, Any]) -> None:
    """A block model's schema as the mapping under its name: the ``block`` tag goes."""
    definition["properties"].pop("block", None)
    if "block" in definition.get("required", []):
        definition["required"].remove("block")
    if not definition.get("required"):
        definition.pop("required", None)


def _needs_fields(model: type) -> bool:
    return any(info.is_required() for info in model.model_fields.values())


def _block_entry(definitions: dict[str, Any], block_defs: dict[str, str]) -> dict[str, Any]:
    """The schema of one entry of a sub-model's list: the forms ``_as_tagged`` reads."""
    values: dict[str, Any] = {}
    bare: list[str] = []
    for name, (model, shorthand) in BLOCK_TYPES.items():
        body = definitions[block_defs[name]]
        forms: list[dict[str, Any]] = [_ref(block_defs[name])]
        if shorthand is not None:
            field = copy.deepcopy(body["properties"][shorthand])
            field.pop("title", None)
            field.pop("default", None)
            field["description"] = (f"Shorthand for `{{{shorthand}: ...}}`. "
                                    f"{field.get('description', '')}").rstrip()
            forms.append(field)
        if not _needs_fields(model):
            bare.append(name)
            forms.append({"type": "null"})
        values[name] = {"description": body.get("description", "").split("\n\n")[0],
                        "anyOf": forms}
    mapping = {
        "type": "object",
        "description": "A block as a one-key mapping: its name, then its fields, the value of "
                       "its shorthand field, or nothing.",
        "properties": values,
        "additionalProperties": False,
        "minProperties": 1,
        "maxProperties": 1,
    }
    return {
        "description": "One block of a sub-model: a one-key mapping (`- conv: {filters: 128}`), "
                       "a scalar for the block's shorthand field (`- dense: 1024`) or, for a "
                       "block without required fields, its bare name (`- flatten`). A list of "
                       "filters or units repeats the block once per value.",
        "anyOf": [{"type": "string", "enum": bare}, mapping],
    }


def _graph_form(definitions: dict[str, Any], block_defs: dict[str, str]) -> None:
    graph = definitions[GRAPH_FORM_DEF]
    _with_extends(graph)
    properties = graph["properties"]
    properties["sides"]["propertyNames"] = {"pattern": f"^{SIDE_NAME}$"}
    properties["models"]["propertyNames"] = {"pattern": f"^{SUBMODEL_NAME}$"}
    properties["routes"]["propertyNames"] = {"pattern": f"^{SIDE_NAME}$"}
    properties["routes"]["additionalProperties"] = {
        "type": "string", "pattern": route_pattern(), "description": route_description()}
    # A file that extends another may leave the required groups to its parent.
    required = graph.pop("required", [])
    if required:
        graph["anyOf"] = [{"required": required}, {"required": ["extends"]}]
    for name in block_defs.values():
        _block_body(definitions[name])
    definitions[BLOCK_DEF] = _block_entry(definitions, block_defs)


def spec_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a spec file in either form, ``extends`` included."""
    blocks = {name: model for name, (model, _) in BLOCK_TYPES.items()}
    models = [ModelSpec, GraphSpec, *blocks.values()]
    refs, generated = models_json_schema([(model, "validation") for model in models])
    block_defs = {name: _def_name(refs[(model, "validation")]["$ref"])
                  for name, model in blocks.items()}
    definitions = _plain_unions(_replace_block_unions(generated["$defs"]))
    _require_discriminators(definitions)
    _with_extends(definitions[SWITCH_FORM_DEF])
    _graph_form(definitions, block_defs)
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": SCHEMA_ID,
        "title": SCHEMA_TITLE,
        "description": SCHEMA_DESCRIPTION,
        "type": "object",
        "properties": {"phazer": {
            "description": "Spec format version: "
                           f"{FORMAT_VERSION} the switch form, {GRAPH_FORMAT_VERSION} the graph "
                           "form.",
            "enum": [FORMAT_VERSION, GRAPH_FORMAT_VERSION]}},
        "if": {"properties": {"phazer": {"const": GRAPH_FORMAT_VERSION}},
               "required": ["phazer"]},
        "then": _ref(GRAPH_FORM_DEF),
        "else": _ref(SWITCH_FORM_DEF),
        "$defs": dict(sorted(definitions.items())),
    }


def form_schema(schema: dict[str, Any], form: str) -> dict[str, Any]:
    """One form's definition (``SWITCH_FORM_DEF`` or ``GRAPH_FORM_DEF``) of ``schema``."""
    return schema["$defs"][form]


def schema_text() -> str:
    """The schema as the committed file holds it: 2-space JSON, trailing newline."""
    return json.dumps(spec_json_schema(), indent=2, ensure_ascii=False) + "\n"
