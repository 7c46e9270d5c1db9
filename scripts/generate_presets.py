"""Generate (or check) the built-in presets from faceswap's Phaze-A preset files.

The shipped ``presets/<name>.yaml`` files were generated once with this script and then given
hand-written comments and text (``description``, and the one-line ``tagline`` and ``use`` that
``phazer presets`` shows); their *values* must stay what the importer produces.

    python scripts/generate_presets.py                 # write presets that do not exist yet
    python scripts/generate_presets.py --force         # regenerate (keeps the hand-written
                                                       # text fields, drops the comments)
    python scripts/generate_presets.py --check         # compare shipped presets with the importer
                                                       # and require their text fields
    python scripts/generate_presets.py --out /tmp/raw  # write raw imports somewhere else

Presets whose encoder phazer cannot build are skipped (none today).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from phazer.faceswap_import import default_name, import_faceswap  # noqa: E402
from phazer.spec import load_spec  # noqa: E402
from phazer.spec.dump import dump_spec, spec_to_data  # noqa: E402

SOURCE = REPO / "tests" / "data" / "faceswap-presets"
HAND_WRITTEN = ("description", "tagline", "use")
"""Text fields written by hand in the shipped presets (the importer only says where from)."""
NOT_COMPARED = ("name", *HAND_WRITTEN)


def _values(data: dict) -> dict:
    return {k: v for k, v in data.items() if k not in NOT_COMPARED}


def _hand_written(target: Path) -> dict:
    """The hand-written text fields of an existing preset (none when it does not exist)."""
    if not target.exists():
        return {}
    spec = load_spec(str(target)).spec
    return {key: getattr(spec, key) for key in HAND_WRITTEN if getattr(spec, key)}


def missing_text(target: Path) -> list[str]:
    """The text fields a shipped preset leaves empty (each must say something)."""
    spec = load_spec(str(target)).spec
    return [key for key in HAND_WRITTEN if not getattr(spec, key).strip()]


def _generate(sources: list[Path], out: Path, force: bool) -> int:
    out.mkdir(parents=True, exist_ok=True)
    for source in sources:
        result = import_faceswap(source)
        target = out / f"{default_name(source)}.yaml"
        if result.spec is None:
            print(f"skip  {source.name}: {result.issues[0].message}")
            continue
        if target.exists() and not force:
            print(f"keep  {target} (exists; --force to regenerate)")
            continue
        header = f"faceswap Phaze-A preset '{result.spec.name}', imported from {source.name}"
        spec = result.spec.model_copy(update=_hand_written(target))
        target.write_text(dump_spec(spec, header=header), encoding="utf-8")
        print(f"wrote {target}")
    return 0


def _check(sources: list[Path], out: Path) -> int:
    failures = 0
    for source in sources:
        result = import_faceswap(source)
        if result.spec is None:
            continue
        target = out / f"{default_name(source)}.yaml"
        if not target.exists():
            print(f"MISSING {target}")
            failures += 1
            continue
        shipped = _values(spec_to_data(load_spec(str(target)).spec))
        imported = _values(spec_to_data(result.spec))
        if shipped != imported:
            diff = sorted(k for k in imported if imported[k] != shipped.get(k))
            print(f"DIFFERS {target}: {', '.join(diff)}")
            failures += 1
        elif missing_text(target):
            print(f"NO TEXT {target}: write its {', '.join(missing_text(target))}")
            failures += 1
        else:
            print(f"ok      {target}")
    return 1 if failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE,
                        help="folder of model_phaze_a_<name>_preset.json files")
    parser.add_argument("--out", type=Path, default=REPO / "presets", help="presets folder")
    parser.add_argument("--force", action="store_true", help="overwrite existing presets")
    parser.add_argument("--check", action="store_true",
                        help="only compare the presets in --out with fresh imports")
    args = parser.parse_args()
    sources = sorted(args.source.glob("model_phaze_a_*_preset.json"))
    if not sources:
        print(f"no model_phaze_a_*_preset.json files in {args.source}", file=sys.stderr)
        return 1
    if args.check:
        return _check(sources, args.out)
    return _generate(sources, args.out, args.force)


if __name__ == "__main__":
    raise SystemExit(main())
