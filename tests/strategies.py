"""Hypothesis strategies for specs across the whole option space, kept small enough to build."""

from __future__ import annotations

from hypothesis import strategies as st

from phazer.catalog.norms import BOTTLENECK_NORMS, NORMS
from phazer.catalog.upscalers import FC_UPSAMPLERS, UPSCALER_FACTS

SLOPES = st.sampled_from([-0.9, -0.5, -0.33, 0.0, 0.25, 0.5, 0.9])
SMALL_FILTERS = st.sampled_from([16, 24, 32, 48, 64])


@st.composite
def spec_data(draw: st.DrawFn, max_filters: int = 64) -> dict:
    """A spec dict over every group; sizes small so a Keras build takes about a second."""
    filters = st.sampled_from([f for f in (16, 24, 32, 48, 64, 96, 128) if f <= max_filters])
    encoder = {"type": "fs_original", "scaling": draw(st.sampled_from([4, 7, 10, 13])),
               "depth": draw(st.integers(2, 5)), "min_filters": draw(SMALL_FILTERS),
               "max_filters": draw(filters), "alt": draw(st.booleans())}
    bottleneck_type = draw(st.sampled_from(["dense", "average_pooling", "max_pooling",
                                            "flatten"]))
    bottleneck = {"type": bottleneck_type, "in_encoder": draw(st.booleans()),
                  "norm": draw(st.sampled_from(BOTTLENECK_NORMS))}
    if bottleneck_type == "dense":
        bottleneck["size"] = draw(st.sampled_from([128, 256]))
    fc = {"depth": draw(st.integers(0, 3)), "min_filters": draw(filters),
          "max_filters": draw(filters), "dimensions": draw(st.integers(1, 8)),
          "slope": draw(SLOPES), "dropout": draw(st.sampled_from([0.0, 0.25])),
          "upsampler": draw(st.sampled_from(FC_UPSAMPLERS)),
          "upsamples": draw(st.integers(0, 2)), "upsample_filters": draw(filters)}
    gblock_fc = {"depth": draw(st.integers(1, 3)), "min_nodes": draw(SMALL_FILTERS),
                 "max_nodes": draw(SMALL_FILTERS), "slope": draw(SLOPES)}
    decoder = {"upscaler": draw(st.sampled_from(list(UPSCALER_FACTS))),
               "upscales_in_fc": draw(st.integers(0, 2)),
               "norm": draw(st.sampled_from(list(NORMS))),
               "min_filters": draw(SMALL_FILTERS), "max_filters": draw(filters),
               "slope_mode": draw(st.sampled_from(["full", "cap_max", "cap_min"])),
               "slope": draw(SLOPES), "res_blocks": draw(st.integers(0, 2)),
               "output_kernel": draw(st.sampled_from([1, 3, 5])),
               "gaussian_noise": draw(st.booleans()),
               "skip_last_residual": draw(st.booleans()), "learn_mask": draw(st.booleans())}
    routing = {"split_fc": draw(st.booleans()),
               "shared_fc": draw(st.sampled_from(["none", "full", "half"])),
               "gblock": draw(st.booleans()), "split_gblock": draw(st.booleans()),
               "split_decoders": draw(st.booleans())}
    convolutions = {"icnr_init": draw(st.booleans()), "conv_aware_init": False,
                    "reflect_padding": draw(st.booleans())}
    return {"phazer": 1, "name": "hypothesis",
            "output_size": draw(st.sampled_from([64, 80, 96, 128])),
            "routing": routing, "encoder": encoder, "bottleneck": bottleneck, "fc": fc,
            "gblock_fc": gblock_fc, "decoder": decoder, "convolutions": convolutions,
            "weights": {"freeze": [], "load": []}}
