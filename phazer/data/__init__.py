"""Training data: face folders, the ``tf.data`` pipeline, synthetic faces, swap quality.

The modules are imported one by one, so the TensorFlow-free ones stay light:

- :mod:`phazer.data.folders` (no TensorFlow): scan a folder of aligned faces, skip bad files;
- :mod:`phazer.data.pipeline` and :mod:`phazer.data.augment` (TensorFlow): the training batches;
- :mod:`phazer.data.synthetic` (numpy): procedural faces of any number of identities;
- :mod:`phazer.data.quality` (numpy): MAE / SSIM of a swap against the ground truth.
"""
