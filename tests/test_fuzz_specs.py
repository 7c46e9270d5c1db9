"""Spec fuzzing (issue 15): mutated presets through validate, render, summary and diagram.

Every built-in preset (Phaze-A switches and graph-form fs-* alike) is mutated by
tests/fuzz_mutations.py — schema-aware tree mutations (delete, retype, in and out of range,
unknown keys at every level, huge ints, NaN/inf, swapped values, repeated list items) and
byte-level mutations of its YAML text — and run through every entry point by
tests/fuzz_entry.py. Expected: nothing but phazer's own clean rejection (issues, exit 1);
every mutant that validates compiles to an IR with positive shapes (and, in the slow test,
a Keras model with the IR's parameters per sub-model).

Sized for CI (about 30 s); ``PHAZER_FUZZ_EXAMPLES=N`` runs N hypothesis examples instead of
the default. The counts tried, valid and found are printed at the end of the module (and
written as JSON to ``PHAZER_FUZZ_REPORT`` when set). Findings in another area that are not
fixed yet are listed in :data:`KNOWN_FINDINGS`: counted, not failed on, and each kept as a
strict xfail case so that its fix shows up; fixed ones stay as regression cases
(:data:`FIXED_FINDINGS`).
"""

from __future__ import annotations

import json
import os
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phazer.issues import CODES
from phazer.pipeline import Pipeline
from phazer.spec import load_spec
from tests.fuzz_entry import Finding, Outcome, run_entry_points
from tests.fuzz_mutations import FAMILIES, Case, make_case, preset_texts

EXAMPLES = int(os.environ.get("PHAZER_FUZZ_EXAMPLES", "250"))
PER_PRESET = 4   # seeded cases per preset in the sweep over every preset
PRESETS = sorted(preset_texts())


@dataclass(frozen=True)
class KnownFinding:
    """A finding in code another part of the project owns, not fixed yet.

    Attributes:
        name: a short name (the xfail case's id).
        owner: the files where the fix belongs.
        text: a spec that reproduces it.
        error: text the finding's error starts with.
        where: the phazer file the exception is raised in.
    """

    name: str
    owner: str
    text: str
    error: str
    where: str

    def matches(self, finding: Finding) -> bool:
        """Whether ``finding`` is this one."""
        return finding.error.startswith(self.error) and finding.where.startswith(self.where)


KNOWN_FINDINGS: tuple[KnownFinding, ...] = ()
"""Open findings (none now); a fixed one moves to :data:`FIXED_FINDINGS`."""

FIXED_FINDINGS: dict[str, str] = {
    # OverflowError in the schema's range message (phazer/spec/constraints.py): an int
    # beyond a float's range, found by the `huge` tree mutation (10**400).
    "int-beyond-float": "extends: original\noutput_size: 1" + "0" * 400 + "\n",
    "graph-int-beyond-float": "extends: fs-original\nsides: {a: {input: 1" + "0" * 400 + "}}\n",
    # ConstructorError of an unknown tag (phazer/spec/yaml_source.py), found by the `token`
    # byte mutation.
    "python-tag": "extends: original\nfc: {depth: !!python/tuple 1}\n",
}
"""Reproducers of what fuzzing found and has been fixed since, kept as regression cases."""


@dataclass
class FuzzStats:
    """What the fuzz tests of one run tried and found."""

    tried: int = 0
    valid: int = 0
    compiled: int = 0
    by_family: Counter[str] = field(default_factory=Counter)
    known: Counter[str] = field(default_factory=Counter)
    found: list[str] = field(default_factory=list)

    def add(self, case: Case, outcome: Outcome, unknown: list[Finding]) -> None:
        self.tried += 1
        self.by_family[case.family] += 1
        self.valid += outcome.valid
        self.compiled += outcome.compiled
        for finding in outcome.findings:
            for known in KNOWN_FINDINGS:
                if known.matches(finding):
                    self.known[known.name] += 1
        self.found += [f"{case.describe()}: {f}" for f in unknown]

    def to_json(self) -> dict:
        return {"tried": self.tried, "by_family": dict(self.by_family), "valid": self.valid,
                "compiled": self.compiled, "non_phazer_exceptions": len(self.found),
                "known_findings": dict(self.known), "found": self.found[:20]}


@pytest.fixture(scope="module")
def fuzz_stats(request: pytest.FixtureRequest) -> FuzzStats:
    stats = FuzzStats()
    yield stats
    line = "fuzz: " + json.dumps(stats.to_json())
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin(
        "capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.ensure_newline()
            reporter.write_line(line)
    report = os.environ.get("PHAZER_FUZZ_REPORT")
    if report:
        Path(report).write_text(json.dumps(stats.to_json(), indent=2), encoding="utf-8")


@pytest.fixture(scope="module")
def spec_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def _unknown(outcome: Outcome) -> list[Finding]:
    return [f for f in outcome.findings if not any(k.matches(f) for k in KNOWN_FINDINGS)]


def _run(case: Case, folder: Path, stats: FuzzStats) -> list[Finding]:
    path = folder / "spec.yaml"
    path.write_bytes(case.data)
    outcome = run_entry_points(path)
    unknown = _unknown(outcome)
    stats.add(case, outcome, unknown)
    return unknown


@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(preset=st.sampled_from(PRESETS),
       family=st.sampled_from(FAMILIES),
       rng=st.randoms(use_true_random=False))
def test_mutated_presets_fail_cleanly_or_compile(preset, family, rng, spec_folder, fuzz_stats):
    case = make_case(rng, preset=preset, family=family)
    unknown = _run(case, spec_folder, fuzz_stats)
    assert not unknown, f"{case.describe()}\n" + "\n".join(map(str, unknown))


@pytest.mark.parametrize("preset", PRESETS)
def test_every_preset_survives_seeded_mutations(preset, spec_folder, fuzz_stats):
    failures = []
    for seed in range(PER_PRESET):
        family = ("tree", "ranges", "tree", "bytes")[seed % 4]
        case = make_case(random.Random(f"{preset}/{seed}"), preset=preset, family=family)
        failures += [f"{case.describe()}: {f}" for f in _run(case, spec_folder, fuzz_stats)]
    assert not failures, "\n".join(failures)


def test_valid_mutants_are_found(fuzz_stats):
    """The mutations reach the compiler: some mutants are valid (and compile), most are not."""
    if fuzz_stats.tried < 100:
        pytest.skip("needs the fuzz tests above in the same run")
    assert 0 < fuzz_stats.compiled == fuzz_stats.valid < fuzz_stats.tried


@pytest.mark.skipif("PHZ011" not in CODES, reason="fixed by the loader's hardening (PHZ011)")
@pytest.mark.parametrize("name", sorted(FIXED_FINDINGS))
def test_fixed_finding_stays_fixed(name, tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(FIXED_FINDINGS[name], encoding="utf-8")
    outcome = run_entry_points(path)
    assert outcome.findings == [] and not outcome.valid


@pytest.mark.parametrize("known", KNOWN_FINDINGS, ids=lambda k: k.name)
@pytest.mark.xfail(strict=True, reason="a finding another part owns (see KNOWN_FINDINGS)")
def test_known_finding_is_fixed(known, tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(known.text, encoding="utf-8")
    assert run_entry_points(path).findings == []


# --- the Keras model equals the plan, on a sample of valid mutants --------------------------
KERAS_PER_FORM = 4                  # mutants of each spec form (Phaze-A, graph)
KERAS_MAX_PARAMS = 62_000_000       # small enough to build quickly (fs-original-lowmem fits)


def _small_valid_mutants(folder: Path) -> list[Path]:
    """Valid mutants of both forms, from a fixed seed, each under KERAS_MAX_PARAMS."""
    rng = random.Random("keras-sample")
    found: dict[int, list[Path]] = {1: [], 2: []}
    for index in range(3000):
        if all(len(paths) == KERAS_PER_FORM for paths in found.values()):
            break
        case = make_case(rng, family=rng.choice(["tree", "ranges"]))
        path = folder / f"mutant-{index}.yaml"
        path.write_bytes(case.data)
        if not run_entry_points(path).compiled:
            continue
        spec = load_spec(str(path)).spec
        model = Pipeline(spec).model
        if len(found[spec.phazer]) < KERAS_PER_FORM and model is not None and sum(
                sub.params.total for sub in model.submodels.values()) <= KERAS_MAX_PARAMS:
            found[spec.phazer].append(path)
    return found[1] + found[2]


@pytest.mark.slow
@pytest.mark.keras
def test_valid_mutants_build_the_keras_model_the_plan_describes(tmp_path):
    pytest.importorskip("keras")
    from phazer.compiler import compile_model_ir
    from phazer.emit import emit_model
    from phazer.plan.figures import model_figures

    mutants = _small_valid_mutants(tmp_path)
    assert len(mutants) == 2 * KERAS_PER_FORM
    for path in mutants:
        spec = load_spec(str(path)).spec
        model_ir = compile_model_ir(spec).without_pretrained()
        figures = model_figures(model_ir)
        model = emit_model(model_ir)
        assert model.count_params() == figures.total_params, path.read_text()
        for sub in figures.submodels:
            assert model.get_layer(sub.name).count_params() == sub.params, (sub.name, path)
