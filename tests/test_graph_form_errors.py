"""Schema errors of graph-form specs (``phazer: 2``): one error per mistake, at the mistake.

Each case seeds one mistake into a valid spec by rewriting one line, and checks that loading
it reports exactly one error that quotes what was written, suggests the word meant where one
is close, and points at the line (and column) where the mistake is written, not at the
sub-model's line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from phazer.issues import BAD_CHOICE, BAD_TYPE, NOT_A_BLOCK, OUT_OF_RANGE, UNKNOWN_KEY, Issue
from phazer.pipeline.validation import validate_reference
from phazer.spec import load_spec
from phazer.spec.graph_blocks import BLOCK_TYPES
from tests.helpers import issues_of, write

VALID = """\
phazer: 2
name: seeded
sides:
  a: {input: 64}
  b: {input: 64}
models:
  encoder:
    - conv: {filters: [128, 256], kernel: 5, strides: 2}
    - branch:
        branches:
          - - conv: {filters: 64, strides: 1}
          - - conv: {filters: 64, kernel: 3, strides: 1}
            - leaky_relu
        join: concat
    - flatten
    - dense: [512, 4096]
    - reshape: [4, 4, 256]
    - upscale: 128
  decoder_a:
    - upscale: [64, 32]
    - conv:
        filters: 16
        kernel: 3
        strides: 1
    - output: 3
  decoder_b: {phaze_a: decoder}
routes:
  a: encoder -> decoder_a
  b: encoder -> decoder_b
"""


@dataclass(frozen=True)
class Seed:
    """One mistake: a line of :data:`VALID` rewritten.

    Attributes:
        line: the whole line to rewrite (it occurs once).
        new: what it becomes.
        token: what the message quotes; the column points at it.
        code: the issue code.
        path: the issue's path.
        suggests: the word the hint suggests, or None.
    """

    line: str
    new: str
    token: str
    code: str
    path: str
    suggests: str | None = None


SEEDS = {
    "unknown block type": Seed(
        "    - conv: {filters: [128, 256], kernel: 5, strides: 2}",
        "    - cnov: {filters: [128, 256], kernel: 5, strides: 2}",
        "'cnov'", NOT_A_BLOCK, "models.encoder.0", "conv"),
    "misspelt bare block": Seed(
        "    - flatten", "    - flaten", "'flaten'", NOT_A_BLOCK, "models.encoder.2", "flatten"),
    "misspelt tagged block": Seed(
        "    - flatten", "    - {block: flaten}", "'flaten'", NOT_A_BLOCK, "models.encoder.2",
        "flatten"),
    "a value for a block that takes none": Seed(
        "    - flatten", "    - flatten: 3", "3", NOT_A_BLOCK, "models.encoder.2"),
    "unknown field of a block": Seed(
        "    - conv: {filters: [128, 256], kernel: 5, strides: 2}",
        "    - conv: {filters: [128, 256], kernal: 5, strides: 2}",
        "'kernal'", UNKNOWN_KEY, "models.encoder.0.kernal", "kernel"),
    "unknown field on a line of its own": Seed(
        "        kernel: 3", "        kernal: 3", "'kernal'", UNKNOWN_KEY,
        "models.decoder_a.1.kernal", "kernel"),
    "negative filters in a list": Seed(
        "    - conv: {filters: [128, 256], kernel: 5, strides: 2}",
        "    - conv: {filters: [128, -256], kernel: 5, strides: 2}",
        "-256", OUT_OF_RANGE, "models.encoder.0.filters.1"),
    "zero filters in a shorthand list": Seed(
        "    - upscale: [64, 32]", "    - upscale: [64, 0]", "0", OUT_OF_RANGE,
        "models.decoder_a.0.filters.1"),
    "zero units in a shorthand list": Seed(
        "    - dense: [512, 4096]", "    - dense: [512, 0]", "0", OUT_OF_RANGE,
        "models.encoder.3.units.1"),
    "negative scalar shorthand": Seed(
        "    - upscale: 128", "    - upscale: -128", "-128", OUT_OF_RANGE,
        "models.encoder.5.filters"),
    "zero in a reshape": Seed(
        "    - reshape: [4, 4, 256]", "    - reshape: [4, 0, 256]", "0", OUT_OF_RANGE,
        "models.encoder.4.shape.1"),
    "a field out of range": Seed(
        "        kernel: 3", "        kernel: 30", "30", OUT_OF_RANGE,
        "models.decoder_a.1.kernel"),
    "a quoted number": Seed(
        "    - upscale: 128", '    - upscale: "128"', "'128'", BAD_TYPE,
        "models.encoder.5.filters"),
    "unknown block type in a branch": Seed(
        "            - leaky_relu", "            - leaky_rlu", "'leaky_rlu'", NOT_A_BLOCK,
        "models.encoder.1.branches.1.1", "leaky_relu"),
    "unknown field in a branch": Seed(
        "          - - conv: {filters: 64, kernel: 3, strides: 1}",
        "          - - conv: {filters: 64, kernal: 3, strides: 1}",
        "'kernal'", UNKNOWN_KEY, "models.encoder.1.branches.1.0.kernal", "kernel"),
    "negative filters in a branch": Seed(
        "          - - conv: {filters: 64, strides: 1}",
        "          - - conv: {filters: -64, strides: 1}",
        "-64", OUT_OF_RANGE, "models.encoder.1.branches.0.0.filters"),
    "a path block in a branch": Seed(
        "            - leaky_relu", "            - output: 3", "'output'", NOT_A_BLOCK,
        "models.encoder.1.branches.1.1"),
    "misspelt join": Seed(
        "        join: concat", "        join: concatenate", "'concatenate'", BAD_CHOICE,
        "models.encoder.1.join", "concat"),
    "misspelt Phaze-A block": Seed(
        "  decoder_b: {phaze_a: decoder}", "  decoder_b: {phaze_a: decodr}", "'decodr'",
        BAD_CHOICE, "models.decoder_b.phaze_a", "decoder"),
    "misspelt phaze_a key": Seed(
        "  decoder_b: {phaze_a: decoder}", "  decoder_b: {phaze: decoder}", "'phaze'",
        UNKNOWN_KEY, "models.decoder_b", "phaze_a"),
    "a sub-model that is a word": Seed(
        "  decoder_b: {phaze_a: decoder}", "  decoder_b: decoder", "'decoder'", BAD_TYPE,
        "models.decoder_b"),
    "misspelt top-level key": Seed(
        "models:", "modles:", "'modles'", UNKNOWN_KEY, "modles", "models"),
    "misspelt side field": Seed(
        "  a: {input: 64}", "  a: {inptu: 64}", "'inptu'", UNKNOWN_KEY, "sides.a.inptu",
        "input"),
}


def _seeded(folder: Path, seed: Seed) -> tuple[Path, int, int]:
    """The spec with ``seed`` written in, the mistake's line and the column of its token."""
    lines = VALID.splitlines()
    assert lines.count(seed.line) == 1, seed.line
    number = lines.index(seed.line) + 1
    lines[number - 1] = seed.new
    token = seed.token.strip("'") if seed.token.startswith("'") else seed.token
    column = seed.new.rindex(token) + 1
    if seed.new[column - 2] == '"':   # a quoted value starts at its quote
        column -= 1
    return write(folder, "seeded.yaml", "\n".join(lines) + "\n"), number, column


def test_the_valid_spec_loads(tmp_path: Path) -> None:
    spec = load_spec(str(write(tmp_path, "valid.yaml", VALID))).spec
    assert list(spec.models) == ["encoder", "decoder_a", "decoder_b"]


@pytest.mark.parametrize("name", list(SEEDS))
def test_one_error_at_the_mistake(tmp_path: Path, name: str) -> None:
    seed = SEEDS[name]
    path, line, column = _seeded(tmp_path, seed)
    issue = _only(issues_of(path))
    assert (issue.severity, issue.code, issue.path) == ("error", seed.code, seed.path)
    assert seed.token in issue.message
    assert (issue.file, issue.line, issue.column) == (str(path), line, column), issue
    if seed.suggests is not None:
        assert f"did you mean '{seed.suggests}'?" in issue.hint
    assert issue.hint, "every seeded mistake gets a hint"


def _only(issues: list[Issue]) -> Issue:
    assert len(issues) == 1, [(i.path, i.message) for i in issues]
    return issues[0]


def _seed(folder: Path, name: str) -> Issue:
    return _only(issues_of(_seeded(folder, SEEDS[name])[0]))


def test_an_unknown_block_lists_every_block_type(tmp_path: Path) -> None:
    issue = _seed(tmp_path, "unknown block type")
    assert issue.message.endswith("expected one of: " + ", ".join(BLOCK_TYPES))


def test_an_unknown_field_lists_the_blocks_fields(tmp_path: Path) -> None:
    fields = sorted(set(BLOCK_TYPES["conv"][0].model_fields) - {"block"})
    issue = _seed(tmp_path, "unknown field of a block")
    assert "in the conv block at models.encoder.0" in issue.message
    assert issue.message.endswith("expected one of: " + ", ".join(fields))


def test_a_range_error_in_a_list_shows_the_items_rule(tmp_path: Path) -> None:
    issue = _seed(tmp_path, "negative filters in a list")
    assert "expected a value in [1, 65536]" in issue.message
    assert "use 1" in issue.hint


def test_fields_beside_the_type_are_one_error_at_the_field(tmp_path: Path) -> None:
    path = write(tmp_path, "beside.yaml", VALID.replace(
        "    - output: 3\n", "    - output: 3\n      kernel: 3\n"))
    issue = _only(issues_of(path))
    assert (issue.code, issue.path, issue.line, issue.column) == (
        NOT_A_BLOCK, "models.decoder_a.2", 26, 7)
    assert "'kernel' sits beside 'output'" in issue.message
    assert "indent it under `output:`" in issue.hint


def test_blocks_written_as_a_mapping_are_one_error(tmp_path: Path) -> None:
    path = write(tmp_path, "mapping.yaml", VALID.replace(
        "  decoder_b: {phaze_a: decoder}\n", "  decoder_b:\n    output: 3\n"))
    issue = _only(issues_of(path))
    assert (issue.code, issue.path, issue.line) == (BAD_TYPE, "models.decoder_b", 27)
    assert "a list of blocks" in issue.message and "`- `" in issue.hint


TWO_STEMS = """\
phazer: 2
name: liae-unequal
sides:
  a: {input: 64}
  b: {input: 48}
models:
  stem_a:
    - cnov: {filters: 32, kernel: 5}
  stem_b:
    - conv: {filters: 32, kernal: 5}
  encoder:
    - conv: {filters: [64, -64]}
    - flaten
  decoder:
    - upscale: [64, 32]
    - output: 3
routes:
  a: stem_a -> encoder -> decodr
  b: stem_b -> encoder -> decoder
"""


def test_every_mistake_of_a_spec_once_in_validate(tmp_path: Path, capsys) -> None:
    from phazer.cli.main import main
    path = write(tmp_path, "two-stems.yaml", TWO_STEMS)
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"{path}:8:7 models.stem_a.0\n" in out
    assert f"{path}:10:27 models.stem_b.0.kernal\n" in out
    assert f"{path}:12:28 models.encoder.0.filters.1\n" in out
    assert f"{path}:13:7 models.encoder.1\n" in out
    for hint in ("did you mean 'conv'?", "did you mean 'kernel'?", "did you mean 'flatten'?"):
        assert hint in out
    assert "invalid (4 errors" in out
    assert "`type` is required" not in out and "expected a mapping" not in out


@pytest.mark.parametrize(("line", "new", "block_line"), [
    ("    - reshape: [4, 4, 256]", "    - reshape: [4, 4, 512]", "    - reshape: [4, 4, 512]"),
    ("    - dense: [512, 4096]", "    - dense: [512, 4095]", "    - reshape: [4, 4, 256]"),
])
def test_a_shape_mismatch_points_at_the_block_and_names_the_route(tmp_path: Path, line: str,
                                                                  new: str,
                                                                  block_line: str) -> None:
    """The error sits at the block that cannot take its input, not at its sub-model."""
    text = VALID.replace(line, new)
    issue = _only(validate_reference(str(write(tmp_path, "shapes.yaml", text))).issues)
    assert (issue.code, issue.path) == ("PHZ210", "models.encoder.4")
    assert issue.line == text.splitlines().index(block_line) + 1
    assert "reshape" in issue.message and "encoder -> decoder_a" in issue.message


def test_a_shared_sub_model_given_two_shapes_names_the_route(tmp_path: Path) -> None:
    text = VALID.replace("  b: {input: 64}", "  b: {input: 48}")
    issue = _only(validate_reference(str(write(tmp_path, "sizes.yaml", text))).issues)
    assert (issue.code, issue.path) == ("PHZ210", "routes.b")
    assert "48x48x3" in issue.message and "encoder -> decoder_b" in issue.message


def test_a_misspelt_route_name_is_one_error_at_the_name(tmp_path: Path) -> None:
    """The column is the misspelt name's, and the sub-model it leaves unused is not a second
    issue."""
    text = VALID.replace("  a: encoder -> decoder_a", "  a: encoder -> decodr_a")
    path = write(tmp_path, "route.yaml", text)
    issue = _only(validate_reference(str(path)).issues)
    line = "  a: encoder -> decodr_a"
    assert (issue.code, issue.path) == ("PHZ212", "routes.a")
    assert (issue.line, issue.column) == (text.splitlines().index(line) + 1,
                                          line.index("decodr_a") + 1)
    assert "'decodr_a'" in issue.message and "did you mean 'decoder_a'?" in issue.hint


@pytest.mark.parametrize(("route", "at"), [("encoder -> -> decoder_a", "-> decoder_a"),
                                           ('"encoder => decoder_a"', "=>")])
def test_a_route_syntax_error_is_at_its_column(tmp_path: Path, route: str, at: str) -> None:
    line = f"  a: {route}"
    text = VALID.replace("  a: encoder -> decoder_a", line)
    issue = _only(validate_reference(str(write(tmp_path, "syntax.yaml", text))).issues)
    assert (issue.code, issue.path) == ("PHZ211", "routes.a")
    assert (issue.line, issue.column) == (text.splitlines().index(line) + 1,
                                          line.index(at) + 1)
