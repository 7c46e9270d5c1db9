"""Every built-in preset says in one line what it is (``tagline``) and what it is for (``use``).

`phazer presets` shows both; scripts/generate_presets.py keeps them when it regenerates a
faceswap preset and its ``--check`` fails for a preset without them.
"""

from __future__ import annotations

import contextlib
import io
import shutil

import pytest

from phazer.spec import load_spec
from phazer.spec.presets import preset_names, preset_path
from tests.helpers import issues_of, load_script, write

generate_presets = load_script("generate_presets")
FACESWAP_PRESETS = sorted(generate_presets.SOURCE.glob("model_phaze_a_*_preset.json"))


@pytest.mark.parametrize("name", preset_names())
def test_each_preset_has_a_tagline_and_a_use(name):
    spec = load_spec(name).spec
    for text in (spec.tagline, spec.use):
        assert text.strip() == text and 20 <= len(text) <= 120, (name, text)
        assert "\n" not in text
    assert spec.tagline != spec.use
    assert spec.description.strip(), name


def test_taglines_tell_the_presets_apart():
    taglines = [load_spec(name).spec.tagline for name in preset_names()]
    assert len(set(taglines)) == len(taglines)


def test_generator_check_passes_on_the_shipped_presets():
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = generate_presets._check(FACESWAP_PRESETS, preset_path("original").parent)
    assert code == 0, out.getvalue()
    assert out.getvalue().count("ok ") == len(FACESWAP_PRESETS) == 17


def test_generator_check_wants_the_text_and_force_keeps_it(tmp_path):
    source = [path for path in FACESWAP_PRESETS if "_original_" in path.name]
    shipped = preset_path("original")
    with contextlib.redirect_stdout(io.StringIO()):
        generate_presets._generate(source, tmp_path, force=False)  # a raw import: no text
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert generate_presets._check(source, tmp_path) == 1
        assert "NO TEXT" in out.getvalue() and "tagline" in out.getvalue()
        shutil.copy(shipped, tmp_path / "original.yaml")
        generate_presets._generate(source, tmp_path, force=True)  # regenerated values
    regenerated, original = load_spec(str(tmp_path / "original.yaml")).spec, load_spec(
        "original").spec
    for key in ("description", "tagline", "use"):
        assert getattr(regenerated, key) == getattr(original, key)
    assert regenerated == original


def test_a_tagline_is_one_line(tmp_path):
    spec = write(tmp_path, "two.yaml", """
        phazer: 1
        extends: original
        tagline: |
          first line
          second line
        """)
    (issue,) = issues_of(spec)
    assert issue.path == "tagline" and issue.line == 3
    assert "2 lines; expected one line of at most 120 characters" in issue.message
    long = write(tmp_path, "long.yaml", f"phazer: 2\nextends: fs-original\nuse: {'x' * 121}\n")
    (issue,) = issues_of(long)
    assert issue.path == "use" and "121 characters; expected at most 120" in issue.message
