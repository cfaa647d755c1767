"""benchmarks/bench_holdout_coverage.py on a benchmark fitted here from real NB201 records: its
strata partition the held-out rows and its overall coverage is the manifest's."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from benchmark_scripts import load_benchmark_script

import surrogates
from surrogates import Benchmark
from surrogates.benchmark import fit_benchmark
from surrogates.benchmark.fitting import disconnected_rows, held_out_predictions
from surrogates.benchmark.records import held_out_rows, load_training_set
from training_data.records import DEFAULT_STORE, RecordStore

bench = load_benchmark_script("bench_holdout_coverage")


@pytest.fixture(scope="module")
def fitted(tmp_path_factory) -> tuple[Path, Path]:
    """An xgb benchmark fitted on the first 1,500 shipped NinaPro NB201 records, scored by a
    holdout (from 100 architectures here; the table's isomorphic twins give classes of several
    sizes)."""
    from surrogates.benchmark import fitting

    patch = pytest.MonkeyPatch()
    patch.setattr(fitting, "HOLDOUT_MIN_ARCHS", 100)
    root = tmp_path_factory.mktemp("holdout")
    records = root / "records"
    RecordStore(records).extend(RecordStore(DEFAULT_STORE).records("ninapro", "nb360-nb201-200ep")[:1500])
    fit_benchmark("ninapro", "nb201", model="xgb", artifacts=root / "art",
                  params=surrogates.checking_parameters("xgb"), store=records)
    patch.undo()
    return root / "art", records


def test_strata_partition_the_held_out_rows(fitted) -> None:
    art, records = fitted
    loaded = Benchmark.load("ninapro", space="nb201", model="xgb", artifacts=art)
    data = load_training_set("ninapro", "nb201", store=records)
    rows = held_out_rows(data, loaded.manifest["evaluation"])
    dead = disconnected_rows(data)
    held = held_out_predictions(loaded, data, rows, dead)
    assert np.array_equal(held.mean, held_out_predictions(loaded, data, rows).mean)  # dead found alike
    strata = bench.strata_rows(data, rows, held, dead)
    assert sum(s["rows"] for s in strata) == len(rows)
    assert sum(s["archs"] for s in strata) == len(set(data.groups[rows]))
    assert len(strata) >= 3  # singletons, twins and the disconnected class are all held out here
    inside = np.concatenate([np.full(s["rows"], s["cov90 rows"]) for s in strata])
    assert inside.mean() == pytest.approx(loaded.manifest["evaluation"]["metrics"]["coverage90"], abs=1e-9)
    largest = bench.largest_classes(data, rows, held, 3)
    assert [c["rows"] for c in largest] == sorted((c["rows"] for c in largest), reverse=True)


def test_the_script_prints_the_manifest_coverage(fitted, capsys) -> None:
    art, records = fitted
    bench.main(["--task", "ninapro", "--space", "nb201", "--artifacts", str(art), "--store", str(records),
                "--model", "xgb", "--largest", "2"])
    out = capsys.readouterr().out
    rows_cov, manifest_cov = re.search(r"90 % coverage: ([\d.]+) of rows.*manifest: ([\d.]+)", out).groups()
    assert rows_cov == manifest_cov
    assert "largest held-out classes" in out and "class size" in out


def test_seed_rows_split_runs_by_seed() -> None:
    from types import SimpleNamespace

    import pandas as pd

    from surrogates.benchmark.scoring import HeldOutPrediction

    groups = np.array(["a", "b", "b", "b"])
    data = SimpleNamespace(groups=groups, scores=np.array([0.0, 0.0, 3.0, 3.0]),
                           frame=pd.DataFrame({"seed": [0, 0, 1, 2]}))
    held = HeldOutPrediction(np.zeros(4), np.ones(4), {0.5: np.ones(4), 0.9: np.ones(4)})
    out = bench.seed_rows(data, np.arange(4), held)
    assert [(r["rows"], r["cov90"], r["mean |residual|"]) for r in out] == [(1, 1.0, 0.0), (1, 1.0, 0.0),
                                                                           (2, 0.0, 3.0)]
    single = SimpleNamespace(groups=groups[:2], scores=np.zeros(2), frame=pd.DataFrame({"seed": [0, 0]}))
    assert bench.seed_rows(single, np.arange(2), held.take(np.arange(2))) == []
    twins = SimpleNamespace(groups=groups, scores=np.zeros(4), frame=pd.DataFrame({"seed": [777] * 4}))
    assert bench.seed_rows(twins, np.arange(4), held) == []  # NB201: repeated classes are twins, not seeds


def test_class_sizes_count_rows_per_group() -> None:
    assert bench.class_sizes(np.array(["a", "b", "a", "c", "a"])).tolist() == [3, 1, 3, 1, 3]
