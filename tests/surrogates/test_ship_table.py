"""The README's table of shipped benchmarks is the output of surrogates.benchmark.ship_table."""
from __future__ import annotations

from pathlib import Path

import pytest

from surrogates.benchmark import ship_table

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_table_is_current() -> None:
    current = ship_table.table()
    assert ship_table.block(README.read_text()) == current, (
        "README.md's shipped-benchmarks table differs from the artifacts' manifests; "
        f"regenerate it with `{ship_table.COMMAND}`"
    )


def test_every_shipped_benchmark_has_a_row() -> None:
    from surrogates.benchmark.artifact_folders import list_benchmarks

    rows = ship_table.table().splitlines()[2:]
    assert len(rows) == len(list_benchmarks()) > 0
    for line in rows:
        assert line.count("|") == ship_table.HEADER.count("|")


def _manifest(evaluation: dict) -> dict:
    return {"space": "darts", "task": "ecg", "protocol": "ecg-cpu-v9", "model": "ensemble",
            "training_data": {"n_records": 1234}, "evaluation": evaluation}


def test_row_seed_mean_column() -> None:
    metrics = {"kendall_tau": 0.5, "r2": 0.25, "mae": 0.0123, "coverage90": 0.9}
    plain = ship_table.row(_manifest({"method": "holdout", "test_fraction": 0.1, "n_test": 120,
                                      "split_unit": "architecture", "metrics": metrics}))
    assert plain == ("| darts / ecg | `ecg-cpu-v9` | ensemble | 1,234 | 10 % of archs (120 records) "
                     "| 0.500 | 0.250 | 0.0123 | 0.90 | - | - | - | - |")
    with_mean = ship_table.row(_manifest({
        "method": "cross_validation", "folds": 5, "split_unit": "architecture", "metrics": metrics,
        "seed_mean": {"min_runs": 3, "n_archs": 40, "metrics": {"kendall_tau": 0.61}}}))
    assert "| 5-fold CV (archs) |" in with_mean and with_mean.endswith("| 0.610 (40 archs) | - | - |")
    no_archs = ship_table.row(_manifest({"method": "holdout", "metrics": metrics,
                                         "seed_mean": {"min_runs": 3, "n_archs": 1, "note": "few"}}))
    assert no_archs.endswith("| - | - | - |")
    per_arch = ship_table.row(_manifest({"method": "holdout", "metrics": metrics,
                                         "per_architecture": {"n_archs": 50, "coverage90": 0.884}}))
    assert per_arch.endswith("| 0.90 | 0.88 | - | - | - |")


def test_row_architecture_share_column() -> None:
    metrics = {"kendall_tau": 0.5, "r2": 0.25, "mae": 0.0123, "coverage90": 0.9}
    manifest = _manifest({"method": "holdout", "metrics": metrics})
    assert ship_table.row(manifest, (0.0877, 0.0, 0.1927, 0.0639)).endswith("| 0.09 (0.00-0.19) | 0.06 |")
    assert ship_table.row(manifest, (0.5, 0.4, 0.6, float("nan"))).endswith("| 0.50 (0.40-0.60) | - |")
    assert ship_table.row(manifest, (float("nan"),) * 4).endswith("| - | - |")


def test_table_shares_are_the_summary_of_the_fitted_records() -> None:
    """Each row's share is the one ``nb360 data summary`` prints for the records its benchmark
    was fitted on (the first ``n_records`` of its protocol; PSICOV's store holds more)."""
    from surrogates.benchmark.artifact_folders import artifact_dir, read_benchmark_manifest
    from surrogates.benchmark.records import load_training_set
    from training_data.summary import summarise

    for row in ship_table.table().splitlines()[2:]:
        cells = [c.strip() for c in row.strip("|").split("|")]
        space, task = (part.strip() for part in cells[0].split("/"))
        protocol, model = cells[1].strip("`"), cells[2]
        manifest = read_benchmark_manifest(artifact_dir(space, task, protocol, model))
        n_fitted = manifest["training_data"]["n_records"]
        record = summarise(load_training_set(task, space, protocol).first(n_fitted).frame).iloc[0]
        assert ship_table.fitted_share(manifest) == (record.arch_share, record.arch_share_low,
                                                     record.arch_share_high, record.rank_share)
        assert cells[-2] == (f"{record.arch_share:.2f} ({record.arch_share_low:.2f}-"
                             f"{record.arch_share_high:.2f})")
        assert cells[-1] == f"{record.rank_share:.2f}"


def _psicov_manifest() -> dict:
    from surrogates.benchmark.artifact_folders import artifact_dir, read_benchmark_manifest

    return read_benchmark_manifest(artifact_dir("darts", "psicov", "psicov-cpu-v2", "ensemble"))


def _store_copy(tmp_path: Path, task: str) -> Path:
    import shutil

    from training_data.records.loading import store_folder

    store = tmp_path / "records"
    shutil.copytree(store_folder() / task, store / task)
    return store


def test_records_collected_after_the_fit_leave_the_share_as_it_is(tmp_path: Path) -> None:
    """Growing a shipped protocol's record set (a collection run) does not change its row."""
    import dataclasses

    from training_data.records.store import RecordStore

    manifest = _psicov_manifest()
    store = _store_copy(tmp_path, "psicov")
    before = ship_table.fitted_share(manifest, store)
    assert before is not None and before == ship_table.fitted_share(manifest)
    records = RecordStore(store)
    for record in records.records(task="psicov", protocol="psicov-cpu-v2")[:40]:
        worse = dataclasses.replace(record, seed=record.seed + 1000, score=record.score * 3.0)
        assert records.append(worse)
    assert ship_table.fitted_share(manifest, store) == before


def test_fitted_records_that_changed_leave_the_share_unknown(tmp_path: Path) -> None:
    """A store whose first ``n_records`` no longer hash to the manifest's (fewer than were
    fitted, or one of them edited) gives no share rather than the share of other data."""
    import dataclasses

    from training_data.records.loading import store_folder
    from training_data.records.store import RecordStore

    manifest = _psicov_manifest()
    n_fitted = manifest["training_data"]["n_records"]
    records = RecordStore(store_folder()).records(task="psicov", protocol="psicov-cpu-v2")
    ok_positions = [i for i, r in enumerate(records) if r.status == "ok" and r.score is not None]
    last_fitted = ok_positions[n_fitted - 1]
    one_short = RecordStore(tmp_path / "short")
    one_short.extend(records[:last_fitted])  # every fitted run but the last
    assert ship_table.fitted_share(manifest, tmp_path / "short") is None
    edited = RecordStore(tmp_path / "edited")
    first = records[ok_positions[0]]
    edited.extend([dataclasses.replace(first, score=first.score + 1.0), *records[ok_positions[0] + 1:]])
    assert ship_table.fitted_share(manifest, tmp_path / "edited") is None
    assert ship_table.fitted_share(manifest, store_folder()) is not None  # the unedited records match
    tampered = {**manifest, "training_data": {**manifest["training_data"], "sha256": "0" * 64}}
    assert ship_table.fitted_share(tampered) is None


def test_table_without_records_leaves_the_share_unknown(tmp_path: Path) -> None:
    empty_store = tmp_path / "records"
    empty_store.mkdir()
    for line in ship_table.table(store=empty_store).splitlines()[2:]:
        assert line.endswith("| - | - |")


def test_write_replaces_only_the_block(tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text(f"intro\n{ship_table.START}\nold table\n{ship_table.END}\noutro\n")
    ship_table.main(["--write", str(doc)])
    text = doc.read_text()
    assert text.startswith(f"intro\n{ship_table.START}\n") and text.endswith(f"{ship_table.END}\noutro\n")
    assert ship_table.block(text) == ship_table.table()
    doc.write_text("no markers\n")
    with pytest.raises(ValueError, match="ship-table"):
        ship_table.main(["--write", str(doc)])
