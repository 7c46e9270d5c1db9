"""Name every option of a ``train.ini`` that the Phaze-A import does not read.

The Phaze-A section is checked by :mod:`phazer.faceswap_import.convert` and the options phazer
reads or has no use for by :mod:`phazer.faceswap_import.training`; this module reports the
rest, so that nothing in the file is dropped without a word:

- the ``[model.<plugin>]`` sections of faceswap's other models: one PHZ404 info per section,
  naming its options (``--model <plugin>`` imports them);
- an option a faceswap version before 3 wrote (``[global] autoclip``, ``allow_growth``): a
  PHZ408 info (a warning when its value asked for something phazer does not do);
- any other option of a section phazer reads, and any section phazer does not know: a PHZ403
  info, with a did-you-mean.
"""

from __future__ import annotations

from collections.abc import Collection

from phazer.faceswap_import.convert import _issue
from phazer.faceswap_import.options import (
    GLOBAL_OPTION_FACTS,
    OLDER_SECTIONS,
    TRAINING_OPTION_FACTS,
)
from phazer.faceswap_import.readers import FaceswapFile
from phazer.faceswap_import.training import not_used_issue
from phazer.issues import FS_OPTION_DROPPED, FS_UNKNOWN_OPTION, Issue
from phazer.spec.faceswap_names import (
    MODEL_SECTION_PREFIX,
    OLDER_TABLE,
    PHAZE_A_SECTION,
    NotUsed,
)
from phazer.suggest import did_you_mean


def known_options() -> dict[str, frozenset[str]]:
    """The options phazer reads or names, by the sections it looks for them in.

    A section older faceswap versions kept options in (``[global]`` for today's
    ``[global.optimizer]``) knows those options too.
    """
    known: dict[str, set[str]] = {}
    for section, option in (*GLOBAL_OPTION_FACTS, *TRAINING_OPTION_FACTS, *OLDER_TABLE):
        for where in (section, *OLDER_SECTIONS.get(section, ())):
            known.setdefault(where, set()).add(option)
    return {section: frozenset(options) for section, options in known.items()}


def _names(options: dict[str, object]) -> str:
    return ", ".join(options) if options else "no options"


def _model_section(fs_file: FaceswapFile, section: str, options: dict[str, object]) -> Issue:
    plugin = section[len(MODEL_SECTION_PREFIX):]
    return Issue(FS_OPTION_DROPPED, "info", section,
                 f"[{section}] {_names(options)} not used: they set up faceswap's {plugin} "
                 "model, not Phaze-A",
                 f"to import that model, run phazer import-faceswap with --model {plugin}",
                 str(fs_file.path), fs_file.lines.get(f"[{section}]"))


def report_other_sections(fs_file: FaceswapFile,
                          read: Collection[str] = (PHAZE_A_SECTION,)) -> list[Issue]:
    """The issues naming each option of a ``train.ini`` that no part of the import reads.

    Args:
        fs_file: the file, with :attr:`FaceswapFile.other_sections` filled in.
        read: the ``[model.<plugin>]`` sections the import reads (and checks) itself.
    """
    known = known_options()
    issues: list[Issue] = []
    for section, options in fs_file.other_sections.items():
        if section in read:
            continue
        if section.startswith(MODEL_SECTION_PREFIX):
            if options:
                issues.append(_model_section(fs_file, section, options))
            continue
        if section not in known:
            issues.append(Issue(
                FS_UNKNOWN_OPTION, "info", section,
                f"[{section}] is not a faceswap section phazer knows; its options "
                f"({_names(options)}) are ignored",
                did_you_mean(section, known) or "it may come from a newer faceswap; check "
                "the spelling", str(fs_file.path), fs_file.lines.get(f"[{section}]")))
            continue
        for option, raw in options.items():
            if (section, option) in OLDER_TABLE:
                row = OLDER_TABLE[(section, option)]
                issues.append(not_used_issue(fs_file, section, option, raw, row.fact,
                                             row.not_used or NotUsed("")))
                continue
            if option in known[section]:
                continue
            issues.append(_issue(
                fs_file, FS_UNKNOWN_OPTION, "info", f"{section}.{option}",
                f"{option} in [{section}] is not a faceswap option phazer knows; ignored",
                did_you_mean(option, known[section]) or "it may come from a newer faceswap; "
                "check the spelling"))
    return issues
