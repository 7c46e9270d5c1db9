"""Compose YAML text into nodes within fixed limits: file size, nodes, aliases and nesting.

PyYAML composes an alias as a second reference to its anchor's node, so a few hundred bytes
of nested aliases (a "billion laughs" file) stand for billions of nodes once they are turned
into data. The composer here counts, while it composes, how many nodes the document holds
once every alias is expanded, and stops with an issue (PHZ012) naming the limit, the file and
the line as soon as a limit is passed: before anything is expanded. The same walk bounds the
nesting depth (PyYAML's composer and everything after it recurse once per level).

libyaml's parser is used when PyYAML was built with it (the events are the same, it is ten
times faster); the composing is always PyYAML's own, with the counting added.
"""

from __future__ import annotations

import re

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent, MappingStartEvent, SequenceStartEvent
from yaml.nodes import Node
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from phazer.issues import INPUT_TOO_LARGE, YAML_UNSUPPORTED, Issue, SpecError, clip

try:  # PyYAML built with libyaml
    from yaml._yaml import CParser as _FastParser
except ImportError:  # the pure-Python parser does the same, slower
    _FastParser = None

MAX_SPEC_BYTES = 1_000_000
"""The largest spec file phazer reads (the largest built-in preset is under 3 kB)."""
MAX_NODES = 20_000
"""The most YAML nodes (keys, values, list items) a document may hold, aliases expanded."""
MAX_ALIAS_NODES = 5_000
"""The most nodes a document's aliases (``*name``) may stand for, all uses together."""
MAX_DEPTH = 64
"""The deepest nesting of mappings and lists a document may have."""


class SpecResolver(Resolver):
    """YAML 1.1's implicit types, plus exponent floats without a dot (``1e-4``).

    YAML 1.1, which PyYAML follows, only reads ``1.0e-4`` as a number and ``1e-4`` as text;
    YAML 1.2 (and every editor's schema check) reads both as numbers. Learning rates are
    written this way, so phazer reads them as numbers too.
    """


SpecResolver.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)$"),
    list("-+0123456789"))


def yaml_issue(code: str, file: str, message: str, hint: str, mark: object = None) -> Issue:
    """An error about the whole file, at ``mark`` (a YAML mark, 0-based) when given."""
    line = getattr(mark, "line", None)
    column = getattr(mark, "column", None)
    return Issue(code, "error", "", message, hint, file,
                 None if line is None else line + 1, None if column is None else column + 1)


def limit_issue(file: str, what: str, limit: str, hint: str, mark: object = None) -> SpecError:
    """A PHZ012 error: ``what`` passed ``limit``, at ``mark`` when given."""
    return SpecError([yaml_issue(INPUT_TOO_LARGE, file, f"{what}: over phazer's limit of "
                                 f"{limit}", hint, mark)])


class BoundedComposer(Composer):
    """PyYAML's composer, counting expanded nodes, alias nodes and depth as it goes."""

    def __init__(self, file: str) -> None:
        super().__init__()
        self.file = file
        self.depth = 0
        self.total = 0          # nodes so far, every alias counted as the nodes it stands for
        self.from_aliases = 0   # of which, nodes that aliases stand for
        self.sizes: dict[int, int] = {}   # id(node) -> its expanded size, once composed

    def compose_node(self, parent: Node | None, index: object) -> Node:
        """Compose one node (PyYAML's), stopping at the first limit passed."""
        if self.check_event(AliasEvent):
            event = self.peek_event()
            node = self.anchors.get(event.anchor)
            if node is not None:
                self._count_alias(event, node)
            return super().compose_node(parent, index)
        mark = self.peek_event().start_mark
        nested = self.check_event(MappingStartEvent, SequenceStartEvent)
        self.depth += nested
        if self.depth > MAX_DEPTH:
            raise limit_issue(self.file, "the document nests too deeply",
                              f"{MAX_DEPTH} levels of mappings and lists",
                              "flatten the structure: no spec field nests this deep", mark)
        self._add(1, mark)
        before = self.total
        node = super().compose_node(parent, index)
        self.sizes[id(node)] = self.total - before + 1
        self.depth -= nested
        return node

    def _count_alias(self, event: yaml.Event, node: Node) -> None:
        size = self.sizes.get(id(node))
        name = clip(str(event.anchor), 60)
        if size is None:
            raise SpecError([yaml_issue(
                YAML_UNSUPPORTED, self.file, f"the alias *{name} is used inside the value it "
                "names: a structure that contains itself",
                f"use *{name} only after the value of &{name} ends",
                event.start_mark)])
        self.from_aliases += size
        if self.from_aliases > MAX_ALIAS_NODES:
            raise limit_issue(self.file, f"aliases expand to too many nodes (here *{name})",
                              f"{MAX_ALIAS_NODES:,} nodes produced by aliases",
                              "write the values out, or use fewer nested aliases",
                              event.start_mark)
        self._add(size, event.start_mark)

    def _add(self, count: int, mark: object) -> None:
        self.total += count
        if self.total > MAX_NODES:
            raise limit_issue(self.file, "the document holds too many nodes (keys, values "
                              "and list items, aliases expanded)", f"{MAX_NODES:,} nodes",
                              "a spec needs a few hundred; split the file or remove what is "
                              "not a spec field", mark)


class PurePythonLoader(Reader, Scanner, Parser, BoundedComposer, SafeConstructor,
                       SpecResolver):
    """PyYAML's own parser under the bounded composer."""

    def __init__(self, text: str, file: str) -> None:
        Reader.__init__(self, text)
        Scanner.__init__(self)
        Parser.__init__(self)
        BoundedComposer.__init__(self, file)
        SafeConstructor.__init__(self)
        SpecResolver.__init__(self)


LOADERS: list[type] = [PurePythonLoader]
"""The loaders available, fastest first (libyaml's, when PyYAML has it, then PyYAML's own)."""

if _FastParser is not None:
    class LibyamlLoader(BoundedComposer, _FastParser, SafeConstructor, SpecResolver):
        """libyaml's parser under the bounded composer: the same nodes, ten times faster."""

        def __init__(self, text: str, file: str) -> None:
            _FastParser.__init__(self, text)
            BoundedComposer.__init__(self, file)
            SafeConstructor.__init__(self)
            SpecResolver.__init__(self)

    LOADERS.insert(0, LibyamlLoader)


def compose_bounded(text: str, file: str, loader_class: type | None = None) -> Node | None:
    """The node tree of one YAML document (None when empty), within the limits above.

    Args:
        text: the YAML text.
        file: the file name issues name.
        loader_class: one of :data:`LOADERS` (default: the fastest).

    Raises:
        SpecError: a limit is passed (PHZ012), or an alias is used inside its own value.
        yaml.YAMLError: the text is not valid YAML (for the caller to report).
    """
    loader = (loader_class or LOADERS[0])(text, file)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()
