"""Make ``faceswap-builds.json``: what faceswap's own Phaze-A code builds for the configurations
at the edge of what it accepts (issue 28: every configuration faceswap builds, phazer builds).

Not part of phazer and not run by the tests: it imports faceswap's unmodified
``plugins/train/model/phaze_a.py`` (and the ``lib`` it uses) from a git export of faceswap,
under Keras 3 with the TensorFlow backend. faceswap's training base class and ``torch`` are
replaced by empty stand-ins, as the model's build touches neither: each case sets faceswap's
config items (``[model.phaze_a]``, ``[global.loss] learn_mask`` and the ``[global]``
switches), calls ``Model.build_model`` on two inputs of ``_get_input_shape()``, and records
every sub-model's ``count_params()``, or the exception faceswap's build raised; a model that
builds is then run once on a random face, and a failure there is recorded too.

    python tests/data/phaze-a/make_faceswap_builds.py FACESWAP_GIT_DIR [OUT.json]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import types
from pathlib import Path
from typing import Any

BASE: dict[str, Any] = {
    "output_size": 64, "split_fc": True, "enable_gblock": False, "split_decoders": False,
    "enc_scaling": 7, "enc_load_weights": False, "fs_original_depth": 3,
    "fs_original_min_filters": 16, "fs_original_max_filters": 32, "bottleneck_size": 128,
    "fc_depth": 1, "fc_min_filters": 32, "fc_max_filters": 32, "fc_dimensions": 4,
    "fc_upsamples": 1, "fc_upsampler": "upsample2d", "dec_min_filters": 16,
    "dec_max_filters": 64, "dec_res_blocks": 1}
"""Every case's ``[model.phaze_a]`` starts from these (faceswap's defaults for the rest)."""

CASES: dict[str, dict[str, Any]] = {
    "base": {},
    "upscales_in_fc_all": {"dec_upscales_in_fc": 3},
    "upscales_in_fc_beyond": {"dec_upscales_in_fc": 4},
    "upscales_in_fc_6": {"dec_upscales_in_fc": 6},
    "upscales_in_fc_beyond_hybrid_res": {"dec_upscales_in_fc": 6,
                                         "dec_upscale_method": "upscale_hybrid",
                                         "dec_res_blocks": 2},
    "no_upscale_dny": {"fc_dimensions": 8, "fc_upsamples": 3,
                       "dec_upscale_method": "upscale_dny"},
    "no_upscale_dny_in_fc": {"fc_dimensions": 8, "fc_upsamples": 3,
                             "dec_upscale_method": "upscale_dny", "dec_upscales_in_fc": 1},
    "no_upscale_retile_in_fc": {"output_size": 80, "fc_dimensions": 10, "fc_upsamples": 3,
                                "fc_min_filters": 100, "fc_max_filters": 100,
                                "dec_upscales_in_fc": 2},
    "fc_larger_than_output": {"fc_dimensions": 16, "fc_upsamples": 3},
    "fc_larger_than_output_in_fc": {"fc_dimensions": 16, "fc_upsamples": 3,
                                    "dec_upscale_method": "upscale_dny",
                                    "dec_upscales_in_fc": 1},
    "fc_larger_rescaled": {"fc_dimensions": 12, "fc_upsamples": 3, "fc_min_filters": 1024,
                           "fc_max_filters": 1024},
    "encoder_to_1x1": {"enc_scaling": 0, "fs_original_depth": 7,
                       "fs_original_min_filters": 4, "fs_original_max_filters": 8},
    "encoder_to_1x1_depth_10": {"enc_scaling": 0, "fs_original_depth": 10,
                                "fs_original_min_filters": 4, "fs_original_max_filters": 8},
    "alt_encoder_too_deep": {"enc_scaling": 0, "fs_original_depth": 5,
                             "fs_original_use_alt": True},
    "reflect_encoder_2px": {"enc_scaling": 0, "fs_original_depth": 5,
                            "global": {"reflect_padding": True}},
    "reflect_encoder_3px": {"enc_scaling": 0, "fs_original_depth": 4,
                            "global": {"reflect_padding": True}},
    "widths_of_one": {"fs_original_min_filters": 1, "fs_original_max_filters": 1,
                      "bottleneck_size": 1, "fc_min_filters": 1, "fc_max_filters": 1,
                      "fc_dimensions": 8, "dec_min_filters": 1, "dec_max_filters": 1,
                      "dec_slope_mode": "cap_min", "dec_filter_slope": 0.5,
                      "dec_res_blocks": 0},
    "small_widths": {"bottleneck_size": 5, "fc_depth": 2, "fc_min_filters": 3,
                     "fc_max_filters": 8},
    "gblock_small_nodes": {"enable_gblock": True, "fc_gblock_depth": 2,
                           "fc_gblock_min_nodes": 8, "fc_gblock_max_nodes": 16},
    "decoder_min_above_gui": {"dec_min_filters": 600, "dec_max_filters": 300},
    "zero_decoder_filters": {"dec_min_filters": 4, "dec_max_filters": 64},
    "zero_fc_nodes": {"fc_depth": 2, "fc_min_filters": 1, "fc_max_filters": 32,
                      "fc_dimensions": 2},
    "zero_gblock_nodes": {"enable_gblock": True, "fc_gblock_depth": 2,
                          "fc_gblock_min_nodes": 4, "fc_gblock_max_nodes": 64},
    "readme_fc_filters_zero": {"output_size": 96, "fc_min_filters": 32, "fc_max_filters": 32},
    "learn_mask": {"learn_mask": True},
    "learn_mask_upscales_in_fc": {"learn_mask": True, "dec_upscales_in_fc": 1},
    "every_weight_shared": {"split_fc": False, "split_decoders": False},
    "fc_depth_1_min_below_max": {"fc_min_filters": 16, "fc_max_filters": 32},
}
"""Each case: its changes to :data:`BASE`; ``learn_mask`` and ``global`` go to faceswap's
``[global.loss]`` and ``[global]`` sections."""


class _Anything(types.ModuleType):
    """A stand-in module: every attribute is another stand-in (``torch`` is never used here)."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return _Anything(name)


def _import_faceswap(root: Path) -> tuple[Any, Any, Any]:
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    sys.path.insert(0, str(root))
    for name in ("torch", "torch.nn", "torch.nn.functional"):
        sys.modules[name] = _Anything(name)
    import plugins.train.model  # noqa: F401  (the package, before its _base is replaced)

    base = types.ModuleType("plugins.train.model._base")
    base.ModelBase = type("ModelBase", (), {})  # type: ignore[attr-defined]
    base.get_all_sub_models = lambda model: []  # type: ignore[attr-defined]
    sys.modules["plugins.train.model._base"] = base
    import plugins.train.model.phaze_a as phaze_a
    from lib.config.objects import ConfigItem
    from plugins.train import train_config
    return phaze_a, train_config, ConfigItem


def _build(phaze_a: Any, train_config: Any, config_item: Any, case: dict[str, Any]) -> dict:
    import keras
    import numpy as np

    options = {**BASE, **{k: v for k, v in case.items() if k not in ("learn_mask", "global")}}
    for item in vars(phaze_a.cfg).values():
        if isinstance(item, config_item):
            item._value = item.default
    for key, value in options.items():
        getattr(phaze_a.cfg, key)._value = value
    train_config.Loss.learn_mask._value = case.get("learn_mask", False)
    for key in ("icnr_init", "conv_aware_init", "reflect_padding"):
        getattr(train_config, key)._value = case.get("global", {}).get(key, False)
    phaze_a.UpscaleBlocks._filters = []
    keras.backend.clear_session()
    model = phaze_a.Model.__new__(phaze_a.Model)
    model.model_name = "phaze_a"
    try:
        shape = model._get_input_shape()
        model.input_shape = shape
        built = model.build_model([keras.Input(shape), keras.Input(shape)])
    except Exception as exc:  # faceswap's own failure is the result
        return {"config": options, "error": f"{type(exc).__name__}: {exc}".splitlines()[0]}
    result: dict[str, Any] = {
        "config": options, "input_shape": list(shape),
        "sub_models": {layer.name: layer.count_params() for layer in built.layers
                       if isinstance(layer, keras.Model)},
        "total_params": built.count_params()}
    face = np.random.default_rng(0).random((1, *shape), dtype=np.float32)
    try:
        built([face, face], training=False)
        result["runs"] = True
    except Exception as exc:
        result["runs"] = False
        result["run_error"] = f"{type(exc).__name__}".splitlines()[0]
    return result


def main(faceswap_git: str, out: str) -> None:
    commit = subprocess.run(["git", "-C", faceswap_git, "rev-parse", "HEAD"],
                            capture_output=True, text=True, check=True).stdout.strip()
    with tempfile.TemporaryDirectory() as folder:
        archive = subprocess.run(["git", "-C", faceswap_git, "archive", "HEAD", "lib",
                                  "plugins"], capture_output=True, check=True).stdout
        subprocess.run(["tar", "x", "-C", folder], input=archive, check=True)
        phaze_a, train_config, config_item = _import_faceswap(Path(folder))
        import keras
        cases = {name: {**({"learn_mask": True} if case.get("learn_mask") else {}),
                        **({"global": case["global"]} if "global" in case else {}),
                        **_build(phaze_a, train_config, config_item, case)}
                 for name, case in CASES.items()}
    meta = {"faceswap_commit": commit, "keras_version": keras.__version__,
            "keras_backend": keras.backend.backend(),
            "how_obtained": "tests/data/phaze-a/make_faceswap_builds.py (see its docstring): "
                            "faceswap's own Phaze-A build per case; parameter counts do not "
                            "depend on the backend"}
    Path(out).write_text(json.dumps({"meta": meta, "cases": cases}, indent=1) + "\n",
                         encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else
         str(Path(__file__).with_name("faceswap-builds.json")))
