"""Read a torch-saved state dict into numpy arrays without torch (and without unsafe unpickling).

``torch.save(module.state_dict(), path)`` writes a zip archive: ``<name>/data.pkl`` pickles the
dict's layout and ``<name>/data/<key>`` holds each storage's raw bytes (``<name>/byteorder``
says their byte order). The layout names only ``collections.OrderedDict``,
``torch._utils._rebuild_tensor_v2`` and typed storage classes such as ``torch.FloatStorage``;
:class:`_LayoutUnpickler` maps exactly these to stand-ins that build numpy arrays and refuses
every other global, so no code named by the file ever runs (Python's "restricting globals"
recipe, as ``torch.load(weights_only=True)`` does it).
"""
from __future__ import annotations

import io
import pickle
import zipfile
from collections import OrderedDict
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from surrogates.errors import ArtifactError

# torch's typed storage names -> numpy dtypes (little-endian unless the archive says otherwise)
STORAGE_DTYPES: dict[str, str] = {
    "FloatStorage": "f4", "DoubleStorage": "f8", "HalfStorage": "f2", "LongStorage": "i8",
    "IntStorage": "i4", "ShortStorage": "i2", "CharStorage": "i1", "ByteStorage": "u1",
    "BoolStorage": "?",
}


class _StorageType(NamedTuple):
    name: str


class _Tensor(NamedTuple):
    """What ``_rebuild_tensor_v2`` received: checked and turned into an array after unpickling."""

    storage: np.ndarray
    offset: int
    size: tuple[int, ...]
    stride: tuple[int, ...]


def _rebuild_tensor(storage: Any, offset: Any, size: Any, stride: Any, *_: Any) -> _Tensor:
    return _Tensor(storage, offset, size, stride)


class _LayoutUnpickler(pickle.Unpickler):
    """Unpickles a state dict's layout; storages come from ``read_storage(key, dtype, numel)``."""

    def __init__(self, data: bytes, read_storage: Any, where: str) -> None:
        super().__init__(io.BytesIO(data))
        self._read_storage = read_storage
        self._where = where

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("collections", "OrderedDict"):
            return OrderedDict
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return _rebuild_tensor
        if module == "torch" and name in STORAGE_DTYPES:
            return _StorageType(name)
        raise ArtifactError(f"{self._where}: not a plain state dict of tensors (names {module}.{name})")

    def persistent_load(self, pid: Any) -> np.ndarray:
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"
                and isinstance(pid[1], _StorageType) and isinstance(pid[2], str)
                and isinstance(pid[4], int)):
            raise ArtifactError(f"{self._where}: unexpected storage reference {pid!r}")
        return self._read_storage(pid[2], STORAGE_DTYPES[pid[1].name], pid[4])


def _as_array(t: _Tensor, where: str) -> np.ndarray:
    storage, offset, size, stride = t
    ok = (isinstance(storage, np.ndarray) and isinstance(offset, int) and offset >= 0
          and isinstance(size, tuple) and isinstance(stride, tuple) and len(size) == len(stride)
          and all(isinstance(v, int) and v >= 0 for v in (*size, *stride)))
    if not ok:
        raise ArtifactError(f"{where}: malformed tensor record")
    if 0 in size:
        return np.zeros(size, dtype=storage.dtype)
    last = offset + sum((n - 1) * s for n, s in zip(size, stride, strict=True))
    if last >= len(storage):
        raise ArtifactError(f"{where}: a tensor reaches past its storage")
    view = np.lib.stride_tricks.as_strided(
        storage[offset:], shape=size, strides=tuple(s * storage.itemsize for s in stride),
        writeable=False)
    return np.array(view, dtype=storage.dtype.newbyteorder("="))


def read_state_dict(path: str | Path) -> dict[str, np.ndarray]:
    """The tensors of a state dict written by ``torch.save``, as numpy arrays (by name, in order).

    Raises :class:`~surrogates.errors.ArtifactError` for anything else (another archive layout,
    other pickled objects, storages of the wrong size).
    """
    where = str(path)
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as err:
        raise ArtifactError(f"{where}: not a torch zip archive: {err}") from err
    with archive:
        names = archive.namelist()
        layouts = [n for n in names if n.count("/") == 1 and n.endswith("/data.pkl")]
        if len(layouts) != 1:
            raise ArtifactError(f"{where}: not a torch zip archive (no single <name>/data.pkl)")
        prefix = layouts[0][: -len("data.pkl")]
        order = "<"
        if f"{prefix}byteorder" in names:
            order = {"little": "<", "big": ">"}.get(archive.read(f"{prefix}byteorder").decode(), "?")
            if order == "?":
                raise ArtifactError(f"{where}: unknown byte order")

        def read_storage(key: str, dtype: str, numel: int) -> np.ndarray:
            try:
                raw = archive.read(f"{prefix}data/{key}")
            except KeyError as err:
                raise ArtifactError(f"{where}: storage {key!r} is missing") from err
            array = np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder(order))
            if len(array) != numel:
                raise ArtifactError(f"{where}: storage {key!r} holds {len(array)} values, not {numel}")
            return array

        try:
            layout = _LayoutUnpickler(archive.read(layouts[0]), read_storage, where).load()
        except ArtifactError:
            raise
        except Exception as err:  # a corrupt pickle raises anything from the unpickler
            raise ArtifactError(f"{where}: unreadable state dict: {err!r}") from err
    if not isinstance(layout, dict) or not all(
            isinstance(k, str) and isinstance(v, _Tensor) for k, v in layout.items()):
        raise ArtifactError(f"{where}: not a state dict of named tensors")
    return {name: _as_array(t, f"{where} [{name}]") for name, t in layout.items()}
