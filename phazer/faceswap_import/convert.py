"""Turn raw faceswap options into a phazer spec, reporting what was changed and why.

The steps, in order:

1. parse every known option to its faceswap type (PHZ406 for values that cannot be read),
   note unknown options (PHZ403) and fill missing ones with faceswap's default (PHZ407);
2. drop options the chosen encoder or bottleneck does not use (PHZ404): ``fs_original_*`` for a
   Keras encoder, ``mobilenet_*`` for other encoders, ``enc_load_weights`` for fs_original,
   ``bottleneck_size`` for a bottleneck that is not dense;
3. nest the rest under their spec paths (:data:`phazer.spec.faceswap_names.MODEL_OPTIONS`) and
   validate with the schema; every rejection becomes a PHZ405 error naming the faceswap option.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import ValidationError

from phazer.catalog.encoders import ENCODERS
from phazer.faceswap_import.options import (
    GLOBAL_OPTION_FACTS,
    PHAZE_A_OPTIONS,
    OptionFact,
    OptionValue,
)
from phazer.faceswap_import.readers import FaceswapFile
from phazer.faceswap_import.values import ParseFailure, parse_value
from phazer.issues import (
    FS_BAD_VALUE,
    FS_MISSING_OPTION,
    FS_OPTION_DROPPED,
    FS_UNKNOWN_OPTION,
    FS_VALUE_REJECTED,
    OUT_OF_RANGE,
    Issue,
    Severity,
)
from phazer.spec.faceswap_names import (
    GLOBAL_OPTIONS,
    MODEL_OPTIONS,
    PHAZE_A_SECTION,
    option_path,
)
from phazer.spec.models import ModelSpec
from phazer.spec.schema_errors import validation_issues
from phazer.spec.yaml_source import SourceMap

_DENSE_ONLY = "bottleneck_size"


@dataclass
class ConvertedOptions:
    """Typed options ready to nest into spec data, and the issues found getting them.

    Attributes:
        values: faceswap option name (``section.option`` for globals) -> typed value.
        paths: the same keys -> the spec path each value goes to.
        issues: everything reported so far.
    """

    values: dict[str, OptionValue] = field(default_factory=dict)
    paths: dict[str, str] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)


def _issue(fs_file: FaceswapFile, code: str, severity: Severity, option: str, message: str,
           hint: str = "") -> Issue:
    return Issue(code, severity, option, message, hint, str(fs_file.path),
                 fs_file.lines.get(option))


def _show(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) if value else "(empty)"
    return str(value) if isinstance(value, bool) else repr(value)


def _read_option(fs_file: FaceswapFile, key: str, raw: object, fact: OptionFact,
                 result: ConvertedOptions, label: str = "") -> OptionValue | None:
    value = parse_value(raw, fact)
    if isinstance(value, ParseFailure):
        result.issues.append(_issue(fs_file, FS_BAD_VALUE, "error", key,
                                    f"{label or key}: {value.message}", value.hint))
        return None
    return value


def _applies(option: str, encoder: str, bottleneck: str) -> bool | None:
    """Whether an option is used with this encoder and bottleneck (None: encoder unknown)."""
    if option == _DENSE_ONLY:
        return bottleneck == "dense"
    applies_to = MODEL_OPTIONS[option][1]
    if applies_to is None:
        return True
    if encoder not in ENCODERS:
        return None
    return encoder in applies_to


def _typed_or_default(fs_file: FaceswapFile, option: str) -> object:
    fact = PHAZE_A_OPTIONS[option]
    if option not in fs_file.options:
        return fact.default_value()
    value = parse_value(fs_file.options[option], fact)
    return fact.default_value() if isinstance(value, ParseFailure) else value


def convert_options(fs_file: FaceswapFile) -> ConvertedOptions:
    """Parse, fill in and filter a file's options (steps 1 and 2 of the module docstring)."""
    result = ConvertedOptions()
    section = f"[{PHAZE_A_SECTION}]" if fs_file.kind == "ini" else "the preset"
    for key in fs_file.options:
        if key not in PHAZE_A_OPTIONS:
            result.issues.append(_issue(
                fs_file, FS_UNKNOWN_OPTION, "info", key,
                f"{key} in {section} is not a Phaze-A option phazer knows; ignored",
                "it may come from a newer faceswap; check the spelling"))
    encoder = str(_typed_or_default(fs_file, "enc_architecture"))
    bottleneck = str(_typed_or_default(fs_file, "bottleneck_type"))
    for option, fact in PHAZE_A_OPTIONS.items():
        applies = _applies(option, encoder, bottleneck)
        if option not in fs_file.options:
            if applies:
                result.issues.append(_issue(
                    fs_file, FS_MISSING_OPTION, "info", option,
                    f"{option} is not in the file; faceswap's default "
                    f"{_show(fact.default_value())} is used"))
                result.values[option] = fact.default_value()
                result.paths[option] = option_path(option, encoder)
            continue
        value = _read_option(fs_file, option, fs_file.options[option], fact, result)
        if value is None:
            continue
        if applies is False:
            result.issues.append(_issue(
                fs_file, FS_OPTION_DROPPED, "info", option,
                f"{option} = {_show(value)} dropped: {_why_unused(option, encoder, bottleneck)}"))
            continue
        if applies is None:
            continue  # the encoder itself is rejected below; its options say nothing more
        result.values[option] = value
        result.paths[option] = option_path(option, encoder)
    if fs_file.kind == "ini":
        _convert_globals(fs_file, result)
    return result


def _why_unused(option: str, encoder: str, bottleneck: str) -> str:
    if option == _DENSE_ONLY:
        return f"only a dense bottleneck has a size (bottleneck_type is {bottleneck!r})"
    return f"not used by the {encoder!r} encoder"


def _convert_globals(fs_file: FaceswapFile, result: ConvertedOptions) -> None:
    for (section, option), fact in GLOBAL_OPTION_FACTS.items():
        key = f"{section}.{option}"
        if (section, option) not in fs_file.global_options:
            result.issues.append(_issue(
                fs_file, FS_MISSING_OPTION, "info", key,
                f"{option} is not in [{section}]; faceswap's default "
                f"{_show(fact.default_value())} is used"))
            value: OptionValue | None = fact.default_value()
        else:
            value = _read_option(fs_file, key, fs_file.global_options[(section, option)],
                                 fact, result, label=f"[{section}] {option}")
        if value is not None:
            result.values[key] = value
            result.paths[key] = GLOBAL_OPTIONS[(section, option)]


def nest(converted: ConvertedOptions) -> dict[str, object]:
    """The converted values as nested spec data, keyed by spec path."""
    data: dict[str, object] = {}
    for key, value in converted.values.items():
        *parents, leaf = converted.paths[key].split(".")
        target = data
        for part in parents:
            target = target.setdefault(part, {})  # type: ignore[assignment]
        target[leaf] = value  # type: ignore[index]
    return data


def validate_data(data: dict[str, object], converted: ConvertedOptions,
                  fs_file: FaceswapFile) -> tuple[ModelSpec | None, list[Issue]]:
    """Validate nested spec data; schema rejections become PHZ405 errors naming the option."""
    try:
        return ModelSpec.model_validate(data), []
    except ValidationError as exc:
        schema_issues = validation_issues(exc, ModelSpec, SourceMap())
    by_path = {path: key for key, path in converted.paths.items()}
    issues = []
    for issue in schema_issues:
        parts = issue.path.split(".")
        while parts and parts[-1].isdigit():
            parts.pop()
        spec_path = ".".join(parts)
        key = _owning_key(spec_path, by_path)
        option = key.rsplit(".", 1)[-1] if key else spec_path
        value = converted.values.get(key)
        shown = f"{option} = {_show(value)}" if key else option or "the options"
        hint = "" if issue.code == OUT_OF_RANGE else issue.hint
        issues.append(_issue(
            fs_file, FS_VALUE_REJECTED, "error", key or spec_path,
            f"{shown} is accepted by faceswap but not by phazer ({spec_path}): "
            f"{_reason(issue.message, value)}",
            hint or "change it in the faceswap file and import again"))
    return None, issues


def _owning_key(spec_path: str, by_path: dict[str, str]) -> str:
    """The option whose value holds ``spec_path``; "" when none does.

    ``training.losses.1.weight`` belongs to the option that filled ``training.losses``.
    """
    parts = spec_path.split(".")
    while parts:
        key = by_path.get(".".join(parts))
        if key:
            return key
        parts.pop()
    return ""


def _reason(message: str, value: object) -> str:
    """The schema's message without its leading repeat of the value."""
    for prefix in (f"{value!r} ({type(value).__name__}): ", f"encoder {value!r}: "):
        if message.startswith(prefix):
            return message[len(prefix):]
    return message
