"""Read a ``torch.save`` file without torch: its Python objects, with tensors as NumPy arrays.

``torch.save`` writes a zip: ``<archive>/data.pkl`` is a pickle of the object, in which each
tensor is a call of ``torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)`` and
each storage a persistent id ``("storage", torch.<Type>Storage, key, location, numel)`` whose
bytes are the member ``<archive>/data/<key>`` (in the byte order of ``<archive>/byteorder``).

:func:`load_torch_file` unpickles with a restricted :class:`pickle.Unpickler` that knows only
those names (and ``collections.OrderedDict``): anything else in the pickle is refused, so a
file cannot run code. A tensor comes back as a NumPy array of its dtype, shape and values.
"""

from __future__ import annotations

import collections
import io
import pickle
import zipfile
from dataclasses import dataclass
from typing import Any

import numpy as np

STORAGE_DTYPES: dict[str, str] = {
    "FloatStorage": "float32", "DoubleStorage": "float64", "HalfStorage": "float16",
    "LongStorage": "int64", "IntStorage": "int32", "ShortStorage": "int16",
    "CharStorage": "int8", "ByteStorage": "uint8", "BoolStorage": "bool",
}
"""torch's typed storage classes NumPy can hold, and their dtypes."""


class TorchFileError(ValueError):
    """The bytes are not a ``torch.save`` file this reader can read (the message says why)."""


@dataclass(frozen=True)
class _StorageType:
    """Stands for ``torch.<Name>Storage`` inside the pickle."""

    name: str


def _rebuild_tensor(storage: np.ndarray, offset: int, size: tuple[int, ...],
                    stride: tuple[int, ...], *_: Any) -> np.ndarray:
    """``torch._utils._rebuild_tensor_v2``: a strided view of the storage, copied."""
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    if any(s < 0 for s in (*size, *stride)) or len(size) != len(stride):
        raise TorchFileError(f"a tensor has size {size} and stride {stride}")
    count = int(np.prod(size)) if size else 1
    last = offset + sum((n - 1) * s for n, s in zip(size, stride, strict=True)) if count else 0
    if offset < 0 or (count and last >= storage.size):
        raise TorchFileError(f"a tensor of size {size} reads beyond its storage "
                             f"({storage.size} values)")
    base = storage[offset:]
    view = np.lib.stride_tricks.as_strided(
        base, shape=size, strides=tuple(s * storage.itemsize for s in stride), writeable=False)
    return np.array(view, copy=True)


def _ordered_dict(*args: Any) -> collections.OrderedDict:
    return collections.OrderedDict(*args)


_GLOBALS: dict[tuple[str, str], Any] = {
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
    ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
    ("collections", "OrderedDict"): _ordered_dict,
    **{("torch", name): _StorageType(name) for name in STORAGE_DTYPES},
}


class _Unpickler(pickle.Unpickler):
    """An unpickler that rebuilds torch's tensors and refuses every other global."""

    def __init__(self, data: bytes, archive: zipfile.ZipFile, prefix: str, order: str) -> None:
        super().__init__(io.BytesIO(data))
        self._archive = archive
        self._prefix = prefix
        self._order = "<" if order == "little" else ">"
        self._storages: dict[str, np.ndarray] = {}

    def find_class(self, module: str, name: str) -> Any:
        found = _GLOBALS.get((module, name))
        if found is None:
            raise TorchFileError(f"the pickle refers to {module}.{name}, which a saved "
                                 "optimizer state does not hold; not read")
        return found

    def persistent_load(self, pid: Any) -> np.ndarray:
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"
                and isinstance(pid[1], _StorageType)):
            raise TorchFileError(f"unknown persistent id {pid!r:.80}")
        _, storage_type, key, _, numel = pid
        key = str(key)
        if key not in self._storages:
            member = f"{self._prefix}data/{key}"
            try:
                raw = self._archive.read(member)
            except KeyError:
                raise TorchFileError(f"storage {key} has no member {member}") from None
            dtype = np.dtype(STORAGE_DTYPES[storage_type.name]).newbyteorder(self._order)
            if len(raw) < int(numel) * dtype.itemsize:
                raise TorchFileError(f"storage {key} holds {len(raw)} bytes, fewer than its "
                                     f"{numel} values need")
            values = np.frombuffer(raw, dtype=dtype, count=int(numel))
            self._storages[key] = values.astype(dtype.newbyteorder("="))
        return self._storages[key]


def load_torch_file(data: bytes) -> Any:
    """The object a ``torch.save`` file holds, its tensors as NumPy arrays.

    Raises:
        TorchFileError: not a zip with one ``data.pkl``, a storage is missing or short, or the
            pickle names a class other than torch's tensors and storages.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise TorchFileError("not a zip file (torch.save writes one since torch 1.6)") from None
    with archive:
        pickles = [n for n in archive.namelist() if n.endswith("data.pkl")]
        if len(pickles) != 1:
            raise TorchFileError(f"expected one data.pkl member, found {len(pickles)}")
        prefix = pickles[0][: -len("data.pkl")]
        order = "little"
        if f"{prefix}byteorder" in archive.namelist():
            order = archive.read(f"{prefix}byteorder").decode("ascii", "replace").strip()
        if order not in ("little", "big"):
            raise TorchFileError(f"unknown byte order {order!r}")
        unpickler = _Unpickler(archive.read(pickles[0]), archive, prefix, order)
        try:
            return unpickler.load()
        except TorchFileError:
            raise
        except (pickle.UnpicklingError, EOFError, TypeError, ValueError, AttributeError) as exc:
            raise TorchFileError(f"the pickle cannot be read ({exc})") from None
