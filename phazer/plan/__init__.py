"""The analytic plan: shapes, parameters, FLOPs and memory, with no TensorFlow import."""
