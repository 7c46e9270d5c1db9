"""The base class of every spec model: strict, frozen, unknown keys rejected.

Validators are built when a model is first used, not at import (``defer_build``): a dry run
of a switch-form spec never pays for the graph form's models, nor the graph form's for the
switch form's.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    """A frozen pydantic model that rejects unknown keys and does not coerce types."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True,
                              validate_default=True, use_attribute_docstrings=False,
                              defer_build=True)
