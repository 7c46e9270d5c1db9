"""The liveness walk behind the memory estimate: what one training step keeps, op by op.

A training step runs every sub-model call forward (side A and side B), then the backward pass
in reverse. This module reads the layer IR and lists, per call and per op, the quantities the
estimate needs, counted in *elements per example* (one face per side; the estimate multiplies
by the batch size and the bytes per element):

* **saved**: the tensors the backward pass needs, each charged to the first op that needs it
  (it is freed once the backward pass is past that op). An op needs its input when its
  gradient depends on it: a convolution or Dense layer for its weight gradient, an activation
  for its derivative, a normalisation for its statistics, a max-pool for its argmax.
  Element-wise ops that XLA fuses into their neighbours (pixel shuffle, reshape, add, noise,
  concatenation) keep nothing; views (reshape, flatten, dropout at rate 0) are the tensor they
  view. The model inputs are the batch, counted apart.
* **weights**: the op's trainable weights, and whether its input gradient is computed
  (which decides its working copies, :mod:`phazer.plan.memory_copies`).
* **transient** and **forward**: what lives only while the op's backward (its output and
  input gradients) or forward (its output, its inputs) runs, with the temporaries of XLA:CPU's
  lowering (:func:`lowering_costs`).

A Keras Applications encoder is one op here; what its own layers keep and handle comes from
the generated table, which walked those layers with these same rules (:func:`inner_costs`).

Nothing here imports TensorFlow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from phazer.ir.graph import Op
from phazer.ir.kinds.keras_app import keras_app_memory
from phazer.ir.model import ModelIR, TopNode, split_ref
from phazer.ir.ops import OP_KINDS, Backward, attention_elements


def backward_of(op: Op) -> Backward:
    """What the backward pass needs of an op (declared with its kind, :class:`Backward`)."""
    return OP_KINDS[op.kind].backward


def has_kernel(kind: str) -> bool:
    """Whether ops of this kind have a kernel the backward pass reads again."""
    return OP_KINDS[kind].backward.kernel


@dataclass(frozen=True)
class OpStep:
    """One op of one call, as the backward pass meets it (elements per example).

    Attributes:
        name: the op's layer name.
        kind: the op kind.
        saved: elements of the saved tensors charged to this op (freed after its backward),
            in the layout the forward pass made them.
        saved_wgrad: elements of the weight-gradient inputs charged to this op that are kept
            in the weight gradient's layout (see ``layouts`` in :func:`call_steps`).
        weights: trainable weight elements of the op.
        input_grad: the gradient of the op's input is computed (false for ops that only see
            the batch, such as the encoder's first convolution).
        transient: elements of the output and input gradients while its backward runs.
        forward: elements alive only while its forward runs (its output, and the
            temporaries of its lowering; see :func:`lowering_costs`).
        on_tokens: the op reads a sequence of tokens (a rank-2 input per example: the
            Dense and attention layers of a vision transformer).
    """

    name: str
    kind: str
    saved: int
    saved_wgrad: int
    weights: int
    input_grad: bool
    transient: int
    forward: int
    on_tokens: bool = False


@dataclass(frozen=True)
class CallSteps:
    """One sub-model call: the side, the sub-model, its ops in forward order."""

    node: str
    side: str
    submodel: str
    steps: tuple[OpStep, ...]

    @property
    def saved(self) -> int:
        """Elements this call keeps for the backward pass."""
        return sum(s.saved + s.saved_wgrad for s in self.steps)


def _is_view(op: Op) -> bool:
    view = backward_of(op).view
    return view == "always" or (view == "rate_zero" and not op.attr("rate", 0.0))


def lowering_costs(op: Op, cpu: bool) -> tuple[int, int, int]:
    """Extra kept elements, forward and backward temporaries of an op's XLA:CPU lowering.

    Elements per example.

    * A bilinear resize by a factor f is lowered to a (2f-1) x (2f-1) interpolation,
      computed on CPU over a patch tensor of (2f-1)^2 values per output element, alive while
      the op runs (forward), and again while its gradient runs (backward). Its gradient is a
      scatter-add into a zero buffer of the input's shape, made with the forward op and kept
      until the backward.
    * A max-pool's gradient is a scatter too: the forward pass keeps a zero buffer of the
      pool's input shape, its output in the scatter's layout and, per output element, the
      int32 coordinates of the window's maximum (4 values, one per axis).
    """
    if not cpu:
        return 0, 0, 0
    if op.kind in ("upsampling2d", "resize_images") and op.attr("interpolation") == "bilinear":
        patches = (2 * op.attr("size", 2) - 1) ** 2 * math.prod(op.shape)
        return math.prod(op.input_shapes[0]), patches, patches
    if op.kind == "max_pool2d":
        return math.prod(op.input_shapes[0]) + 5 * math.prod(op.shape), 0, 0
    return 0, 0, 0


def inner_costs(op: Op, layouts: bool) -> tuple[int, int, int, int]:
    """(kept as made, kept in weight-gradient layout, backward, forward) inside an op.

    Elements per example. A Keras Applications encoder (``keras_app``) has an inside: its
    layers keep tensors for the backward pass and handle their own temporaries, as tabulated
    by the generator (walked with this module's rules, layer by layer). Attention has one too
    (:func:`attention_costs`). Zero for every other op, and for a Keras model the table has
    no figures for.
    """
    if op.kind == "multi_head_attention":
        return attention_costs(op)
    memory = keras_app_memory(op.attrs, op.input_shapes) if op.kind == "keras_app" else None
    if memory is None:
        return 0, 0, 0, 0
    if layouts:
        return memory.saved_cpu, memory.saved_cpu_wgrad, memory.transient, memory.forward
    return memory.saved, 0, memory.transient, memory.forward


def attention_costs(op: Op) -> tuple[int, int, int, int]:
    """(kept, kept in weight-gradient layout, backward, forward) inside self-attention.

    The backward pass needs the projected queries, keys and values (for the two matmuls'
    gradients), the softmax probabilities (heads x tokens^2 per example: the score tensors
    that make attention's memory grow with the square of the token count) and the weighted
    sum of the values (the output projection's weight gradient). While the forward pass runs,
    the raw scores and the probabilities are alive together; while the backward pass runs,
    the gradients of the probabilities and of the scores, and of Q, K and V.
    """
    scores, projected = attention_elements(op.attrs, op.input_shapes[0])
    kept = 3 * projected + scores + projected
    return kept, 0, 2 * scores + 3 * projected, 2 * scores + 3 * projected


def _consumers(ops: tuple[Op, ...], outputs: tuple[str, ...]) -> dict[str, int]:
    count = dict.fromkeys(outputs, 1)
    for op in ops:
        for name in op.inputs:
            count[name] = count.get(name, 0) + 1
    return count


@dataclass
class _Call:
    """The walk through one call of a sub-model (the state :func:`call_steps` threads)."""

    model: ModelIR
    node: TopNode
    layouts: bool
    graded: set[str]
    charged: set[tuple]

    def __post_init__(self) -> None:
        sub = self.model.submodels[self.node.submodel or ""]
        self.sub = sub
        self.ops = {op.name: op for op in sub.ops}
        self.used = _consumers(sub.ops, sub.outputs)
        self.root: dict[str, tuple[str, str]] = {}    # op -> the tensor its output is
        self.chain: dict[str, frozenset[str]] = {}    # op -> what its output is redone from
        self.needs_grad: dict[str, bool] = {}
        for index, name in enumerate(sub.inputs):
            ref = self.node.inputs[index]
            self.root[name] = ("top", ref)
            self.chain[name] = frozenset({name})
            self.needs_grad[name] = ref in self.graded

    def _redone_from(self, name: str) -> frozenset[str]:
        """What a tensor is recomputed from (itself when several ops read it)."""
        return self.chain[name] if self.used.get(name, 0) == 1 else frozenset({name})

    def _is_batch(self, tensor: tuple[str, str]) -> bool:
        return tensor[0] == "top" and self.model.node(split_ref(tensor[1])[0]).kind == "input"

    def _saved(self, op: Op) -> tuple[int, int]:
        """(as made, in the weight gradient's layout) elements newly kept for ``op``."""
        saved = [0, 0]
        if not backward_of(op).saves_input:
            return 0, 0
        weight_grad = backward_of(op).kernel
        for i in op.inputs:
            wanted = [(i, self.layouts)] if weight_grad else [
                (source, False) for source in sorted(self._redone_from(i))]
            for source, transposed in wanted:
                tensor = self.root[source]
                if not transposed and self._is_batch(tensor):
                    continue  # the batch itself (a transposed copy of it is kept, though)
                if (tensor, transposed) not in self.charged:
                    self.charged.add((tensor, transposed))
                    saved[transposed] += math.prod(self.ops[source].shape)
        return saved[0], saved[1]

    def steps(self) -> CallSteps:
        """The call's ops as the walk sees them; marks its outputs as carrying gradients."""
        steps = []
        for op in self.sub.ops:
            if op.kind == "input":
                continue
            in_grad = any(self.needs_grad[i] for i in op.inputs)
            self.needs_grad[op.name] = in_grad or op.params.trainable > 0
            self.root[op.name] = (self.root[op.inputs[0]] if _is_view(op)
                                  else (self.node.name, op.name))
            fuses = backward_of(op).fuses
            fused = fuses == "all" or (fuses == "single" and len(op.inputs) == 1)
            self.chain[op.name] = (frozenset().union(*map(self._redone_from, op.inputs))
                                   if fused else frozenset({op.name}))
            saved, saved_wgrad = self._saved(op)
            extra, forward, backward = lowering_costs(op, self.layouts)
            inner_saved, inner_wgrad, inner_backward, inner_forward = inner_costs(
                op, self.layouts)
            out = math.prod(op.shape)
            inputs = sum(math.prod(self.ops[i].shape) for i in op.inputs)
            steps.append(OpStep(op.name, op.kind, saved + extra + inner_saved,
                                saved_wgrad + inner_wgrad, op.params.trainable, in_grad,
                                max(out + (inputs if in_grad else 0) + backward,
                                    inner_backward),
                                max(out + inputs + forward, inner_forward),
                                len(op.input_shapes[0]) == 2))
        if any(self.needs_grad[name] for name in self.sub.outputs):
            for index, _ in enumerate(self.sub.outputs):
                self.graded.add(f"{self.node.name}#{index}" if index else self.node.name)
        return CallSteps(self.node.name, self.node.side, self.sub.name, tuple(steps))


def call_steps(model: ModelIR, layouts: bool = False) -> list[CallSteps]:
    """Every sub-model call of the model, in forward order, with its per-op figures.

    Args:
        model: the model IR.
        layouts: XLA:CPU keeps the input of a convolution's weight gradient channels-first,
            a copy apart from the tensor as the forward pass made it; count the two apart.
    """
    graded: set[str] = set()     # top-level values that carry a gradient
    charged: set[tuple] = set()  # kept tensors already counted
    calls = []
    for node in model.nodes:
        if node.kind == "concatenate" and any(r in graded for r in node.inputs):
            graded.add(node.name)
        elif node.kind == "call" and node.submodel is not None:
            calls.append(_Call(model, node, layouts, graded, charged).steps())
    return calls


def stage_groups(calls: list[CallSteps]) -> list[list[CallSteps]]:
    """The calls grouped by stage: the i-th call of every side runs in lockstep.

    XLA schedules the two sides' backward passes together (both sides' gradients of a shared
    weight are computed next to each other and summed), so the walk treats the i-th call of
    each side as one stage.
    """
    per_side: dict[str, list[CallSteps]] = {}
    for call in calls:
        per_side.setdefault(call.side, []).append(call)
    depth = max(len(v) for v in per_side.values())
    return [[side_calls[i] for side_calls in per_side.values() if i < len(side_calls)]
            for i in range(depth)]
