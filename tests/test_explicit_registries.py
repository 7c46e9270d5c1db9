"""The registries are explicit: op kinds, issue codes and rules do not depend on import order.

* ``OP_KINDS`` is built from the family modules' ``KINDS`` (phazer/ir/registry.py), read-only,
  and holds ``keras_app`` without loading the Keras Applications table until it is inferred;
* ``phazer.issues.CODES`` holds every code the moment ``phazer.issues`` alone is imported;
* the rules are the decorated functions of the stage modules, every code they name is in the
  catalogue.
"""

from __future__ import annotations

import ast
import json
import re
from types import MappingProxyType

import pytest

from phazer.ir import registry
from phazer.ir.kinds import base
from phazer.ir.ops import KEEPS_NOTHING, OP_ATTRS, OP_KINDS, op_kind
from phazer.issues import CODES
from phazer.rules import (
    STAGES,
    module_rules,
    registered_rules,
    rule,
    rule_modules,
    stage_modules,
)
from tests.helpers import REPO, Fresh, run_fresh

CODE = re.compile(r"PHZ\d{3}")


def _run(code: str) -> Fresh:
    result = run_fresh(code)
    assert result.returncode == 0, result.stderr
    return result


# --- op kinds ----------------------------------------------------------------------------------
def test_op_kinds_are_exactly_the_families_kinds_in_order() -> None:
    names = [kind.name for family in registry.FAMILIES for kind in family.KINDS]
    assert list(OP_KINDS) == names
    assert len(names) == len(set(names))
    assert set(OP_ATTRS) == set(OP_KINDS)
    assert all(OP_ATTRS[name] is kind.attrs for name, kind in OP_KINDS.items())


def test_the_registries_are_read_only_and_refuse_a_name_twice() -> None:
    assert isinstance(OP_KINDS, MappingProxyType) and isinstance(OP_ATTRS, MappingProxyType)
    with pytest.raises(TypeError):
        OP_KINDS["new_kind"] = OP_KINDS["add"]  # type: ignore[index]
    with pytest.raises(ValueError, match="'add' defined twice"):
        registry.build_registry([OP_KINDS["add"], OP_KINDS["multiply"], OP_KINDS["add"]])


def test_an_op_kind_cannot_be_written_without_its_backward_or_attrs() -> None:
    with pytest.raises(TypeError):
        op_kind("no_attrs", base.identity, backward=KEEPS_NOTHING)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        op_kind("no_backward", base.identity, attrs=())  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="must be a Backward"):
        op_kind("bad_backward", base.identity, backward="fused", attrs=())  # type: ignore[arg-type]
    made = op_kind("scratch", base.identity, backward=KEEPS_NOTHING, attrs=["rate"])
    assert made.attrs == frozenset({"rate"}) and "scratch" not in OP_KINDS


def test_keras_app_is_always_a_kind_and_its_table_loads_only_when_inferred() -> None:
    run = _run("import json; from phazer.ir.ops import OP_KINDS; "
               "from phazer.catalog.keras_apps import table_text; "
               "before = table_text.cache_info().currsize; "
               "from phazer.ir.graph import SubModelBuilder; b = SubModelBuilder('s'); "
               "b.add('dense', b.input((4,)), units=2); "
               "plain = table_text.cache_info().currsize; "
               "b.add('keras_app', b.input((32, 32, 3), name='image'), "
               "encoder='mobilenet_v3_small', input_size=32); "
               "print(json.dumps(['keras_app' in OP_KINDS, before, plain, "
               "table_text.cache_info().currsize]))")
    assert json.loads(run.stdout) == [True, 0, 0, 1]
    assert "phazer.ir.keras_app" not in run.modules and run.loaded() == []


# --- issue codes -------------------------------------------------------------------------------
def _codes_in_sources() -> set[str]:
    texts = [path.read_text(encoding="utf-8") for path in (REPO / "phazer").rglob("*.py")]
    texts.append((REPO / "docs" / "errors.md").read_text(encoding="utf-8"))
    return {code for text in texts for code in CODE.findall(text)}


def test_the_issue_catalogue_is_complete_on_its_own() -> None:
    run = _run("import json; import phazer.issues as issues; "
               "print(json.dumps(sorted(issues.CODES)))")
    codes = json.loads(run.stdout)
    assert set(codes) == _codes_in_sources()
    assert run.loaded("phazer") == ["phazer", "phazer.issues"]
    assert set(codes) == set(CODES)


def test_only_the_catalogue_registers_codes() -> None:
    """A code registered at import time elsewhere would make CODES depend on what was imported."""
    callers = []
    for path in sorted((REPO / "phazer").rglob("*.py")):
        if path == REPO / "phazer" / "issues.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and "register_code" in (
                    getattr(node.func, "id", None), getattr(node.func, "attr", None)):
                callers.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert callers == []


# --- rules -------------------------------------------------------------------------------------
def test_every_stage_maps_to_its_importable_rule_module() -> None:
    modules = stage_modules()
    assert tuple(modules) == STAGES
    assert {stage: module.__name__ for stage, module in modules.items()} == {
        stage: f"phazer.rules.{stage}" for stage in STAGES}
    assert all(module_rules(module) for module in modules.values())


def test_every_module_that_defines_rules_is_listed() -> None:
    """A rule module left out of rule_modules() would be silently never run."""
    listed = {module.__name__ for module in rule_modules()}
    defining = {f"phazer.rules.{path.stem}" for path in (REPO / "phazer" / "rules").glob("*.py")
                if "@rule(" in path.read_text(encoding="utf-8")}
    assert defining <= listed


def test_every_code_a_rule_declares_is_in_the_catalogue() -> None:
    rules = registered_rules()
    assert rules and all(found.stage in STAGES for found in rules)
    assert len({found.check for found in rules}) == len(rules)
    unknown = {(found.name, code) for found in rules for code in found.codes
               if code not in CODES}
    assert unknown == set()


def test_decorating_a_rule_registers_nothing() -> None:
    before = registered_rules()

    @rule("routing", "PHZ201")
    def scratch_rule(context):  # pragma: no cover - never run
        return []

    assert registered_rules() == before
    assert scratch_rule.__phazer_rule__.codes == ("PHZ201",)
    with pytest.raises(ValueError, match="unknown rule stage"):
        rule("nonsense", "PHZ201")
