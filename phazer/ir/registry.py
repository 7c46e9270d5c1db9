"""The op-kind registry: ``OP_KINDS`` built from the explicit list of kind families.

Adding an op kind means adding it to a family's ``KINDS`` (or a new family module to
:data:`FAMILIES`), its Keras layer to ``phazer/emit/ops.py`` ``EMITTERS`` and a case to
``tests/test_emit_conformance.py``; that test fails while any of them is missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType, ModuleType

from phazer.ir.kinds import keras_app, norms, spatial, tensor, vit
from phazer.ir.kinds.base import OpKind

# Every family of op kinds, in the order their kinds are listed.
FAMILIES: tuple[ModuleType, ...] = (tensor, spatial, norms, vit, keras_app)


def build_registry(kinds: Iterable[OpKind]) -> Mapping[str, OpKind]:
    """A read-only name -> kind mapping of ``kinds``.

    Raises:
        ValueError: two kinds have one name.
    """
    registry: dict[str, OpKind] = {}
    for kind in kinds:
        if kind.name in registry:
            raise ValueError(f"op kind {kind.name!r} defined twice")
        registry[kind.name] = kind
    return MappingProxyType(registry)


def family_kinds(families: Iterable[ModuleType] = FAMILIES) -> tuple[OpKind, ...]:
    """The ``KINDS`` of every family module, in order."""
    return tuple(kind for family in families for kind in family.KINDS)


OP_KINDS: Mapping[str, OpKind] = build_registry(family_kinds())

# The attrs each op kind accepts (see OpKind.attrs): the contract between the blocks and the
# Keras emitter.
OP_ATTRS: Mapping[str, frozenset[str]] = MappingProxyType(
    {name: kind.attrs for name, kind in OP_KINDS.items()})
