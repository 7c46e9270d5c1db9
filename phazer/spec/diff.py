"""Field-by-field differences of two resolved specs, as dotted paths (``phazer diff``).

Pure data: the specs are compared as :func:`phazer.spec.dump.spec_to_data` writes them (every
field present, defaults filled), so two files that spell the same model differently compare
equal, and a default written out equals a default left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from phazer.spec.dump import spec_to_data
from phazer.spec.graph_form import GraphSpec
from phazer.spec.models import ModelSpec

Change = Literal["changed", "added", "removed"]
_MISSING = object()


@dataclass(frozen=True)
class FieldChange:
    """One field that differs between spec A and spec B.

    Attributes:
        path: the field's dotted path; list items are ``[index]`` (``models.encoder[0]``).
        change: "changed" (in both, different values), "added" (only in B) or "removed"
            (only in A).
        a: A's value (None when added).
        b: B's value (None when removed).
    """

    path: str
    change: Change
    a: Any = None
    b: Any = None

    def to_json(self) -> dict[str, Any]:
        """``{"path", "change", "a", "b"}``; an added field has no ``a``, a removed no ``b``."""
        data: dict[str, Any] = {"path": self.path, "change": self.change}
        if self.change != "added":
            data["a"] = self.a
        if self.change != "removed":
            data["b"] = self.b
        return data


def spec_changes(a: ModelSpec | GraphSpec, b: ModelSpec | GraphSpec) -> list[FieldChange]:
    """The fields that differ between two resolved specs, in A's field order then B's."""
    return data_changes(spec_to_data(a), spec_to_data(b))


def data_changes(a: Any, b: Any, path: str = "") -> list[FieldChange]:
    """The differences of two plain-data trees (dicts, lists, scalars) below ``path``.

    Dicts are compared key by key. Lists of the same length holding dicts or lists are
    compared item by item; any other two lists that differ are one change of the whole list
    (a list of names or numbers reads better whole than item by item).
    """
    if isinstance(a, dict) and isinstance(b, dict):
        changes: list[FieldChange] = []
        for key in [*a, *(k for k in b if k not in a)]:
            old, new = a.get(key, _MISSING), b.get(key, _MISSING)
            where = f"{path}.{key}" if path else str(key)
            if old is _MISSING:
                changes.append(FieldChange(where, "added", b=new))
            elif new is _MISSING:
                changes.append(FieldChange(where, "removed", a=old))
            else:
                changes += data_changes(old, new, where)
        return changes
    if (isinstance(a, list) and isinstance(b, list) and len(a) == len(b)
            and any(isinstance(item, dict | list) for item in (*a, *b))):
        return [change for index, (old, new) in enumerate(zip(a, b, strict=True))
                for change in data_changes(old, new, f"{path}[{index}]")]
    if a == b and type(a) is type(b):
        return []
    return [FieldChange(path, "changed", a, b)]
