"""Write a spec back to YAML: groups in a fixed order, readable block strings."""

from __future__ import annotations

from typing import Any

import yaml

from phazer.spec.graph_form import GRAPH_GROUPS, GraphSpec
from phazer.spec.models import GROUPS, ModelSpec


class _SpecDumper(yaml.SafeDumper):
    """A YAML dumper that writes multi-line strings as ``|`` blocks and indents lists."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> Any:
        return super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_list(dumper: yaml.SafeDumper, value: list) -> yaml.SequenceNode:
    flat = all(not isinstance(item, dict | list) for item in value)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flat)


_SpecDumper.add_representer(str, _represent_str)
_SpecDumper.add_representer(list, _represent_list)


def _yaml_block(data: dict[str, Any]) -> str:
    return yaml.dump(data, Dumper=_SpecDumper, sort_keys=False, default_flow_style=False,
                     width=100, allow_unicode=True)


def spec_to_data(spec: ModelSpec | GraphSpec) -> dict[str, Any]:
    """The spec as plain data, every field present, in schema order (``type`` first).

    A graph form's blocks are written as they are read: ``{conv: {...}}``, unset names (and
    unset side output sizes) left out.
    """
    data = _type_first(spec.model_dump(mode="json"))
    if isinstance(spec, GraphSpec):
        data["models"] = {name: [_one_key(block) for block in blocks]
                          if isinstance(blocks, list) else blocks
                          for name, blocks in data["models"].items()}
        for side in data["sides"].values():
            if side.get("output") is None:
                side.pop("output", None)
        if not spec.uses_phaze_a:
            del data["phaze_a"]
    return data


def _one_key(block: dict[str, Any]) -> dict[str, Any]:
    body = {k: _one_key_value(v) for k, v in block.items()
            if k != "block" and not (k == "name" and v is None)}
    return {block["block"]: body}


def _one_key_value(value: Any) -> Any:
    if isinstance(value, list) and value and all(isinstance(v, list) for v in value):
        return [[_one_key(b) for b in branch] for branch in value]  # a branch's lists
    return value


def _type_first(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    ordered = {"type": value["type"]} if "type" in value else {}
    ordered.update({k: _type_first(v) for k, v in value.items() if k != "type"})
    return ordered


def dump_spec(spec: ModelSpec | GraphSpec, header: str = "") -> str:
    """Render a spec as YAML text with a blank line between groups.

    Args:
        spec: the spec to write.
        header: comment lines (without ``#``) to put at the top of the file.
    """
    data = spec_to_data(spec)
    if data.get("description") and not data["description"].endswith("\n"):
        data["description"] += "\n"
    chunks = []
    if header:
        chunks.append("".join(f"# {line}".rstrip() + "\n" for line in header.splitlines()))
    groups = GRAPH_GROUPS if isinstance(spec, GraphSpec) else GROUPS
    top = {k: v for k, v in data.items() if k not in groups}
    chunks.append(_yaml_block(top))
    for group in groups:
        if group in data:
            chunks.append(_yaml_block({group: data[group]}))
    return "\n".join(chunks)
