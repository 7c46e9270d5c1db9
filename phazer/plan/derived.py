"""One-line descriptions of the values phazer derives from a spec (for `phazer render`)."""

from __future__ import annotations

from phazer.blocks import derive, problems
from phazer.compiler import compile_model_ir
from phazer.spec.models import ModelSpec


def _shape(shape: tuple[int, ...]) -> str:
    return "x".join(str(d) for d in shape)


def plan_notes(spec: ModelSpec) -> list[str]:
    """Derived sizes and totals of a buildable spec; one line saying why when it is not."""
    found = problems(spec)
    if found:
        return [f"cannot be built: {found[0].message} (run `phazer validate` for every issue)"]
    dv = derive(spec)
    notes = []
    if dv.fc_nodes:
        notes.append(f"fc Dense nodes {', '.join(str(n) for n in dv.fc_nodes)}, reshaped to "
                     f"{_shape(dv.fc_reshape)}")
    for path, given, scaled in dv.fc_filters.changes:
        notes.append(f"{path} {given} is used as {scaled} (rescaled for the output size, "
                     "as faceswap does)")
    notes.append(f"fc output {_shape(dv.fc_output_shape)}; decoder input "
                 f"{_shape(dv.decoder_input_shape)}")
    if dv.retile is not None:
        notes.append(f"decoder re-tiles {_shape(dv.retile[0])} to {_shape(dv.retile[1])}")
    filters = [str(f) for f in dv.decoder_filters]
    if dv.fc_upscales:
        filters = [f"{f} (in the FC)" for f in filters[:dv.fc_upscales]] + filters[
            dv.fc_upscales:]
    notes.append(f"decoder upscale filters {', '.join(filters) or 'none'}")
    if spec.routing.gblock and dv.gblock_filters is not None:
        notes.append(f"fc_gblock nodes {', '.join(str(n) for n in dv.gblock_fc_nodes)}; "
                     f"g_block filters {dv.gblock_filters}")
    model = compile_model_ir(spec)
    params = model.params
    notes.append(f"parameters {params.total:,} ({params.trainable:,} trainable) in "
                 f"{', '.join(model.submodels)}")
    return notes
