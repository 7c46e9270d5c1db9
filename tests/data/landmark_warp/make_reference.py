"""Make ``reference.npz``: faceswap's own landmark warp on a few of the shared reference faces.

Not run by the tests. It loads faceswap's ``lib/training/data/augmentation.py`` from the bare
mirror (``git show``, at the commit the shared reference data was made with), with the few
modules it imports replaced by stand-ins (logging helpers, config values: nothing the warp
to landmarks uses), and calls ``ImageAugmentation._random_warp_landmarks`` on faceswap's own
``TrainSet`` samples (``trainset.npz``). The landmarks fed to it are phazer's
(:func:`phazer.data.faceswap_sample.sample_landmarks` for the case's config) and are stored
with the noise faceswap drew, so the test needs neither faceswap nor phazer's landmark code.

Run: ``.venv/bin/python tests/data/landmark_warp/make_reference.py [mirror]``.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import types
from pathlib import Path

import numpy as np

SHARED = Path("/work/shared/faceswap-training")
MIRROR = Path(sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror/deepfakes+faceswap/repo")
OUT = Path(__file__).with_name("reference.npz")
# (config, source side/file, destination side/file, numpy seed)
CASES = [("c000", "A/a_000_0.png", "B/b_001_0.png", 1),
         ("c017", "A/a_002_0.png", "B/b_003_0.png", 2),
         ("c017", "B/b_000_0.png", "A/a_004_0.png", 3),
         ("c001", "A/a_001_0.png", "B/b_002_0.png", 4)]


def _faceswap_augmentation() -> types.ModuleType:
    """faceswap's augmentation module, its imports stood in for."""
    def stub(name: str, **attrs: object) -> types.ModuleType:
        module = types.ModuleType(name)
        module.__dict__.update(attrs)
        sys.modules[name] = module
        return module

    class Value:
        def __init__(self, value: float) -> None:
            self.value = value

        def __call__(self) -> float:
            return self.value

    class Augmentation:   # faceswap's defaults; the landmark warp reads none of them
        color_clahe_chance, color_clahe_max_size = Value(50), Value(4)
        color_lightness, color_ab = Value(30), Value(8)
        rotation_range, zoom_amount, shift_range, flip_chance = (Value(10), Value(5),
                                                                 Value(5), Value(50))

    for name in ("lib", "lib.align", "plugins", "plugins.train", "plugins.train.trainer"):
        stub(name)
    stub("numexpr", evaluate=None)
    stub("lib.align.aligned_utils", batch_create_matrices=None)
    stub("lib.image", batch_convert_color=None)
    stub("lib.logger", format_array=repr, parse_class_init=lambda _: "")
    stub("lib.utils", get_module_objects=lambda _: [])
    config = stub("plugins.train.trainer.trainer_config", Augmentation=Augmentation)
    sys.modules["plugins.train.trainer"].trainer_config = config  # type: ignore[attr-defined]
    logging.Logger.trace = lambda *_, **__: None  # type: ignore[attr-defined]
    source = subprocess.run(["git", "-C", str(MIRROR), "show",
                             "HEAD:lib/training/data/augmentation.py"],
                            check=True, capture_output=True, text=True).stdout
    module = types.ModuleType("faceswap_augmentation")
    sys.modules[module.__name__] = module   # its dataclasses look their module up
    exec(compile(source, "augmentation.py", "exec"), module.__dict__)
    return module


def main() -> None:
    from phazer.data.faceswap_header import read_faceswap_header
    from phazer.data.faceswap_sample import SampleSettings, sample_landmarks

    augmentation = _faceswap_augmentation()
    configs = json.loads((SHARED / "cases.json").read_text())["configs"]
    trainset = np.load(SHARED / "trainset.npz")
    arrays: dict[str, np.ndarray] = {}
    for index, (config, source, destination, seed) in enumerate(CASES):
        cfg = configs[config]
        settings = SampleSettings(cfg["size"], cfg["centering"], cfg["coverage"],
                                  cfg["vertical_offset"])
        points = [sample_landmarks(read_faceswap_header(SHARED / "faces" / name), settings)
                  for name in (source, destination)]
        image = trainset[f"{config}/{source}"][..., :3]
        warper = augmentation.ImageAugmentation(batch_size=1, processing_size=cfg["size"])
        np.random.seed(seed)
        noise = np.random.normal(size=(1, 68, 2), scale=warper._constants.warp.lm_scale)
        np.random.seed(seed)
        warped = warper._random_warp_landmarks(image[None].copy(), points[0][None],
                                               points[1][None])[0]
        arrays.update({f"{index}/source": points[0], f"{index}/destination": points[1],
                       f"{index}/noise": noise[0], f"{index}/warped": warped,
                       f"{index}/key": np.array(f"{config}/{source}")})
    np.savez_compressed(OUT, **arrays)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes, {len(CASES)} cases)")


if __name__ == "__main__":
    main()
