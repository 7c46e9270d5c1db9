"""Interpret the IR as Keras: sub-models as functional models, then the whole autoencoder.

Every layer, input and model gets an explicit name from the IR, so nothing depends on Keras'
process-wide name counters and two models built in one process stay independent.
"""

from __future__ import annotations

from typing import Any

import keras

from phazer.emit.errors import EmitError
from phazer.emit.ops import EMITTERS, build_layer
from phazer.emit.pretrained import load_pretrained
from phazer.ir.graph import SubModelIR
from phazer.ir.model import ModelIR, split_ref
from phazer.sides import face_in


def _one_or_list(values: list[Any]) -> Any:
    return values[0] if len(values) == 1 else values


def emit_submodel(ir: SubModelIR) -> keras.Model:
    """Build one sub-model (encoder, fc_a, decoder_b, ...) as a functional model named ``ir.name``.

    Raises:
        EmitError: an op cannot be emitted.
    """
    tensors: dict[str, Any] = {}
    for op in ir.ops:
        if op.kind == "input":
            tensors[op.name] = keras.Input(shape=op.shape, name=op.name)
            continue
        layer = build_layer(op)
        inputs = [tensors[name] for name in op.inputs]
        emitter = EMITTERS[op.kind]
        if emitter.self_attention:
            tensors[op.name] = layer(inputs[0], inputs[0])
        else:
            tensors[op.name] = layer(inputs if emitter.takes_list else _one_or_list(inputs))
    model = keras.Model(inputs=_one_or_list([tensors[name] for name in ir.inputs]),
                        outputs=_one_or_list([tensors[name] for name in ir.outputs]),
                        name=ir.name)
    if ir.pretrained is not None:
        load_pretrained(model, ir.pretrained)
    return model


def _layer_name(node_name: str) -> str:
    return node_name.replace("/", "_")


def emit_model(model_ir: ModelIR) -> keras.Model:
    """Build the whole model: one input per side, the sub-models, the named outputs.

    Inputs are ``face_in_<side>`` in ``model_ir.sides`` order; outputs carry the names of
    ``model_ir.outputs`` (``face_out_<side>``, ``mask_out_<side>``), in that order, each through
    a float32 ``Identity`` layer of that name. Each sub-model is built once; a shared one is
    called once per side that uses it, so its weights are shared. Top-level concatenations are
    ``Concatenate`` layers named after their node.

    Raises:
        EmitError: the top-level graph is malformed (e.g. not one input per side).
    """
    submodels = {name: emit_submodel(sub) for name, sub in model_ir.submodels.items()}
    values: dict[str, list[Any]] = {}
    inputs: dict[str, Any] = {}

    def value(ref: str) -> Any:
        node, index = split_ref(ref)
        if node not in values:
            raise EmitError(f"{model_ir.name}: value {ref!r} is used before it is computed")
        return values[node][index]

    for node in model_ir.nodes:
        args = [value(ref) for ref in node.inputs]
        if node.kind == "input":
            if node.side in inputs:
                raise EmitError(f"{model_ir.name}: side {node.side!r} has two input nodes")
            inputs[node.side] = keras.Input(shape=node.output_shapes[0],
                                            name=face_in(node.side))
            values[node.name] = [inputs[node.side]]
        elif node.kind == "call":
            if node.submodel not in submodels:
                raise EmitError(f"{model_ir.name}: node {node.name!r} calls unknown sub-model "
                                f"{node.submodel!r}")
            out = submodels[node.submodel](_one_or_list(args))
            values[node.name] = list(out) if isinstance(out, list | tuple) else [out]
        elif node.kind == "concatenate":
            layer = keras.layers.Concatenate(axis=-1, name=_layer_name(node.name))
            values[node.name] = [layer(args)]
        else:
            raise EmitError(f"{model_ir.name}: unknown top-level node kind {node.kind!r}")
    missing = [side for side in model_ir.sides if side not in inputs]
    if missing:
        raise EmitError(f"{model_ir.name}: no input node for side(s) {missing}")
    outputs = [keras.layers.Identity(name=name, dtype="float32")(value(ref))
               for name, ref in model_ir.outputs.items()]
    return keras.Model(inputs=[inputs[side] for side in model_ir.sides], outputs=outputs,
                       name=model_ir.name)
