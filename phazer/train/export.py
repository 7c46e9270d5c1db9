"""``phazer export``: a trained model's swap as standalone inference models, checked.

One model per side ``S`` asked for, ``swap_to_S``: input ``face`` (float32 in [0, 1], shape
``[N, input, input, 3]``, the aligned face cropped to ``training.coverage`` as in training),
outputs ``face_out_S`` (``[N, output, output, 3]``, in [0, 1] up to the model's overshoot) and,
when the model learnt a mask, ``mask_out_S``. It is exactly what ``phazer swap --to S``
computes (:mod:`phazer.train.swap_route`), without the other sides' layers: a face of the side
before S (the other one of two) through its side's path to where the routes join, then side
S's (for sides a, b with a shared encoder: the encoder, then B's FC and decoder for
``swap_to_b``). When the sides differ in size each export takes faces of its source side's
size and draws side S's. One file per side keeps every export a
plain one-input model that other tools can run; ``export.json`` beside them says what they
take and give.

The faces in and out are in the model's colour order (the model dir's ``color_order``,
:mod:`phazer.model_colour`): BGR for most of faceswap's encoders, RGB for Keras Applications
and CLIP ones and for model dirs trained before phazer recorded the order. ``export.json``'s
``input.pixels`` says which (``"BGR in [0, 1]"``): a tool reading RGB images reverses the
channels of a BGR export's input and face output. The check feeds the exports in that order.

Every file is written into the output folder's staging area, loaded back from disk and run on
a few faces next to phazer's own model (the one ``phazer swap`` loads); the largest absolute
difference of any output is reported. Above :data:`TOLERANCE` the export is refused and
nothing is kept. The folder's files appear together (:func:`phazer.train.journal.commit`).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keras
import numpy as np

from phazer.model_colour import pixels_text, to_model_order
from phazer.spec.training import TrainingSpec
from phazer.train.export_formats import (
    INPUT_NAME,
    LOADERS,
    WRITERS,
    converter,
    custom_objects,
    file_name,
)
from phazer.train.journal import Writer, commit, recover
from phazer.train.swap import SwapError, load_trained
from phazer.train.swap_models import SwapModels, predict_both, route_model
from phazer.train.swap_route import default_source, swap_route
from phazer.train.transfer_checks import SourceModel, TransferError, require_new_folder

MANIFEST = "export.json"
CHECK_FACES = 8
TOLERANCE = 1e-3


@dataclass
class SideExport:
    """One exported side: its file, input, outputs and the check against phazer's model.

    ``source`` is the side whose faces it takes (``input_shape``, at that side's size).
    """

    side: str
    file: str
    outputs: dict[str, list[int | None]]
    max_abs_diff: dict[str, float] = field(default_factory=dict)
    source: str = ""
    input_shape: list[int | None] = field(default_factory=list)

    @property
    def worst(self) -> float:
        """The largest difference over its outputs."""
        return max(self.max_abs_diff.values(), default=0.0)


@dataclass
class ExportReport:
    """What ``phazer export`` wrote (the contents of ``export.json``, and where)."""

    target: Path
    format: str
    converter: str
    source: Path
    source_iterations: int
    spec: str
    input_shape: list[int | None]
    coverage: float
    faces: int
    faces_from: str
    sides: list[SideExport] = field(default_factory=list)
    custom_objects: list[str] | None = None
    notes: list[str] = field(default_factory=list)
    color_order: str = "rgb"

    def to_dict(self) -> dict[str, Any]:
        """The report as plain data (``export.json``; ``--json`` adds the folder)."""
        return {
            "format": self.format, "converter": self.converter, "source": str(self.source),
            "source_iterations": self.source_iterations, "spec": self.spec,
            "input": {"name": INPUT_NAME, "shape": self.input_shape, "dtype": "float32",
                      "pixels": pixels_text(self.color_order),
                      "color_order": self.color_order, "coverage": self.coverage},
            "sides": {s.side: {"file": s.file, "from": s.source, "input": s.input_shape,
                               "outputs": s.outputs, "max_abs_diff": s.max_abs_diff}
                      for s in self.sides},
            "max_abs_diff": max((s.worst for s in self.sides), default=0.0),
            "check": {"faces": self.faces, "from": self.faces_from, "against": "phazer swap",
                      "tolerance": TOLERANCE},
            "keras_custom_objects": self.custom_objects, "notes": self.notes}


def sample_faces(size: int, coverage: float, folder: Path | None,
                 count: int = CHECK_FACES, training: TrainingSpec | None = None
                 ) -> tuple[np.ndarray, str]:
    """The faces of the check: the first ``count`` of ``folder``, or synthetic ones.

    ``training`` says how a faceswap face is cropped (its centering and offset).

    Returns:
        float32 ``[N, size, size, 3]`` in [0, 1], and where they come from.
    """
    if folder is not None:
        from phazer.data.face_loading import load_faces
        from phazer.data.folders import DataError, scan_faces

        try:
            files = scan_faces(folder, min_images=1).files[:count]
        except DataError as exc:
            raise TransferError(exc.message, exc.hint) from None
        return (np.asarray(load_faces(files, size, coverage, training=training), np.float32),
                str(folder))
    from phazer.data.synthetic import make_identities, render_faces, sample_poses

    people = make_identities(2, seed=0)
    poses = sample_poses(count, seed=1)
    half = count // 2
    images = np.concatenate([render_faces(people[0], poses[:half], size),
                             render_faces(people[1], poses[half:], size)])
    return images[..., :3].astype(np.float32) / 255.0, "synthetic faces"


def export(source: SourceModel, target: Path, fmt: str, sides: Sequence[str] | None = None,
           faces_dir: Path | None = None) -> ExportReport:
    """Export the swap of each side in ``sides`` (None: every side), check it, write it.

    Raises:
        TransferError: the model cannot be loaded, a side does not exist, a converter fails,
            an export does not reproduce phazer's output, or a file cannot be written.
    """
    try:
        model, spec = load_trained(source.folder.path)
    except SwapError as exc:
        raise TransferError(exc.message, exc.hint) from None
    from phazer.compiler import compile_model_ir

    model_ir = compile_model_ir(spec).without_pretrained()
    chosen = list(dict.fromkeys(sides or model_ir.sides))
    unknown = [side for side in chosen if side not in model_ir.sides]
    if unknown:
        raise TransferError(f"the model has no side {unknown[0]!r}; its sides are "
                            f"{', '.join(model_ir.sides)}",
                            f"pass --side {' or --side '.join(model_ir.sides)}, or no --side "
                            "for every side")
    order = source.color_order
    coverage, swaps = float(spec.training.coverage), SwapModels(model, model_ir, order)
    sources = {side: default_source(side, model_ir.sides) for side in chosen}
    sizes = {side: swaps.input_size(sources[side], side) for side in chosen}
    samples = {size: sample_faces(size, coverage, faces_dir, training=spec.training)
               for size in set(sizes.values())}
    first = sizes[chosen[0]]
    report = ExportReport(target, fmt, converter(fmt), source.folder.path,
                          source.iterations, spec.name or "", [None, first, first, 3],
                          coverage, len(samples[first][0]), samples[first][1],
                          color_order=order)
    writers: dict[str, Writer] = {}
    expected: dict[str, np.ndarray] = {}
    for side in chosen:
        # the exports take and give the model's order: both are checked in it
        faces = np.ascontiguousarray(to_model_order(samples[sizes[side]][0], order))
        exported = route_model(model, swap_route(model_ir, sources[side], side),
                               input_name=INPUT_NAME, name=f"swap_to_{side}")
        outputs = predict_both(swaps.get(sources[side], side), faces)
        expected.update(outputs)
        entry = SideExport(side, file_name(side, fmt),
                           {name: [None, *(int(d) for d in out.shape[1:])] for name, out
                            in zip(exported.output_names, exported.outputs, strict=True)},
                           source=sources[side], input_shape=[None, sizes[side], sizes[side], 3])
        report.sides.append(entry)
        writers[entry.file] = _checked_writer(exported, entry, fmt, faces, outputs, report)
    constant = [name for entry in report.sides for name in entry.outputs
                if np.ptp(expected[name]) == 0]
    if constant:
        report.notes.append(f"phazer's model gives every face the same {', '.join(constant)} "
                            "(an untrained model?): the check cannot tell much here")
    writers[MANIFEST] = lambda path: path.write_text(  # last: after every check ran
        json.dumps(report.to_dict(), indent=2) + "\n", encoding="utf-8")
    require_new_folder(target, "the export folder")
    created = not target.exists()
    try:
        commit(target, writers)
    except OSError as exc:
        _discard(target, created)
        raise TransferError(f"cannot write the export in {target}: {exc}",
                            "free some disk space or pass another folder") from None
    except TransferError:
        _discard(target, created)
        raise
    return report


def _discard(target: Path, created: bool) -> None:
    """After a failed commit: drop what it left, and the folder if this export made it."""
    with contextlib.suppress(OSError):
        recover(target)
        if created:
            target.rmdir()


def _checked_writer(exported: keras.Model, entry: SideExport, fmt: str, faces: np.ndarray,
                    expected: dict[str, np.ndarray], report: ExportReport) -> Writer:
    """Write one side's model, load it back from disk and compare it with phazer's model.

    Raises (when called):
        TransferError: the export cannot be loaded or differs by more than TOLERANCE.
    """
    def write(path: Path) -> None:
        report.notes.extend(WRITERS[fmt](exported, path))
        got = LOADERS[fmt](path)(faces)
        for name in entry.outputs:
            entry.max_abs_diff[name] = float(np.max(np.abs(got[name] - expected[name])))
        if fmt == "keras":
            report.custom_objects = sorted({*(report.custom_objects or ()),
                                            *custom_objects(path)})
        if entry.worst > TOLERANCE:
            raise TransferError(
                f"the exported {entry.file} differs from phazer's own swap by up to "
                f"{entry.worst:.3g} on {len(faces)} faces (more than {TOLERANCE:g})",
                "nothing was written; try another --format, and please report the spec")
    return write
