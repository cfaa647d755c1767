"""The validation study: true regret, comparisons, ranking calibration, and a tiny end-to-end run."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import graph_encodings
import surrogates
from nas_optimizers import simulate
from nas_optimizers.validation import (
    PrecomputedPredictor,
    StudyConfig,
    add_true_regret,
    compare,
    fit_surrogate,
    ranking_calibration,
)
from nas_optimizers.validation.__main__ import config_from_args, main, parse_args
from nas_optimizers.validation.study import TABLE_PROTOCOL
from surrogates.tabular import TabularBenchmark

SPACE = graph_encodings.get_space("nb201")
ARCHS = [SPACE.from_index(i) for i in (0, 100, 2000, 5000)]
MEANS = [4.0, 3.0, 1.0, 2.0]


@pytest.fixture(scope="module")
def table() -> TabularBenchmark:
    frame = pd.DataFrame({
        "arch": [str(a) for a in ARCHS], "arch_hash": [SPACE.canonical_hash(a) for a in ARCHS],
        "score": MEANS, "task": "t", "space": "nb201", "protocol": "p-v1", "status": "ok",
    })
    return TabularBenchmark.from_records("t", records=frame)


def test_true_regret_follows_the_observed_incumbent(table):
    # One run: observed scores disagree with the table (as on a surrogate): the incumbent is
    # picked by the observed score, its regret read from the table (best table mean 1.0).
    frame = pd.DataFrame({
        "optimizer": "x", "seed": 0, "arch": [str(a) for a in ARCHS],
        "score": [5.0, 2.0, 3.0, 2.0],  # ARCHS[1] becomes incumbent; a tie keeps it
    })
    out = add_true_regret(frame, table)
    assert out["incumbent_arch"].tolist() == [str(ARCHS[0])] + [str(ARCHS[1])] * 3
    np.testing.assert_allclose(out["regret"], [3.0, 2.0, 2.0, 2.0])


def _finals(table_regrets: dict[str, list[float]], shift: float) -> pd.DataFrame:
    rows = [(bench, name, seed, value + (shift if bench == "surrogate" else 0.0))
            for bench in ("table", "surrogate") for name, values in table_regrets.items()
            for seed, value in enumerate(values)]
    return pd.DataFrame(rows, columns=["benchmark", "optimizer", "seed", "regret"])


def test_compare_a_shifted_surrogate_keeps_the_ranking():
    regrets = {"random_search": [3.0, 3.2, 2.8, 3.1], "bananas": [1.0, 1.1, 0.9, 1.0],
               "local_search": [2.0, 2.5, 1.5, 2.0]}
    result = compare(_finals(regrets, shift=0.5), n_boot=500)
    rows = result.per_optimizer.set_index("optimizer")
    assert result.spearman == pytest.approx(1.0) and result.kendall == pytest.approx(1.0)
    np.testing.assert_allclose(rows["difference"], 0.5)
    assert rows.loc["bananas", "table"] == pytest.approx(1.0)
    assert rows.loc["bananas", "verdict_table"] == rows.loc["bananas", "verdict_surrogate"] == "better"
    assert rows.loc["random_search", "verdict_table"] == "tie"
    assert not result.conclusion_changed


def test_compare_detects_a_changed_winner():
    finals = _finals({"random_search": [3.0, 3.1, 2.9], "bananas": [1.0, 1.1, 0.9]}, shift=0.0)
    flip = (finals["benchmark"] == "surrogate") & (finals["optimizer"] == "bananas")
    finals.loc[flip, "regret"] += 4.0
    result = compare(finals, n_boot=500)
    assert not result.same_winner and result.changed_verdicts == ["bananas"]
    assert result.conclusion_changed and result.kendall == pytest.approx(-1.0)


def test_compare_a_winner_swap_within_noise_is_no_change():
    finals = _finals({"random_search": [1.0, 3.0, 2.0, 2.2], "bananas": [2.1, 1.0, 3.0, 2.0]}, 0.0)
    swap = (finals["benchmark"] == "surrogate") & (finals["optimizer"] == "bananas")
    finals.loc[swap, "regret"] += 0.3  # table: bananas 2.025 < 2.05; surrogate: 2.325 > 2.05
    result = compare(finals, n_boot=500)
    assert result.winners == {"table": "bananas", "surrogate": "random_search"}
    assert result.same_winner and not result.conclusion_changed


def test_compare_errors():
    finals = _finals({"random_search": [1.0, 2.0]}, 0.0)
    with pytest.raises(ValueError, match="baseline 'bananas'"):
        compare(finals, baseline="bananas")
    with pytest.raises(ValueError, match="both benchmarks"):
        compare(finals[finals["benchmark"] == "table"])


def test_a_perfect_noise_free_ranking_always_covers_the_best(table):
    # The table ranks itself: std 0 for single runs, so top_set(p) = {the true best}.
    result = ranking_calibration(table, table, table.archs, pool_size=3, n_pools=20,
                                 probs=(0.5, 0.9), n_samples=50)
    np.testing.assert_array_equal(result.coverage["coverage"], [1.0, 1.0])
    np.testing.assert_array_equal(result.coverage["mean_size"], [1.0, 1.0])
    assert result.interval_coverage == 1.0
    with pytest.raises(ValueError, match="pool_size"):
        ranking_calibration(table, table, table.archs, pool_size=5)


@pytest.mark.slow
def test_the_table_is_a_drop_in_benchmark_for_simulation():
    real = TabularBenchmark.from_records("ninapro", protocol=TABLE_PROTOCOL)
    frame = simulate("regularized_evolution", real, 30, workers=2, seeds=[0, 1],
                     optimizer_kwargs={"population_size": 10, "sample_size": 3})
    again = simulate("regularized_evolution", real, 30, workers=2, seeds=[0, 1],
                     optimizer_kwargs={"population_size": 10, "sample_size": 3})
    pd.testing.assert_frame_equal(frame, again)
    np.testing.assert_allclose(frame["true_score"], real.query(frame["arch"].tolist()).mean)
    for arch, score in zip(frame["arch"], frame["score"], strict=True):
        assert score in real.runs(arch)  # every noisy evaluation is a real training run


@pytest.mark.slow
def test_precomputed_predictor_serves_the_models_predictions():
    from training_data import load_records

    frame = load_records(task="ninapro", space="nb201", protocol=TABLE_PROTOCOL)
    real = TabularBenchmark.from_records("ninapro", records=frame)
    config = StudyConfig(fraction=0.01, model_params=surrogates.checking_parameters("ensemble"))
    fitted = fit_surrogate(real, frame, config)
    model = fitted.model
    assert fitted.n_records == 156  # 1 % of 15,625 records
    assert 100 <= len(fitted.seen) <= 156  # their classes (twins share one)
    pool = real.archs[:30]
    cached = PrecomputedPredictor(model, pool, real.space)
    for (_, m1, s1), (_, m2, s2) in zip(model.member_predictions(pool[5:9]),
                                        cached.member_predictions(pool[5:9]), strict=True):
        # float32 networks: a batch of 4 and one of 30 round differently (1.3e-7 relative seen)
        np.testing.assert_allclose(m1, m2, rtol=1e-6)
        np.testing.assert_allclose(s1, s2, rtol=1e-6)
    twins = [SPACE.from_index(i) for i in range(200)]
    twins = [a for a in twins if SPACE.canonical(a) in pool and SPACE.canonical(a) != a][:5]
    assert twins  # isomorphic, non-canonical members of precomputed classes are served too
    np.testing.assert_allclose(cached.predict(twins)[0], model.predict(twins)[0])
    with pytest.raises(KeyError, match="not precomputed"):
        cached.member_predictions([real.archs[40]])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"fraction": 1.5}, "fraction"), ({"seeds": 0}, "seeds"),
     ({"optimizers": ("bananas",)}, "random_search")],
)
def test_study_config_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        StudyConfig(**kwargs)


def test_the_study_covers_every_shipped_nb201_table():
    nb201 = {task for space, task, protocol, _ in surrogates.list_benchmarks()
             if space == "nb201" and protocol == "nb360-nb201-200ep"}
    assert set(StudyConfig().tasks) == set(config_from_args(parse_args([])).tasks) == nb201
    assert "cifar100" in nb201
    assert config_from_args(parse_args(["--task", "cifar100"])).tasks == ("cifar100",)
    with pytest.raises(SystemExit):
        parse_args(["--task", "spherical"])


@pytest.mark.parametrize("task", StudyConfig().tasks)
def test_every_study_table_is_the_whole_nb201_space(task):
    table = TabularBenchmark.from_records(task, protocol=TABLE_PROTOCOL)
    assert len(table) == 6466 and table.n_runs.sum() == 15_625  # canonical classes, all cells
    assert table.best_score == table.means.min() > 0


@pytest.mark.slow
def test_study_runs_end_to_end_and_writes_its_outputs(tmp_path):
    path = main(["--task", "ninapro", "--fraction", "0.02", "--checking", "--seeds", "2",
                 "--budget", "12", "--workers", "2", "--optimizers",
                 "random_search,regularized_evolution,local_search", "--pools", "5",
                 "--pool-size", "10", "--samples", "200", "--boot", "200", "--out",
                 str(tmp_path)])
    assert path == tmp_path / "results.md"
    for name in ("anytime_ninapro.png", "anytime_ninapro_time.png", "final_regret.png",
                 "ranking_calibration.png"):
        assert (tmp_path / name).stat().st_size > 1000
        assert f"({name})" in path.read_text()
    finals = pd.read_csv(tmp_path / "final_regret.csv")
    assert len(finals) == 2 * 3 * 2  # benchmarks x optimizers x seeds
    text = path.read_text()
    for _, group in finals.groupby(["benchmark", "optimizer"]):
        assert f"{group['regret'].mean():.4g}" in text  # the table reports the CSV's means
    curves = pd.read_csv(tmp_path / "anytime.csv")
    assert len(curves) == 2 * 3 * 12 and (curves["n"] == 2).all()  # x evaluations, 2 seeds
    assert (curves["mean"] >= 0).all()
    last = curves[curves["evaluation"] == 12].set_index(["benchmark", "optimizer"])["mean"]
    np.testing.assert_allclose(last.sort_index(), finals.groupby(
        ["benchmark", "optimizer"])["regret"].mean().sort_index())
