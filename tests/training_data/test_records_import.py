"""The NB201 NB360 table importer: content against the parquets, determinism, shipped files."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from graph_encodings.spaces import get_space
from training_data.records.loading import DEFAULT_STORE
from training_data.records.nb201_import import (
    CIFAR100_TABLE,
    NB360_TABLE,
    PROTOCOL,
    SOURCE_RELPATH,
    TABLES,
    check_store,
    import_nb201_table,
    import_nb201_tables,
    main,
    sha256_file,
    table_for_file,
    write_store,
)
from training_data.records.schema import Record
from training_data.records.store import RecordStore

FILE_NAME = f"{PROTOCOL}.jsonl.gz"
SHIPPED_TASKS = ["cifar100", "darcyflow", "ninapro"]
# task -> (its source table, raw metric -> NB360 error, one of its hardware columns)
TASKS = {
    "ninapro": (NB360_TABLE, lambda raw: 100.0 - raw, "ninapro_energy_mj_pi5_onnx"),
    "darcyflow": (NB360_TABLE, lambda raw: 1.0 - raw, "darcy_lat_ms_median_pixel_litert"),
    "cifar100": (CIFAR100_TABLE, lambda raw: 100.0 - raw, "cifar100_lat_ms_median_pi5_torchmobile"),
}


@pytest.fixture(scope="module")
def table_path(shared_data):
    return shared_data / SOURCE_RELPATH


@pytest.fixture(scope="module")
def imported(table_path) -> list[Record]:
    return import_nb201_table(table_path)


@pytest.fixture(scope="module")
def imported_all(shared_data) -> list[Record]:
    return import_nb201_tables(shared_data)


@pytest.mark.slow
@pytest.mark.needs_shared_data
def test_records_match_the_tables_row_by_row(imported_all, shared_data):
    space = get_space("nb201")
    assert len(imported_all) == 3 * 15_625
    by_task = {task: [r for r in imported_all if r.task == task] for task in TASKS}
    assert [r.task for r in imported_all[::15_625]] == ["ninapro", "darcyflow", "cifar100"]
    for task, (source, to_score, hw_column) in TASKS.items():
        records = by_task[task]
        path = shared_data / source.relpath
        table = pd.read_parquet(path).set_index("arch_idx")
        metric = source.tasks[task].metric_column
        assert len({r.key for r in records}) == 15_625  # isomorphic twins are all kept
        for index in (0, 1, 777, 15_624):
            row, record = table.loc[index], records[index]
            assert record.arch == space.format(space.canonical(space.parse(row["arch_str"])))
            assert space.format(space.from_index(record.extra["nb201_index"])) == row["arch_str"]
            assert record.arch_hash == space.canonical_hash(space.parse(row["arch_str"]))
            assert (record.protocol, record.seed, record.run_id) == (PROTOCOL, 777, str(index))
            assert record.extra["iso_rep_idx"] == row["iso_rep_idx"]
            assert record.extra["source"] == source.relpath.name
            assert record.extra["source_sha256"] == sha256_file(path)
            assert record.timestamp == source.timestamp
            assert record.score == to_score(row[metric]) == record.test_score
            assert record.metric_value == row[metric]
            assert record.extra[hw_column] == row[hw_column]
            prefixes = {columns.prefix for t, columns in source.tasks.items() if t != task}
            assert not any(k.startswith(p) for k in record.extra for p in prefixes)
    assert {r.metric_name for r in by_task["cifar100"]} == {"test_accuracy"}


@pytest.mark.slow
@pytest.mark.needs_shared_data
def test_rebuild_gives_the_shipped_gzip_bytes(shared_data, tmp_path, capsys):
    main(["--data-root", str(shared_data), "--store", str(tmp_path)])
    assert capsys.readouterr().out.count("nb360-nb201-200ep.jsonl.gz") == 3
    built = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    shipped = sorted(p.relative_to(DEFAULT_STORE) for p in DEFAULT_STORE.rglob("nb360-nb201-200ep*"))
    assert built == shipped == [Path(task, FILE_NAME) for task in SHIPPED_TASKS]
    for rel in built:
        assert (tmp_path / rel).read_bytes() == (DEFAULT_STORE / rel).read_bytes(), rel
    # one table alone, named by its file name: rerun replaces its file, same bytes
    main(["--parquet", str(shared_data / CIFAR100_TABLE.relpath), "--store", str(tmp_path)])
    rel = Path("cifar100", FILE_NAME)
    assert (tmp_path / rel).read_bytes() == (DEFAULT_STORE / rel).read_bytes()
    capsys.readouterr()
    main(["--data-root", str(shared_data), "--store", str(tmp_path), "--check"])
    assert capsys.readouterr().out.count(": identical (rebuild sha256") == 3


def test_write_and_check_take_the_store_as_store_and_out_as_its_old_spelling(tmp_path):
    from training_data.records.synthetic import synthetic_record

    records = [synthetic_record(i) for i in range(3)]
    assert write_store(records, store=tmp_path / "a") == [tmp_path / "a" / "ecg" / "synthetic-v1.jsonl.gz"]
    with pytest.warns(FutureWarning, match=r"write_store\(out=\.\.\.\) is deprecated; use store="):
        write_store(records, out=tmp_path / "b")
    assert [line.split(": ")[1].split(" ")[0] for line in check_store(records, store=tmp_path / "b")] == [
        "identical"]
    with pytest.warns(FutureWarning, match=r"check_store\(out=\.\.\.\) is deprecated; use store="):
        check_store(records, out=tmp_path / "a")


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


@pytest.mark.needs_shared_data
def test_classes_that_disagree_with_iso_rep_idx_are_rejected(shared_data, tmp_path):
    table = pd.read_parquet(shared_data / CIFAR100_TABLE.relpath)
    twin = table.index[(table["iso_rep_idx"] != table["arch_idx"])][0]  # a twin of a smaller index
    table.loc[twin, "iso_rep_idx"] = table.loc[twin, "arch_idx"]  # split it off its class
    bad = tmp_path / "split_class.parquet"
    table.to_parquet(bad)
    with pytest.raises(ValueError, match=r"breaks the agreement of the canonical classes with the "
                                         r"table's iso_rep_idx"):
        import_nb201_table(bad, "cifar100")


def test_missing_file_and_columns_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.parquet"):
        import_nb201_table(tmp_path / "nope.parquet")
    small = tmp_path / "small.parquet"
    pd.DataFrame({"arch_idx": [0], "arch_str": ["x"]}).to_parquet(small)
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['iso_rep_idx', 'ninapro_test_acc'"):
        import_nb201_table(small)
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['iso_rep_idx', 'cifar100_test_acc'\] "
                                         r"of the 'cifar100' table"):
        import_nb201_table(small, "cifar100")
    with pytest.raises(ValueError, match=r"unknown NB201 source table 'cifar10'; valid: nb360, cifar100"):
        import_nb201_table(small, "cifar10")


def test_tables_are_named_by_file_or_option(tmp_path, capsys):
    assert set(TABLES) == {"nb360", "cifar100"}
    assert table_for_file(Path("x") / "nb201_cifar100.parquet") is CIFAR100_TABLE
    assert table_for_file("nb201_nb360.parquet") is NB360_TABLE
    with pytest.raises(ValueError, match=r"cannot tell which NB201 table .*other\.parquet is.*--table"):
        table_for_file(tmp_path / "other.parquet")
    for argv, message in [
        (["--parquet", str(tmp_path / "other.parquet")], "cannot tell which NB201 table"),
        (["--table", "cifar100"], "--table names the table of --parquet"),
        (["--parquet", "a.parquet", "--data-root", str(tmp_path)], "exclusive"),
    ]:
        with pytest.raises(SystemExit):
            main(argv)
        assert message in capsys.readouterr().err


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
