"""Lay out a spec's routes as the whole-model IR: each sub-model built once, called per side.

Each sub-model is built once, on the shape of the first tensor a route gives it
(:func:`phazer.blocks.sequence.build_sequence`); every later call must give it the same shape.
Per side, the route's steps become top-level calls, joins become top-level concatenations, and
the last step's outputs are the side's: its last face output is ``face_out_<side>``, earlier
face outputs (a multiscale decoder's) ``face_out_<side>_<size>`` and a mask output
``mask_out_<side>``. What cannot be built is returned as issues, never raised.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from phazer.blocks.context import BuildContext, CannotBuild, ResolvedSizes
from phazer.blocks.conv import ConvSettings
from phazer.blocks.phaze_a_block import PhazeABlockMisfit, build_phaze_a_block
from phazer.blocks.sequence import BlockMisfit, BlockNames, SequenceError, build_sequence
from phazer.ir.graph import SubModelIR, depth_to_outputs
from phazer.ir.model import ModelIR, TopNode, value_ref
from phazer.ir.ops import IRShapeError, Shape
from phazer.issues import (
    BUILD_FAILED,
    GRAPH_OUTPUTS,
    GRAPH_SHAPE_MISMATCH,
    OUTPUT_UNREACHABLE,
    Issue,
)
from phazer.sides import face_in, face_out, mask_out, scaled_face_out
from phazer.spec.graph_form import GraphSpec, PhazeABlock
from phazer.spec.routes import Step, parse_route


@dataclass
class _Build:
    spec: GraphSpec
    names: BlockNames = field(default_factory=BlockNames)
    submodels: dict[str, SubModelIR] = field(default_factory=dict)
    nodes: list[TopNode] = field(default_factory=list)
    calls: dict[str, int] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    context: BuildContext | None = None   # the Phaze-A blocks', made on first use
    said: int = 0                         # how many of its issues are in ``issues``
    failed: set[str] = field(default_factory=set)   # sub-models that could not be built

    def submodel(self, name: str, shape: Shape, side: str,
                 style: Shape | None = None) -> SubModelIR | None:
        sub = self.submodels.get(name)
        if name in self.failed:   # said once, at its first use
            return None
        if sub is None:
            sub = self._build(name, shape, side, style)
            if sub is None:
                self.failed.add(name)
            else:
                self.submodels[name] = sub
        elif sub.input_shapes[0] != tuple(shape):
            self.issues.append(Issue(
                GRAPH_SHAPE_MISMATCH, "error", f"routes.{side}",
                f"side {side} gives {name} a {_text(shape)} tensor on its route "
                f"({self.spec.routes[side]}), but {name} was built for "
                f"{_text(sub.input_shapes[0])} (its first use): a shared sub-model takes one "
                "shape", "give every side that shares it the same input size, or split it"))
            return None
        return sub

    def _build(self, name: str, shape: Shape, side: str,
               style: Shape | None) -> SubModelIR | None:
        model = self.spec.models[name]
        try:
            if isinstance(model, PhazeABlock):
                return self._phaze_a(model.phaze_a, name, shape, style)
            return build_sequence(name, model, shape, self.names,
                                  ConvSettings.from_spec(self.spec.convolutions))
        except IRShapeError as exc:   # a Phaze-A block's checks should have caught it: a bug
            self.issues.append(Issue(
                BUILD_FAILED, "error", f"models.{name}", f"shape error in {name}: {exc}",
                "this spec passed validation but cannot be built; please report it with "
                "the spec attached"))
        except BlockMisfit as exc:
            self.issues.append(Issue(
                GRAPH_SHAPE_MISMATCH, "error", f"models.{name}.{exc.index}",
                f"{name}'s block {exc.index} ({exc.kind}) does not fit: {exc} (the block is "
                f"given {_text(exc.given)}; on the route of side {side}: "
                f"{self.spec.routes[side]}, where {name} gets {_text(shape)})",
                "change this block or the ones before it so that the shapes meet"
                + (", or set convolutions.reflect_padding: false" if "reflect" in str(exc)
                   else "")))
        except PhazeABlockMisfit as exc:
            self.issues.append(Issue(
                GRAPH_SHAPE_MISMATCH, "error", f"models.{name}",
                f"{name} cannot take the {_text(shape)} tensor the route of side {side} "
                f"gives it ({self.spec.routes[side]}): {exc}", "change the blocks or the route"))
        except SequenceError as exc:
            self.issues.append(Issue(GRAPH_OUTPUTS, "error", f"models.{name}",
                                     f"{name}: {exc}", "see docs/graphs.md (outputs)"))
        except CannotBuild:
            pass
        finally:
            if self.context is not None:   # what the Phaze-A builders said, once
                self.issues.extend(replace(i, path=f"phaze_a.{i.path}".rstrip("."))
                                   for i in self.context.issues[self.said:])
                self.said = len(self.context.issues)
        return None

    def _phaze_a(self, kind: str, name: str, shape: Shape, style: Shape | None) -> SubModelIR:
        if self.context is None:
            self.context = BuildContext(self.spec.model_spec())
        return build_phaze_a_block(kind, name, self.context, shape, style)

    def call(self, sub: SubModelIR, side: str, *sources: str) -> str:
        name = f"{sub.name}@{side}"
        count = self.calls.get(name, 0)   # a side calling it again: name@side:1, ...
        self.calls[name] = count + 1
        name += f":{count}" if count else ""
        self.nodes.append(TopNode(name, "call", side, sources, sub.output_shapes, sub.name))
        return name


def _text(shape: Shape) -> str:
    return "x".join(str(d) for d in shape)


def _shape_of(build: _Build, ref: str) -> Shape:
    node = next(n for n in build.nodes if n.name == ref)
    return node.output_shapes[0]


def _route(build: _Build, side: str, steps: tuple[Step, ...]) -> str | None:
    """Lay out one side's calls and joins; the name of the node that ends the route."""
    current = face_in(side)
    encoding = None   # the first step's output: what a `with` conditioning is called on
    for step in steps:
        shape = _shape_of(build, current)
        outputs = []
        style = None
        if step.style is not None:
            sub = build.submodel(step.style, _shape_of(build, encoding), side)
            if sub is None:
                return None
            style = build.call(sub, side, encoding)
        for name in step.models:
            sub = build.submodel(name, shape, side,
                                 _shape_of(build, style) if style is not None else None)
            if sub is None:
                return None
            outputs.append(build.call(sub, side, current, *([style] if style else [])))
        if step.join is None:
            current = outputs[0]
            encoding = encoding or current
            continue
        shapes = [_shape_of(build, ref) for ref in outputs]
        if len({s[:-1] for s in shapes}) != 1:
            build.issues.append(Issue(
                GRAPH_SHAPE_MISMATCH, "error", f"routes.{side}",
                f"concat({', '.join(step.models)}) on side {side} joins "
                f"{', '.join(_text(s) for s in shapes)}: all but the channels must agree",
                "make the joined sub-models output the same height and width"))
            return None
        joined = (*shapes[0][:-1], sum(s[-1] for s in shapes))
        name = f"concat_{side}" + (f"_{len(build.nodes)}" if any(
            n.name == f"concat_{side}" for n in build.nodes) else "")
        build.nodes.append(TopNode(name, "concatenate", side, tuple(outputs), (joined,)))
        current = name
        encoding = encoding or current
    return current


def _side_outputs(build: _Build, side: str, last: str) -> dict[str, str]:
    """Name the outputs of the node that ends a side's route (see the module docstring)."""
    node = next(n for n in build.nodes if n.name == last)
    roles = build.spec.output_roles(node.submodel) if node.submodel else ("features",)
    faces = [i for i, role in enumerate(roles) if role != "mask"]
    names: dict[str, str] = {}
    for i, role in enumerate(roles):
        shape = node.output_shapes[i]
        if role == "mask":
            names[mask_out(side)] = value_ref(last, i)
        elif i == faces[-1]:
            names[face_out(side)] = value_ref(last, i)
        else:
            names[scaled_face_out(side, shape[0])] = value_ref(last, i)
    face = node.output_shapes[faces[-1]]
    if len(face) != 3 or face[-1] != 3:
        build.issues.append(Issue(
            OUTPUT_UNREACHABLE, "error", f"routes.{side}",
            f"the route of side {side} ends at {node.submodel or 'a join'}, which outputs a "
            f"{_text(face)} tensor, not a face (height x width x 3)",
            "end the route with a decoder whose last output is `- output: 3`"))
    wanted = build.spec.sides[side].output
    if wanted is not None and tuple(face[:2]) != (wanted, wanted):
        build.issues.append(Issue(
            GRAPH_SHAPE_MISMATCH, "error", f"sides.{side}.output",
            f"side {side} asks for {wanted}x{wanted} faces, but its route draws "
            f"{_text(face)}", f"set sides.{side}.output to {face[0]}, or change the decoder"))
    return names


def _keras_order(build: _Build) -> dict[str, SubModelIR]:
    """The sub-models in the order Keras lists a functional model's layers.

    Deepest first (:func:`phazer.ir.graph.depth_to_outputs`), ties in the order they were
    first called.
    """
    depth = depth_to_outputs([(node.name, node.inputs) for node in build.nodes])
    first = {n.submodel: i for i, n in reversed(list(enumerate(build.nodes))) if n.submodel}
    deepest: dict[str, int] = {}
    for node in build.nodes:
        if node.submodel:
            deepest[node.submodel] = max(deepest.get(node.submodel, 0), depth.get(node.name, 0))
    order = sorted(build.submodels, key=lambda n: (-deepest[n], first[n]))
    return {n: build.submodels[n] for n in order}


def build_routes(spec: GraphSpec, name: str) -> tuple[ModelIR | None, list[Issue], ResolvedSizes]:
    """Build every sub-model once and lay out each side's route; never raises.

    Returns:
        The model IR (None when something cannot be built), what the builders said (errors
        and infos) and the sizes the Phaze-A blocks recorded.
    """
    build = _Build(spec)
    for side, side_spec in spec.sides.items():
        size = side_spec.input
        build.nodes.append(TopNode(face_in(side), "input", side, (), ((size, size, 3),)))
    outputs: dict[str, str] = {}
    for side in spec.sides:
        last = _route(build, side, parse_route(spec.routes[side]))
        if last is not None:
            outputs.update(_side_outputs(build, side, last))
    sizes = build.context.sizes if build.context is not None else ResolvedSizes()
    if any(issue.severity == "error" for issue in build.issues):
        return None, build.issues, sizes
    model = ModelIR(name, tuple(spec.sides), _keras_order(build), tuple(build.nodes),
                    outputs)
    return model, build.issues, sizes
