"""The JSON Schema of a phazer spec, for editors and for ``docs/spec-reference.md``.

The schema is generated from :class:`~phazer.spec.models.ModelSpec` and committed as
``schemas/phazer.schema.json``; a test fails when the committed file and the models differ
(regenerate it with ``phazer schema``).
"""

from __future__ import annotations

import json
from typing import Any

from phazer.spec.models import FORMAT_VERSION, ModelSpec

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID = f"urn:phazer:spec:v{FORMAT_VERSION}"
SCHEMA_TITLE = "phazer model spec"
DEFAULT_SCHEMA_PATH = "schemas/phazer.schema.json"

EXTENDS_PROPERTY: dict[str, Any] = {
    "description": "A built-in preset name or a spec file path (relative to this file) whose "
                   "fields this spec starts from; mappings are merged, other values replaced, "
                   "and a mapping whose `type` changes replaces the parent's mapping.",
    "title": "Extends",
    "type": "string",
}


def _require_discriminators(schema: dict[str, Any]) -> None:
    """Mark ``type`` required in every variant of a discriminated union.

    Some variants give ``type`` a default (``fs_original``, ``dense``), which pydantic reports
    as optional; inside a union the tag is what picks the variant, so the loader requires it.
    """
    definitions = schema.get("$defs", {})
    for prop in _walk_properties(schema):
        discriminator = prop.get("discriminator")
        if not isinstance(discriminator, dict):
            continue
        tag = discriminator["propertyName"]
        for ref in set(discriminator.get("mapping", {}).values()):
            variant = definitions[ref.rsplit("/", 1)[-1]]
            required = variant.setdefault("required", [])
            if tag not in required:
                required.insert(0, tag)


def _walk_properties(schema: dict[str, Any]) -> list[dict[str, Any]]:
    found = list(schema.get("properties", {}).values())
    for definition in schema.get("$defs", {}).values():
        found.extend(definition.get("properties", {}).values())
    return found


def spec_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a spec file, ``extends`` included."""
    generated = ModelSpec.model_json_schema()
    _require_discriminators(generated)
    properties = {"extends": EXTENDS_PROPERTY, **generated.pop("properties")}
    header = {
        "$schema": SCHEMA_DIALECT,
        "$id": SCHEMA_ID,
        "title": SCHEMA_TITLE,
        "description": generated.pop("description", ""),
    }
    generated.pop("title", None)
    return {**header, **generated, "properties": properties}


def schema_text() -> str:
    """The schema as the committed file holds it: 2-space JSON, trailing newline."""
    return json.dumps(spec_json_schema(), indent=2, ensure_ascii=False) + "\n"
