"""The option tables of ``docs/import-faceswap.md`` ("faceswap's other models"), generated.

A test checks the page's table (between ``<!-- plugin-options:start -->`` and
``<!-- plugin-options:end -->``) equals :func:`options_markdown`.
"""

from __future__ import annotations

from phazer.faceswap_models.options import PluginOption
from phazer.faceswap_models.registry import PLUGINS

START = "<!-- plugin-options:start -->"
END = "<!-- plugin-options:end -->"

_EXTRA_RULES: dict[tuple[str, str], str] = {
    ("dfaker", "output_size"): "128 or 256 (dfaker.py stops otherwise)",
    ("dfl_sae", "input_size"): "divisible by 16 (the dense reshape is input_size / 16 px)",
    ("dlight", "output_size"): "128, 256 or 384 (dlight.py's Config error otherwise)",
    ("realface", "input_size"): "64-128, divisible by 16 (check_input_output)",
    ("realface", "output_size"): "divisible by 32 (check_input_output): 80, 112, ... refused",
    ("unbalanced", "input_size"): "divisible by 16",
    ("unbalanced", "lowmem"): "True overrides `nodes` (512) and the `complexity_*` options "
                              "(128, 320, 384)",
    ("dfl_sae", "autoencoder_dims"): "0 means 512 for df, 256 for liae",
}
"""faceswap's build-time rules beyond the GUI's range and step, and what an option overrides."""
_READS: dict[str, str] = {"dfaker": "also reads `[model.original] lowmem` (Original's encoder: "
                                    "three convs instead of four)"}


def _range(option: PluginOption) -> str:
    if option.type == "bool":
        return "True / False"
    if option.choices:
        return " / ".join(f"`{c}`" for c in option.choices)
    step = f", step {option.step}" if option.step and option.step > 1 else ""
    return f"{option.min}-{option.max}{step}"


def options_markdown() -> str:
    """One table row per option of every plugin (plugins without options say so)."""
    rows = ["| plugin | option | type | default | allowed (faceswap's GUI) | faceswap's code |",
            "|---|---|---|---|---|---|"]
    for name, plugin in PLUGINS.items():
        if not plugin.options:
            rows.append(f"| `{name}` | (none: a fixed architecture) | | | | |")
        for option in plugin.options:
            rule = _EXTRA_RULES.get((name, option.name), "")
            rows.append(f"| `{name}` | `{option.name}` | {option.type} | `{option.default}` | "
                        f"{_range(option)} | {rule} |")
        if name in _READS:
            rows.append(f"| `{name}` | | | | | {_READS[name]} |")
    return "\n".join(rows) + "\n"
