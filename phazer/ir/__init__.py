"""The layer IR: ops, sub-model graphs and the whole-model graph (no TensorFlow)."""

from phazer.ir.graph import Op, SubModelBuilder, SubModelIR, Tensor
from phazer.ir.model import ModelIR, TopNode
from phazer.ir.ops import OP_KINDS, IRShapeError, ParamCount

__all__ = ["OP_KINDS", "IRShapeError", "ModelIR", "Op", "ParamCount", "SubModelBuilder",
           "SubModelIR", "Tensor", "TopNode"]
