"""Resource limits (issue 15): no spec makes validate/summary/render/diagram slow or large.

- PHZ315: more layer blocks, route calls or layers per step than phazer plans is refused
  before anything (or anything more) is computed, naming the limit;
- PHZ331: a model no GPU holds is valid, with a warning that names the GPU figure;
- a layer-level diagram of a large model stays bounded (repeated chains drawn once, capped);
- measured: each pathological spec of tests/pathological_specs.py through the four commands,
  each a fresh process: at most 2 s over a trivial command's time and 500 MB peak RSS.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from phazer.cli.render import render_text
from phazer.compiler import compile_model
from phazer.diagram import build_diagram, to_dot, to_mermaid
from phazer.diagram.condense import MAX_DIAGRAM_LAYERS
from phazer.issues import CODES
from phazer.limits import LARGEST_GPU_BYTES, MAX_CALLS, MAX_LAYER_CALLS, MAX_LAYERS
from phazer.pipeline import Pipeline
from phazer.pipeline.validation import validate_reference
from phazer.spec import load_spec
from phazer.spec.presets import preset_names
from tests.diagram_parse import parse_dot
from tests.pathological_specs import CASES, Pathological, graph_spec
from tests.resource_measure import measure

SECONDS = 2.0      # over the time of `phazer validate demo` measured alongside
PEAK_MB = 500.0


def _write(tmp_path: Path, text: str, name: str = "my.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _codes(reference: str) -> dict[str, list]:
    found: dict[str, list] = {}
    for issue in validate_reference(reference).issues:
        found.setdefault(issue.code, []).append(issue)
    return found


# --- PHZ315 ---------------------------------------------------------------------------------
def test_too_many_layer_blocks_is_refused_before_building(tmp_path):
    blocks = "    - flatten\n    - dense: [" + ", ".join(["16"] * MAX_LAYERS) + "]"
    reference = _write(tmp_path, graph_spec("many", blocks))
    (issue,) = _codes(reference)["PHZ315"]
    assert issue.severity == "error" and issue.path == "models.encoder"
    assert f"at most {MAX_LAYERS:,} (MAX_LAYERS" in issue.message and issue.line == 8
    compiled = compile_model(load_spec(reference).spec)
    assert compiled.model is None and [i.code for i in compiled.issues] == ["PHZ315"]


def test_too_many_route_calls_is_refused(tmp_path):
    route = "encoder -> " + "middle -> " * MAX_CALLS + "decoder_a"
    (issue,) = _codes(_write(tmp_path, graph_spec("calls", route=route)))["PHZ315"]
    assert issue.path == "routes" and f"{MAX_CALLS + 4:,} sub-model calls" in issue.message


def test_too_many_layers_per_step_is_refused_after_the_build(tmp_path):
    middle = "    - residual: [" + ", ".join(["64"] * 900) + "]"
    text = graph_spec("runs", route="encoder -> middle -> middle -> middle -> decoder_a")
    text = text.replace("    - conv: {filters: 64, kernel: 3, strides: 1}", middle)
    reference = _write(tmp_path, text)
    (issue,) = _codes(reference)["PHZ315"]
    assert issue.path == "routes" and f"at most {MAX_LAYER_CALLS:,}" in issue.message
    assert "middle: 4,501 layers called 3 times" in issue.message
    summary_free = Pipeline(load_spec(reference).spec)
    assert summary_free.model is None and summary_free.figures is None


def test_the_largest_spec_within_the_limits_is_valid(tmp_path):
    case = next(c for c in CASES if c.name == "residual-980")
    report = validate_reference(_write(tmp_path, case.text()))
    assert report.ok and "PHZ315" not in {i.code for i in report.issues}


def test_render_writes_a_refused_spec_without_planning_it(tmp_path):
    text = graph_spec("calls", route="encoder -> " + "middle -> " * MAX_CALLS + "decoder_a")
    rendered = render_text(_write(tmp_path, text))
    assert "middle -> middle" in rendered and "# derived:" not in rendered.split("routes:")[1]


# --- PHZ331 ---------------------------------------------------------------------------------
def test_weights_no_gpu_holds_are_a_warning_that_names_the_gpu(tmp_path):
    case = next(c for c in CASES if c.name == "decoder-74b")
    reference = _write(tmp_path, case.text())
    report = validate_reference(reference)
    (issue,) = [i for i in report.issues if i.code == "PHZ331"]
    assert report.ok and issue.severity == "warning"
    assert "73,870,848,262 parameters take 275 GiB as float32 weights alone" in issue.message
    assert "288 GB (268 GiB) of the largest GPUs (NVIDIA B300" in issue.message
    assert "decoder_a (50%), decoder_b (50%)" in issue.message


def test_a_training_step_no_gpu_holds_is_a_warning(tmp_path):
    text = ("extends: original\noutput_size: 2048\n"
            "decoder: {min_filters: 1024, max_filters: 1024, res_blocks: 2}\n")
    (issue,) = _codes(_write(tmp_path, text))["PHZ331"]
    assert issue.message.startswith("one training step at batch 1 (float32, adam) needs about")
    assert "tf.distribute" in issue.message


def test_no_preset_is_over_a_limit():
    for name in preset_names():
        codes = {i.code for i in validate_reference(name).issues}
        assert not codes & {"PHZ315", "PHZ331"}, name


def test_a_step_just_within_the_largest_gpu_is_not_warned(tmp_path):
    text = ("extends: original\noutput_size: 2048\n"
            "decoder: {min_filters: 512, max_filters: 512, res_blocks: 2}\n")
    reference = _write(tmp_path, text)
    assert "PHZ331" not in _codes(reference)
    from phazer.plan.memory import estimate_memory
    from phazer.plan.memory_settings import MemorySettings

    model = Pipeline(load_spec(reference).spec).model
    assert estimate_memory(model, MemorySettings(batch_size=1)).total < LARGEST_GPU_BYTES


def test_scaling_below_the_encoder_minimum_says_what_the_input_becomes(tmp_path):
    report = validate_reference(_write(tmp_path, "extends: original\nencoder: {scaling: 1}\n"))
    (issue,) = [i for i in report.issues if i.code == "PHZ326"]
    assert issue.path == "encoder.scaling" and issue.line == 2
    assert "gives 0px, below fs_original's minimum input: the input is 32px" in issue.message
    assert report.pipeline.figures.input_shape == (32, 32, 3)


# --- bounded layer diagrams -----------------------------------------------------------------
def _layers_diagram(reference: str):
    pipeline = Pipeline(load_spec(reference).spec)
    return build_diagram(pipeline.weighted_graph, pipeline.model, pipeline.figures, "layers")


def test_a_repeated_chain_is_drawn_once_with_its_count(tmp_path):
    dense = "    - flatten\n    - dense: [" + ", ".join(["16"] * 900) + "]\n" \
            "    - dense: 4096\n    - reshape: [32, 32, 4]"
    diagram = _layers_diagram(_write(tmp_path, graph_spec("dense", dense)))
    encoder = diagram.cluster("encoder")
    (folded,) = [layer for layer in encoder.layers if layer.repeat > 1]
    assert (folded.kind, folded.repeat, folded.group) == ("dense", 899, 1)
    assert len(encoder.layers) < 20
    dot = to_dot(diagram)
    assert "dense_1 × 899" in dot and "272 params each" in dot
    parsed = parse_dot(dot)
    assert set(parsed.clusters["cluster_encoder"]) == {layer.id for layer in encoder.layers}
    assert "dense_1 × 899" in to_mermaid(diagram)


def test_a_repeated_pattern_of_several_layers_is_drawn_once(tmp_path):
    convs = "    - conv: {filters: [" + ", ".join(["64"] * 50) + "], kernel: 3, strides: 1}"
    diagram = _layers_diagram(_write(tmp_path, graph_spec("convs", convs)))
    repeated = [layer for layer in diagram.cluster("encoder").layers if layer.repeat > 1]
    # the first repeat starts at the stride-2 conv's activation: (leaky_relu, conv2d) x 50
    assert [(layer.kind, layer.repeat, layer.group) for layer in repeated] == [
        ("leaky_relu", 50, 2), ("conv2d", 50, 2)]
    assert "group of 2 × 50" in to_dot(diagram)


def test_a_huge_unrepeated_model_is_capped_with_a_note(tmp_path):
    case = next(c for c in CASES if c.name == "residual-980")
    diagram = _layers_diagram(_write(tmp_path, case.text()))
    drawn = sum(len(cluster.layers) for cluster in diagram.clusters)
    assert drawn <= MAX_DIAGRAM_LAYERS + len(diagram.clusters)
    encoder = diagram.cluster("encoder")
    (gap,) = [layer for layer in encoder.layers if layer.kind == "omitted"]
    assert gap.name.endswith("layers not drawn") and gap.hidden > 4000
    ids = {layer.id for cluster in diagram.clusters for layer in cluster.layers}
    assert all(s in ids and t in ids for c in diagram.clusters for s, t in c.links)
    assert set(encoder.inputs) <= ids and set(encoder.outputs) <= ids
    parsed = parse_dot(to_dot(diagram))
    assert len(parsed.nodes) <= MAX_DIAGRAM_LAYERS + len(diagram.clusters) + 4


# --- measured: time and peak memory of each command, each a fresh process -------------------
COMMANDS = (["validate"], ["summary"], ["render"],
            ["diagram", "-o", "-", "--format", "dot", "--level", "layers"])


@pytest.fixture(scope="module")
def baseline() -> float:
    """The CPU time of a trivial command on this machine (start-up and imports).

    CPU time, not wall time, is bounded: it stays put when other processes share the cores
    (bench/reliability.py reports the wall times).
    """
    return min(measure(["validate", "demo"]).cpu_seconds for _ in range(2))


def commands_for(case: Pathological) -> tuple[list[str], ...]:
    """Every command for a spec that gets past the schema; validate and diagram otherwise
    (a spec the loader or the schema refuses stops at the same place in every command)."""
    return COMMANDS if case.valid or case.code == "PHZ315" else (COMMANDS[0], COMMANDS[-1])


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_pathological_specs_stay_within_time_and_memory(case: Pathological, tmp_path,
                                                         baseline):
    if case.loader and case.code not in CODES:
        pytest.skip("the loader's limits (PHZ012) are not in this tree")
    reference = _write(tmp_path, case.text(), f"{case.name}.yaml")
    for command in commands_for(case):
        result = measure([command[0], reference, *command[1:]])
        label = f"{case.name}: phazer {' '.join(command)}"
        assert result.returncode in (0, 1), f"{label}: {result.stderr}"
        assert result.cpu_seconds <= baseline + SECONDS, \
            f"{label}: {result.cpu_seconds:.2f} s of CPU"
        assert result.peak_mb <= PEAK_MB, f"{label}: {result.peak_mb:.0f} MB"
    if case.code:
        codes = {i.code for i in validate_reference(reference).issues}
        assert case.code in codes, case.name
    assert validate_reference(reference).ok == case.valid
