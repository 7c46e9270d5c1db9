"""The base class of every spec model: strict, frozen, unknown keys rejected.

Validators are built when a model is first used, not at import (``defer_build``): a dry run
of a switch-form spec never pays for the graph form's models, nor the graph form's for the
switch form's. A section left out of a spec defaults to ``Section.model_construct`` (its
fields' defaults, checked by the parent's validator as ``validate_default`` asks) rather than
``Section()``, which would build that section's own validator a second time.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    """A frozen pydantic model that rejects unknown keys and does not coerce types."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True,
                              validate_default=True, use_attribute_docstrings=False,
                              defer_build=True)
