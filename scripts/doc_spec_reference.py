"""docs/spec-reference.md, generated entirely from the spec's JSON Schema.

Used by ``scripts/gen_docs.py``: for the switch form, one table of fields per group (and per
variant of the encoder and bottleneck) and the input sizes of every encoder; for the graph
form, its top-level fields, sides, the route grammar (from :mod:`phazer.spec.routes`, with
the routes of the fs-* presets as examples) and one subsection per block of
:data:`~phazer.spec.graph_blocks.BLOCK_TYPES`; then where each of faceswap's options lives
in a phazer spec.
"""

from __future__ import annotations

import json
from typing import Any

from phazer.spec import routes as route_grammar
from phazer.spec.faceswap_names import GLOBAL_OPTIONS, MODEL_OPTIONS, TRAINING_OPTIONS
from phazer.spec.graph_blocks import BLOCK_TYPES
from phazer.spec.graph_form import GRAPH_FORMAT_VERSION, GRAPH_GROUPS
from phazer.spec.json_schema import (
    BLOCK_DEF,
    GRAPH_FORM_DEF,
    SWITCH_FORM_DEF,
    form_schema,
    spec_json_schema,
)
from phazer.spec.models import FORMAT_VERSION, GROUPS

_MAX_TAGS_IN_HEADING = 4


def table_cell(text: str) -> str:
    """Text for one Markdown table cell: one line, pipes escaped."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _code(value: Any) -> str:
    return f"`{json.dumps(value, ensure_ascii=False)}`" if not isinstance(value, str) \
        else f"`{value}`" if value else '`""`'


def _resolve(prop: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in prop:
        return defs[prop["$ref"].rsplit("/", 1)[-1]]
    return prop


def _type_text(prop: dict[str, Any]) -> str:
    if prop.get("$ref", "").endswith(f"/{BLOCK_DEF}"):
        return "block"
    if "$ref" in prop:
        return "mapping"
    if "oneOf" in prop:
        return "mapping, by `type`"
    if "anyOf" in prop:
        return " or ".join(_type_text(p) for p in prop["anyOf"])
    kind = prop.get("type", "any")
    if kind == "array":
        return f"list of {_type_text(prop.get('items', {}))}"
    if kind == "object" and isinstance(prop.get("additionalProperties"), dict):
        return f"mapping: name → {_type_text(prop['additionalProperties'])}"
    return {"boolean": "true / false", "null": "null", "number": "number"}.get(kind, kind)


def _allowed_text(prop: dict[str, Any]) -> str:
    if "enum" in prop:
        return ", ".join(_code(v) for v in prop["enum"])
    if "const" in prop:
        return _code(prop["const"])
    if "anyOf" in prop:
        return " or ".join(text for text in (_allowed_text(p) for p in prop["anyOf"]) if text)
    if "pattern" in prop:
        return f"pattern `{prop['pattern'].strip('^$')}`"
    if "propertyNames" in prop:
        return f"names: `{prop['propertyNames']['pattern'].strip('^$')}`"
    if prop.get("type") == "array":
        inner = _allowed_text(prop.get("items", {}))
        low, high = prop.get("minItems"), prop.get("maxItems")
        count = (f"{low}–{high} items" if low is not None and high is not None
                 else f"at least {low} items" if low is not None
                 else f"at most {high} items" if high is not None else "")
        return ", ".join(part for part in (count, f"each: {inner}" if inner else "") if part)
    low = prop.get("minimum", prop.get("exclusiveMinimum"))
    high = prop.get("maximum", prop.get("exclusiveMaximum"))
    parts = []
    if low is not None or high is not None:
        left = "(" if "exclusiveMinimum" in prop else "["
        right = ")" if "exclusiveMaximum" in prop else "]"
        parts.append(f"{left}{_fmt(low)}, {_fmt(high)}{right}")
    if "multipleOf" in prop:
        parts.append(f"multiple of {prop['multipleOf']}")
    return ", ".join(parts)


def _fmt(value: Any) -> str:
    return "…" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def _default_text(name: str, prop: dict[str, Any], required: list[str]) -> str:
    if "default" in prop:
        return _code(prop["default"])
    return "required" if name in required else "—"


def _markdown(text: str) -> str:
    """A docstring's reST literals (````x````) as Markdown code."""
    return text.replace("``", "`")


def _field_table(schema: dict[str, Any], defs: dict[str, Any],
                 links: dict[str, str], required: list[str] | None = None) -> list[str]:
    rows = ["| field | type | default | allowed | description |",
            "|---|---|---|---|---|"]
    required = schema.get("required", []) if required is None else required
    properties = schema["properties"]
    order = sorted(properties, key=lambda name: name != "type")  # the variant tag first
    for name in order:
        prop = properties[name]
        description = prop.get("description") or _resolve(prop, defs).get("description", "")
        if name == "type" and not description:
            description = "Chooses this variant."
        if not description and "oneOf" in prop:
            description = "Chooses its variant with `type`."
        description = _markdown(description)
        if name in links:
            description = f"{description} See [{name}](#{links[name]})."
        default = "see below" if "$ref" in prop or "oneOf" in prop else _default_text(
            name, prop, required)
        rows.append(f"| `{name}` | {table_cell(_type_text(prop))} | {table_cell(default)} | "
                    f"{table_cell(_allowed_text(prop))} | {table_cell(description)} |")
    return rows


_SPEC_INTRO = f"""\
# Spec reference

<!-- Generated by `python scripts/gen_docs.py` from the spec models (the same data as
     schemas/phazer.schema.json). Do not edit by hand. -->

A phazer spec is a YAML mapping in one of two forms, chosen by its `phazer` field: the
**switch form** (`phazer: {FORMAT_VERSION}`, the default), Phaze-A's routing switches and option
groups, described first; and the **graph form** (`phazer: {GRAPH_FORMAT_VERSION}`), named sides,
sub-models written as lists of blocks and a route per side, described under
[Graph form](#graph-form) (and, with worked examples, in [graphs.md](graphs.md)).

In the switch form every field is optional: a missing field takes the default
shown here, and `phazer render SPEC` prints a spec with every default filled in. Values are
strict: `"4"` (a quoted string) is not the integer 4, `"true"` is not `true`, and an unknown
key is an error (with a did-you-mean hint). Options that belong to one encoder or bottleneck type
exist only inside that type: `depth` next to `type: efficientnet_b4` is an unknown key.
The description of each field names the faceswap Phaze-A option it carries; the table at the
end maps every faceswap option to its field.

For editor completion, point your YAML extension at `schemas/phazer.schema.json`
(`phazer schema` writes it); it checks each file against its own form.
"""


def _variant_sections(group: str, prop: dict[str, Any], defs: dict[str, Any]) -> list[str]:
    mapping = prop["discriminator"]["mapping"]
    lines = [f"`{group}` has several variants, chosen by its `type`; each variant accepts "
             "only the fields listed under it.", ""]
    for option in prop["oneOf"]:
        name = option["$ref"].rsplit("/", 1)[-1]
        variant = defs[name]
        tags = [tag for tag, ref in mapping.items() if ref.endswith(f"/{name}")]
        title = (", ".join(f"`{tag}`" for tag in tags) if len(tags) <= _MAX_TAGS_IN_HEADING
                 else f"{name} ({len(tags)} types)")
        lines += [f"### {group}: {title}", "", _markdown(variant.get("description", "")), "",
                  *_field_table(variant, defs, {}), ""]
    return lines


def _encoder_sizes() -> list[str]:
    from phazer.catalog.encoders import ENCODERS

    rows = ["The encoder's input size is `max(minimum, floor16(default × scaling / 100))` px; "
            "`phazer render` shows it for a spec.", "",
            "| encoder `type` | default size | minimum |", "|---|---|---|"]
    for name, info in ENCODERS.items():
        rows.append(f"| `{name}` | {info.default_size} px | {info.min_size} px |")
    return [*rows, ""]


def _faceswap_table() -> list[str]:
    from phazer.catalog.encoders import ENCODERS

    keras = {name for name, info in ENCODERS.items() if info.is_keras_application}
    rows = ["| faceswap option | spec field | applies to |", "|---|---|---|"]
    for option, (path, applies) in MODEL_OPTIONS.items():
        if applies is None:
            scope = "every spec"
        elif set(applies) == keras:
            scope = "Keras Applications encoders"
        else:
            scope = ", ".join(f"`{name}`" for name in sorted(applies))
        rows.append(f"| `{option}` | `{path}` | {scope} |")
    for (section, option), path in GLOBAL_OPTIONS.items():
        rows.append(f"| `[{section}] {option}` | `{path}` | every spec |")
    for (section, option), path in TRAINING_OPTIONS.items():
        rows.append(f"| `[{section}] {option}` | `{path}` | every spec (`train.ini` only) |")
    return rows


def _nested_sections(prefix: str, schema: dict[str, Any], defs: dict[str, Any]) -> list[str]:
    """A ``###`` section for each mapping (or list of mappings) inside a group."""
    lines: list[str] = []
    for name, prop in schema.get("properties", {}).items():
        path = f"{prefix}.{name}"
        if "oneOf" in prop:
            lines += _variant_sections(path, prop, defs)
            continue
        items = prop.get("items", {}) if prop.get("type") == "array" else {}
        target = prop if "$ref" in prop else items if "$ref" in items else None
        if target is None:
            continue
        resolved = _resolve(target, defs)
        title = path if target is prop else f"{path} (each entry)"
        lines += [f"### {title}", "", _markdown(resolved.get("description", "")), "",
                  *_field_table(resolved, defs, {}), ""]
    return lines


# --- the graph form ----------------------------------------------------------------------------
_GRAPH_INTRO = f"""\
A graph-form spec starts with `phazer: {GRAPH_FORMAT_VERSION}`. It names the identities (`sides`),
writes each sub-model as a list of blocks (`models`) and gives each side its route through
the sub-models (`routes`); `training` is the same section as in the switch form. `sides`,
`models` and `routes` are required (a file that `extends` another may leave them to its
parent). Sub-model and side names, routes and unused sub-models are checked by the rules
PHZ210–PHZ215 ([errors.md](errors.md)); [graphs.md](graphs.md) walks through whole models."""


def _block_anchor(name: str) -> str:
    return f"block-{name}"


def _grammar() -> list[str]:
    """The grammar block of :mod:`phazer.spec.routes`'s docstring."""
    lines = (route_grammar.__doc__ or "").splitlines()
    start = next(i for i, line in enumerate(lines) if line.rstrip().endswith("::"))
    grammar: list[str] = []
    for line in lines[start + 1:]:
        if line.strip() and not line.startswith(" "):
            break
        grammar.append(line[4:] if line.startswith("    ") else line)
    return ["```text", *"\n".join(grammar).strip("\n").splitlines(), "```"]


def _route_examples() -> list[str]:
    """Every distinct pair of routes among the fs-* presets, with the presets using it."""
    import yaml

    from phazer.spec.presets import presets_dir

    seen: dict[tuple[tuple[str, str], ...], list[str]] = {}
    for path in sorted(presets_dir().glob("fs-*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if data.get("phazer") != GRAPH_FORMAT_VERSION:
            continue
        seen.setdefault(tuple(sorted(data.get("routes", {}).items())), []).append(path.stem)
    lines: list[str] = []
    for routes, users in sorted(seen.items(), key=lambda item: -len(item[1])):
        names = ", ".join(f"`{name}`" for name in users)
        lines += [f"From {names}:", "", "```yaml", "routes:",
                  *(f"  {side}: {route}" for side, route in routes), "```", ""]
    return lines


def _routes_section() -> list[str]:
    summary = (route_grammar.__doc__ or "").split("\n\n")
    meaning = next((part for part in summary if part.lstrip().startswith("A side's input")), "")
    return ["### graph form: routes", "",
            "`routes` maps each side to its route, one line of text:", "", *_grammar(), "",
            _markdown(" ".join(meaning.split())), "Whitespace is free; "
            + ", ".join(f"`{join}`" for join in route_grammar.JOINS)
            + " is a join, not a sub-model name. A route that does not parse is error PHZ211 "
            "(with the column), a name that is not a sub-model PHZ212, a side without a route "
            "(or a route without a side) PHZ213.", "", *_route_examples()]


def _blocks_overview(defs: dict[str, Any]) -> list[str]:
    rows = ["Each entry of a sub-model's list is one block, written in one of three ways:", "",
            "- a one-key mapping of the block's name to its fields, "
            "`- conv: {filters: 128, kernel: 5}`;",
            "- the block's name and a value for its shorthand field, `- dense: 1024` "
            "(the same as `- dense: {units: 1024}`);",
            "- for a block without required fields, its name alone, `- flatten`.", "",
            "A list of filters or units repeats the block once per value "
            "(`- conv: {filters: [128, 256]}` is two conv blocks). Blocks inside a `branch` "
            "are written the same way.", "",
            "| block | shorthand field | bare name | what it is |", "|---|---|---|---|"]
    for name, (model, shorthand) in BLOCK_TYPES.items():
        bare = "no" if any(f.is_required() for f in model.model_fields.values()) else "yes"
        doc = _markdown(defs[_block_def(defs, name)].get("description", "").split("\n\n")[0])
        short = f"`{shorthand}`" if shorthand else "—"
        rows.append(f"| [`{name}`](#{_block_anchor(name)}) | {short} | {bare} | "
                    f"{table_cell(doc)} |")
    return rows


def _block_def(defs: dict[str, Any], name: str) -> str:
    """The ``$defs`` name of block ``name``'s fields (what the schema's block entry names)."""
    entry = next(form for form in defs[BLOCK_DEF]["anyOf"] if form.get("type") == "object")
    return entry["properties"][name]["anyOf"][0]["$ref"].rsplit("/", 1)[-1]


def _block_sections(defs: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for name, (model, shorthand) in BLOCK_TYPES.items():
        body = defs[_block_def(defs, name)]
        required = [f for f, info in model.model_fields.items() if info.is_required()]
        forms = []
        if shorthand:
            forms.append(f"shorthand: `- {name}: VALUE` sets `{shorthand}`")
        if not required:
            forms.append(f"bare name: `- {name}`")
        lines += [f"### block: `{name}`", "", _markdown(body.get("description", "")), ""]
        if forms:
            lines += ["Also written as " + "; ".join(forms) + ".", ""]
        if body.get("properties"):
            lines += _field_table(body, defs, {}, required)
        else:
            lines.append("No fields.")
        lines.append("")
    return lines


def _graph_sections(schema: dict[str, Any], defs: dict[str, Any]) -> list[str]:
    from phazer.spec.graph_form import GraphSpec, SideSpec

    graph = form_schema(schema, GRAPH_FORM_DEF)
    required = [f for f, info in GraphSpec.model_fields.items() if info.is_required()]
    links = {"sides": "graph-form-sides", "routes": "graph-form-routes",
             "models": "graph-form-blocks", "training": "training"}
    side = defs[SideSpec.__name__]
    lines = ["## Graph form", "", _GRAPH_INTRO, "", "### graph form: top level", "",
             *_field_table(graph, defs, {k: v for k, v in links.items() if k in GRAPH_GROUPS},
                           required), "",
             "### graph form: sides", "",
             "`sides` maps each identity's name (lowercase letters and digits) to its entry. "
             "Each side gets a model input `face_in_<side>` and a face output "
             "`face_out_<side>`.", "",
             _markdown(side.get("description", "")), "",
             *_field_table(side, defs, {}), "",
             *_routes_section(),
             "### graph form: blocks", "", *_blocks_overview(defs), "", *_block_sections(defs)]
    return lines


def render_spec_reference() -> str:
    """docs/spec-reference.md, entirely generated from the JSON Schema."""
    schema = spec_json_schema()
    defs = schema["$defs"]
    switch = form_schema(schema, SWITCH_FORM_DEF)
    lines = [_SPEC_INTRO, "## Top level", ""]
    lines += _field_table(switch, defs, {group: group for group in GROUPS})
    lines.append("")
    for group in GROUPS:
        prop = switch["properties"][group]
        lines += [f"## {group}", ""]
        if "oneOf" in prop:
            lines += _variant_sections(group, prop, defs)
            if group == "encoder":
                lines += [f"### {group}: input sizes", "", *_encoder_sizes()]
        else:
            target = _resolve(prop, defs)
            lines += [_markdown(target.get("description", "")), "",
                      *_field_table(target, defs, {}), "", *_nested_sections(group, target, defs)]
    lines += _graph_sections(schema, defs)
    lines += ["## faceswap options", "",
              "Where each of faceswap's Phaze-A options (and the architecture and training "
              "options of its global and trainer sections) lives in a phazer spec. "
              "`phazer import-faceswap` converts a faceswap preset or `train.ini` with this "
              "table.", "", *_faceswap_table()]
    return "\n".join(lines).rstrip("\n") + "\n"
