"""Edit one top-level value of a YAML spec's text, keeping its comments and layout."""

from __future__ import annotations

import yaml


def yaml_scalar(value: str) -> str:
    """A string written as a YAML scalar: plain when that reads back the same, else quoted."""
    line = yaml.safe_dump({"k": value}, default_flow_style=False, allow_unicode=True,
                          width=1_000_000)
    return line[len("k: "):].rstrip("\n")


def set_top_level_scalar(text: str, key: str, value: str) -> str:
    """Set ``key: value`` at the top level of a YAML mapping document, editing only that value.

    An existing value is replaced in place (a comment after it stays); a missing key is added
    after a leading ``phazer:`` line, otherwise before the first key.

    Raises:
        ValueError: the text is not a YAML mapping, or the edit did not read back as intended.
    """
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise ValueError(f"the text is not valid YAML: {exc}") from None
    if not isinstance(node, yaml.MappingNode) or not node.value:
        raise ValueError("the text is not a YAML mapping of fields")
    scalar = yaml_scalar(value)
    pairs = {k.value: (k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode)}
    if key in pairs:
        _, value_node = pairs[key]
        start, end = value_node.start_mark.index, value_node.end_mark.index
        replaced = text[start:end]
        new = scalar + ("\n" if replaced.endswith("\n") else "")
        if start == end:  # `key:` with no value
            new = " " + scalar
        edited = text[:start] + new + text[end:]
    else:
        first_key, first_value = node.value[0]
        if first_key.value == "phazer":
            line = first_value.end_mark.line + 1
        else:
            line = first_key.start_mark.line
        lines = text.splitlines(keepends=True)
        if line > 0 and not lines[line - 1].endswith("\n"):
            lines[line - 1] += "\n"
        lines.insert(line, f"{key}: {scalar}\n")
        edited = "".join(lines)
    try:
        reread = yaml.safe_load(edited)
    except yaml.YAMLError:
        reread = None
    if not isinstance(reread, dict) or reread.get(key) != value:
        raise ValueError(f"could not set {key!r} in the text")
    return edited
