"""Budgeted hyper-parameter tuning of a surrogate on a validation split (seeded random search).

``tune(model, archs, y)`` holds out whole noise groups (repeated runs / isomorphic twins stay on
one side) as a validation split, fits the model's defaults first and then up to ``n_trials - 1``
random candidates from a search space, scores each on the validation split and returns a
:class:`TuningResult` recording every trial. Because the first trial is the defaults (merged
with ``base_params``), the tuned choice never scores worse than the defaults on validation.

Search spaces map dotted hyper-parameter paths to distributions: ``"n_rounds"`` is a top-level
hyper-parameter, ``"booster_params.max_depth"`` a key inside a dict-valued one and
``"members.0.params.epochs"`` goes through a list by index. :data:`SEARCH_SPACES` holds one per
tunable model. All candidates are drawn before any fit, so the candidate sequence depends on
``seed`` only, never on how long fits take.
"""
from __future__ import annotations

import copy
import math
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol

import numpy as np

from surrogates.archs import fit_inputs
from surrogates.metrics import regression_metrics, resolution_for
from surrogates.registry import create, get_model_class
from surrogates.splits import group_holdout

# +1: larger is better; -1: smaller is better.
METRIC_DIRECTIONS: dict[str, int] = {
    "kendall_tau": 1, "spearman": 1, "pearson": 1, "r2": 1, "sparse_kendall_tau": 1,
    "precision_top1": 1, "precision_top5": 1, "nll": -1, "mae": -1, "rmse": -1,
}
# Hyper-parameters set by tune's own arguments (space=, seed=), never searched or in best_params.
RUN_SETTINGS = ("space", "seed")


# -- distributions ------------------------------------------------------------------------------
class Distribution(Protocol):
    """What a search-space entry provides: a seeded draw and a JSON-able description."""

    def sample(self, rng: np.random.Generator) -> Any: ...

    def describe(self) -> dict[str, Any]: ...


def _check_range(kind: str, low: float, high: float, log: bool) -> None:
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(f"{kind}: need finite low < high, got low={low!r}, high={high!r}")
    if log and low <= 0:
        raise ValueError(f"{kind}: a log scale needs low > 0, got low={low!r}")


@dataclass(frozen=True)
class Uniform:
    """A float uniform on ``[low, high]``."""

    low: float
    high: float

    def __post_init__(self) -> None:
        _check_range("Uniform", self.low, self.high, log=False)

    def sample(self, rng: np.random.Generator) -> float:
        return float(rng.uniform(self.low, self.high))

    def describe(self) -> dict[str, Any]:
        return {"kind": "uniform", "low": self.low, "high": self.high}


@dataclass(frozen=True)
class LogUniform:
    """A float whose logarithm is uniform on ``[log low, log high]`` (learning rates, penalties)."""

    low: float
    high: float

    def __post_init__(self) -> None:
        _check_range("LogUniform", self.low, self.high, log=True)

    def sample(self, rng: np.random.Generator) -> float:
        return float(math.exp(rng.uniform(math.log(self.low), math.log(self.high))))

    def describe(self) -> dict[str, Any]:
        return {"kind": "log_uniform", "low": self.low, "high": self.high}


@dataclass(frozen=True)
class IntUniform:
    """An integer in ``[low, high]`` (both included), uniform or, with ``log``, log-uniform."""

    low: int
    high: int
    log: bool = False

    def __post_init__(self) -> None:
        if not (isinstance(self.low, int) and isinstance(self.high, int)):
            raise ValueError(f"IntUniform: low and high must be integers, got {self.low!r}, {self.high!r}")
        _check_range("IntUniform", self.low, self.high, self.log)

    def sample(self, rng: np.random.Generator) -> int:
        if not self.log:
            return int(rng.integers(self.low, self.high + 1))
        # floor of a log-uniform on [low, high + 1): k has mass log((k + 1) / k) / log(...)
        value = math.exp(rng.uniform(math.log(self.low), math.log(self.high + 1)))
        return int(min(math.floor(value), self.high))

    def describe(self) -> dict[str, Any]:
        return {"kind": "int_log_uniform" if self.log else "int_uniform",
                "low": self.low, "high": self.high}


@dataclass(frozen=True)
class Choice:
    """One of ``options``, each equally likely."""

    options: tuple[Any, ...]

    def __post_init__(self) -> None:
        if len(self.options) == 0:
            raise ValueError("Choice: options is empty; pass at least one option")

    def sample(self, rng: np.random.Generator) -> Any:
        value = self.options[int(rng.integers(len(self.options)))]
        return value.item() if isinstance(value, np.generic) else copy.deepcopy(value)

    def describe(self) -> dict[str, Any]:
        return {"kind": "choice", "options": list(self.options)}


@dataclass(frozen=True)
class MixtureWeight:
    """Weights ``[w, 1 - w]`` of a two-member mixture, ``w`` uniform on ``[low, high]``."""

    low: float
    high: float

    def __post_init__(self) -> None:
        _check_range("MixtureWeight", self.low, self.high, log=False)
        if not 0.0 <= self.low < self.high <= 1.0:
            raise ValueError(f"MixtureWeight: need 0 <= low < high <= 1, got {self.low!r}, {self.high!r}")

    def sample(self, rng: np.random.Generator) -> list[float]:
        w = float(rng.uniform(self.low, self.high))
        return [w, 1.0 - w]

    def describe(self) -> dict[str, Any]:
        return {"kind": "mixture_weight", "low": self.low, "high": self.high}


DISTRIBUTIONS = (Uniform, LogUniform, IntUniform, Choice, MixtureWeight)

# The default search spaces, around the measured defaults (surrogates.models.*). Tree spaces keep
# row_subsample < 1, so the members keep their out-of-bag noise estimate (no k-fold refits).
_TREE_COMMON: dict[str, Distribution] = {
    "n_rounds": IntUniform(200, 2000, log=True),
    "row_subsample": Uniform(0.5, 0.95),
}
SEARCH_SPACES: dict[str, dict[str, Distribution]] = {
    "xgb": {
        **_TREE_COMMON,
        "booster_params.max_depth": IntUniform(3, 10),
        "booster_params.learning_rate": LogUniform(0.005, 0.2),
        "booster_params.min_child_weight": LogUniform(0.5, 20.0),
        "booster_params.colsample_bytree": Uniform(0.3, 1.0),
        "booster_params.lambda": LogUniform(0.1, 30.0),
    },
    "lgb": {
        **_TREE_COMMON,
        "booster_params.num_leaves": IntUniform(4, 128, log=True),
        "booster_params.learning_rate": LogUniform(0.005, 0.2),
        "booster_params.min_data_in_leaf": IntUniform(1, 30, log=True),
        "booster_params.feature_fraction": Uniform(0.3, 1.0),
        "booster_params.lambda_l2": LogUniform(1e-3, 30.0),
    },
    "gin": {
        "hidden": Choice((32, 64, 128)),
        "n_layers": IntUniform(2, 5),
        "epochs": IntUniform(40, 200, log=True),
        "lr": LogUniform(3e-4, 1e-2),
        "weight_decay": LogUniform(1e-6, 1e-3),
        "batch_size": Choice((32, 64, 128)),
    },
    # The default ensemble: members[0] is the GIN, members[1] the XGBoost ensemble.
    "ensemble": {
        "weights": MixtureWeight(0.5, 0.95),
        "members.0.params.n_members": IntUniform(2, 6),
        "members.0.params.hidden": Choice((32, 64)),
        "members.1.params.n_members": IntUniform(2, 6),
        "members.1.params.n_rounds": IntUniform(200, 1500, log=True),
    },
}


# -- dotted paths -------------------------------------------------------------------------------
class SearchSpaceError(KeyError):
    """A search-space key does not name a hyper-parameter of the model."""

    def __str__(self) -> str:  # KeyError would print the message quoted
        return str(self.args[0]) if self.args else ""


def set_path(params: dict[str, Any], path: str, value: Any) -> None:
    """Set ``params[a][b]...`` for ``path = "a.b..."`` in place (integer segments index lists).

    Dicts along the way gain missing keys (e.g. a booster parameter the defaults leave out);
    lists must already hold the index. ``KeyError`` when the path cannot be followed.
    """
    keys = path.split(".")
    node: Any = params
    for depth, key in enumerate(keys):
        last = depth == len(keys) - 1
        where = ".".join(keys[:depth]) or "the hyper-parameters"
        if isinstance(node, dict):
            if last:
                node[key] = value
            else:
                node = node.setdefault(key, {})
        elif isinstance(node, list):
            if not key.lstrip("-").isdigit() or not 0 <= int(key) < len(node):
                raise SearchSpaceError(
                    f"search-space path {path!r}: {where} is a list of {len(node)}; segment "
                    f"{key!r} must be an index 0..{len(node) - 1}")
            if last:
                node[int(key)] = value
            else:
                node = node[int(key)]
        else:
            raise SearchSpaceError(
                f"search-space path {path!r}: {where} is {node!r}, not a dict or list to go into")


def _check_search_space(model: str, space: dict[str, Any], valid: Sequence[str]) -> None:
    if not isinstance(space, dict) or not space:
        raise ValueError(f"search_space must be a non-empty dict of path -> distribution, got {space!r}")
    for path, dist in space.items():
        top = str(path).split(".")[0]
        if top in RUN_SETTINGS:
            raise SearchSpaceError(
                f"search-space key {path!r}: {top!r} is set by tune's {top}= argument, not searched")
        if top not in valid:
            raise SearchSpaceError(
                f"search-space key {path!r}: {top!r} is not a hyper-parameter of {model!r}; "
                f"valid: {', '.join(sorted(k for k in valid if k not in RUN_SETTINGS))}")
        if not isinstance(dist, DISTRIBUTIONS):
            raise ValueError(
                f"search-space key {path!r}: {dist!r} is not a distribution; use one of "
                f"{', '.join(d.__name__ for d in DISTRIBUTIONS)}")


def _check_candidate(model: str, params: dict[str, Any]) -> None:
    """Construct the model (and any members) so bad values fail before the first fit."""
    create(model, **params)
    for member in params.get("members") or []:
        if isinstance(member, dict) and "name" in member:
            create(member["name"], **member.get("params", {}))


# -- split and result ---------------------------------------------------------------------------
def validation_split(groups: Any, fraction: float, seed: int) -> np.ndarray:
    """Boolean mask of validation rows: whole groups in a seeded order, about ``fraction`` of rows.

    Every label of ``groups`` lies entirely on one side. ``ValueError`` when ``fraction`` is not
    in (0, 1) or either side would hold fewer than 2 rows.
    """
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"validation_fraction must be in (0, 1), got {fraction!r}")
    groups = np.asarray(groups)
    mask = group_holdout(groups, fraction, np.random.default_rng([seed, 5]))
    if mask.sum() < 2 or (~mask).sum() < 2:
        raise ValueError(
            f"a validation split of {fraction} over {len(groups)} rows in {len(np.unique(groups))} noise "
            f"groups leaves {int(mask.sum())} validation / {int((~mask).sum())} training rows; "
            f"each side needs at least 2 (more data or another validation_fraction)")
    return mask


@dataclass(frozen=True)
class Trial:
    """One fitted candidate: its full hyper-parameters, the sampled values, its scores."""

    params: dict[str, Any]
    sampled: dict[str, Any]
    score: float
    metrics: dict[str, float]
    fit_seconds: float


def _json_float(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


@dataclass(frozen=True)
class TuningResult:
    """What tuning chose and every trial behind it (``to_dict`` goes into artifact manifests).

    ``best_params`` are full hyper-parameters without the run settings ``space`` and ``seed``:
    ``create(model, **best_params)`` rebuilds the chosen model.
    """

    model: str
    metric: str
    best_params: dict[str, Any]
    best_score: float
    best_trial: int
    trials: list[Trial]
    n_train: int
    n_validation: int
    seed: int
    validation_fraction: float
    task: str | None
    search_space: dict[str, dict[str, Any]]
    n_trials_requested: int
    time_budget_s: float | None
    stopped_by: str  # "n_trials" or "time_budget"
    seconds: float

    @property
    def default_score(self) -> float:
        """The validation score of the first trial (the defaults merged with ``base_params``)."""
        return self.trials[0].score

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able record (non-finite scores become ``None``)."""
        out = asdict(self)
        out["maximise"] = METRIC_DIRECTIONS[self.metric] > 0
        out["default_score"] = _json_float(self.default_score)
        out["best_score"] = _json_float(self.best_score)
        out["trials"] = [
            {**asdict(t), "score": _json_float(t.score),
             "metrics": {k: _json_float(v) for k, v in t.metrics.items()}}
            for t in self.trials
        ]
        return out


# -- tuning -------------------------------------------------------------------------------------
def _check_settings(metric: str, task: str | None, n_trials: int, time_budget_s: float | None,
                    base_params: dict[str, Any]) -> None:
    if metric not in METRIC_DIRECTIONS:
        raise ValueError(f"unknown metric {metric!r}; valid: {', '.join(sorted(METRIC_DIRECTIONS))}")
    if task is not None or metric == "sparse_kendall_tau":
        resolution_for(task)  # ValueError naming the tasks with a resolution
    if isinstance(n_trials, bool) or not isinstance(n_trials, int) or n_trials < 1:
        raise ValueError(f"n_trials must be an integer >= 1, got {n_trials!r}")
    if time_budget_s is not None and not (time_budget_s >= 0 and math.isfinite(time_budget_s)):
        raise ValueError(f"time_budget_s must be None or a finite number >= 0, got {time_budget_s!r}")
    clash = sorted(set(base_params) & set(RUN_SETTINGS))
    if clash:
        raise ValueError(f"base_params may not set {clash}: pass them as tune's space= / seed= arguments")


def _candidates(base: dict[str, Any], space: dict[str, Distribution],
                n_trials: int, seed: int) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """``(params, sampled)`` for every trial: the defaults first, then seeded random draws."""
    rng = np.random.default_rng([seed, 17])
    out = [(copy.deepcopy(base), {})]
    for _ in range(n_trials - 1):
        params, sampled = copy.deepcopy(base), {}
        for path in sorted(space):
            sampled[path] = space[path].sample(rng)
            set_path(params, path, copy.deepcopy(sampled[path]))
        out.append((params, sampled))
    return out


def _better(score: float, best: float, direction: int) -> bool:
    if not math.isfinite(score):
        return False
    return not math.isfinite(best) or direction * score > direction * best


def tune(
    model: str,
    archs: Sequence[Any],
    y: Any,
    *,
    noise_groups: Any = None,
    space: str | None = None,
    task: str | None = None,
    n_trials: int = 20,
    time_budget_s: float | None = None,
    metric: str = "kendall_tau",
    validation_fraction: float = 0.2,
    seed: int = 0,
    base_params: dict[str, Any] | None = None,
    search_space: dict[str, Distribution] | None = None,
) -> TuningResult:
    """Random-search ``model``'s hyper-parameters on a validation split of ``archs`` / ``y``.

    Trial 0 fits the model's defaults merged with ``base_params``; trials 1.. draw every key of
    ``search_space`` (default :data:`SEARCH_SPACES[model]`) on top of that. Stops after
    ``n_trials`` or once ``time_budget_s`` has been spent (checked between trials; trial 0 always
    runs). ``metric`` is maximised (kendall_tau, spearman, r2, ...) or minimised (nll, mae, rmse)
    on the validation split: whole ``noise_groups`` (default: canonical hashes) held out.
    """
    start = time.perf_counter()
    model_cls = get_model_class(model)
    base_params = dict(base_params or {})
    _check_settings(metric, task, n_trials, time_budget_s, base_params)
    if search_space is None:
        if model not in SEARCH_SPACES:
            raise ValueError(f"no default search space for {model!r}; pass search_space=... "
                             f"(default spaces: {', '.join(sorted(SEARCH_SPACES))})")
        search_space = SEARCH_SPACES[model]
    defaults = model_cls(**base_params).get_params()
    _check_search_space(model, search_space, sorted(defaults))
    base = {k: v for k, v in defaults.items() if k not in RUN_SETTINGS}
    candidates = _candidates(base, search_space, n_trials, seed)
    for params, _ in candidates:
        _check_candidate(model, params)

    search, archs, y, groups = fit_inputs(archs, y, noise_groups, space)  # as SurrogateModel.fit
    val = validation_split(groups, validation_fraction, seed)
    train_rows, val_rows = np.flatnonzero(~val), np.flatnonzero(val)
    train_archs, val_archs = [archs[i] for i in train_rows], [archs[i] for i in val_rows]

    direction, trials = METRIC_DIRECTIONS[metric], []
    best, best_score, stopped_by = 0, float("nan"), "n_trials"
    for i, (params, sampled) in enumerate(candidates):
        if i > 0 and time_budget_s is not None and time.perf_counter() - start >= time_budget_s:
            stopped_by = "time_budget"
            break
        fit_start = time.perf_counter()
        fitted = create(model, **params, space=search.name, seed=seed).fit(
            train_archs, y[train_rows], noise_groups=groups[train_rows])
        fit_seconds = time.perf_counter() - fit_start
        mean, std = fitted.predict(val_archs)
        metrics = {k: float(v) for k, v in
                   regression_metrics(y[val_rows], mean, std, task=task).items()}
        trials.append(Trial(params, sampled, metrics.get(metric, float("nan")), metrics, fit_seconds))
        if _better(trials[-1].score, best_score, direction):
            best, best_score = i, trials[-1].score
    return TuningResult(
        model=model, metric=metric, best_params=copy.deepcopy(trials[best].params),
        best_score=best_score, best_trial=best, trials=trials, n_train=len(train_rows),
        n_validation=len(val_rows), seed=seed, validation_fraction=validation_fraction, task=task,
        search_space={k: d.describe() for k, d in sorted(search_space.items())},
        stopped_by=stopped_by, seconds=time.perf_counter() - start, time_budget_s=time_budget_s,
        n_trials_requested=n_trials,
    )
