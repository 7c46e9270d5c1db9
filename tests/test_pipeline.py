"""One pipeline per spec: each command compiles the IR and builds the routing graph once."""

from __future__ import annotations

from pathlib import Path

import pytest

from phazer import compile_routes, compiler, lowering
from phazer import pipeline as pipeline_module
from phazer.cli.main import main
from phazer.graph import graph_form
from phazer.pipeline import Pipeline
from phazer.spec.models import ModelSpec
from phazer.spec.presets import preset_names
from tests.helpers import TINY_SPEC


@pytest.fixture
def counts(monkeypatch) -> dict[str, int]:
    """How often the process lowers a Phaze-A spec, draws its routing graph and compiles it."""
    found = {"compile": 0, "graph": 0, "lower": 0}

    def counted(key: str, function, only=lambda *args: True):
        def wrapper(*args, **kwargs):
            found[key] += bool(only(*args))
            return function(*args, **kwargs)
        return wrapper

    lower = counted("lower", lowering.lower, lambda spec, *rest: spec.phazer == 1)
    graph = counted("graph", graph_form.routing_graph)
    for module in (pipeline_module, compiler, lowering):
        if hasattr(module, "lower"):
            monkeypatch.setattr(module, "lower", lower)
        if hasattr(module, "routing_graph"):
            monkeypatch.setattr(module, "routing_graph", graph)
    monkeypatch.setattr(compiler, "build_routes", counted("compile", compile_routes.build_routes))
    return found


@pytest.mark.parametrize(("spec", "lowered"), [("stojo", 1), ("fs-iae", 0)])
@pytest.mark.parametrize("command", [["summary", "--json"], ["validate"], ["render"],
                                     ["diagram", "--format", "mmd", "-o", "-"]])
def test_a_command_compiles_once(command: list[str], spec: str, lowered: int, counts,
                                 capsys) -> None:
    """Once each, in both forms: a phazer: 1 spec is lowered once, a graph spec never."""
    assert main([command[0], spec, *command[1:]]) == 0
    capsys.readouterr()
    assert counts == {"compile": 1, "graph": 1, "lower": lowered}


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


TINY_GRAPH_SPEC = str(Path(__file__).parent / "specs" / "tiny-graph.yaml")


@pytest.mark.keras
@pytest.mark.parametrize(("spec", "lowered"), [(TINY_SPEC, 1), (TINY_GRAPH_SPEC, 0)])
def test_train_and_its_resume_validate_and_compile_once(spec, lowered, counts, face_folders,
                                                        tmp_path, monkeypatch, capsys) -> None:
    """phazer train runs the pipeline once, a fresh run and a resume alike, in both forms."""
    from phazer.pipeline import summary

    validated = []
    validate = summary.validate_reference
    monkeypatch.setattr(summary, "validate_reference",
                        lambda *args: validated.append(args) or validate(*args))
    faces = face_folders(8, seed=5)
    command = ["train", spec, "--input-a", str(faces / "a"), "--input-b", str(faces / "b"),
               "--model-dir", str(tmp_path / "model"), "--batch-size", "2", "--iterations", "1",
               "--no-preview"]
    for run in (1, 2):   # the second run resumes the first's save
        assert main(command) == 0
        assert "resum" in capsys.readouterr().out.lower() or run == 1
        assert (len(validated), counts) == (
            run, {"compile": run, "graph": run, "lower": run * lowered})
