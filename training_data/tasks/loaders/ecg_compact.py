"""The compact form of the PhysioNet 2017 records (a data pack's ``physionet2017/compact/``).

The compact form stores the records' raw int16 samples concatenated in file order, cut into
chunks of ``COMPACT_CHUNK`` samples compressed independently (decoded in parallel threads): per
chunk, the first differences (modulo 2**16, so lossless), zigzag-mapped to uint16, low bytes then
high bytes, bz2 level 9 (about 23 % of the raw int16 size). ``index.npz`` holds the record names,
their offsets in the concatenated samples and each chunk's compressed size.
"""
from __future__ import annotations

import bz2
import os
import zipfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from training_data.tasks.data_root import DataFileNotFoundError

COMPACT_SIGNALS = "signals.bz2"
COMPACT_FORMAT_VERSION = 1
COMPACT_CHUNK = 1 << 21  # samples per independently compressed chunk (4 MiB of int16)
_INDEX_FIELDS = ("format_version", "names", "offsets", "chunk_samples", "chunk_bytes")
COMPACT_INDEX = "index.npz"


def as_int16(values: np.ndarray, name: str) -> np.ndarray:
    """One record's raw values as a flat int16 array; ValueError naming it when they do not fit."""
    values = np.asarray(values).ravel()
    converted = values.astype(np.int16)
    if not np.array_equal(converted, values):
        raise ValueError(
            f"ECG record {name!r} has values that are not int16 (dtype {values.dtype}); "
            "the compact form stores int16 samples only"
        )
    return converted


def _workers(n_jobs: int) -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(n_jobs, cores or 1, 16))


def _encode_chunk(values: np.ndarray) -> bytes:
    """int16 samples -> bz2 of their zigzag first differences, low bytes then high bytes."""
    delta = np.diff(values, prepend=np.int16(0))  # int16 arithmetic wraps: lossless
    zigzag = np.left_shift(delta.view(np.uint16), np.uint16(1)) ^ (delta >> 15).view(np.uint16)
    planes = zigzag.astype("<u2").view(np.uint8).reshape(-1, 2).T
    return bz2.compress(np.ascontiguousarray(planes).tobytes(), 9)


def _decode_chunk(blob: bytes, n_samples: int) -> np.ndarray:
    """Inverse of :func:`_encode_chunk` (raises ValueError when ``blob`` does not decode)."""
    try:
        raw = np.frombuffer(bz2.decompress(blob), dtype=np.uint8)
    except (OSError, ValueError, EOFError) as error:
        raise ValueError(f"bz2 data does not decode ({error})") from None
    if raw.size != 2 * n_samples:
        raise ValueError(f"decodes to {raw.size} bytes, expected {2 * n_samples}")
    zigzag = raw[:n_samples].astype(np.uint16) | np.left_shift(
        raw[n_samples:].astype(np.uint16), np.uint16(8)
    )
    delta = (np.right_shift(zigzag, np.uint16(1)) ^ np.negative(zigzag & np.uint16(1))).view(
        np.int16
    )
    return np.cumsum(delta, dtype=np.int16)


def write_compact(
    folder: Path,
    names: Sequence[str],
    records: Sequence[np.ndarray],
    chunk_samples: int = COMPACT_CHUNK,
) -> list[Path]:
    """Store raw int16 ``records`` named ``names`` in the compact form in ``folder``.

    Writes ``signals.bz2`` and ``index.npz`` (module docstring) and returns their paths.
    Values that are not int16 raise ValueError naming the record.
    """
    if len(names) != len(records):
        raise ValueError(f"{len(names)} record names but {len(records)} records")
    if chunk_samples < 1:
        raise ValueError(f"chunk_samples must be >= 1, got {chunk_samples}")
    flat = [as_int16(values, name) for name, values in zip(names, records, strict=True)]
    offsets = np.zeros(len(flat) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(values) for values in flat])
    stream = np.concatenate(flat) if flat else np.zeros(0, dtype=np.int16)
    chunks = [stream[i : i + chunk_samples] for i in range(0, len(stream), chunk_samples)]
    with ThreadPoolExecutor(_workers(len(chunks))) as pool:  # bz2 releases the GIL
        blobs = list(pool.map(_encode_chunk, chunks))
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    signals, index = folder / COMPACT_SIGNALS, folder / COMPACT_INDEX
    signals.write_bytes(b"".join(blobs))
    with index.open("wb") as handle:
        np.savez_compressed(
            handle,
            format_version=np.int64(COMPACT_FORMAT_VERSION),
            names=np.array([str(n) for n in names], dtype=str),
            offsets=offsets,
            chunk_samples=np.int64(chunk_samples),
            chunk_bytes=np.array([len(b) for b in blobs], dtype=np.int64),
        )
    return [signals, index]


@dataclass(frozen=True)
class CompactSignals:
    """Raw int16 records decoded from the compact form: ``signal`` cut at ``offsets``."""

    names: np.ndarray
    offsets: np.ndarray
    signal: np.ndarray

    def record(self, position: int) -> np.ndarray:
        """The raw samples of the record at ``position`` (index order)."""
        return self.signal[self.offsets[position] : self.offsets[position + 1]]


def _read_index(path: Path) -> dict[str, np.ndarray]:
    if not path.exists():
        raise DataFileNotFoundError(f"task 'ecg': compact index {path} is missing")
    try:
        with np.load(path, allow_pickle=False) as stored:
            fields = {name: stored[name] for name in stored.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise ValueError(f"{path} is not a readable compact ECG index ({error})") from None
    missing = [name for name in _INDEX_FIELDS if name not in fields]
    if missing:
        raise KeyError(f"{path} lacks {missing}; a compact ECG index has {list(_INDEX_FIELDS)}")
    version = int(fields["format_version"])
    if version != COMPACT_FORMAT_VERSION:
        raise ValueError(
            f"{path} has compact format version {version}; this code reads "
            f"version {COMPACT_FORMAT_VERSION} (rebuild it with `nb360 data pack`)"
        )
    return fields


def read_compact(folder: Path) -> CompactSignals:
    """The records stored in ``folder``'s compact form; errors name the missing or bad file."""
    folder = Path(folder)
    index_path, signals_path = folder / COMPACT_INDEX, folder / COMPACT_SIGNALS
    index = _read_index(index_path)
    if not signals_path.exists():
        raise DataFileNotFoundError(
            f"task 'ecg': compact signals {signals_path} are missing (listed by {index_path})"
        )
    blob = signals_path.read_bytes()
    sizes, chunk = index["chunk_bytes"].astype(np.int64), int(index["chunk_samples"])
    total = int(index["offsets"][-1])
    n_chunks = -(-total // chunk)
    if len(sizes) != n_chunks or int(sizes.sum()) != len(blob):
        raise ValueError(
            f"{signals_path} has {len(blob)} bytes but {index_path} lists {int(sizes.sum())} "
            f"bytes in {len(sizes)} chunks (expected {n_chunks}): truncated or from another pack"
        )
    ends = np.cumsum(sizes)
    lengths = [min(chunk, total - k * chunk) for k in range(n_chunks)]

    def decode(k: int) -> np.ndarray:
        try:
            return _decode_chunk(blob[ends[k] - sizes[k] : ends[k]], lengths[k])
        except ValueError as error:
            raise ValueError(f"{signals_path}: chunk {k} of {n_chunks}: {error}") from None

    with ThreadPoolExecutor(_workers(n_chunks)) as pool:  # bz2 releases the GIL
        parts = list(pool.map(decode, range(n_chunks)))
    signal = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int16)
    return CompactSignals(names=index["names"], offsets=index["offsets"], signal=signal)
