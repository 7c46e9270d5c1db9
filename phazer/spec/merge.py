"""A spec's merged data (``extends`` and ``--set`` applied) and the deep merge itself."""

from __future__ import annotations

import copy
from dataclasses import dataclass

from phazer.spec.yaml_source import FieldPath, SourceMap


@dataclass
class RawSpec:
    """A spec's merged data before schema validation, with where each value came from."""

    data: dict
    source: SourceMap
    origin: str


def _replaces_variant(base: object, override: object) -> bool:
    """A mapping whose ``type`` changes is a new variant: replace it rather than merge."""
    return (isinstance(base, dict) and isinstance(override, dict) and "type" in override
            and base.get("type") != override["type"])


def deep_merge(base: dict, override: dict, source: SourceMap, over_source: SourceMap,
               path: FieldPath = ()) -> dict:
    """Merge ``override`` into a copy of ``base``: mappings recursively, the rest replaced."""
    result = copy.deepcopy(base)
    for key, value in override.items():
        child = (*path, key)
        current = result.get(key)
        if isinstance(current, dict) and isinstance(value, dict) and not _replaces_variant(
                current, value):
            result[key] = deep_merge(current, value, source, over_source, child)
            continue
        if key in result:
            source.drop_under(child)
        result[key] = copy.deepcopy(value)
    return result
