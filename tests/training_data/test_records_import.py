"""The NB201 NB360 table importer: content against the parquet, determinism, shipped files."""
from __future__ import annotations

import pandas as pd
import pytest

from graph_encodings.spaces import get_space
from training_data.records.loading import DEFAULT_ROOT
from training_data.records.nb201_import import (
    PROTOCOL,
    SOURCE_RELPATH,
    import_nb201_table,
    main,
    sha256_file,
)
from training_data.records.schema import Record


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
def test_rebuild_gives_the_shipped_bytes(table_path, tmp_path, capsys):
    main(["--parquet", str(table_path), "--out", str(tmp_path)])
    assert "nb360-nb201-200ep.jsonl" in capsys.readouterr().out
    built = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.jsonl"))
    shipped = sorted(p.relative_to(DEFAULT_ROOT) for p in DEFAULT_ROOT.rglob("nb360-nb201-200ep.jsonl"))
    assert built == shipped
    for rel in built:
        assert (tmp_path / rel).read_bytes() == (DEFAULT_ROOT / rel).read_bytes(), rel
    main(["--parquet", str(table_path), "--out", str(tmp_path)])  # rerun replaces, same bytes
    for rel in built:
        assert (tmp_path / rel).read_bytes() == (DEFAULT_ROOT / rel).read_bytes(), rel


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
