"""Op kinds of the layer IR: how each infers its shape, parameters and FLOPs (no TensorFlow).

Each op kind is registered once with :func:`op_kind`. The Keras emitter keeps a matching
table of layer factories (``phazer/emit``); a conformance test runs every kind against Keras.

FLOP convention (per example, forward): a multiply-add counts 2; a bias add, an activation,
an element-wise add/multiply, a dropout or noise mask counts 1 per output element (a rescale
with an offset 2: a multiply and an add); a normalization counts 5 per element (mean,
variance, subtract, divide, scale-and-shift);
bilinear resizing counts 4 per output element, nearest-neighbour 0; pooling counts one per
input element read; a Dense layer on a sequence of tokens counts once per token; attention
counts its four projections, the two batched matmuls (QK^T and the weighted sum of V), the
1/sqrt(d) scaling of the queries and 3 per softmax score. These are the conventions of
``docs/summary.md``; ``tests/test_flops_profiler.py`` holds them against TensorFlow's profiler.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

Shape = tuple[int, ...]
Attrs = Mapping[str, Any]


class IRShapeError(ValueError):
    """An op cannot be applied to its input shapes (e.g. a reshape that does not divide)."""


@dataclass(frozen=True)
class ParamCount:
    """Trainable and non-trainable parameter counts."""

    trainable: int = 0
    non_trainable: int = 0

    @property
    def total(self) -> int:
        """All parameters."""
        return self.trainable + self.non_trainable

    def __add__(self, other: ParamCount) -> ParamCount:
        return ParamCount(self.trainable + other.trainable,
                          self.non_trainable + other.non_trainable)


InferFn = Callable[[Attrs, tuple[Shape, ...]], Shape]
ParamsFn = Callable[[Attrs, tuple[Shape, ...], Shape], ParamCount]
FlopsFn = Callable[[Attrs, tuple[Shape, ...], Shape], int]


@dataclass(frozen=True)
class Backward:
    """What a training step's backward pass needs of an op (read by the memory estimate).

    Attributes:
        saves_input: its gradient needs its input, kept from the forward pass (convolutions
            and Dense layers for their weight gradient, activations for their derivative,
            normalisations for their statistics, max-pooling for its argmax).
        kernel: it has a kernel the backward pass reads again for its input gradient.
        fuses: how XLA fuses it into its neighbours, so that a tensor it makes is recomputed
            from the start of the fused chain instead of kept: "single" (an element-wise or
            layout op with one input), "all" (also with several inputs: an add), "none".
        view: whether its output is the same buffer as its input: "always" (reshape,
            flatten), "rate_zero" (a dropout at rate 0), "never".
    """

    saves_input: bool = False
    kernel: bool = False
    fuses: Literal["none", "single", "all"] = "none"
    view: Literal["never", "always", "rate_zero"] = "never"


KEEPS_NOTHING = Backward()
FUSED = Backward(fuses="single")
SAVES_INPUT = Backward(saves_input=True)
ACTIVATION = Backward(saves_input=True, fuses="single")
KERNEL = Backward(saves_input=True, kernel=True)
VIEW = Backward(fuses="single", view="always")
DROPOUT = Backward(fuses="single", view="rate_zero")


@dataclass(frozen=True)
class OpKind:
    """An op kind: its attrs, its three inference functions and what its backward needs.

    Its Keras layer is in ``phazer/emit/ops.py`` (the only place that imports Keras); a test
    fails when a kind lacks it.
    """

    name: str
    infer: InferFn
    params: ParamsFn
    flops: FlopsFn
    backward: Backward
    attrs: frozenset[str] = frozenset()


OP_KINDS: dict[str, OpKind] = {}

# The attrs each op kind accepts: the contract between blocks (which set them) and the Keras
# emitter (which reads them). Every kind also accepts ``kernel_initializer`` where it has a
# kernel, and ``dtype`` (e.g. "float32" for an output that must stay float32 under mixed
# precision). Values are plain JSON types.
_KERNEL = frozenset({"kernel_initializer", "dtype"})
OP_ATTRS: dict[str, frozenset[str]] = {
    "input": frozenset({"shape"}),
    "flatten": frozenset(),
    "reshape": frozenset({"target_shape"}),
    "concatenate": frozenset(),
    "add": frozenset(),
    "multiply": frozenset(),
    "leaky_relu": frozenset({"negative_slope"}),
    "activation": frozenset({"function", "dtype"}),   # function: "sigmoid", "relu", ...
    "dropout": frozenset({"rate"}),
    "spatial_dropout": frozenset({"rate"}),
    "gaussian_noise": frozenset({"stddev"}),
    "rescale": frozenset({"scale", "offset"}),        # y = x * scale + offset
    "dense": frozenset({"units", "use_bias"}) | _KERNEL,
    "conv2d": frozenset({"filters", "kernel", "strides", "padding", "use_bias"}) | _KERNEL,
    "conv2d_transpose": frozenset({"filters", "kernel", "strides", "padding", "use_bias"})
    | _KERNEL,
    "pixel_shuffle": frozenset({"scale"}),
    "upsampling2d": frozenset({"size", "interpolation"}),   # "nearest" | "bilinear"
    "resize_images": frozenset({"size", "interpolation"}),
    "reflection_pad": frozenset({"padding"}),
    # faceswap's ReflectionPadding2D: the reflect padding that makes the following 'valid'
    # conv (kernel, strides) give "same" output sizes; see reflect_same_padding()
    "reflection_pad_same": frozenset({"kernel", "strides"}),
    "max_pool2d": frozenset({"pool", "strides", "padding"}),
    "global_avg_pool": frozenset(),
    "global_max_pool": frozenset(),
    "batch_norm": frozenset({"epsilon"}),
    "layer_norm": frozenset({"epsilon"}),
    "rms_norm": frozenset({"epsilon"}),
    "instance_norm": frozenset({"epsilon"}),
    "group_norm": frozenset({"groups", "epsilon"}),
    "adain": frozenset({"epsilon"}),
    # vision transformers (tokens are rank-2 tensors: (tokens, width))
    "class_token": frozenset(),                        # prepend one learned token
    "position_embedding": frozenset(),                 # add a learned (tokens, width) table
    "multi_head_attention": frozenset({"heads", "key_dim"}),   # self-attention, with biases
    "quick_gelu": frozenset(),                         # x * sigmoid(1.702 x)
    "take_token": frozenset({"index"}),                # (tokens, width) -> (width,)
    "keras_app": frozenset({"encoder", "input_size", "width", "depth_multiplier", "dropout",
                            "minimalistic", "imagenet_weights", "weights_file"}),
}


def _no_params(attrs: Attrs, ins: tuple[Shape, ...], out: Shape) -> ParamCount:
    return ParamCount()


def _per_element(cost: int) -> FlopsFn:
    def flops(attrs: Attrs, ins: tuple[Shape, ...], out: Shape) -> int:
        return cost * math.prod(out)
    return flops


_FREE = _per_element(0)


def op_kind(name: str, *, backward: Backward, params: ParamsFn = _no_params,
            flops: FlopsFn = _FREE, attrs: frozenset[str] | None = None
            ) -> Callable[[InferFn], InferFn]:
    """Register an op kind whose decorated function infers the output shape.

    ``backward`` is required: a kind cannot be added without saying what the memory estimate
    must keep for it. ``attrs`` defaults to the kind's entry in :data:`OP_ATTRS` (empty when
    absent).
    """
    attrs = OP_ATTRS.get(name, frozenset()) if attrs is None else attrs
    def decorate(infer: InferFn) -> InferFn:
        if name in OP_KINDS:
            raise ValueError(f"op kind {name!r} registered twice")
        OP_KINDS[name] = OpKind(name, infer, params, flops, backward, attrs)
        return infer
    return decorate


def _single(ins: tuple[Shape, ...], rank: int | None = None) -> Shape:
    if len(ins) != 1:
        raise IRShapeError(f"expects 1 input, got {len(ins)}")
    if rank is not None and len(ins[0]) != rank:
        raise IRShapeError(f"expects a rank-{rank} input, got shape {ins[0]}")
    return ins[0]


def conv_output_size(size: int, kernel: int, stride: int, padding: str) -> int:
    """Spatial output size of a convolution or pooling window."""
    if padding == "same":
        return -(-size // stride)
    out = (size - kernel) // stride + 1
    if out < 1:
        raise IRShapeError(f"a {kernel}x{kernel} 'valid' window does not fit a {size}px input")
    return out


# --- structure --------------------------------------------------------------------------
@op_kind("input", backward=KEEPS_NOTHING)
def _input(attrs: Attrs, ins: tuple[Shape, ...]) -> Shape:
    return tuple(attrs["shape"])


@op_kind("flatten", backward=VIEW)
def _flatten(attrs: Attrs, ins: tuple[Shape, ...]) -> Shape:
    return (math.prod(_single(ins)),)


@op_kind("reshape", backward=VIEW)
def _reshape(attrs: Attrs, ins: tuple[Shape, ...]) -> Shape:
    shape, target = _single(ins), tuple(attrs["target_shape"])
    if math.prod(shape) != math.prod(target):
        raise IRShapeError(f"cannot reshape {shape} ({math.prod(shape)} values) to {target} "
                           f"({math.prod(target)} values)")
    return target


@op_kind("concatenate", backward=KEEPS_NOTHING, flops=_per_element(0))
def _concatenate(attrs: Attrs, ins: tuple[Shape, ...]) -> Shape:
    if len(ins) < 2:
        raise IRShapeError("concatenate needs at least 2 inputs")
    if any(s[:-1] != ins[0][:-1] for s in ins):
        raise IRShapeError(f"cannot concatenate shapes {list(ins)} on the last axis")
    return (*ins[0][:-1], sum(s[-1] for s in ins))


def _same_shapes(ins: tuple[Shape, ...]) -> Shape:
    if len(ins) < 2 or any(s != ins[0] for s in ins):
        raise IRShapeError(f"needs 2+ inputs of one shape, got {list(ins)}")
    return ins[0]


@op_kind("add", backward=Backward(fuses="all"), flops=_per_element(1))
def _add(attrs: Attrs, ins: tuple[Shape, ...]) -> Shape:
    return _same_shapes(ins)


@op_kind("multiply", backward=SAVES_INPUT, flops=_per_element(1))
def _multiply(attrs: Attrs, ins: tuple[Shape, ...]) -> Shape:
    return _same_shapes(ins)


# --- element-wise, parameter-free ---------------------------------------------------------
def _identity(attrs: Attrs, ins: tuple[Shape, ...]) -> Shape:
    return _single(ins)


for _name, _backward in (("leaky_relu", ACTIVATION), ("activation", ACTIVATION),
                         ("dropout", DROPOUT), ("spatial_dropout", DROPOUT),
                         ("gaussian_noise", FUSED)):
    op_kind(_name, backward=_backward, flops=_per_element(1))(_identity)


def _rescale_flops(attrs: Attrs, ins: tuple[Shape, ...], out: Shape) -> int:
    """A multiply per element, and an add when there is an offset (as TF's profiler counts)."""
    return (2 if attrs.get("offset") else 1) * math.prod(out)


op_kind("rescale", backward=FUSED, flops=_rescale_flops)(_identity)


# --- dense and convolutions -----------------------------------------------------------------
def _dense_params(attrs: Attrs, ins: tuple[Shape, ...], out: Shape) -> ParamCount:
    bias = attrs.get("use_bias", True)
    return ParamCount(ins[0][-1] * attrs["units"] + (attrs["units"] if bias else 0))


def _dense_flops(attrs: Attrs, ins: tuple[Shape, ...], out: Shape) -> int:
    bias = attrs.get("use_bias", True)
    per_row = 2 * ins[0][-1] * attrs["units"] + (attrs["units"] if bias else 0)
    return per_row * math.prod(ins[0][:-1])


@op_kind("dense", backward=KERNEL, params=_dense_params, flops=_dense_flops)
def _dense(attrs: Attrs, ins: tuple[Shape, ...]) -> Shape:
    shape = _single(ins)
    return (*shape[:-1], attrs["units"])


def _conv_params(attrs: Attrs, ins: tuple[Shape, ...], out: Shape) -> ParamCount:
    k = attrs["kernel"]
    bias = attrs["filters"] if attrs.get("use_bias", True) else 0
    return ParamCount(k * k * ins[0][-1] * attrs["filters"] + bias)


def _conv_flops(attrs: Attrs, ins: tuple[Shape, ...], out: Shape) -> int:
    k = attrs["kernel"]
    bias = math.prod(out) if attrs.get("use_bias", True) else 0
    return 2 * k * k * ins[0][-1] * math.prod(out) + bias


@op_kind("conv2d", backward=KERNEL, params=_conv_params, flops=_conv_flops)
def _conv2d(attrs: Attrs, ins: tuple[Shape, ...]) -> Shape:
    h, w, _ = _single(ins, 3)
    k, s, pad = attrs["kernel"], attrs.get("strides", 1), attrs.get("padding", "same")
    return (conv_output_size(h, k, s, pad), conv_output_size(w, k, s, pad), attrs["filters"])


def _deconv_flops(attrs: Attrs, ins: tuple[Shape, ...], out: Shape) -> int:
    k = attrs["kernel"]
    bias = math.prod(out) if attrs.get("use_bias", True) else 0
    return 2 * k * k * math.prod(ins[0]) * attrs["filters"] + bias


@op_kind("conv2d_transpose", backward=KERNEL, params=_conv_params, flops=_deconv_flops)
def _conv2d_transpose(attrs: Attrs, ins: tuple[Shape, ...]) -> Shape:
    h, w, _ = _single(ins, 3)
    s = attrs.get("strides", 1)
    if attrs.get("padding", "same") != "same":
        raise IRShapeError("only 'same' padding is supported for transposed convolutions")
    return (h * s, w * s, attrs["filters"])


# --- resampling ----------------------------------------------------------------------------
@op_kind("pixel_shuffle", backward=FUSED)
def _pixel_shuffle(attrs: Attrs, ins: tuple[Shape, ...]) -> Shape:
    h, w, c = _single(ins, 3)
    r = attrs.get("scale", 2)
    if c % (r * r):
        raise IRShapeError(f"pixel shuffle x{r} needs channels divisible by {r * r}, got {c}")
    return (h * r, w * r, c // (r * r))


def _resize_flops(attrs: Attrs, ins: tuple[Shape, ...], out: Shape) -> int:
    return 0 if attrs.get("interpolation", "nearest") == "nearest" else 4 * math.prod(out)


def _upscaled(attrs: Attrs, ins: tuple[Shape, ...]) -> Shape:
    h, w, c = _single(ins, 3)
    size = attrs["size"]
    return (h * size, w * size, c)


op_kind("upsampling2d", backward=FUSED, flops=_resize_flops)(_upscaled)
op_kind("resize_images", backward=FUSED, flops=_resize_flops)(_upscaled)


@op_kind("reflection_pad", backward=FUSED)
def _reflection_pad(attrs: Attrs, ins: tuple[Shape, ...]) -> Shape:
    h, w, c = _single(ins, 3)
    p = attrs["padding"]
    if p >= h or p >= w:
        raise IRShapeError(f"reflection padding {p} needs an input larger than {h}x{w}")
    return (h + 2 * p, w + 2 * p, c)


def reflect_same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """Reflect padding (before, after) that makes a 'valid' window act like 'same' padding.

    The total is ``kernel - stride`` when ``size`` divides by ``stride``, else
    ``kernel - size % stride`` (never negative); the smaller half goes before.
    """
    total = max(kernel - (stride if size % stride == 0 else size % stride), 0)
    return total // 2, total - total // 2


@op_kind("reflection_pad_same", backward=FUSED)
def _reflection_pad_same(attrs: Attrs, ins: tuple[Shape, ...]) -> Shape:
    h, w, c = _single(ins, 3)
    k, s = attrs["kernel"], attrs.get("strides", 1)
    pad_h, pad_w = reflect_same_padding(h, k, s), reflect_same_padding(w, k, s)
    if max(pad_h) >= h or max(pad_w) >= w:
        raise IRShapeError(f"reflect padding {pad_h} for a {k}x{k} stride-{s} conv needs an "
                           f"input larger than {h}x{w}")
    return (h + sum(pad_h), w + sum(pad_w), c)


def _pool_flops(attrs: Attrs, ins: tuple[Shape, ...], out: Shape) -> int:
    return math.prod(ins[0])


@op_kind("max_pool2d", backward=SAVES_INPUT, flops=_pool_flops)
def _max_pool2d(attrs: Attrs, ins: tuple[Shape, ...]) -> Shape:
    h, w, c = _single(ins, 3)
    k, pad = attrs.get("pool", 2), attrs.get("padding", "valid")
    s = attrs.get("strides", k)
    return (conv_output_size(h, k, s, pad), conv_output_size(w, k, s, pad), c)


def _global_pool(attrs: Attrs, ins: tuple[Shape, ...]) -> Shape:
    return (_single(ins, 3)[-1],)


op_kind("global_avg_pool", backward=KEEPS_NOTHING, flops=_pool_flops)(_global_pool)
op_kind("global_max_pool", backward=SAVES_INPUT, flops=_pool_flops)(_global_pool)


# --- normalization -------------------------------------------------------------------------
def _norm_params(per_channel: int, frozen_per_channel: int = 0) -> ParamsFn:
    def params(attrs: Attrs, ins: tuple[Shape, ...], out: Shape) -> ParamCount:
        channels = ins[0][-1]
        return ParamCount(per_channel * channels, frozen_per_channel * channels)
    return params


op_kind("batch_norm", backward=SAVES_INPUT, params=_norm_params(2, 2),
        flops=_per_element(5))(_identity)
op_kind("layer_norm", backward=SAVES_INPUT, params=_norm_params(2),
        flops=_per_element(5))(_identity)
op_kind("rms_norm", backward=SAVES_INPUT, params=_norm_params(1),
        flops=_per_element(4))(_identity)


def _instance_norm_params(attrs: Attrs, ins: tuple[Shape, ...], out: Shape) -> ParamCount:
    # faceswap's InstanceNormalization (axis=None): one scalar gamma and one scalar beta
    return ParamCount(2)


op_kind("instance_norm", backward=SAVES_INPUT, params=_instance_norm_params,
        flops=_per_element(5))(_identity)


@op_kind("group_norm", backward=SAVES_INPUT, params=_norm_params(2), flops=_per_element(5))
def _group_norm(attrs: Attrs, ins: tuple[Shape, ...]) -> Shape:
    shape = _single(ins)
    if shape[-1] % attrs["groups"]:
        raise IRShapeError(f"group norm with {attrs['groups']} groups needs channels "
                           f"divisible by {attrs['groups']}, got {shape[-1]}")
    return shape


@op_kind("adain", backward=SAVES_INPUT, flops=_per_element(7))
def _adain(attrs: Attrs, ins: tuple[Shape, ...]) -> Shape:
    if len(ins) != 3:
        raise IRShapeError(f"AdaIN expects (features, gamma, beta), got {len(ins)} inputs")
    features, gamma, beta = ins
    if gamma[-1] != features[-1] or beta[-1] != features[-1]:
        raise IRShapeError(f"AdaIN style {gamma}/{beta} does not match features {features}")
    return features


# --- vision transformers ---------------------------------------------------------------------
def _tokens(ins: tuple[Shape, ...]) -> Shape:
    shape = _single(ins, 2)
    return shape


def _class_token_params(attrs: Attrs, ins: tuple[Shape, ...], out: Shape) -> ParamCount:
    return ParamCount(ins[0][-1])


@op_kind("class_token", backward=KEEPS_NOTHING, params=_class_token_params)
def _class_token(attrs: Attrs, ins: tuple[Shape, ...]) -> Shape:
    tokens, width = _tokens(ins)
    return (tokens + 1, width)


def _position_params(attrs: Attrs, ins: tuple[Shape, ...], out: Shape) -> ParamCount:
    return ParamCount(math.prod(ins[0]))


@op_kind("position_embedding", backward=FUSED, params=_position_params,
         flops=_per_element(1))
def _position_embedding(attrs: Attrs, ins: tuple[Shape, ...]) -> Shape:
    return _tokens(ins)


def _attention_dims(attrs: Attrs, ins: tuple[Shape, ...]) -> tuple[int, int, int, int]:
    tokens, width = _tokens(ins)
    return tokens, width, attrs["heads"], attrs["key_dim"]


def _attention_params(attrs: Attrs, ins: tuple[Shape, ...], out: Shape) -> ParamCount:
    _, width, heads, key_dim = _attention_dims(attrs, ins)
    inner = heads * key_dim
    return ParamCount(3 * (width * inner + inner) + inner * width + width)


def _attention_flops(attrs: Attrs, ins: tuple[Shape, ...], out: Shape) -> int:
    tokens, width, heads, key_dim = _attention_dims(attrs, ins)
    inner = heads * key_dim
    projections = 3 * tokens * (2 * width * inner + inner) + tokens * (2 * inner * width + width)
    matmuls = 2 * (2 * heads * tokens * tokens * key_dim)
    return projections + matmuls + tokens * inner + 3 * heads * tokens * tokens


@op_kind("multi_head_attention", backward=KERNEL, params=_attention_params,
         flops=_attention_flops)
def _multi_head_attention(attrs: Attrs, ins: tuple[Shape, ...]) -> Shape:
    return _tokens(ins)


op_kind("quick_gelu", backward=ACTIVATION, flops=_per_element(1))(_identity)


@op_kind("take_token", backward=KEEPS_NOTHING)
def _take_token(attrs: Attrs, ins: tuple[Shape, ...]) -> Shape:
    tokens, width = _tokens(ins)
    index = attrs.get("index", 0)
    if not 0 <= index < tokens:
        raise IRShapeError(f"token {index} does not exist in {tokens} tokens")
    return (width,)


def attention_elements(op_attrs: Attrs, in_shape: Shape) -> tuple[int, int]:
    """(per-head score elements heads x tokens^2, projected elements tokens x heads x key_dim).

    Per example: what the memory estimate needs to size attention's intermediate tensors.
    """
    tokens, _, heads, key_dim = _attention_dims(op_attrs, (in_shape,))
    return heads * tokens * tokens, tokens * heads * key_dim
