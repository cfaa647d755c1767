"""A data pack cut into parts, to reach a lent GPU machine over several calls.

One call to the lent machine carries the working tree plus a few carried paths, 64 MiB in all.
ECG's pack alone is about 37 MiB, so beside a growing working tree it travels in parts, one per
call: :func:`split_pack` cuts a pack into folders of at most ``max_part_bytes`` (byte ranges of its
files, "pieces", each with its SHA-256), the lent machine keeps each part it receives (an ignored
folder survives between calls of one lease: ``scripts/collect_gpu.sh stage``), and
:func:`join_pack` rebuilds the pack once every part is there and verifies it against its manifest.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath

from training_data.tasks.pack import MANIFEST_NAME, PackManifest, sha256_file, verify_pack

PART_INDEX = "nb360_pack_part.json"
PART_FORMAT = "nb360-data-pack-part"
DEFAULT_PART_BYTES = 24 * 2**20  # with a ~26 MiB working tree, 14 MiB under a lease's 64


@dataclass(frozen=True)
class Piece:
    """Bytes ``offset`` to ``offset + bytes`` of the pack file ``path``, stored as ``name``."""

    path: str
    offset: int
    bytes: int
    sha256: str
    name: str


@dataclass(frozen=True)
class PartIndex:
    """What one part holds: part ``part`` of ``parts`` of the pack whose manifest hashes to ``pack``."""

    pack: str
    part: int
    parts: int
    pieces: tuple[Piece, ...]

    @classmethod
    def read(cls, folder: Path) -> PartIndex:
        """The index of the part in ``folder`` (FileNotFoundError / ValueError naming the file)."""
        path = folder / PART_INDEX
        if not path.is_file():
            raise FileNotFoundError(f"{path} not found: {folder} is not a part of a data pack "
                                    "(`nb360 data split-pack` makes them)")
        try:
            data = json.loads(path.read_text())
            if data.get("format") != PART_FORMAT:
                raise ValueError(f"'format' is {data.get('format')!r}, not {PART_FORMAT!r}")
            pieces = tuple(Piece(str(p["path"]), int(p["offset"]), int(p["bytes"]), str(p["sha256"]),
                                 str(p["name"])) for p in data["pieces"])
            return cls(str(data["pack"]), int(data["part"]), int(data["parts"]), pieces)
        except (json.JSONDecodeError, AttributeError, KeyError, TypeError, ValueError) as error:
            raise ValueError(f"{path} is not a valid data-pack part index ({error})") from None


def _read_range(path: Path, offset: int, size: int) -> bytes:
    with path.open("rb") as handle:
        handle.seek(offset)
        return handle.read(size)


def part_folders(out_prefix: str | os.PathLike[str], parts: int) -> list[Path]:
    """The folders :func:`split_pack` writes: ``<out_prefix>.part<k>-of-<parts>``."""
    prefix = Path(out_prefix).expanduser()
    return [prefix.with_name(f"{prefix.name}.part{k}-of-{parts}") for k in range(1, parts + 1)]


def split_pack(pack_dir: str | os.PathLike[str], out_prefix: str | os.PathLike[str],
               max_part_bytes: int = DEFAULT_PART_BYTES) -> list[Path]:
    """Cut the pack in ``pack_dir`` (verified first) into parts of at most ``max_part_bytes``
    of pieces each; returns the part folders (:func:`part_folders`), replacing older ones."""
    if max_part_bytes < 1:
        raise ValueError(f"max_part_bytes must be positive, got {max_part_bytes}")
    folder = Path(pack_dir).expanduser()
    manifest = verify_pack(folder)
    files = [(MANIFEST_NAME, (folder / MANIFEST_NAME).stat().st_size)]
    files += [(f.path, f.bytes) for f in manifest.files]
    n_parts = max(1, math.ceil(sum(size for _, size in files) / max_part_bytes))
    ranges: list[list[tuple[str, int, int]]] = [[] for _ in range(n_parts)]
    part, room = 0, max_part_bytes
    for path, size in files:  # fill the parts in order, cutting a file where a part is full
        offset = 0
        while True:
            if room == 0 and part + 1 < n_parts:  # the total fits n_parts parts
                part, room = part + 1, max_part_bytes
            take = min(room, size - offset)
            ranges[part].append((path, offset, take))
            offset, room = offset + take, room - take
            if offset == size:
                break
    pack_id = sha256_file(folder / MANIFEST_NAME)
    folders = part_folders(out_prefix, n_parts)
    for k, (target, owned) in enumerate(zip(folders, ranges, strict=True), start=1):
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        pieces = []
        for i, (path, offset, size) in enumerate(owned):
            blob = _read_range(folder / PurePosixPath(path), offset, size)
            name = f"piece_{i:04d}.bin"
            (target / name).write_bytes(blob)
            pieces.append(Piece(path, offset, size, hashlib.sha256(blob).hexdigest(), name))
        index = {"format": PART_FORMAT, "pack": pack_id, "part": k, "parts": n_parts,
                 "pieces": [asdict(p) for p in pieces]}
        (target / PART_INDEX).write_text(json.dumps(index, indent=1) + "\n")
    return folders


def part_bytes(folder: Path) -> int:
    """What one part folder weighs: its pieces plus its index."""
    return sum(f.stat().st_size for f in folder.iterdir())


def missing_parts(part_dirs: Sequence[str | os.PathLike[str]]) -> list[int]:
    """The part numbers of the pack that ``part_dirs`` (parts of one pack) still lack."""
    return _missing(_indices(part_dirs))


def _missing(indices: Sequence[PartIndex]) -> list[int]:
    return sorted(set(range(1, indices[0].parts + 1)) - {index.part for index in indices})


def _indices(part_dirs: Sequence[str | os.PathLike[str]]) -> list[PartIndex]:
    if not part_dirs:
        raise ValueError("no part folders given")
    indices = [PartIndex.read(Path(d).expanduser()) for d in part_dirs]
    packs = {(index.pack, index.parts) for index in indices}
    if len(packs) > 1:
        raise ValueError(f"the folders {[str(d) for d in part_dirs]} hold parts of "
                         f"{len(packs)} different packs; join the parts of one pack")
    numbers = [index.part for index in indices]
    if len(set(numbers)) != len(numbers):
        raise ValueError(f"a part is given twice among {[str(d) for d in part_dirs]} (parts {numbers})")
    return indices


def join_pack(part_dirs: Sequence[str | os.PathLike[str]], out: str | os.PathLike[str]) -> PackManifest:
    """Rebuild the pack from all of its parts into ``out`` (replaced) and verify it.

    ValueError naming the missing parts, a piece whose SHA-256 differs, or parts of two packs;
    :func:`training_data.tasks.pack.verify_pack`'s errors when the joined files do not match.
    """
    indices = _indices(part_dirs)
    lacking = _missing(indices)
    if lacking:
        raise ValueError(f"parts {lacking} of {indices[0].parts} are missing; have "
                         f"{sorted(index.part for index in indices)}")
    target = Path(out).expanduser()
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    folders = {index.part: Path(d).expanduser() for index, d in zip(indices, part_dirs, strict=True)}
    pieces = sorted(((p.path, p.offset, index.part, p) for index in indices for p in index.pieces),
                    key=lambda row: row[:2])
    for path, offset, part, piece in pieces:
        relative = PurePosixPath(path)
        if relative.is_absolute() or ".." in relative.parts:
            raise ValueError(f"part {part}: piece path {path!r} leaves the pack")
        blob = (folders[part] / piece.name).read_bytes()
        if len(blob) != piece.bytes or hashlib.sha256(blob).hexdigest() != piece.sha256:
            raise ValueError(f"piece {piece.name} of part {part} ({path} from byte {offset}) is "
                             "corrupt: its size or SHA-256 differs from the part's index")
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        written = destination.stat().st_size if destination.exists() else 0
        if written != offset:
            raise ValueError(f"{path}: a piece starts at byte {offset}, but {written} bytes come "
                             "before it: the pieces do not follow each other")
        with destination.open("ab") as handle:
            handle.write(blob)
    if sha256_file(target / MANIFEST_NAME) != indices[0].pack:
        raise ValueError(f"the joined {MANIFEST_NAME} is not the manifest the parts were cut from")
    return verify_pack(target)


__all__ = ["DEFAULT_PART_BYTES", "PART_INDEX", "PartIndex", "Piece", "join_pack", "missing_parts",
           "part_bytes", "part_folders", "split_pack"]
