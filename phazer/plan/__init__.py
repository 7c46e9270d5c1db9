"""The analytic plan: shapes, parameters, FLOPs (and later memory), with no TensorFlow import."""
