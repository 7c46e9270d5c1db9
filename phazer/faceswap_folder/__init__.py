"""Import a faceswap model folder (``<plugin>.keras`` + ``<plugin>_state.json``) as a model dir.

See ``docs/import-faceswap.md`` ("Import a faceswap model folder").
"""
