"""Budgeted random-search tuning: trials, split, budget, determinism, search spaces, errors."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

import graph_encodings
import surrogates
from surrogates.metrics import kendall_tau
from surrogates.tuning import (
    METRIC_DIRECTIONS,
    SEARCH_SPACES,
    Choice,
    IntUniform,
    LogUniform,
    MixtureWeight,
    SearchSpaceError,
    Uniform,
    _candidates,
    _check_candidate,
    set_path,
    tune,
    validation_split,
)

TINY_XGB = {"n_rounds": IntUniform(2, 20), "booster_params.max_depth": IntUniform(1, 4),
            "booster_params.learning_rate": LogUniform(0.05, 0.5)}


@pytest.fixture(autouse=True)
def _one_torch_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def xgb_run(nb201_data):
    archs, y = nb201_data
    return tune("xgb", archs, y, n_trials=5, base_params=surrogates.checking_parameters("xgb"),
                search_space=TINY_XGB, seed=3)


def _without_run_settings(params: dict) -> dict:
    return {k: v for k, v in params.items() if k not in ("space", "seed")}


# -- trials -------------------------------------------------------------------------------------
def test_best_trial_is_the_best_of_all_trials(xgb_run):
    scores = [t.score for t in xgb_run.trials]
    assert len(scores) == 5 and len(set(scores)) > 1  # the candidates really differ
    assert xgb_run.best_trial == int(np.argmax(scores))
    assert xgb_run.best_score == max(scores)
    assert xgb_run.best_params == xgb_run.trials[xgb_run.best_trial].params


def test_minimised_metric_picks_the_lowest(nb201_data):
    archs, y = nb201_data
    result = tune("xgb", archs, y, n_trials=4, metric="mae", seed=1,
                  base_params=surrogates.checking_parameters("xgb"), search_space=TINY_XGB)
    scores = [t.score for t in result.trials]
    assert result.best_score == min(scores) and result.best_trial == int(np.argmin(scores))
    assert all(t.score == t.metrics["mae"] for t in result.trials)


def test_first_trial_is_defaults_merged_with_base_params(xgb_run):
    base = surrogates.checking_parameters("xgb")
    expected = _without_run_settings(surrogates.create("xgb", **base).get_params())
    assert xgb_run.trials[0].params == expected
    assert xgb_run.trials[0].sampled == {}
    assert xgb_run.default_score == xgb_run.trials[0].score
    # later trials: the base plus exactly the sampled values at their paths
    for trial in xgb_run.trials[1:]:
        assert set(trial.sampled) == set(TINY_XGB)
        assert trial.params["n_rounds"] == trial.sampled["n_rounds"]
        assert trial.params["booster_params"]["max_depth"] == trial.sampled["booster_params.max_depth"]
        assert trial.params["n_members"] == base["n_members"]


def test_defaults_without_base_params_are_the_model_defaults(nb201_data):
    archs, y = nb201_data
    base = {"n_rounds": 5, "n_members": 1, "noise_folds": 2}
    result = tune("lgb", archs, y, n_trials=1, base_params=base)
    defaults = surrogates.create("lgb").get_params()
    assert result.trials[0].params == _without_run_settings({**defaults, **base})
    assert result.trials[0].params["booster_params"] == defaults["booster_params"]


def test_best_params_rebuild_the_best_validation_score(nb201_data, xgb_run):
    """Refitting create(model, **best_params) on the same split reproduces the best score."""
    archs, y = nb201_data
    groups = np.array([graph_encodings.get_space("nb201").canonical_hash(a) for a in archs])
    val = validation_split(groups, 0.2, 3)
    assert (xgb_run.n_train, xgb_run.n_validation) == (int((~val).sum()), int(val.sum()))
    train = np.flatnonzero(~val)
    model = surrogates.create("xgb", **xgb_run.best_params, seed=3)
    model.fit([archs[i] for i in train], y[train], noise_groups=groups[train])
    mean, _ = model.predict([archs[i] for i in np.flatnonzero(val)])
    assert kendall_tau(y[val], mean) == pytest.approx(xgb_run.best_score, abs=1e-12)


def test_same_seed_same_trials_other_seed_other_candidates(nb201_data, xgb_run):
    archs, y = nb201_data
    again = tune("xgb", archs, y, n_trials=5, base_params=surrogates.checking_parameters("xgb"),
                 search_space=TINY_XGB, seed=3)
    assert [t.params for t in again.trials] == [t.params for t in xgb_run.trials]
    assert [t.score for t in again.trials] == [t.score for t in xgb_run.trials]
    other = _candidates({"n_rounds": 1, "booster_params": {}}, TINY_XGB, 5, seed=4)
    assert [s for _, s in other] != [t.sampled for t in xgb_run.trials]


def test_time_budget_stops_early_but_runs_one_trial(nb201_data):
    archs, y = nb201_data
    result = tune("xgb", archs, y, n_trials=50, time_budget_s=0.0,
                  base_params=surrogates.checking_parameters("xgb"), search_space=TINY_XGB)
    assert len(result.trials) == 1 and result.stopped_by == "time_budget"
    assert result.best_trial == 0 and result.n_trials_requested == 50


def test_without_budget_all_trials_run(xgb_run):
    assert xgb_run.stopped_by == "n_trials" and len(xgb_run.trials) == xgb_run.n_trials_requested


def test_ensemble_mixture_weight_and_member_sizes(nb201_data):
    archs, y = nb201_data
    space = {"weights": MixtureWeight(0.5, 0.9), "members.1.params.n_members": IntUniform(1, 3)}
    result = tune("ensemble", archs, y, n_trials=2, search_space=space,
                  base_params=surrogates.checking_parameters("ensemble"))
    w = result.trials[1].params["weights"]
    assert 0.5 <= w[0] <= 0.9 and w[0] + w[1] == pytest.approx(1.0)
    assert result.trials[1].params["members"][1]["params"]["n_members"] in (1, 2, 3)
    assert result.trials[1].params["members"][0] == result.trials[0].params["members"][0]


def test_to_dict_is_strict_json(xgb_run):
    record = json.loads(json.dumps(xgb_run.to_dict(), allow_nan=False))
    assert record["best_params"] == xgb_run.best_params
    assert record["maximise"] is True and record["metric"] == "kendall_tau"
    assert [t["score"] for t in record["trials"]] == [t.score for t in xgb_run.trials]
    assert record["search_space"]["n_rounds"] == {"kind": "int_uniform", "low": 2, "high": 20}


# -- validation split ---------------------------------------------------------------------------
def test_groups_never_straddle_the_split():
    groups = np.repeat(np.arange(50), np.arange(50) % 4 + 1)  # sizes 1..4
    mask = validation_split(groups, 0.3, seed=0)
    for g in np.unique(groups):
        assert len(set(mask[groups == g])) == 1
    assert abs(mask.mean() - 0.3) < 4 / len(groups) + 1e-9
    assert not np.array_equal(mask, validation_split(groups, 0.3, seed=1))


def test_isomorphic_twins_stay_together_in_tune(nb201_data):
    """Default groups are canonical hashes: a duplicated arch lands on one side with its twin."""
    archs, y = nb201_data
    doubled, y2 = list(archs) + list(archs[:60]), np.concatenate([y, y[:60] + 0.1])
    hashes = np.array([graph_encodings.get_space("nb201").canonical_hash(a) for a in doubled])
    mask = validation_split(hashes, 0.25, 0)
    assert all(mask[i] == mask[240 + i] for i in range(60))
    result = tune("xgb", doubled, y2, n_trials=1, validation_fraction=0.25,
                  base_params=surrogates.checking_parameters("xgb"))
    assert result.n_validation == int(mask.sum())


def test_custom_noise_groups_drive_the_split(nb201_data):
    archs, y = nb201_data
    groups = np.arange(240) // 40  # 6 groups of 40: the split moves in steps of 40
    result = tune("xgb", archs, y, noise_groups=groups, n_trials=1, validation_fraction=0.2,
                  base_params=surrogates.checking_parameters("xgb"))
    assert result.n_validation % 40 == 0 and result.n_train + result.n_validation == 240


# -- distributions and paths --------------------------------------------------------------------
def test_log_uniform_is_uniform_in_log_space():
    rng = np.random.default_rng(0)
    draws = np.array([LogUniform(1e-3, 1e-1).sample(rng) for _ in range(4000)])
    assert draws.min() >= 1e-3 and draws.max() <= 1e-1
    assert abs(np.mean(draws < 1e-2) - 0.5) < 0.03  # a linear uniform would give 0.09
    linear = np.array([Uniform(1e-3, 1e-1).sample(rng) for _ in range(4000)])
    assert abs(np.mean(linear < 1e-2) - 9 / 99) < 0.02


def test_int_distributions_cover_their_bounds():
    rng = np.random.default_rng(0)
    flat = [IntUniform(3, 6).sample(rng) for _ in range(400)]
    assert set(flat) == {3, 4, 5, 6} and all(type(v) is int for v in flat)
    logged = np.array([IntUniform(1, 100, log=True).sample(rng) for _ in range(4000)])
    assert logged.min() >= 1 and logged.max() <= 100
    # P(value < 10) = log(10) / log(101) for the floor of a log-uniform on [1, 101)
    assert abs(np.mean(logged < 10) - math.log(10) / math.log(101)) < 0.03
    assert Choice((np.int64(4),)).sample(rng) == 4 and type(Choice((np.int64(4),)).sample(rng)) is int


def test_set_path_goes_through_dicts_and_lists():
    params = {"n_rounds": 1, "booster_params": {"max_depth": 3},
              "members": [{"name": "gin", "params": {}}]}
    set_path(params, "booster_params.eta", 0.1)
    set_path(params, "members.0.params.hidden", 8)
    set_path(params, "n_rounds", 7)
    assert params == {"n_rounds": 7, "booster_params": {"max_depth": 3, "eta": 0.1},
                      "members": [{"name": "gin", "params": {"hidden": 8}}]}
    with pytest.raises(SearchSpaceError, match=r"list of 1; segment '2' must be an index 0\.\.0"):
        set_path(params, "members.2.params.hidden", 8)
    with pytest.raises(SearchSpaceError, match="n_rounds is 7, not a dict or list"):
        set_path(params, "n_rounds.depth", 1)


@pytest.mark.parametrize("model", sorted(SEARCH_SPACES))
def test_default_search_spaces_build_valid_models(model):
    """Every default space's keys resolve and every draw constructs (members included)."""
    base = {k: v for k, v in surrogates.create(model).get_params().items() if k not in ("space", "seed")}
    candidates = _candidates(base, SEARCH_SPACES[model], 6, seed=0)
    for params, _ in candidates:
        _check_candidate(model, params)
    assert all(set(sampled) == set(SEARCH_SPACES[model]) for _, sampled in candidates[1:])


def test_a_bad_member_value_fails_before_any_fit(nb201_data):
    archs, y = nb201_data
    with pytest.raises(ValueError, match=r"unknown hyper-parameter\(s\) \['hidden'\]"):
        tune("ensemble", archs, y, n_trials=2,
             search_space={"members.1.params.hidden": Choice((8,))})  # members[1] is xgb


# -- errors -------------------------------------------------------------------------------------
def test_unknown_model_names_the_valid_ones(nb201_data):
    archs, y = nb201_data
    with pytest.raises(ValueError, match="unknown surrogate 'xgboost'; valid names: .*xgb"):
        tune("xgboost", archs, y)


def test_model_without_default_space(nb201_data):
    archs, y = nb201_data
    with pytest.raises(ValueError, match="no default search space for 'mean'.*ensemble, gin, lgb, xgb"):
        tune("mean", archs, y)


def test_unknown_metric_names_the_valid_ones(nb201_data):
    archs, y = nb201_data
    with pytest.raises(ValueError, match="unknown metric 'accuracy'; valid: .*kendall_tau.*nll"):
        tune("xgb", archs, y, metric="accuracy")
    assert METRIC_DIRECTIONS["nll"] == -1 and METRIC_DIRECTIONS["r2"] == 1


def test_unknown_search_space_key_names_the_valid_ones(nb201_data):
    archs, y = nb201_data
    with pytest.raises(SearchSpaceError, match="'depth' is not a hyper-parameter of 'xgb'; valid: .*n_rounds"):
        tune("xgb", archs, y, search_space={"depth": IntUniform(1, 3)})
    with pytest.raises(SearchSpaceError, match="'seed' is set by tune's seed= argument"):
        tune("xgb", archs, y, search_space={"seed": IntUniform(1, 3)})
    with pytest.raises(ValueError, match="is not a distribution; use one of Uniform, LogUniform"):
        tune("xgb", archs, y, search_space={"n_rounds": [1, 2]})


@pytest.mark.parametrize("kwargs, message", [
    ({"n_trials": 0}, "n_trials must be an integer >= 1, got 0"),
    ({"time_budget_s": -1.0}, "time_budget_s must be None or a finite number >= 0, got -1.0"),
    ({"validation_fraction": 1.0}, r"validation_fraction must be in \(0, 1\), got 1.0"),
    ({"base_params": {"seed": 1}}, r"base_params may not set \['seed'\]"),
    ({"base_params": {"rounds": 1}}, r"unknown hyper-parameter\(s\) \['rounds'\]"),
    ({"task": "mnist"}, "no sparse Kendall tau resolution for task 'mnist'"),
    ({"metric": "sparse_kendall_tau"}, "no sparse Kendall tau resolution for task None"),
])
def test_bad_settings_raise_before_fitting(nb201_data, kwargs, message):
    archs, y = nb201_data
    with pytest.raises(ValueError, match=message):
        tune("xgb", archs, y, **kwargs)


def test_too_few_groups_for_a_split(nb201_data):
    archs, y = nb201_data
    with pytest.raises(ValueError, match="leaves 240 validation / 0 training rows"):
        tune("xgb", archs, y, noise_groups=np.zeros(240), n_trials=1)


@pytest.mark.parametrize("make, message", [
    (lambda: LogUniform(0.0, 1.0), "a log scale needs low > 0"),
    (lambda: Uniform(2.0, 1.0), "need finite low < high"),
    (lambda: IntUniform(1, 5.5), "low and high must be integers"),
    (lambda: Choice(()), "options is empty"),
    (lambda: MixtureWeight(0.5, 1.5), "need 0 <= low < high <= 1"),
])
def test_bad_distributions(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_sparse_kendall_tau_with_a_task(nb201_data):
    archs, y = nb201_data
    result = tune("xgb", archs, y, metric="sparse_kendall_tau", task="ninapro", n_trials=2,
                  base_params=surrogates.checking_parameters("xgb"), search_space=TINY_XGB)
    assert all(t.score == t.metrics["sparse_kendall_tau"] for t in result.trials)
    assert result.to_dict()["task"] == "ninapro"
