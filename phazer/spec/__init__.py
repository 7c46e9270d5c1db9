"""The phazer spec: schema, YAML loading with positions, ``extends`` and overrides."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError

from phazer.issues import SpecError
from phazer.spec.graph_form import GRAPH_FORMAT_VERSION, GraphSpec
from phazer.spec.loader import RawSpec, load_raw
from phazer.spec.models import ModelSpec
from phazer.spec.schema_errors import validation_issues
from phazer.spec.yaml_source import SourceMap

__all__ = ["GraphSpec", "LoadedSpec", "ModelSpec", "SpecError", "load_spec", "parse_spec_data"]


@dataclass
class LoadedSpec:
    """A schema-valid spec together with where its values came from."""

    spec: ModelSpec | GraphSpec
    source: SourceMap
    origin: str


def parse_spec_data(raw: RawSpec) -> LoadedSpec:
    """Validate merged spec data against the schema.

    Raises:
        SpecError: with one issue per schema problem, positioned in the source files.
    """
    form = GraphSpec if raw.data.get("phazer") == GRAPH_FORMAT_VERSION else ModelSpec
    try:
        spec = form.model_validate(raw.data)
    except ValidationError as exc:
        raise SpecError(validation_issues(exc, form, raw.source)) from None
    return LoadedSpec(spec, raw.source, raw.origin)


def load_spec(reference: str, overrides: list[str] | None = None) -> LoadedSpec:
    """Load a spec file or built-in preset, follow ``extends``, apply overrides, validate.

    Args:
        reference: a path to a YAML spec or the name of a built-in preset.
        overrides: ``path.to.field=value`` strings applied last.

    Raises:
        SpecError: the file cannot be read or the spec breaks the schema.
    """
    return parse_spec_data(load_raw(reference, overrides))
