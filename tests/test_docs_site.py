"""The documentation site: mkdocs.yml's nav covers docs/, the preset gallery is up to date,
and `mkdocs build --strict` passes (no broken link or anchor, no page left out of the nav).

The build needs the `dev` extra (mkdocs, mkdocs-material); without them only that test is
skipped, and it says why.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys

import pytest

from phazer.spec import load_spec
from phazer.spec.presets import preset_names
from tests.helpers import REPO, load_script

gen_docs = load_script("gen_docs")
DOCS = REPO / "docs"
FIX = "run `python scripts/gen_docs.py` and commit docs/presets.md"
HAVE_MKDOCS = all(importlib.util.find_spec(name) is not None for name in ("mkdocs", "material"))


def nav_pages() -> list[str]:
    """The pages mkdocs.yml's nav lists (read as text: the file holds a python tag)."""
    text = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    nav = text.split("\nnav:\n", 1)[1]
    return re.findall(r":\s+(\S+\.md)\s*$", nav, flags=re.MULTILINE)


def test_every_doc_page_is_in_the_nav_once():
    pages = nav_pages()
    assert len(pages) == len(set(pages))
    on_disk = sorted(str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md"))
    assert sorted(pages) == on_disk, "add the page to the nav in mkdocs.yml"


def test_preset_gallery_is_in_sync():
    text = (DOCS / "presets.md").read_text(encoding="utf-8")
    assert text == gen_docs.render_gallery(DOCS), FIX


def test_gallery_shows_each_presets_text_figures_and_diagram():
    text = (DOCS / "presets.md").read_text(encoding="utf-8")
    sections = dict(re.findall(r"^## (\S+)\n(.*?)(?=^## |\Z)", text, flags=re.M | re.S))
    assert list(sections) == preset_names()
    original = sections["original"]
    spec = load_spec("original").spec
    assert f"**{spec.tagline}**" in original and f"*Use:* {spec.use}" in original
    assert "| parameters | 82,062,470 |" in original  # faceswap's own count
    for name, body in sections.items():
        image = re.search(r"!\[routing of [^\]]+\]\((diagrams/[^)]+\.svg)\)", body)
        assert image is not None and (DOCS / image.group(1)).is_file(), name
        assert f"[{name}](#{name})" in text  # the overview links to it


@pytest.mark.skipif(not HAVE_MKDOCS, reason="mkdocs and mkdocs-material are not installed "
                    "(pip install -e '.[dev]' installs them)")
def test_mkdocs_build_strict(tmp_path):
    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file",
         str(REPO / "mkdocs.yml"), "--site-dir", str(site)],
        cwd=REPO, capture_output=True, text=True, timeout=300, env=env, check=False)
    assert result.returncode == 0, result.stderr[-4000:]
    gallery = (site / "presets" / "index.html").read_text(encoding="utf-8")
    assert all(f'id="{name}"' in gallery for name in preset_names())
    assert 'src="../diagrams/stojo.svg"' in gallery
    assert (site / "diagrams" / "stojo.svg").is_file()
    for page in ("spec-reference", "errors", "graphs", "diff", "cli"):
        assert (site / page / "index.html").is_file(), page
