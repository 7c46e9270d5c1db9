"""Turn composed YAML nodes into plain data, recording where every key and value sits.

Only what a spec can hold is read: mappings with scalar keys, lists and scalars of YAML 1.1's
standard types. Merge keys (``<<: *defaults``, YAML 1.1) are followed the way YAML defines
them: the mapping's own keys win, then the merged mappings in the order given. Anything else
(a list or mapping used as a key, an unknown tag, a value its tag cannot read) becomes an issue
with its line, and the reading goes on so every such problem is reported at once.
"""

from __future__ import annotations

from collections.abc import Callable

import yaml
from yaml.constructor import SafeConstructor

from phazer.issues import DUPLICATE_KEY, YAML_UNSUPPORTED, Issue, clip

MERGE_TAG = "tag:yaml.org,2002:merge"
_COLLECTION_TAGS = {yaml.MappingNode: "tag:yaml.org,2002:map",
                    yaml.SequenceNode: "tag:yaml.org,2002:seq"}

FieldPath = tuple[str | int, ...]
Entries = list[tuple[yaml.Node, yaml.Node]]


class Converter:
    """Convert one document's nodes; positions go to ``record_value`` / ``record_key``.

    Args:
        file: the file name the issues name.
        record_value: called with a field path and the node holding its value.
        record_key: called with a field path and the node of the key naming it.
    """

    def __init__(self, file: str, record_value: Callable[[FieldPath, yaml.Node], None],
                 record_key: Callable[[FieldPath, yaml.Node], None]) -> None:
        self.file = file
        self.issues: list[Issue] = []
        self._record_value = record_value
        self._record_key = record_key
        self._constructor = SafeConstructor()

    def convert(self, node: yaml.Node, path: FieldPath) -> object:
        """The plain data of ``node`` (None where an issue was recorded instead)."""
        self._record_value(path, node)
        expected = _COLLECTION_TAGS.get(type(node))
        if expected is not None and node.tag != expected:
            self._issue(node, f"the tag {clip(node.tag)} is not read by phazer",
                        "remove the tag: a spec holds plain mappings, lists and values")
            return None
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, (*path, i)) for i, item in enumerate(node.value)]
        return self._scalar(node)

    def _mapping(self, node: yaml.MappingNode, path: FieldPath) -> dict:
        own, merged = self._entries(node)
        result: dict[object, object] = {}
        for key_node, value_node in own:
            key = self._key(key_node)
            if key is _SKIP:
                continue
            child = (*path, key)
            if key in result:
                self.issues.append(_duplicate_key(self.file, child, key_node))
            self._record_key(child, key_node)
            result[key] = self.convert(value_node, child)
        for key_node, value_node in merged:
            key = self._key(key_node)
            if key is _SKIP or key in result:   # the mapping's own keys, then the first merge
                continue
            child = (*path, key)
            self._record_key(child, key_node)
            result[key] = self.convert(value_node, child)
        return result

    def _entries(self, node: yaml.MappingNode) -> tuple[Entries, Entries]:
        """The mapping's own entries, and those its merge keys bring in (in YAML's order)."""
        own: Entries = []
        merged: Entries = []
        for key_node, value_node in node.value:
            if key_node.tag != MERGE_TAG:
                own.append((key_node, value_node))
                continue
            sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [
                value_node]
            for source in sources:
                if not isinstance(source, yaml.MappingNode):
                    self._issue(source, "a merge key (`<<`) takes a mapping or a list of "
                                "mappings", "write `<<: *name` where &name marks a mapping")
                    continue
                inner_own, inner_merged = self._entries(source)
                merged += inner_own + inner_merged
        return own, merged

    def _key(self, node: yaml.Node) -> object:
        if not isinstance(node, yaml.ScalarNode):
            kind = "list" if isinstance(node, yaml.SequenceNode) else "mapping"
            self._issue(node, f"a {kind} used as a key (YAML's `? ` complex key): a spec's "
                        "keys are field names", "write the key as a plain name, e.g. `depth:`")
            return _SKIP
        key = self._scalar(node)
        if key is _SKIP or isinstance(key, str):
            return key
        return node.value   # `yes:`, `1:`, `null:` as written: the schema names no such field

    def _scalar(self, node: yaml.Node) -> object:
        try:
            return self._constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, OverflowError, TypeError) as exc:
            problem = getattr(exc, "problem", None) or str(exc)
            self._issue(node, f"cannot read the value {clip(repr(node.value))} (YAML tag "
                        f"{clip(node.tag)}): {clip(problem)}",
                        "remove the tag, or quote the value to make it text")
            return _SKIP

    def _issue(self, node: yaml.Node, message: str, hint: str) -> None:
        mark = node.start_mark
        self.issues.append(Issue(YAML_UNSUPPORTED, "error", "", message, hint, self.file,
                                 mark.line + 1, mark.column + 1))


class _Skip:
    """A value that could not be read (its issue is recorded)."""

    def __repr__(self) -> str:
        return "<unreadable>"


_SKIP = _Skip()


def _duplicate_key(file: str, path: FieldPath, node: yaml.Node) -> Issue:
    dotted = ".".join(str(p) for p in path)
    mark = node.start_mark
    return Issue(DUPLICATE_KEY, "error", dotted, f"key '{clip(str(path[-1]))}' appears twice",
                 "remove one of the two; YAML would silently keep the last",
                 file, mark.line + 1, mark.column + 1)
