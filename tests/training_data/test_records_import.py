"""The NB201 NB360 table importer: content against the parquet, determinism, shipped files."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from graph_encodings.spaces import get_space
from training_data.records.loading import DEFAULT_ROOT
from training_data.records.nb201_import import (
    PROTOCOL,
    SOURCE_RELPATH,
    check_store,
    import_nb201_table,
    main,
    sha256_file,
    write_store,
)
from training_data.records.schema import Record
from training_data.records.store import RecordStore

FILE_NAME = f"{PROTOCOL}.jsonl.gz"


@pytest.fixture(scope="module")
def table_path(shared_data):
    return shared_data / SOURCE_RELPATH


@pytest.fixture(scope="module")
def imported(table_path) -> list[Record]:
    return import_nb201_table(table_path)


@pytest.mark.slow
@pytest.mark.needs_shared_data
def test_records_match_the_table_row_by_row(imported, table_path):
    table = pd.read_parquet(table_path).set_index("arch_idx")
    space = get_space("nb201")
    assert len(imported) == 31_250
    by_task = {"ninapro": imported[:15_625], "darcyflow": imported[15_625:]}
    for task, records in by_task.items():
        assert {r.task for r in records} == {task}
        assert len({r.key for r in records}) == 15_625  # isomorphic twins are all kept
    for index in (0, 1, 777, 15_624):
        row = table.loc[index]
        nina, darcy = by_task["ninapro"][index], by_task["darcyflow"][index]
        for record in (nina, darcy):
            assert record.arch == space.format(space.canonical(space.parse(row["arch_str"])))
            assert space.format(space.from_index(record.extra["nb201_index"])) == row["arch_str"]
            assert record.arch_hash == space.canonical_hash(space.parse(row["arch_str"]))
            assert (record.protocol, record.seed, record.run_id) == (PROTOCOL, 777, str(index))
            assert record.extra["iso_rep_idx"] == row["iso_rep_idx"]
            assert record.extra["source_sha256"] == sha256_file(table_path)
        assert nina.score == 100.0 - row["ninapro_test_acc"] == nina.test_score
        assert nina.metric_value == row["ninapro_test_acc"]
        assert darcy.score == 1.0 - row["darcy_test_score"]
        assert nina.extra["ninapro_energy_mj_pi5_onnx"] == row["ninapro_energy_mj_pi5_onnx"]
        assert darcy.extra["darcy_lat_ms_median_pixel_litert"] == row["darcy_lat_ms_median_pixel_litert"]
        assert not any(k.startswith("darcy_") for k in nina.extra)


@pytest.mark.slow
@pytest.mark.needs_shared_data
def test_rebuild_gives_the_shipped_gzip_bytes(table_path, tmp_path, capsys):
    main(["--parquet", str(table_path), "--out", str(tmp_path)])
    assert "nb360-nb201-200ep.jsonl.gz" in capsys.readouterr().out
    built = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    shipped = sorted(p.relative_to(DEFAULT_ROOT) for p in DEFAULT_ROOT.rglob("nb360-nb201-200ep*"))
    assert built == shipped == [Path("darcyflow", FILE_NAME), Path("ninapro", FILE_NAME)]
    for rel in built:
        assert (tmp_path / rel).read_bytes() == (DEFAULT_ROOT / rel).read_bytes(), rel
    main(["--parquet", str(table_path), "--out", str(tmp_path)])  # rerun replaces, same bytes
    for rel in built:
        assert (tmp_path / rel).read_bytes() == (DEFAULT_ROOT / rel).read_bytes(), rel
    main(["--parquet", str(table_path), "--out", str(tmp_path), "--check"])
    assert capsys.readouterr().out.count(": identical (rebuild sha256") == 2


@pytest.mark.slow
@pytest.mark.needs_shared_data
def test_check_reports_a_differing_or_missing_file(imported, tmp_path):
    write_store(imported, tmp_path)
    (tmp_path / "darcyflow" / FILE_NAME).unlink()
    nina = tmp_path / "ninapro" / FILE_NAME
    data = bytearray(nina.read_bytes())
    data[len(data) // 2] ^= 0xFF
    nina.write_bytes(bytes(data))
    verdicts = sorted(line.split(": ")[1].split(" ")[0] for line in check_store(imported, tmp_path))
    assert verdicts == ["DIFFERS", "MISSING"]
    assert not (tmp_path / "darcyflow" / FILE_NAME).exists()  # a check writes nothing


@pytest.mark.slow
@pytest.mark.needs_shared_data
def test_import_refuses_a_live_file_holding_the_table(imported, tmp_path):
    ninapro = [r for r in imported if r.task == "ninapro"]
    RecordStore(tmp_path).extend(ninapro[:3])  # e.g. the table in its former .jsonl form
    with pytest.raises(ValueError, match=r"live file .*ninapro/nb360-nb201-200ep\.jsonl already holds 3"):
        write_store(imported, tmp_path)
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["nb360-nb201-200ep.jsonl", "ninapro"]


@pytest.mark.needs_shared_data
def test_table_out_of_nb201_order_is_rejected(table_path, tmp_path):
    table = pd.read_parquet(table_path)
    table.loc[[0, 1], "arch_str"] = table.loc[[1, 0], "arch_str"].to_numpy()
    bad = tmp_path / "swapped.parquet"
    table.to_parquet(bad)
    with pytest.raises(ValueError, match="row arch_idx=0 holds .* which is NB201 index 1"):
        import_nb201_table(bad)


def test_missing_file_and_columns_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.parquet"):
        import_nb201_table(tmp_path / "nope.parquet")
    small = tmp_path / "small.parquet"
    pd.DataFrame({"arch_idx": [0], "arch_str": ["x"]}).to_parquet(small)
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['iso_rep_idx', 'ninapro_test_acc'"):
        import_nb201_table(small)


def test_runs_as_a_script_without_the_double_import_warning():
    """``python -m training_data.records.nb201_import`` must not be imported by its package first."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-W", "error::RuntimeWarning", "-m", "training_data.records.nb201_import", "--help"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "--check" in done.stdout
