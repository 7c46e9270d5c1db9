"""The op kinds of the layer IR, one module per family; each defines a tuple ``KINDS``.

* :mod:`~phazer.ir.kinds.base`: :class:`~phazer.ir.kinds.base.OpKind`, ``Backward`` and the
  helpers kinds share;
* :mod:`~phazer.ir.kinds.tensor`: inputs, layout changes, merges, element-wise ops, Dense;
* :mod:`~phazer.ir.kinds.spatial`: convolutions, upscaling, padding, pooling;
* :mod:`~phazer.ir.kinds.norms`: normalizations and AdaIN;
* :mod:`~phazer.ir.kinds.vit`: vision-transformer tokens and attention;
* :mod:`~phazer.ir.kinds.keras_app`: a Keras Applications encoder as one op.

No module registers anything on import: :mod:`phazer.ir.registry` builds ``OP_KINDS`` from
the explicit list of these modules.
"""
