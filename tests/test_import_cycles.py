"""phazer's imports point one way: no cycle between its modules or its packages.

Every import counts, also one inside a function or under ``if TYPE_CHECKING:`` — a cycle there
still ties two modules together for whoever reads or moves them — except a package's
``__init__`` importing its own modules.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "phazer"


def _modules() -> dict[str, Path]:
    found = {}
    for path in (ROOT / PACKAGE).rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _imported(path: Path, module: str, known: set[str]) -> set[str]:
    """The phazer modules ``module`` imports (a name imported from a package counts as the
    package's module when it is one)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, *([base] if base else [])])
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in names if name in known and name != module}


def _graph(level: str) -> nx.DiGraph:
    modules = _modules()
    graph = nx.DiGraph()
    for module, path in modules.items():
        for target in _imported(path, module, set(modules)):
            if level == "module" and target.startswith(f"{module}."):
                continue   # a package's __init__ gathering its own modules is no cycle
            source, dest = module, target
            if level == "package":
                source, dest = (".".join(n.split(".")[:2]) for n in (module, target))
            if source != dest:
                graph.add_edge(source, dest)
    return graph


def _cycles(level: str) -> list[list[str]]:
    return [sorted(c) for c in nx.strongly_connected_components(_graph(level)) if len(c) > 1]


def test_no_import_cycle_between_modules() -> None:
    assert _cycles("module") == []


def test_no_import_cycle_between_packages() -> None:
    assert _cycles("package") == []


def test_the_check_sees_a_cycle() -> None:
    graph = _graph("module")
    assert graph.has_edge("phazer.compiler", "phazer.lowering")
    graph.add_edge("phazer.lowering", "phazer.compiler")
    assert any(len(c) > 1 for c in nx.strongly_connected_components(graph))
