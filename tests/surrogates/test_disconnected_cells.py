"""Disconnected cells (no input-output path) are answered by a rule fitted on their records."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import graph_encodings
from surrogates import Benchmark
from surrogates.benchmark import fit_benchmark
from surrogates.disconnected import DisconnectedCells, apply_rule
from surrogates.registry import create
from training_data.records import DEFAULT_STORE, RecordStore

NB201 = graph_encodings.get_space("nb201")
DEAD = "|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|"  # node 1 leads nowhere
SKIP_ONLY = "|none~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|"  # one edge: connected
FIT_PARAMS = {"n_members": 1, "n_rounds": 30, "noise_folds": 0}


def test_nb201_has_exactly_the_341_cells_without_a_path() -> None:
    mask = NB201.disconnected_mask([NB201.from_index(i) for i in range(15625)])
    assert mask.sum() == 341
    assert NB201.is_disconnected(NB201.parse(DEAD)) and not NB201.is_disconnected(NB201.parse(SKIP_ONLY))
    # a path through node 2 only: 0 -> 2 (conv) -> 3 (pool)
    assert not NB201.is_disconnected(NB201.parse(
        "|none~0|+|nor_conv_1x1~0|none~1|+|none~0|none~1|avg_pool_3x3~2|"))
    darts = graph_encodings.get_space("darts")
    assert not any(darts.is_disconnected(a) for a in darts.sample_many(20, rng=0))


def test_rule_from_records_and_its_manifest_form() -> None:
    dead = np.array([True, True, False, True])
    rule = DisconnectedCells.from_records(dead, np.array([99.0, 99.0, 40.0, 98.0]))
    assert rule == DisconnectedCells(score=99.0, std=pytest.approx(np.std([99, 99, 98])), n_records=3)
    assert DisconnectedCells.from_dict(rule.to_dict()) == rule
    assert DisconnectedCells.from_records(np.array([True, False]), np.array([1.0, 2.0])) is None
    constant = DisconnectedCells.from_records(np.ones(4, bool), np.array([99.0, 99.0 + 1e-9, 99.0, 99.0]))
    assert constant.std == pytest.approx(99e-6)  # float rounding is not a spread: the resolution
    with pytest.raises(ValueError, match="must hold score, std and n_records"):
        DisconnectedCells.from_dict({"score": 1.0})
    with pytest.raises(ValueError, match="finite score and std >= 0"):
        DisconnectedCells.from_dict({"score": 1.0, "std": -1.0, "n_records": 3})
    mean, std = apply_rule(rule, np.array([True, False]), np.array([45.0, 30.0]), np.array([5.0, 2.0]))
    assert mean.tolist() == [99.0, 30.0] and std.tolist() == [rule.std, 2.0]


def nb201_records_with_dead_cells(root: Path, n_connected: int = 120, n_dead: int = 30) -> Path:
    """Shipped CIFAR-100 NB201 records: ``n_connected`` working cells and ``n_dead`` dead ones."""
    records = RecordStore(DEFAULT_STORE).records("cifar100", "nb360-nb201-200ep")
    dead = [NB201.is_disconnected(NB201.parse(r.arch)) for r in records]
    chosen = ([r for r, d in zip(records, dead, strict=True) if not d][:n_connected]
              + [r for r, d in zip(records, dead, strict=True) if d][:n_dead])
    RecordStore(root).extend(chosen)
    return root


def test_fitted_benchmark_answers_dead_cells_by_rule(tmp_path: Path) -> None:
    records = nb201_records_with_dead_cells(tmp_path / "records")
    fit_benchmark("cifar100", "nb201", model="xgb", artifacts=tmp_path / "art", params=FIT_PARAMS,
                  store=records)
    bench = Benchmark.load("cifar100", "nb201", model="xgb", artifacts=tmp_path / "art")
    rule = bench.manifest["disconnected_cells"]  # the table's 99.0 (100 - chance), to float noise
    assert rule["n_records"] == 30 and rule["score"] == pytest.approx(99.0)
    assert rule["std"] == pytest.approx(99e-6)  # the resolution floor: the records differ by ~1e-9
    metrics = bench.manifest["evaluation"]["metrics"]  # out-of-fold, dead cells included
    assert metrics["mae"] < 10, metrics  # 4.5 with the rule; 19.1 when the dead cells are learnt
    result = bench.query([DEAD, SKIP_ONLY], with_noise=True, seed=0)
    assert result.mean[0] == rule["score"] and result.std[0] == rule["std"]
    assert result.sample[0] == pytest.approx(99.0, abs=1e-4)  # not the table-wide run noise
    assert result.mean[1] < 90 and result.std[1] > 0
    assert bench.noise_std([DEAD])[0] == rule["std"]


def test_without_a_rule_the_model_answers(tmp_path: Path) -> None:
    records = nb201_records_with_dead_cells(tmp_path / "records", n_dead=0)
    data = RecordStore(records).records()
    model = create("xgb", **FIT_PARAMS, space="nb201", seed=0).fit([r.arch for r in data],
                                                                   [r.score for r in data])
    bench = Benchmark.from_model(model, task="cifar100", space="nb201", protocol="nb360-nb201-200ep")
    assert bench.disconnected is None and bench.query([DEAD]).mean[0] < 99.0
    rule = DisconnectedCells(99.0, 0.0, 5)
    ruled = Benchmark.from_model(model, task="cifar100", space="nb201", protocol="nb360-nb201-200ep",
                                 disconnected=rule)
    assert ruled.query([DEAD]).mean[0] == 99.0
