"""Import one faceswap model plugin's ``[model.<plugin>]`` section as a graph-form spec.

The steps, in order; nothing is built while any step has an error:

1. the plugin must be one of :data:`~phazer.faceswap_models.registry.PLUGINS` (did-you-mean);
2. read the ``train.ini`` (PHZ401 when it cannot be read);
3. read each option of the plugin's section, and of the other sections its build reads, as
   faceswap's type (PHZ406), check it against faceswap's GUI range and step (PHZ405; a
   width option off the slider is carried over with info PHZ328, see
   :mod:`phazer.faceswap_models.widths`), fill missing ones with faceswap's default (PHZ407)
   and note unknown keys (PHZ403);
4. read ``[global.loss] learn_mask``; refuse ``icnr_init``, ``conv_aware_init`` and
   ``reflect_padding`` when True (PHZ405: the graph form builds neither ICNR nor
   convolution-aware initialisation nor reflection padding);
5. apply the plugin's build-time rules from faceswap's code (PHZ405);
6. build the graph-form document, validate it and compile its IR (an error here is a phazer
   bug, reported as PHZ399), after refusing widths that make a layer of 0 (PHZ316); the
   ``train.ini``'s training options fill ``training:``.
"""

from __future__ import annotations

import configparser
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from phazer.compiler import compile_model
from phazer.faceswap_import.convert import ConvertedOptions, nest
from phazer.faceswap_import.options import TRAINING_OPTION_FACTS
from phazer.faceswap_import.readers import FaceswapFile, _ini_lines, read_ini_options, read_text
from phazer.faceswap_import.training import convert_training
from phazer.faceswap_import.values import ParseFailure, parse_value
from phazer.faceswap_models.blocks import dense_units, largest_dense
from phazer.faceswap_models.options import PluginOption, PluginValue
from phazer.faceswap_models.registry import PLUGINS, Plugin, inherited_option
from phazer.faceswap_models.settings import Document, Settings
from phazer.faceswap_models.widths import below_least, is_width, note, off_slider, zero_width_models
from phazer.issues import (
    BUILD_FAILED,
    FS_BAD_VALUE,
    FS_MISSING_OPTION,
    FS_NOT_PHAZE_A,
    FS_UNKNOWN_OPTION,
    FS_UNREADABLE,
    FS_VALUE_REJECTED,
    WIDTH_OUTSIDE_GUI,
    ZERO_WIDTH,
    Issue,
    SpecError,
    has_errors,
    sort_issues,
)
from phazer.spec.graph_form import GraphSpec
from phazer.suggest import did_you_mean

UNMODELLED_GLOBALS: dict[str, str] = {
    "icnr_init": "ICNR initialisation of the upscale convolutions",
    "conv_aware_init": "convolution-aware initialisation",
    "reflect_padding": "reflection padding (ReflectionPadding2D layers before the convs)",
}
"""``[global]`` switches that change faceswap's build and that the graph form cannot write."""


@dataclass
class PluginImport:
    """What importing a plugin's section produced.

    Attributes:
        plugin: the plugin asked for.
        source: the ``train.ini``.
        spec: the graph-form spec, or None when any issue is an error.
        document: the spec as plain data (what is written), or None.
        settings: the checked option values, or None.
        issues: every issue, errors first.
    """

    plugin: str
    source: Path
    spec: GraphSpec | None = None
    document: Document | None = None
    settings: Settings | None = None
    issues: list[Issue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when a spec was produced."""
        return self.spec is not None


@dataclass
class _Reader:
    path: Path
    parser: configparser.ConfigParser
    lines: dict[str, int]
    issues: list[Issue] = field(default_factory=list)
    plugin: str = ""

    def issue(self, code: str, severity: str, section: str, option: str, message: str,
              hint: str = "") -> None:
        self.issues.append(Issue(code, severity, f"[{section}] {option}",  # type: ignore[arg-type]
                                 message, hint, str(self.path),
                                 self.lines.get(f"{section}.{option}")))

    def raw(self, section: str, option: str) -> str | None:
        if not self.parser.has_option(section, option):
            return None
        return self.parser.get(section, option, raw=True)

    def read(self, section: str, option: PluginOption) -> PluginValue | None:
        """The option's value (its default when missing); None after an error."""
        raw = self.raw(section, option.name)
        if raw is None:
            self.issue(FS_MISSING_OPTION, "info", section, option.name,
                       f"{option.name} is not in [{section}]; faceswap's default "
                       f"{option.default} is used")
            return option.default
        value = parse_value(raw, option.fact)
        if isinstance(value, ParseFailure):
            takes = "" if "expected" in value.message else f"; it takes {option.allowed()}"
            hint = value.hint if option.type != "int" or "decimal" in value.hint else ""
            self.issue(FS_BAD_VALUE, "error", section, option.name,
                       f"[{section}] {option.name} = {raw}: {value.message}{takes}",
                       hint or f"write {option.allowed()}, e.g. {option.default}")
            return None
        if option.type == "int" and not _on_grid(value, option):  # type: ignore[arg-type]
            if (section == f"model.{self.plugin}" and is_width(self.plugin, option.name)
                    and not below_least(option, value)):  # type: ignore[arg-type]
                self.issue(WIDTH_OUTSIDE_GUI, "info", section, option.name,
                           *note(section, option, value,  # type: ignore[arg-type]
                                 off_slider(option, value)))  # type: ignore[arg-type]
                return value
            self.issue(FS_VALUE_REJECTED, "error", section, option.name,
                       f"[{section}] {option.name} = {value} is not a value faceswap offers: "
                       f"it takes {option.allowed()} ({option.help.rstrip('.')})",
                       _nearest_hint(value, option))  # type: ignore[arg-type]
            return None
        return value  # type: ignore[return-value]


def _on_grid(value: int, option: PluginOption) -> bool:
    grid = option.grid()
    return not grid or value in grid


def _nearest_hint(value: int, option: PluginOption) -> str:
    grid = option.grid()
    below = [v for v in grid if v <= value]
    above = [v for v in grid if v >= value]
    picks = sorted({*(below[-1:]), *(above[:1])})
    return f"set it to {' or '.join(str(v) for v in picks)}"


def _parse_ini(path: Path, text: str | None = None) -> tuple[configparser.ConfigParser, str]:
    text = read_text(path) if text is None else text
    parser = configparser.ConfigParser(interpolation=None, allow_no_value=True, strict=True)
    try:
        parser.read_string(text, source=str(path))
    except configparser.Error as exc:
        first = str(exc).splitlines()[0].rstrip(":")
        raise SpecError([Issue(FS_UNREADABLE, "error", "", f"{path} is not a valid .ini file: "
                               f"{first}", "faceswap's train.ini has [section] headers and "
                               "key = value lines", str(path), getattr(exc, "lineno", None))]
                        ) from None
    return parser, text


def _unknown_plugin(plugin: str, path: Path) -> Issue:
    known = ", ".join(["phaze_a", *PLUGINS])
    hint = did_you_mean(plugin, ["phaze_a", *PLUGINS]) or f"use one of: {known}"
    return Issue(FS_NOT_PHAZE_A, "error", "--model", f"unknown faceswap model plugin "
                 f"{plugin!r}; phazer imports: {known}", hint, str(path))


def _read_section(reader: _Reader, plugin: Plugin) -> dict[str, PluginValue]:
    section = plugin.section
    values: dict[str, PluginValue] = {}
    names = {o.name for o in plugin.options}
    if reader.parser.has_section(section):
        defaults = set(reader.parser.defaults())
        for key in reader.parser.options(section):
            if key not in names and key not in defaults:
                reader.issue(FS_UNKNOWN_OPTION, "info", section, key,
                             f"{key} in [{section}] is not an option of faceswap's "
                             f"{plugin.title} model; ignored",
                             did_you_mean(key, names) or "check the spelling")
    for option in plugin.options:
        value = reader.read(section, option)
        if value is not None:
            values[option.name] = value
    return values


def _read_globals(reader: _Reader) -> bool | None:
    """``learn_mask``; None after an error. Refuses the switches the graph form lacks."""
    flag = PluginOption("learn_mask", "bool", False)
    learn_mask = reader.read("global.loss", flag)
    for option, what in UNMODELLED_GLOBALS.items():
        value = reader.read("global", PluginOption(option, "bool", False))
        if value is True:
            reader.issue(FS_VALUE_REJECTED, "error", "global", option,
                         f"[global] {option} = True: faceswap then builds with {what}, which "
                         "phazer's graph form does not write (it takes False only)",
                         f"set {option} = False in [global] to import this model")
    return learn_mask  # type: ignore[return-value]


def _training(path: Path, parser: configparser.ConfigParser, lines: dict[str, int],
              issues: list[Issue]) -> dict[str, object]:
    """The ``training:`` section from the ini's training options (the Phaze-A importer's)."""
    global_options = read_ini_options(parser, TRAINING_OPTION_FACTS, lines)
    fs_file = FaceswapFile(path, "ini", {}, global_options, parser.sections(), lines)
    converted = ConvertedOptions()
    convert_training(fs_file, converted)
    issues.extend(converted.issues)
    return dict(nest(converted).get("training", {}))  # type: ignore[arg-type]


def import_plugin(path: str | Path, plugin: str, name: str | None = None,
                  ini_text: str | None = None) -> PluginImport:
    """Import ``[model.<plugin>]`` of a faceswap ``train.ini`` as a graph-form spec.

    Never raises for bad input: every problem is an issue in the result.

    Args:
        path: the ``train.ini``.
        plugin: faceswap's plugin name (``dfl_sae``); see :data:`PLUGINS`.
        name: the spec's name (default ``fs-<plugin>``).
        ini_text: the text of a ``train.ini`` to read instead of the file (``path`` then only
            names it in issues): a model folder's options written out as one.
    """
    source = Path(path)
    result = PluginImport(plugin, source)
    if plugin not in PLUGINS:
        result.issues.append(_unknown_plugin(plugin, source))
        return result
    entry = PLUGINS[plugin]
    try:
        parser, text = _parse_ini(source, ini_text)
    except SpecError as exc:
        result.issues.extend(exc.issues)
        return result
    reader = _Reader(source, parser, _ini_lines(text), plugin=plugin)
    values = _read_section(reader, entry)
    inherited: dict[str, dict[str, PluginValue]] = {}
    for section, option in entry.reads:
        value = reader.read(section, inherited_option(section, option))
        if value is not None:
            inherited.setdefault(section, {})[option] = value
    learn_mask = _read_globals(reader)
    issues = reader.issues
    read_all = len(values) == len(entry.options) and learn_mask is not None and all(
        option in inherited.get(section, {}) for section, option in entry.reads)
    if read_all:  # faceswap's own rules need every option; they run beside other errors
        settings = Settings(plugin, values, bool(learn_mask), inherited)
        for problem in entry.rules(settings):
            reader.issue(FS_VALUE_REJECTED, "error", entry.section, problem.option,
                         f"[{entry.section}] {problem.message}", problem.hint)
        if not has_errors(issues):
            result.settings = settings
            result.document = _finish(entry.build(settings), entry, source, name)
            _check_dense(result.document, entry, reader)
            _check_zero_widths(result.document, entry, reader)
            training = _training(source, parser, reader.lines, issues)
            if training:
                result.document["training"] = training
            if not has_errors(issues):  # a refused size would only fail validation again
                result.spec = _checked(result.document, source, issues)
    result.issues = sort_issues(issues)
    if has_errors(result.issues):
        result.spec = result.document = None
    return result


def _check_dense(document: Document, plugin: Plugin, reader: _Reader) -> None:
    """Refuse a dense layer wider than the graph form's ``dense`` block takes."""
    limit = largest_dense()
    if limit is None:
        return
    for model, units in dense_units(document):
        if units > limit:
            sizes = ", ".join(o.name for o in plugin.options if o.type == "int") or "lowmem"
            reader.issues.append(Issue(
                FS_VALUE_REJECTED, "error", f"[{plugin.section}]",
                f"[{plugin.section}] these options make faceswap build a Dense layer of "
                f"{units:,} units in {model}; phazer's graph form takes at most {limit:,} "
                "units per dense layer", f"use smaller values of: {sizes}", str(reader.path)))
            return


def _check_zero_widths(document: Document, plugin: Plugin, reader: _Reader) -> None:
    """Refuse widths the plugin's arithmetic turns into a layer of 0 filters or units."""
    models = zero_width_models(document)
    if not models:
        return
    widths = ", ".join(o.name for o in plugin.options if is_width(plugin.name, o.name))
    reader.issues.append(Issue(
        ZERO_WIDTH, "error", f"[{plugin.section}]",
        f"[{plugin.section}] these options give a layer of 0 filters or units in "
        f"{', '.join(models)}; faceswap's build fails here too (Keras refuses a layer of 0 "
        "filters or units)", f"use larger values of: {widths}", str(reader.path)))


def _finish(document: Document, plugin: Plugin, source: Path, name: str | None) -> Document:
    if name is not None:
        document["name"] = name
    document["description"] = (f"{document['description']}\nImported from "
                               f"[{plugin.section}] in faceswap's {source.name}.")
    return document


def _checked(document: Document, source: Path, issues: list[Issue]) -> GraphSpec | None:
    """Validate and compile the document; any failure is a phazer bug (PHZ399)."""
    try:
        spec = GraphSpec.model_validate(document)
    except ValidationError as exc:
        issues.append(Issue(BUILD_FAILED, "error", "", f"the imported graph does not "
                            f"validate: {exc.errors()[0]['msg']}", "please report it",
                            str(source)))
        return None
    compiled = compile_model(spec)
    for issue in compiled.errors:
        issues.append(Issue(BUILD_FAILED, "error", issue.path, f"the imported graph does not "
                            f"build: {issue.message}", "please report it", str(source)))
    return None if compiled.errors else spec
