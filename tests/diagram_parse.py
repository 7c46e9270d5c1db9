"""Read back the DOT, Mermaid and SVG phazer writes, for the diagram tests.

The parsers rely on phazer's one-statement-per-line output, not on a general grammar: they are
a second, independent reading of the text, so the tests do not trust the writers' own data.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

_DOT_NODE = re.compile(r'^\s*"(?P<id>[^"]+)" \[(?P<attrs>.*)\];$')
_DOT_EDGE = re.compile(r'^\s*"(?P<source>[^"]+)" -> "(?P<target>[^"]+)" \[(?P<attrs>.*)\];$')
_DOT_CLUSTER = re.compile(r'^\s*subgraph "(?P<id>cluster_[^"]+)" \{$')
_DOT_RANK = re.compile(r"^\s*\{ rank=same; (?P<nodes>.*) \}$")
_QUOTED_ATTR = r'\b{}="(?P<value>(?:[^"\\]|\\.)*)"'
_PLAIN_ATTR = r"\b{}=(?P<value>[\w.]+)"


def dot_attr(attrs: str, key: str) -> str | None:
    """One attribute's value from a DOT attribute list (quoted or bare; not HTML labels)."""
    match = re.search(_QUOTED_ATTR.format(key), attrs) or re.search(
        _PLAIN_ATTR.format(key), attrs)
    return match.group("value") if match else None


@dataclass
class ParsedDot:
    """What a DOT text declares."""

    nodes: dict[str, str] = field(default_factory=dict)  # id -> attribute text
    edges: dict[tuple[str, str], str] = field(default_factory=dict)  # visible edges
    invisible: list[tuple[str, str]] = field(default_factory=list)
    clusters: dict[str, list[str]] = field(default_factory=dict)  # cluster -> node ids
    ranks: list[list[str]] = field(default_factory=list)


def parse_dot(text: str) -> ParsedDot:
    """Nodes, edges, clusters and rank groups of phazer's DOT output."""
    parsed = ParsedDot()
    stack: list[str] = []
    for line in text.splitlines():
        if match := _DOT_CLUSTER.match(line):
            stack.append(match.group("id"))
            parsed.clusters[match.group("id")] = []
        elif line.strip() == "}" and stack:
            stack.pop()
        elif match := _DOT_RANK.match(line):
            parsed.ranks.append(re.findall(r'"([^"]+)"', match.group("nodes")))
        elif match := _DOT_EDGE.match(line):
            key = (match.group("source"), match.group("target"))
            if "style=invis" in match.group("attrs"):
                parsed.invisible.append(key)
            else:
                assert key not in parsed.edges, f"edge {key} drawn twice"
                parsed.edges[key] = match.group("attrs")
        elif match := _DOT_NODE.match(line):
            node = match.group("id")
            assert node not in parsed.nodes, f"node {node} declared twice"
            parsed.nodes[node] = match.group("attrs")
            if stack:
                parsed.clusters[stack[-1]].append(node)
    return parsed


_MMD_NODE = re.compile(r'^\s*(?P<id>\w+)(?P<open>\[\[|\(\[|\(|\[)"(?P<label>[^"]*)"'
                       r"(\]\]|\]\)|\)|\])$")
_MMD_EDGE = re.compile(r'^\s*(?P<source>\w+) (?P<arrow>-->|==>|-\.->)(\|"(?P<label>[^"]*)"\|)? '
                       r"(?P<target>\w+)$")
_MMD_CLASS = re.compile(r"^\s*class (?P<ids>[\w,]+) (?P<name>\w+)$")
_MMD_SUBGRAPH = re.compile(r'^\s*subgraph (?P<id>\w+) \["(?P<title>[^"]*)"\]$')


@dataclass
class ParsedMermaid:
    """What a Mermaid flowchart declares."""

    nodes: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (shape, label)
    edges: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)  # arrow, label
    edge_order: list[tuple[str, str]] = field(default_factory=list)
    classes: dict[str, set[str]] = field(default_factory=dict)  # class -> ids
    subgraphs: dict[str, list[str]] = field(default_factory=dict)  # id -> node ids
    link_styles: list[str] = field(default_factory=list)


def parse_mermaid(text: str) -> ParsedMermaid:
    """Nodes, edges, classes and subgraphs of phazer's Mermaid output."""
    parsed = ParsedMermaid()
    stack: list[str] = []
    for line in text.splitlines():
        if match := _MMD_SUBGRAPH.match(line):
            stack.append(match.group("id"))
            parsed.subgraphs[match.group("id")] = []
        elif line.strip() == "end":
            stack.pop()
        elif match := _MMD_EDGE.match(line):
            key = (match.group("source"), match.group("target"))
            parsed.edges[key] = (match.group("arrow"), match.group("label") or "")
            parsed.edge_order.append(key)
        elif match := _MMD_NODE.match(line):
            parsed.nodes[match.group("id")] = (match.group("open"), match.group("label"))
            if stack:
                parsed.subgraphs[stack[-1]].append(match.group("id"))
        elif match := _MMD_CLASS.match(line):
            parsed.classes.setdefault(match.group("name"), set()).update(
                match.group("ids").split(","))
        elif line.strip().startswith("linkStyle "):
            parsed.link_styles.append(line.strip())
    return parsed


_SVG = "{http://www.w3.org/2000/svg}"


def svg_node_classes(svg_text: str) -> dict[str, set[str]]:
    """Node title -> the class words of its ``<g class="node ...">`` group."""
    root = ET.fromstring(svg_text.encode("utf-8"))
    found = {}
    for group in root.iter(f"{_SVG}g"):
        classes = set(group.get("class", "").split())
        if "node" in classes:
            title = group.find(f"{_SVG}title")
            found[title.text] = classes - {"node"}
    return found
