"""The one Issue type every stage reports with, and the registry of stable issue codes.

Codes by range:
    PHZ0xx  reading files (missing, unreadable, YAML syntax, wrong format, ``extends``)
    PHZ1xx  the schema (types, ranges, unknown keys, choices)
    PHZ2xx  the routing graph (sharing, reachability, names)
    PHZ3xx  arithmetic (shapes and sizes that cannot be built; settings that change nothing)
    PHZ4xx  importing faceswap files

This module is the one catalogue: every code is registered here, below, so :data:`CODES` is
complete as soon as it is imported, whatever else was (modules import the constants, never
call :func:`register_code`). ``docs/errors.md`` documents every code; a test keeps it in sync
with :data:`CODES`, and another that no other module registers one.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning", "info"]
SEVERITY_ORDER: dict[str, int] = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class CodeInfo:
    """A stable issue code: its default severity and a one-line title."""

    code: str
    severity: Severity
    title: str


CODES: dict[str, CodeInfo] = {}


def register_code(code: str, severity: Severity, title: str) -> str:
    """Register a stable issue code (once) and return it; called by this module only.

    Raises:
        ValueError: the code was already registered with a different meaning.
    """
    existing = CODES.get(code)
    info = CodeInfo(code, severity, title)
    if existing is not None and existing != info:
        raise ValueError(f"issue code {code} registered twice: {existing} vs {info}")
    CODES[code] = info
    return code


@dataclass(frozen=True)
class Issue:
    """One problem (or remark) about a spec.

    Attributes:
        code: a stable code such as ``PHZ102`` (see ``docs/errors.md``).
        severity: "error" (cannot be built), "warning" (builds, probably not what you want)
            or "info" (phazer adjusted or ignored something, as faceswap would).
        path: the dotted field path, e.g. ``decoder.upscaler`` ("" for the whole file).
        message: what was found and what was expected.
        hint: how to fix it ("" when there is nothing to add).
        file: the file the value came from, when known.
        line: 1-based line in ``file``, when known.
        column: 1-based column in ``file``, when known.
        word: the word at fault inside the value at ``path`` (a misspelt name in a route),
            so that the column can point at it rather than at the value's start.
        offset: or where the fault is inside that value (0-based characters, e.g. a route's
            syntax error).
    """

    code: str
    severity: Severity
    path: str
    message: str
    hint: str = ""
    file: str | None = None
    line: int | None = None
    column: int | None = None
    word: str | None = None
    offset: int | None = None

    def to_json(self) -> dict[str, object]:
        """A JSON-ready dict of the issue (``word`` and ``offset`` only serve to locate it)."""
        data = asdict(self)
        del data["word"], data["offset"]
        return data

    @property
    def location(self) -> str:
        """``file:line:column`` as far as it is known (may be "")."""
        parts = [self.file or ""]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(p for p in parts if p)


def sort_issues(issues: list[Issue]) -> list[Issue]:
    """Order issues errors first, then warnings, then infos; stable within a severity."""
    return sorted(issues, key=lambda issue: SEVERITY_ORDER[issue.severity])


def has_errors(issues: list[Issue]) -> bool:
    """Whether any issue is an error."""
    return any(issue.severity == "error" for issue in issues)


MAX_ECHO = 200
"""The most characters of a value (or of an exception's text) a message repeats."""

MAX_LISTED_ISSUES = 100
"""The most issues a report lists; the rest are counted in one last issue (PHZ013)."""


def shown(value: object, limit: int = MAX_ECHO) -> str:
    """``repr(value)`` for a message, cut to ``limit`` characters with an ellipsis.

    With :func:`clip` (for text), the one place a message shortens what the user wrote: the
    spec loader and the schema messages repeat values (and keys, paths, ``--set`` texts)
    through them, so a 2 MB value never ends up in a message or on a terminal.
    """
    return clip(repr(value), limit)


def clip(text: str, limit: int = MAX_ECHO) -> str:
    """``text`` cut to ``limit`` characters, ending in ``…`` and its full length when cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} characters)"


def plural(count: int, word: str) -> str:
    """``1 error``, ``2 errors``: a count with its noun in the right number."""
    return f"{count:,} {word}" if count == 1 else f"{count:,} {word}s"


def cap_issues(issues: list[Issue], limit: int = MAX_LISTED_ISSUES) -> list[Issue]:
    """The first ``limit`` issues, then one issue (PHZ013) counting the ones left out.

    The counting issue takes the worst severity of those it stands for, so a report whose
    listed part is clean is still invalid when an error was left out.
    """
    if len(issues) <= limit:
        return issues
    rest = issues[limit:]
    counts = {s: sum(i.severity == s for i in rest) for s in SEVERITY_ORDER}
    breakdown = ", ".join(plural(n, s) for s, n in counts.items() if n)
    worst = min((i.severity for i in rest), key=SEVERITY_ORDER.__getitem__)
    return [*issues[:limit], Issue(
        TOO_MANY_ISSUES, worst, "",
        f"and {plural(len(rest), 'more issue')} not listed ({breakdown}): phazer lists the "
        f"first {limit}", "fix the issues above and run again to see the rest")]


class SpecError(Exception):
    """Raised when a spec cannot be loaded or validated; carries the issues found.

    The issues are sorted (errors first) and capped at :data:`MAX_LISTED_ISSUES`.
    """

    def __init__(self, issues: list[Issue]):
        self.issues = cap_issues(sort_issues(issues))
        first = self.issues[0] if self.issues else None
        super().__init__(first.message if first else "invalid spec")


# --- reading files -------------------------------------------------------------------------
FILE_NOT_FOUND = register_code("PHZ001", "error", "spec file or preset not found")
FILE_UNREADABLE = register_code("PHZ002", "error", "spec file cannot be read")
YAML_SYNTAX = register_code("PHZ003", "error", "YAML syntax error")
EMPTY_FILE = register_code("PHZ004", "error", "spec file is empty")
WRONG_FORMAT = register_code("PHZ005", "error", "file is not a phazer spec (e.g. faceswap JSON)")
NOT_A_MAPPING = register_code("PHZ006", "error", "the document is not a mapping of fields")
EXTENDS_CYCLE = register_code("PHZ007", "error", "`extends` chain loops back on itself")
EXTENDS_NOT_FOUND = register_code("PHZ008", "error", "`extends` names no preset or file")
BAD_OVERRIDE = register_code("PHZ009", "error", "malformed --set override")
DUPLICATE_KEY = register_code("PHZ010", "error", "a key appears twice in one mapping")
YAML_UNSUPPORTED = register_code(
    "PHZ011", "error", "YAML phazer does not read (a complex key, a tag, an unreadable value)")
INPUT_TOO_LARGE = register_code(
    "PHZ012", "error", "input over a size limit (file size, nodes, aliases, nesting, extends)")
TOO_MANY_ISSUES = register_code("PHZ013", "error", "more issues than a report lists")
# --- schema --------------------------------------------------------------------------------
UNKNOWN_KEY = register_code("PHZ101", "error", "unknown field")
BAD_CHOICE = register_code("PHZ102", "error", "value is not one of the allowed choices")
BAD_TYPE = register_code("PHZ103", "error", "value has the wrong type")
OUT_OF_RANGE = register_code("PHZ104", "error", "value is out of range")
NOT_MULTIPLE = register_code("PHZ105", "error", "value is not a required multiple")
MISSING_FIELD = register_code("PHZ106", "error", "required field is missing")
BAD_VERSION = register_code("PHZ107", "error", "unsupported `phazer:` format version")
UNSUPPORTED_ENCODER = register_code("PHZ108", "error", "encoder faceswap offers but phazer lacks")
SCHEMA_OTHER = register_code("PHZ109", "error", "value rejected by the schema")
NOT_A_BLOCK = register_code(
    "PHZ110", "error", "graph form: a sub-model's entry is not a block (unknown block type)")
# --- routing graph -------------------------------------------------------------------------
GRAPH_CYCLE = register_code("PHZ201", "error", "routing graph has a cycle")
OUTPUT_UNREACHABLE = register_code("PHZ202", "error", "a side's output is not reachable")
CANNOT_SWAP = register_code("PHZ203", "error", "every weight is shared: the model cannot swap")
HALF_SHARED_FC = register_code("PHZ204", "warning", "`shared_fc: half` makes an unbalanced model")
SHARED_FC_NOT_SPLIT = register_code(
    "PHZ205", "warning", "shared FC without split FC: two identical shared models")
UNKNOWN_SUBMODEL = register_code("PHZ206", "error", "freeze/load names a sub-model not built")
NO_EFFECT = register_code("PHZ207", "info", "setting has no effect with these options")
KERAS_ENCODER_MISSING = register_code(
    "PHZ208", "info", "`keras_encoder` listed but the encoder is not a Keras application")
SHARED_DECODER_UNSPLIT = register_code(
    "PHZ209", "warning", "identity is only separated by a small part of the model")
GRAPH_SHAPE_MISMATCH = register_code(
    "PHZ210", "error", "graph form: a sub-model or join gets a tensor of the wrong shape")
ROUTE_SYNTAX = register_code("PHZ211", "error", "graph form: a route does not parse")
ROUTE_UNKNOWN_MODEL = register_code(
    "PHZ212", "error", "graph form: a route calls a sub-model that is not defined")
ROUTES_SIDES_MISMATCH = register_code(
    "PHZ213", "error", "graph form: a side without a route, or a route without a side")
UNUSED_SUBMODEL = register_code("PHZ214", "warning", "graph form: a sub-model no route uses")
GRAPH_BAD_NAME = register_code(
    "PHZ215", "error", "graph form: a side or sub-model name phazer cannot use")
GRAPH_OUTPUTS = register_code(
    "PHZ216", "error", "graph form: a sub-model's outputs or marks do not fit where it is used")
SUBMODEL_REUSED = register_code(
    "PHZ217", "info", "graph form: a route calls one sub-model more than once")
# --- arithmetic: specs that cannot be built, and silent adjustments ---------------------------
FC_TOO_LARGE = register_code(
    "PHZ301", "warning", "FC output larger than the output size: re-tiled down (as faceswap)")
FC_FILTERS_ZERO = register_code("PHZ302", "error", "FC filters rescaled to zero")
FC_RESHAPE_FLOOR8 = register_code(
    "PHZ303", "error", "FC layer width rounded to 8 no longer fits the reshape")
FC_DEPTH0_MISMATCH = register_code(
    "PHZ304", "error", "fc.depth 0: the bottleneck output does not fit the reshape")
RETILE_NOT_DIVIDING = register_code(
    "PHZ305", "error", "FC output cannot be re-tiled to reach the output size")
TOO_MANY_FC_UPSCALES = register_code(
    "PHZ306", "warning",
    "more upscales moved into the FC than the decoder has: all of them are (as faceswap builds)")
MASK_WITH_FC_UPSCALES = register_code(
    "PHZ307", "error", "learn_mask combined with upscales in the FC")
NORM_CHANNELS = register_code(
    "PHZ308", "warning", "group norm on channels not a multiple of 32: fewer groups used")
HYBRID_ODD_FILTERS = register_code(
    "PHZ309", "error", "upscale_hybrid with odd filters cannot feed residual blocks")
ENCODER_TOO_DEEP = register_code("PHZ310", "error", "encoder too deep for its input size")
REFLECT_TOO_SMALL = register_code("PHZ311", "error", "reflect padding on a map too small to pad")
ENCODER_INPUT_SIZE = register_code(
    "PHZ312", "error", "input size the Keras encoder cannot take")
HUGE_LAYER = register_code("PHZ313", "warning", "a single layer holds over a billion parameters")
POOLING_FLAT_FEATURES = register_code(
    "PHZ314", "error", "pooling bottleneck on an encoder output without height and width")
TOO_MANY_LAYERS = register_code(
    "PHZ315", "error", "more layers or sub-model calls than phazer plans (a resource limit)")
ZERO_WIDTH = register_code(
    "PHZ316", "error", "a layer would get 0 filters or units (faceswap's build fails too)")
FC_FILTERS_RESCALED = register_code(
    "PHZ320", "info", "FC filters lowered so the output can re-tile to the output size")
DECODER_RETILED = register_code(
    "PHZ321", "info", "decoder input re-tiled (a plain reshape) to reach the output size")
RISING_DECODER_FILTERS = register_code(
    "PHZ322", "warning", "decoder min filters above max: filters rise towards the output")
CAP_SLOPE_SIGN = register_code(
    "PHZ323", "warning", "negative slope in a capped slope mode acts as positive")
FC_RESIDUAL_SKIPPED = register_code(
    "PHZ324", "info", "skip_last_residual also drops the residual of the last FC upscale")
WEIGHTS_FORCE_SIZE = register_code(
    "PHZ325", "info", "ImageNet weights force the encoder's default input size")
INPUT_RAISED_TO_MIN = register_code(
    "PHZ326", "info", "encoder.scaling gives less than the encoder's minimum input: raised")
POSITIONS_RESAMPLED = register_code(
    "PHZ327", "info", "CLIP positional embedding resampled to the input's patch grid")
WIDTH_OUTSIDE_GUI = register_code(
    "PHZ328", "info", "a width faceswap's settings GUI does not offer (its train.ini builds it)")
ENCODER_REACHES_1PX = register_code(
    "PHZ329", "warning", "encoder blocks on a 1x1 map: their convs use only the kernel centre")
OVER_GPU_MEMORY = register_code(
    "PHZ330", "warning", "the estimated training memory exceeds the GPU memory")
NO_GPU_HOLDS = register_code(
    "PHZ331", "warning", "the model is larger than the memory of the largest GPU")
BUILD_FAILED = register_code(
    "PHZ399", "error", "the plan could not be built (a phazer bug: please report it)")
# --- importing faceswap files --------------------------------------------------------------
FS_UNREADABLE = register_code("PHZ401", "error", "faceswap file missing, unreadable or malformed")
FS_NOT_PHAZE_A = register_code("PHZ402", "error", "file holds no Phaze-A options")
FS_UNKNOWN_OPTION = register_code("PHZ403", "info", "option phazer does not know is ignored")
FS_OPTION_DROPPED = register_code(
    "PHZ404", "info", "option not used by this encoder or optimizer is dropped")
FS_VALUE_REJECTED = register_code("PHZ405", "error", "faceswap accepts this value, phazer does not")
FS_BAD_VALUE = register_code("PHZ406", "error", "option value cannot be parsed")
FS_MISSING_OPTION = register_code("PHZ407", "info", "option missing: faceswap's default is used")
FS_NO_EQUIVALENT = register_code("PHZ408", "info", "training option phazer cannot carry is dropped")
FS_LOSS_DROPPED = register_code("PHZ409", "warning", "loss function phazer lacks is dropped")
