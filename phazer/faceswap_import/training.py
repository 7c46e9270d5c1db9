"""Carry a ``train.ini``'s training options into the spec's ``training:`` section.

Most options map one to one (:data:`phazer.spec.faceswap_names.TRAINING_OPTIONS`); some need
more than a copy:

- the four loss slots become the list ``training.losses``: slot 1 at weight 1.0, slots 2-4 at
  their ``loss_weight`` / 100, empty slots (``none`` or weight 0) left out, a function named
  twice merged by adding its weights, and losses phazer lacks (not in
  :data:`phazer.catalog.losses.LOSSES`) dropped with a PHZ409 warning;
- the optimizer's name is mapped to phazer's (``rms-prop`` -> ``rmsprop``); options the chosen
  optimizer does not take (``ada_amsgrad`` for Lion, say), or that have no effect in faceswap's
  version of it (``ada_amsgrad`` for AdaBelief), are dropped with a PHZ404 info, as faceswap
  ignores them too;
- ``mask_type = extended``, faceswap's default, leaves ``training.mask_type`` unset, which
  phazer reads as ``extended`` for faceswap face sets (and ``alpha`` for plain folders);
- ``lr_finder_*`` are carried, but the finder stays off: faceswap runs it only with the
  command-line flag ``--use-lr-finder``, which a ``train.ini`` does not hold (a PHZ408 info
  says so when they are not at faceswap's defaults);
- the options phazer has no use for (:data:`phazer.spec.faceswap_names.NOT_USED_OPTIONS`:
  ``save_optimizer``, ``nan_protection``, ...) are each named in a PHZ408 info with what phazer
  does instead, or a PHZ408 warning when the value asks for something phazer will not do.

GUI presets carry no training options, so this only runs for a ``train.ini``.
"""

from __future__ import annotations

from typing import get_args

from phazer.catalog import losses as loss_catalog
from phazer.catalog import optimizers as optimizer_catalog
from phazer.faceswap_import.convert import ConvertedOptions, _issue, _read_option, _show
from phazer.faceswap_import.options import TRAINING_OPTION_FACTS, OptionFact, OptionValue
from phazer.faceswap_import.readers import FaceswapFile
from phazer.faceswap_import.values import ParseFailure, parse_value
from phazer.issues import (
    FS_LOSS_DROPPED,
    FS_MISSING_OPTION,
    FS_NO_EQUIVALENT,
    FS_OPTION_DROPPED,
    FS_VALUE_REJECTED,
    Issue,
)
from phazer.spec.faceswap_names import NOT_USED_OPTIONS, TRAINING_OPTIONS, NotUsed
from phazer.spec.optimizers import OPTIMIZER_VARIANTS

_LOSS_SECTION = "global.loss"
_OPTIMIZER_SECTION = "global.optimizer"
_LOSS_SLOTS = (("loss_function", None), ("loss_function_2", "loss_weight_2"),
               ("loss_function_3", "loss_weight_3"), ("loss_function_4", "loss_weight_4"))
_LOSSES_KEY = f"{_LOSS_SECTION}.loss_function"
_LR_FINDER = (("global", "lr_finder_iterations"), ("global", "lr_finder_mode"),
              ("global", "lr_finder_strength"))
# Optimizer options faceswap passes on but that change nothing there, so carrying them would
# train differently: (phazer optimizer, option) -> (why, hint). OPTIMIZERS.md in the shared
# reference data records faceswap's adabelief/amsgrad run as bit-identical to its default one.
_NO_EFFECT: dict[tuple[str, str], tuple[str, str]] = {
    ("adabelief", "ada_amsgrad"): (
        "faceswap's AdaBelief keeps the AMSGrad maximum but never divides by it, so the "
        "option changes nothing there",
        "phazer's AdaBelief does divide by it: set training.optimizer.amsgrad: true in the "
        "spec for AMSGrad"),
}
# faceswap values that leave a spec field unset, because unset means the same to phazer.
_LEFT_UNSET: dict[str, tuple[OptionValue, ...]] = {
    f"{_LOSS_SECTION}.mask_type": ("extended",),   # unset: extended for faceswap face sets
}


def _key(section: str, option: str) -> str:
    return f"{section}.{option}"


def _read_all(fs_file: FaceswapFile, result: ConvertedOptions
              ) -> tuple[dict[str, OptionValue], dict[str, Issue]]:
    """Every carried training option's typed value (faceswap's default when missing).

    Also returns a PHZ407 info per missing option, not yet added to ``result``: the options the
    chosen optimizer does not take are not reported missing.
    """
    typed: dict[str, OptionValue] = {}
    missing: dict[str, Issue] = {}
    for (section, option) in TRAINING_OPTIONS:
        fact = TRAINING_OPTION_FACTS[(section, option)]
        key = _key(section, option)
        if (section, option) not in fs_file.global_options:
            missing[key] = _issue(
                fs_file, FS_MISSING_OPTION, "info", key,
                f"{option} is not in [{section}]; faceswap's default "
                f"{_show(fact.default_value())} is used")
            typed[key] = fact.default_value()
            continue
        value = _read_option(fs_file, key, fs_file.global_options[(section, option)], fact,
                             result, label=f"[{section}] {option}")
        if value is not None:
            typed[key] = value
    return typed, missing


def _losses(fs_file: FaceswapFile, typed: dict[str, OptionValue],
            result: ConvertedOptions) -> list[dict[str, object]] | None:
    """The four loss slots as ``training.losses`` entries (None when a slot was unreadable)."""
    weights: dict[str, float] = {}
    for function_option, weight_option in _LOSS_SLOTS:
        function_key = _key(_LOSS_SECTION, function_option)
        weight_key = _key(_LOSS_SECTION, weight_option) if weight_option else None
        if function_key not in typed or (weight_key and weight_key not in typed):
            return None
        name = str(typed[function_key])
        weight = 1.0 if weight_key is None else float(typed[weight_key]) / 100  # type: ignore[arg-type]
        if name == "none" or weight == 0:
            continue
        phazer_name = loss_catalog.from_faceswap(name)
        if phazer_name is None:
            reason = loss_catalog.FACESWAP_ONLY_LOSSES.get(name, "phazer lacks it")
            weighted = f" ({weight_option} = {typed[weight_key]})" if weight_key else ""
            result.issues.append(_issue(
                fs_file, FS_LOSS_DROPPED, "warning", function_key,
                f"{function_option} = {name}{weighted} dropped: {reason}",
                "training will use the remaining loss functions; pick one of "
                f"{', '.join(info.faceswap_name for info in loss_catalog.LOSSES.values())} "
                "in faceswap to keep a term"))
            continue
        weights[phazer_name] = weights.get(phazer_name, 0.0) + weight
    return [{"function": name, "weight": weight} for name, weight in weights.items()]


def _variant_fields(optimizer: str) -> set[str]:
    for variant in OPTIMIZER_VARIANTS:
        if optimizer in get_args(variant.model_fields["type"].annotation):
            return set(variant.model_fields)
    return set()


def _optimizer(fs_file: FaceswapFile, typed: dict[str, OptionValue],
               result: ConvertedOptions) -> set[str]:
    """Carry the optimizer options; returns the keys dropped as unused by the optimizer."""
    type_key = _key(_OPTIMIZER_SECTION, "optimizer")
    unused: set[str] = set()
    if type_key not in typed:
        return unused
    name = str(typed[type_key])
    phazer_name = optimizer_catalog.from_faceswap(name)
    if phazer_name is None:
        reason = optimizer_catalog.FACESWAP_ONLY_OPTIMIZERS.get(name, "phazer lacks it")
        result.issues.append(_issue(
            fs_file, FS_VALUE_REJECTED, "error", type_key,
            f"optimizer = {name} is accepted by faceswap but not by phazer "
            f"(training.optimizer.type): {reason}",
            f"pick one of {', '.join(optimizer_catalog.OPTIMIZERS)} "
            "(set `optimizer` in the file, or edit the spec after importing)"))
        return unused
    fields = _variant_fields(phazer_name)
    for (section, option), path in TRAINING_OPTIONS.items():
        key = _key(section, option)
        if section != _OPTIMIZER_SECTION or key not in typed:
            continue
        field = path.rsplit(".", 1)[-1]
        no_effect = _NO_EFFECT.get((phazer_name, option))
        if field not in fields or no_effect:
            unused.add(key)
            if (section, option) in fs_file.global_options:
                why = no_effect[0] if no_effect else f"not used by the {phazer_name!r} optimizer"
                result.issues.append(_issue(
                    fs_file, FS_OPTION_DROPPED, "info", key,
                    f"{option} = {_show(typed[key])} dropped: {why}",
                    no_effect[1] if no_effect else ""))
            continue
        result.values[key] = phazer_name if key == type_key else typed[key]
        result.paths[key] = path
    return unused


def not_used_issue(fs_file: FaceswapFile, section: str, option: str, raw: object,
                   fact: OptionFact, not_used: NotUsed) -> Issue:
    """The PHZ408 naming an option phazer has no use for, whatever its value.

    A warning when the value asks for something phazer will not do, else an info. An
    unreadable value is shown as written: phazer does not use it, so it stops nothing.
    """
    value = parse_value(raw, fact)
    readable = not isinstance(value, ParseFailure)
    shown = _show(value) if readable else str(raw)
    if readable and value in not_used.warn_values:
        return _issue(fs_file, FS_NO_EQUIVALENT, "warning", _key(section, option),
                      f"[{section}] {option} = {shown} not used: {not_used.warning}")
    return _issue(fs_file, FS_NO_EQUIVALENT, "info", _key(section, option),
                  f"[{section}] {option} = {shown} not used: {not_used.reason}")


def _not_used(fs_file: FaceswapFile, result: ConvertedOptions) -> None:
    """Name each option of the file that phazer has no use for (PHZ408)."""
    for (section, option), not_used in NOT_USED_OPTIONS.items():
        if (section, option) in fs_file.global_options:
            result.issues.append(not_used_issue(
                fs_file, section, option, fs_file.global_options[(section, option)],
                TRAINING_OPTION_FACTS[(section, option)], not_used))


def _lr_finder_note(fs_file: FaceswapFile, typed: dict[str, OptionValue],
                    result: ConvertedOptions) -> None:
    """Say that the finder stays off when a ``train.ini`` sets up the finder (PHZ408)."""
    changed = [(section, option) for section, option in _LR_FINDER
               if (section, option) in fs_file.global_options
               and _key(section, option) in typed
               and typed[_key(section, option)] != TRAINING_OPTION_FACTS[(section,
                                                                           option)].default]
    if not changed:
        return
    names = ", ".join(f"{option} = {_show(typed[_key(section, option)])}"
                      for section, option in changed)
    result.issues.append(_issue(
        fs_file, FS_NO_EQUIVALENT, "info", _key(*changed[0]),
        f"[global] {names} carried to training.lr_finder, but the finder stays off "
        "(training.lr_finder.enabled: false): faceswap runs it only when training starts "
        "with --use-lr-finder, which a train.ini does not hold",
        "set training.lr_finder.enabled: true in the spec to find the learning rate before "
        "a new model's first iteration"))


def convert_training(fs_file: FaceswapFile, result: ConvertedOptions) -> None:
    """Add a ``train.ini``'s training options to ``result`` (values, paths and issues)."""
    if fs_file.kind != "ini":
        return
    typed, missing = _read_all(fs_file, result)
    losses = _losses(fs_file, typed, result)
    if losses is not None:
        result.values[_LOSSES_KEY] = losses  # type: ignore[assignment]
        result.paths[_LOSSES_KEY] = "training.losses"
    unused = _optimizer(fs_file, typed, result)
    result.issues.extend(issue for key, issue in missing.items() if key not in unused)
    _lr_finder_note(fs_file, typed, result)
    _not_used(fs_file, result)
    for (section, option), path in TRAINING_OPTIONS.items():
        key = _key(section, option)
        if path == "training.losses" or section == _OPTIMIZER_SECTION or key not in typed:
            continue
        if typed[key] in _LEFT_UNSET.get(key, ()):
            continue
        result.values[key] = typed[key]
        result.paths[key] = path
