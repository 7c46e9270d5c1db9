"""``phazer export``: a trained model's swap as standalone inference models, checked.

One model per side ``S`` asked for, ``swap_to_S``: input ``face`` (float32 RGB in [0, 1], shape
``[N, input, input, 3]``, the aligned face cropped to ``training.coverage`` as in training),
outputs ``face_out_S`` (``[N, output, output, 3]``, in [0, 1] up to the model's overshoot) and,
when the model learnt a mask, ``mask_out_S``. It is the path of side S alone (for sides a, b:
the shared encoder, then B's FC and decoder for ``swap_to_b``), exactly what ``phazer swap
--to S`` computes, without the other sides' layers. One file per side keeps every export a
plain one-input model that other tools can run; ``export.json`` beside them says what they
take and give.

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

from phazer.ir.model import ModelIR, split_ref
from phazer.sides import face_out, mask_out
from phazer.train.export_formats import (
    INPUT_NAME,
    LOADERS,
    WRITERS,
    converter,
    custom_objects,
    file_name,
)
from phazer.train.journal import Writer, commit, recover
from phazer.train.previews import predict_both
from phazer.train.swap import SwapError, load_trained
from phazer.train.transfer_checks import SourceModel, TransferError, require_new_folder

MANIFEST = "export.json"
CHECK_FACES = 8
TOLERANCE = 1e-3


@dataclass
class SideExport:
    """One exported side: its file, outputs and the check against phazer's model."""

    side: str
    file: str
    outputs: dict[str, list[int | None]]
    max_abs_diff: dict[str, float] = field(default_factory=dict)

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

    def to_dict(self) -> dict[str, Any]:
        """The report as plain data (``export.json``; ``--json`` adds the folder)."""
        return {
            "format": self.format, "converter": self.converter, "source": str(self.source),
            "source_iterations": self.source_iterations, "spec": self.spec,
            "input": {"name": INPUT_NAME, "shape": self.input_shape, "dtype": "float32",
                      "pixels": "RGB in [0, 1]", "coverage": self.coverage},
            "sides": {s.side: {"file": s.file, "outputs": s.outputs,
                               "max_abs_diff": s.max_abs_diff} for s in self.sides},
            "max_abs_diff": max((s.worst for s in self.sides), default=0.0),
            "check": {"faces": self.faces, "from": self.faces_from, "against": "phazer swap",
                      "tolerance": TOLERANCE},
            "keras_custom_objects": self.custom_objects, "notes": self.notes}


def side_model(model: keras.Model, model_ir: ModelIR, side: str) -> keras.Model:
    """The path of one side as its own model: ``face`` -> ``face_out_<side>`` (+ mask).

    The sub-models of ``model`` are reused (same weights). The face goes into every side
    input the side's outputs depend on, as :func:`phazer.train.previews.predict_both` feeds
    it, and only the nodes those outputs need are built.
    """
    names = [name for name in (face_out(side), mask_out(side)) if name in model_ir.outputs]
    needed: set[str] = set()
    stack = [split_ref(model_ir.outputs[name])[0] for name in names]
    nodes = {node.name: node for node in model_ir.nodes}
    while stack:
        name = stack.pop()
        if name not in needed:
            needed.add(name)
            stack.extend(split_ref(ref)[0] for ref in nodes[name].inputs)
    face = keras.Input(shape=tuple(model.inputs[0].shape[1:]), name=INPUT_NAME)
    values: dict[str, list[Any]] = {}
    for node in model_ir.nodes:
        if node.name not in needed:
            continue
        args = [values[split_ref(ref)[0]][split_ref(ref)[1]] for ref in node.inputs]
        if node.kind == "input":
            values[node.name] = [face]
        elif node.kind == "call":
            out = model.get_layer(node.submodel)(args[0] if len(args) == 1 else args)
            values[node.name] = list(out) if isinstance(out, list | tuple) else [out]
        else:    # a top-level concatenation
            layer = keras.layers.Concatenate(axis=-1, name=node.name.replace("/", "_"))
            values[node.name] = [layer(args)]
    outputs = []
    for name in names:
        node, index = split_ref(model_ir.outputs[name])
        outputs.append(keras.layers.Identity(name=name, dtype="float32")(values[node][index]))
    return keras.Model(face, outputs, name=f"swap_to_{side}")


def sample_faces(size: int, coverage: float, folder: Path | None,
                 count: int = CHECK_FACES) -> tuple[np.ndarray, str]:
    """The faces of the check: the first ``count`` of ``folder``, or synthetic ones.

    Returns:
        float32 ``[N, size, size, 3]`` in [0, 1], and where they come from.
    """
    if folder is not None:
        from phazer.data.folders import DataError, scan_faces
        from phazer.data.pipeline import load_faces

        try:
            files = scan_faces(folder, min_images=1).files[:count]
        except DataError as exc:
            raise TransferError(exc.message, exc.hint) from None
        return np.asarray(load_faces(files, size, coverage), np.float32), str(folder)
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
    size, coverage = int(model.inputs[0].shape[1]), float(spec.training.coverage)
    faces, faces_from = sample_faces(size, coverage, faces_dir)
    expected = predict_both(model, faces)
    report = ExportReport(target, fmt, converter(fmt), source.folder.path,
                          source.iterations, spec.name or "", [None, size, size, 3],
                          coverage, len(faces), faces_from)
    writers: dict[str, Writer] = {}
    for side in chosen:
        exported = side_model(model, model_ir, side)
        entry = SideExport(side, file_name(side, fmt),
                           {name: [None, *(int(d) for d in out.shape[1:])] for name, out
                            in zip(exported.output_names, exported.outputs, strict=True)})
        report.sides.append(entry)
        writers[entry.file] = _checked_writer(exported, entry, fmt, faces, expected, report)
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
