"""A data pack cut into parts (one per call to a lent machine) and joined back, bit for bit."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from test_data_ecg import write_physionet

from nb360_cli.commands.data import DEFAULT_PART_MIB
from nb360_cli.main import main
from training_data.tasks.loaders import ecg
from training_data.tasks.pack import MANIFEST_NAME, PackIntegrityError, sha256_file, write_pack
from training_data.tasks.pack_parts import (
    DEFAULT_PART_BYTES,
    PART_INDEX,
    join_pack,
    missing_parts,
    part_bytes,
    split_pack,
)


@pytest.fixture()
def pack(tmp_path: Path) -> Path:
    """A pack of 20 synthetic ECG records (about 100 KB over four files)."""
    write_physionet(tmp_path / "raw" / "physionet2017" / "training2017")
    write_pack(tmp_path / "pack", tasks=["ecg"], data_root=tmp_path / "raw")
    return tmp_path / "pack"


def _files(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): sha256_file(p) for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("parts_wanted", [1, 3, 7])
def test_split_parts_stay_under_the_limit_and_join_to_the_same_pack(pack: Path, tmp_path: Path,
                                                                    parts_wanted: int) -> None:
    total = sum(p.stat().st_size for p in pack.rglob("*") if p.is_file())
    limit = -(-total // parts_wanted)
    folders = split_pack(pack, tmp_path / "cut", max_part_bytes=limit)
    assert [f.name for f in folders] == [f"cut.part{k}-of-{parts_wanted}" for k in range(1, parts_wanted + 1)]
    # the pieces of a part weigh at most the limit; its index is a few hundred bytes more
    assert all(part_bytes(f) - (f / PART_INDEX).stat().st_size <= limit for f in folders)
    joined = join_pack(list(reversed(folders)), tmp_path / "joined")  # any order
    assert _files(tmp_path / "joined") == _files(pack)
    assert joined.tasks == ("ecg",)
    assert ecg.load(tmp_path / "joined", use_cache=False).meta["source_format"] == "compact"


def test_missing_or_foreign_or_corrupt_parts_are_named(pack: Path, tmp_path: Path) -> None:
    folders = split_pack(pack, tmp_path / "cut", max_part_bytes=30_000)
    n = len(folders)
    assert n >= 3 and missing_parts(folders) == []
    assert missing_parts(folders[:1]) == list(range(2, n + 1))
    with pytest.raises(ValueError, match=rf"parts \[2\] of {n} are missing"):
        join_pack([folders[0], *folders[2:]], tmp_path / "joined")
    with pytest.raises(ValueError, match="a part is given twice"):
        join_pack([folders[0], folders[0]], tmp_path / "joined")
    other = tmp_path / "other"
    shutil.copytree(pack, other)
    manifest = json.loads((other / MANIFEST_NAME).read_text())
    (other / MANIFEST_NAME).write_text(json.dumps({**manifest, "sources": {}}))
    foreign = split_pack(other, tmp_path / "foreign", max_part_bytes=30_000)
    with pytest.raises(ValueError, match="parts of 2 different packs"):
        join_pack([folders[0], *foreign[1:]], tmp_path / "joined")
    piece = sorted(folders[1].glob("piece_*.bin"))[0]
    piece.write_bytes(b"x" + piece.read_bytes()[1:])
    with pytest.raises(ValueError, match=rf"piece {piece.name} of part 2 .* is corrupt"):
        join_pack(folders, tmp_path / "joined")
    with pytest.raises(FileNotFoundError, match=rf"{PART_INDEX} not found.*split-pack"):
        join_pack([tmp_path], tmp_path / "joined")
    (folders[0] / PART_INDEX).write_text("{}")
    with pytest.raises(ValueError, match="not a valid data-pack part index"):
        missing_parts(folders)


def test_a_damaged_pack_is_not_split(pack: Path, tmp_path: Path) -> None:
    victim = next(p for p in sorted(pack.rglob("*")) if p.is_file() and p.name != MANIFEST_NAME)
    victim.write_bytes(victim.read_bytes()[:-1] + b"\0")
    with pytest.raises(PackIntegrityError, match=victim.name):
        split_pack(pack, tmp_path / "cut", max_part_bytes=30_000)
    with pytest.raises(ValueError, match="max_part_bytes must be positive"):
        split_pack(pack, tmp_path / "cut", max_part_bytes=0)


def test_cli_splits_and_joins_waiting_for_missing_parts(pack: Path, tmp_path: Path, capsys) -> None:
    assert DEFAULT_PART_MIB * 2**20 == DEFAULT_PART_BYTES  # the CLI's default is the library's
    assert main(["data", "split-pack", str(pack), "--max-mib", "0.03"]) == 0
    out = capsys.readouterr().out
    folders = sorted(pack.parent.glob("pack.part*-of-*"))
    assert len(folders) >= 3 and f"{len(folders)} part(s)" in out
    assert main(["data", "join-pack", str(folders[0]), "--out", str(tmp_path / "j"),
                 "--allow-incomplete"]) == 0
    assert f"waiting for part(s) {list(range(2, len(folders) + 1))}" in capsys.readouterr().out
    assert not (tmp_path / "j").exists()
    assert main(["data", "join-pack", *map(str, folders), "--out", str(tmp_path / "j")]) == 0
    assert "every file matches its manifest" in capsys.readouterr().out
    assert _files(tmp_path / "j") == _files(pack)
