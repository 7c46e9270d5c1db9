"""One pipeline per spec: each command compiles the IR and builds the routing graph once."""

from __future__ import annotations

import pytest

from phazer import compile_graph as compile_graph_module
from phazer import compiler
from phazer.cli.main import main
from phazer.graph import routing
from phazer.pipeline import Pipeline
from phazer.spec.models import ModelSpec
from phazer.spec.presets import preset_names


@pytest.fixture
def counts(monkeypatch) -> dict[str, int]:
    """How often the process compiles the IR and lowers a routing graph."""
    found = {"compile": 0, "graph": 0}
    compile_model, build_graph = compiler.compile_model, routing.build_routing_graph

    def counted_compile(*args, **kwargs):
        found["compile"] += 1
        return compile_model(*args, **kwargs)

    def counted_graph(*args, **kwargs):
        found["graph"] += 1
        return build_graph(*args, **kwargs)

    monkeypatch.setattr(compiler, "compile_model", counted_compile)
    compile_graph = compile_graph_module.compile_graph_spec

    def counted_compile_graph(*args, **kwargs):
        found["compile"] += 1
        return compile_graph(*args, **kwargs)

    monkeypatch.setattr(compile_graph_module, "compile_graph_spec", counted_compile_graph)
    monkeypatch.setattr(compiler, "build_routing_graph", counted_graph)
    monkeypatch.setattr("phazer.graph.build_routing_graph", counted_graph)
    return found


@pytest.mark.parametrize("command", [["summary", "stojo", "--json"], ["validate", "stojo"],
                                     ["render", "stojo"],
                                     ["diagram", "stojo", "--format", "mmd", "-o", "-"]])
def test_a_command_compiles_once(command: list[str], counts, capsys) -> None:
    assert main(command) == 0
    capsys.readouterr()
    assert counts == {"compile": 1, "graph": 1}


def test_presets_compiles_each_preset_once(counts, capsys) -> None:
    assert main(["presets", "--json"]) == 0
    capsys.readouterr()
    assert counts["compile"] == len(preset_names())


def test_the_pipeline_keeps_each_stage() -> None:
    pipeline = Pipeline(ModelSpec())
    assert pipeline.compiled is pipeline.compiled
    assert pipeline.model is pipeline.compiled.model is not None
    assert pipeline.figures is pipeline.figures
    assert pipeline.compiled.graph is not pipeline.graph  # the IR's weights on a copy
    assert "has_weights" in pipeline.weighted_graph.nodes["encoder"]
    assert "has_weights" not in pipeline.graph.nodes["encoder"]


def test_an_unbuildable_spec_has_issues_and_no_model() -> None:
    spec = ModelSpec.model_validate({"decoder": {"learn_mask": True, "upscales_in_fc": 1}})
    pipeline = Pipeline(spec)
    assert pipeline.model is None and pipeline.figures is None
    assert [i.code for i in pipeline.compiled.errors] == ["PHZ307"]
