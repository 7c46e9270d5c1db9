"""One-line descriptions of the sizes phazer built from a spec (for `phazer render`)."""

from __future__ import annotations

from phazer.ir.model import ModelIR
from phazer.pipeline import Pipeline
from phazer.plan.figures import ModelFigures


def _shape(shape: tuple[int, ...]) -> str:
    return "x".join(str(d) for d in shape)


def plan_notes(pipeline: Pipeline) -> list[str]:
    """Built sizes and totals of a buildable spec; one line saying why when it is not.

    Every figure is read from the compiled IR (the sizes its builders recorded).
    """
    compiled = pipeline.compiled
    model, sizes = compiled.model, compiled.sizes
    if model is None:
        first = compiled.errors[0].message if compiled.errors else "unknown reason"
        return [f"cannot be built: {first} (run `phazer validate` for every issue)"]
    notes = []
    if not pipeline.lowered.uses_phaze_a:  # blocks write their sizes: the sides and totals
        return [_sides_note(pipeline.figures), _params_note(model)]
    if sizes.fc_nodes and sizes.fc_reshape is not None:
        notes.append(f"fc Dense nodes {', '.join(str(n) for n in sizes.fc_nodes)}, reshaped to "
                     f"{_shape(sizes.fc_reshape)}")
    if sizes.fc_filters is not None:
        for path, given, scaled in sizes.fc_filters.changes:
            notes.append(f"{path} {given} is used as {scaled} (rescaled for the output size, "
                         "as faceswap does)")
    if sizes.fc_output_shape is not None and sizes.decoder_input_shape is not None:
        notes.append(f"fc output {_shape(sizes.fc_output_shape)}; decoder input "
                     f"{_shape(sizes.decoder_input_shape)}")
    if sizes.retile is not None:
        notes.append(f"decoder re-tiles {_shape(sizes.retile[0])} to {_shape(sizes.retile[1])}")
    filters = [str(f) for f in sizes.decoder_filters]
    if sizes.fc_upscales:
        filters = [f"{f} (in the FC)" for f in filters[:sizes.fc_upscales]] + filters[
            sizes.fc_upscales:]
    notes.append(f"decoder upscale filters {', '.join(filters) or 'none'}")
    if sizes.gblock_filters is not None:
        notes.append(f"fc_gblock nodes {', '.join(str(n) for n in sizes.gblock_fc_nodes)}; "
                     f"g_block filters {sizes.gblock_filters}")
    notes.append(_params_note(model))
    return notes


def _params_note(model: ModelIR) -> str:
    params = model.params
    return (f"parameters {params.total:,} ({params.trainable:,} trainable) in "
            f"{', '.join(model.submodels)}")


def _sides_note(figures: ModelFigures) -> str:
    """Each side's input and face output as built: ``side a 64x64x3 -> 64x64x3; side b …``."""
    return "; ".join(f"side {side} {_shape(figures.side_inputs[side])} -> "
                     f"{_shape(figures.face_output(side))}" for side in figures.sides)
