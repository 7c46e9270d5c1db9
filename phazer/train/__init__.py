"""Training, swapping and the demo: everything that runs a compiled model (TensorFlow).

Modules, each small and importable on its own:

- :mod:`phazer.train.losses`: the image losses of :mod:`phazer.catalog.losses` and the
  weighted per-output loss of a spec's ``training`` section;
- :mod:`phazer.train.optimizers`: the Keras optimizer of a spec, with autoclip and loss scaling;
- :mod:`phazer.train.modeldir`: the model dir's layout, ``state.json`` and the resolved spec;
- :mod:`phazer.train.journal`: atomic, journaled saves of a set of files (no TensorFlow);
- :mod:`phazer.train.checkpoint`: the weights and optimizer-state files of a save;
- :mod:`phazer.train.build`: the Keras model of a spec, with freezing and weight loading;
- :mod:`phazer.train.step`: the compiled train step (XLA choice, ``tf.distribute``);
- :mod:`phazer.train.distribution`: where a session trains (strategy, devices, ``TF_CONFIG``,
  the chief, the batch per replica; no TensorFlow); :mod:`phazer.train.distribute`: the
  ``tf.distribute`` strategy, devices, data and gradient reduction;
- :mod:`phazer.train.loop`: the training loop (saves, backups, snapshots, NaN stop, Ctrl-C);
- :mod:`phazer.train.stopping`: stop requests (Ctrl-C, a time limit) and the NaN error;
- :mod:`phazer.train.previews`: the preview image; :mod:`phazer.train.progress`: the bar and
  TensorBoard logs;
- :mod:`phazer.train.session`: ``phazer train`` as a library call (data, resume rules);
- :mod:`phazer.train.swap`: ``phazer swap``; :mod:`phazer.train.demo`: ``phazer demo``;
- :mod:`phazer.train.transfer` and :mod:`phazer.train.transfer_report`: ``phazer transfer``;
  :mod:`phazer.train.export`, :mod:`phazer.train.export_formats` and
  :mod:`phazer.train.plain_keras`: ``phazer export``;
  :mod:`phazer.train.transfer_checks`: their checks before TensorFlow.
"""
