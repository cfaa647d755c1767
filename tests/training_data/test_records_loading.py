"""load_records over the shipped NB201 records and over temporary stores."""
from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

from graph_encodings import get_space
from training_data.records.loading import DEFAULT_STORE, load_records
from training_data.records.record_file import CorruptRecordError, RecordStoreWarning
from training_data.records.store import RecordStore
from training_data.records.synthetic import synthetic_record

REQUIRED_COLUMNS = ["space", "arch", "arch_hash", "task", "protocol", "seed", "status", "score",
                    "sampler", "train_seconds"]


@pytest.fixture(scope="module")
def shipped() -> pd.DataFrame:
    """The imported NB201 tables among the shipped records (DARTS collections ship beside them)."""
    return load_records(protocol="nb360-nb201-200ep")


def test_shipped_records_are_the_nb201_tables(shipped):
    assert len(shipped) == 46_875
    assert set(REQUIRED_COLUMNS) <= set(shipped.columns)
    assert shipped.groupby("task").size().to_dict() == {"cifar100": 15_625, "darcyflow": 15_625,
                                                        "ninapro": 15_625}
    assert set(shipped["space"]) == {"nb201"} and set(shipped["protocol"]) == {"nb360-nb201-200ep"}
    assert set(shipped["status"]) == {"ok"} and set(shipped["seed"]) == {777}
    assert set(shipped["sampler"]) == {"exhaustive"}
    for task, frame in shipped.groupby("task"):
        assert sorted(frame["extra.nb201_index"]) == list(range(15_625)), task
        assert (frame["run_id"] == frame["extra.nb201_index"].astype(str)).all()


def test_shipped_scores_are_nb360_errors(shipped):
    nina = shipped[shipped["task"] == "ninapro"]
    darcy = shipped[shipped["task"] == "darcyflow"]
    cifar = shipped[shipped["task"] == "cifar100"]
    for percent in (nina, cifar):
        np.testing.assert_allclose(percent["score"] + percent["metric_value"], 100.0, atol=1e-9)
        assert percent["score"].min() > 0 and percent["score"].max() < 100  # % error
        assert (percent["metric_name"] == "test_accuracy").all()
    np.testing.assert_allclose(darcy["score"] + darcy["metric_value"], 1.0, atol=1e-12)
    assert darcy["score"].min() > 0 and darcy["score"].median() < 0.5  # relative L2 error
    assert nina["extra.ninapro_lat_ms_median_pi5_onnx"].gt(0).all()
    assert cifar["extra.cifar100_energy_mj_pi5_litert"].gt(0).all()
    assert nina["extra.darcy_lat_ms_median_pi5_onnx"].isna().all()  # each task its own columns
    assert nina["extra.cifar100_lat_ms_median_pi5_onnx"].isna().all()


def test_shipped_hashes_match_the_tables_isomorphism_classes(shipped):
    for _, frame in shipped.groupby("task"):
        assert frame["arch_hash"].nunique() == 6_466
        assert (frame.groupby("arch_hash")["extra.iso_rep_idx"].nunique() == 1).all()
        assert (frame.groupby("extra.iso_rep_idx")["arch_hash"].nunique() == 1).all()


def test_filters_read_only_what_is_asked(shipped):
    nina = load_records(task="ninapro", space="nb201", protocol="nb360-nb201-200ep")
    assert len(nina) == 15_625 and set(nina["task"]) == {"ninapro"}
    expected = shipped[shipped["task"] == "ninapro"].reset_index(drop=True)
    expected = expected.dropna(axis=1, how="all")  # the darcy-only extra columns
    pd.testing.assert_frame_equal(nina.dropna(axis=1, how="all"), expected)


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"task": "cifar10"}, r"task 'cifar10' matches no records; tasks present: \['cifar100', 'darcyflow', .*'ninapro'.*\]"),
        ({"protocol": "x"}, r"protocol 'x' matches no records; protocols present: \[.*'nb360-nb201-200ep'.*\]"),
        ({"task": "ninapro", "protocol": "nb360-nb201-200ep", "space": "darts"},
         r"space 'darts' matches no records with task='ninapro' with "
         r"protocol='nb360-nb201-200ep'; spaces present: \['nb201'\]"),
        ({"task": 3}, r"task filter must be a str or None, got 3"),
    ],
)
def test_unknown_filter_values_list_what_is_present(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        load_records(**kwargs)


@pytest.mark.slow
def test_every_shipped_record_passes_full_validation():
    checked = load_records(validate=True)
    pd.testing.assert_frame_equal(checked, load_records())


def _mixed_store(root) -> RecordStore:
    store = RecordStore(root)
    store.extend(synthetic_record(i, curve_epochs=i % 3) for i in range(6))
    store.append(synthetic_record(6, status="failed", score=None, message="CUDA OOM", extra={}))
    darts = get_space("darts")
    arch = darts.sample(7)
    store.append(synthetic_record(7, task="satellite", space="darts", arch=str(arch),
                                  arch_hash=darts.canonical_hash(arch), extra={"energy_mj": 2.0}))
    return store


def test_tmp_store_fast_and_validated_paths_agree(tmp_path):
    _mixed_store(tmp_path)
    fast = load_records(store=tmp_path)
    assert len(fast) == 8
    pd.testing.assert_frame_equal(fast, load_records(store=tmp_path, validate=True))
    assert fast["extra.energy_mj"].isna().sum() == 7
    assert fast.loc[fast["status"] == "failed", "message"].tolist() == ["CUDA OOM"]
    unflat = load_records(store=tmp_path, flatten_extra=False)
    assert unflat["extra"].tolist()[-1] == {"energy_mj": 2.0}
    assert load_records(store=tmp_path, space="darts")["task"].tolist() == ["satellite"]


def test_tmp_store_filter_combination_and_missing_root(tmp_path):
    _mixed_store(tmp_path).append(synthetic_record(0, task="ecg", protocol="p2"))
    with pytest.raises(ValueError, match=r"task 'satellite' with protocol 'p2'.*\['synthetic-v1'\]"):
        load_records(store=tmp_path, task="satellite", protocol="p2")
    with pytest.raises(FileNotFoundError, match="no-store"):
        load_records(store=tmp_path / "no-store")


def test_empty_store_gives_empty_frame_with_columns(tmp_path):
    frame = load_records(store=tmp_path)
    assert len(frame) == 0 and set(REQUIRED_COLUMNS) <= set(frame.columns)


def test_fast_path_still_rejects_damaged_files_and_warns_on_debris(tmp_path):
    _mixed_store(tmp_path)
    path = tmp_path / "ecg" / "synthetic-v1.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines) + b'{"arch":')
    with pytest.warns(RecordStoreWarning, match="line 8: ignoring an incomplete last line"):
        assert len(load_records(store=tmp_path, task="ecg")) == 7
    path.write_bytes(b"".join([lines[0], b'{"oops": 1}\n', *lines[1:]]))
    with pytest.raises(CorruptRecordError, match=r"line 2: unknown record field\(s\) \['oops'\]"):
        load_records(store=tmp_path)


def test_default_root_is_inside_the_package():
    assert DEFAULT_STORE.parts[-3:] == ("training_data", "data", "records")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the shipped files carry no crash debris
        groups = RecordStore(DEFAULT_STORE).groups()
    assert {(task, "nb360-nb201-200ep") for task in ("cifar100", "darcyflow", "ninapro")} <= set(groups)


def test_validation_recomputes_the_arch_hash(tmp_path):
    nb201 = get_space("nb201")
    arch, other = nb201.from_index(1234), nb201.from_index(99)
    store = RecordStore(tmp_path)
    store.append(synthetic_record(0, space="nb201", arch=str(arch), arch_hash=nb201.canonical_hash(arch)))
    store.append(synthetic_record(1, space="nb201", arch=str(arch), arch_hash=nb201.canonical_hash(other)))
    assert len(load_records(store=tmp_path)) == 2  # the fast path does not parse architectures
    with pytest.raises(CorruptRecordError, match=(
            rf"record store {tmp_path}: the record of task 'ecg', protocol 'synthetic-v1', seed 1, "
            rf"nb201 arch '{re.escape(str(arch))}' has arch_hash '{nb201.canonical_hash(other)}', but "
            rf"its architecture's canonical hash is '{nb201.canonical_hash(arch)}'")):
        load_records(store=tmp_path, validate=True)


def test_validation_names_a_record_whose_arch_does_not_parse(tmp_path):
    RecordStore(tmp_path).append(synthetic_record(2, space="darts", arch="Genotype(bogus)"))
    with pytest.raises(CorruptRecordError, match=r"seed 2, darts arch 'Genotype\(bogus\)': arch is not "
                                                 r"a valid 'darts' architecture"):
        load_records(store=tmp_path, validate=True)


def test_the_old_root_keyword_still_works_and_warns(tmp_path) -> None:
    RecordStore(tmp_path).extend([synthetic_record(i) for i in range(3)])
    with pytest.warns(FutureWarning, match=r"load_records\(root=\.\.\.\) is deprecated; use store="):
        old = load_records(root=tmp_path)
    pd.testing.assert_frame_equal(old, load_records(store=tmp_path))
