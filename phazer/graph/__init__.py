"""The routing graph: sub-model instances and the tensors between them (see :mod:`.routing`)."""

from __future__ import annotations

from phazer.graph.routing import (
    DEFAULT_SIDES,
    NODE_KINDS,
    ROLES,
    SUBMODEL_KINDS,
    build_routing_graph,
    check_sides,
    exclusive_submodels,
    face_in,
    face_out,
    graph_sides,
    mask_out,
    output_nodes,
    side_path,
    side_view,
    submodel_names,
    weight_owners,
    weight_roles,
)

__all__ = [
    "DEFAULT_SIDES",
    "NODE_KINDS",
    "ROLES",
    "SUBMODEL_KINDS",
    "build_routing_graph",
    "check_sides",
    "exclusive_submodels",
    "face_in",
    "face_out",
    "graph_sides",
    "mask_out",
    "output_nodes",
    "side_path",
    "side_view",
    "submodel_names",
    "weight_owners",
    "weight_roles",
]
