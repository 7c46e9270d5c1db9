"""An op attr's default is declared once, on its kind; the IR and the Keras emitter read it."""

from __future__ import annotations

import pytest

from phazer.ir.graph import SubModelBuilder
from phazer.ir.kinds.base import KEEPS_NOTHING, SameAs, identity
from phazer.ir.ops import OP_KINDS, op_kind


def test_a_default_names_a_declared_attr() -> None:
    with pytest.raises(TypeError, match="undeclared"):
        op_kind("scratch", identity, backward=KEEPS_NOTHING, attrs={"a"}, defaults={"b": 1})
    with pytest.raises(TypeError, match="undeclared"):
        op_kind("scratch", identity, backward=KEEPS_NOTHING, attrs={"a"},
                defaults={"a": SameAs("b")})


def test_kinds_resolve_their_defaults() -> None:
    assert OP_KINDS["avg_pool2d"].resolve({"pool": 3}) == {
        "pool": 3, "strides": 3, "padding": "valid"}
    assert OP_KINDS["conv2d"].resolve({"filters": 4, "kernel": 3, "strides": None}) == {
        "filters": 4, "kernel": 3, "strides": 1, "padding": "same", "use_bias": True,
        "kernel_initializer": "glorot_uniform"}


@pytest.mark.keras
def test_the_emitter_builds_unset_attrs_with_the_kinds_defaults() -> None:
    pytest.importorskip("keras")
    from phazer.emit.ops import build_layer

    b = SubModelBuilder("net")
    x = b.add("conv2d", b.input((8, 8, 3)), name="conv", filters=4, kernel=3)
    b.add("avg_pool2d", x, name="pool", pool=4)
    ops = {op.name: op for op in b.build(x).ops}
    conv = build_layer(ops["conv"])
    assert (conv.strides, conv.padding, conv.use_bias) == ((1, 1), "same", True)
    assert type(conv.kernel_initializer).__name__ == "GlorotUniform"
    assert ops["conv"].shape == (8, 8, 4) and ops["conv"].params.total == 3 * 3 * 3 * 4 + 4
    pool = build_layer(ops["pool"])
    assert (pool.pool_size, pool.strides, pool.padding) == ((4, 4), (4, 4), "valid")
    assert ops["pool"].shape == (2, 2, 4)
