"""The routing graph: sub-model instances and the tensors between them (see :mod:`.routing`)."""

from __future__ import annotations

from phazer.graph.graph_form import routing_graph
from phazer.graph.routing import (
    NODE_KINDS,
    ROLES,
    SUBMODEL_KINDS,
    exclusive_submodels,
    graph_sides,
    output_nodes,
    routing_words,
    side_path,
    side_view,
    submodel_names,
    weight_owners,
    weight_roles,
)
from phazer.sides import DEFAULT_SIDES, face_in, face_out, mask_out

__all__ = [
    "DEFAULT_SIDES",
    "NODE_KINDS",
    "ROLES",
    "SUBMODEL_KINDS",
    "exclusive_submodels",
    "face_in",
    "face_out",
    "graph_sides",
    "mask_out",
    "output_nodes",
    "routing_graph",
    "routing_words",
    "side_path",
    "side_view",
    "submodel_names",
    "weight_owners",
    "weight_roles",
]
