"""syne-tune backend: any benchmark with an epoch fidelity as a syne-tune blackbox, so syne-tune's
schedulers (ASHA, BOHB, HyperTune, DEHB, ...) run on it in simulated time.

Needs the optional extra ``synetune`` (``pip install .[synetune]``: syne-tune's core, which
brings statsmodels and dill besides numpy, pandas, scikit-learn and xgboost). Written against
syne-tune's public interfaces only: :class:`BenchmarkBackend` is a
``syne_tune.backend.simulator_backend.SimulatorBackend`` (the event queue and simulated clock
of syne-tune's simulator) whose trials are answered by an :class:`EpochBlackbox` instead of a
training script; :func:`run_synetune` wires it with a scheduler into a ``Tuner``.

Configuration spaces (:func:`config_space`): NB201 cells are 6 categorical edges (5 ops each);
DARTS cells are, per cell type and intermediate node ``k``, the pair of inputs (``"i_j"``, the
``C(k + 2, 2)`` choices) and the op on each input (7 ops), 24 categorical hyper-parameters
that always make a valid cell; a :class:`~nas_optimizers.simulation.RecordSpace` (the replay
of real records) is one categorical ``arch`` over the architectures that have records.

A trial with configuration ``c`` trains ``arch(c)``: after epoch ``e`` it reports
``{metric: score after e epochs, resource_attr: e, elapsed_time_attr: seconds since the trial
(re)started}``, from ``benchmark.query([arch], epochs=e, with_noise, seed)`` with one noise seed
per trial (a noisy learning curve, the same across pauses). A paused trial resumes from its
checkpoint: epochs up to the pause are neither reported nor charged again.
"""
from __future__ import annotations

import contextlib
import io
import logging
import os
import tempfile
from collections.abc import Callable
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from graph_encodings import SearchSpace, get_space
from nas_optimizers.simulation.evaluators import benchmark_max_epochs, evaluation_seed
from nas_optimizers.simulation.replay import RecordSpace

try:  # the optional extra
    from syne_tune.backend.simulator_backend.simulator_backend import SimulatorBackend
    from syne_tune.backend.trial_status import Status
    from syne_tune.config_space import choice
except ImportError as error:  # pragma: no cover - exercised where the extra is missing
    raise ImportError("nas_optimizers.synetune needs syne-tune: pip install 'nb360-surrogates"
                      "[synetune]' (or pip install syne-tune)") from error

METRIC = "error"
RESOURCE_ATTR = "epoch"
ELAPSED_TIME_ATTR = "elapsed_time"
_CELLS = ("normal", "reduce")


def _darts_input_pairs(node: int) -> list[str]:
    return [f"{i}_{j}" for i, j in combinations(range(node + 2), 2)]


def config_space(space: SearchSpace | str) -> dict[str, Any]:
    """The syne-tune configuration space of ``space`` (module docstring)."""
    space = get_space(space) if isinstance(space, str) else space
    if isinstance(space, RecordSpace):
        return {"arch": choice([str(a) for a in space.archs])}
    if space.name == "nb201":
        from graph_encodings.spaces.nb201 import NB201_EDGES, NB201_OPS

        return {f"edge_{t}_{s}": choice(list(NB201_OPS)) for t, s in NB201_EDGES}
    if space.name == "darts":
        from graph_encodings.spaces.darts import DARTS_OPS, N_INTERMEDIATE

        out: dict[str, Any] = {}
        for cell in _CELLS:
            for node in range(N_INTERMEDIATE):
                out[f"{cell}_inputs_{node}"] = choice(_darts_input_pairs(node))
                out[f"{cell}_op_{node}_a"] = choice(list(DARTS_OPS))
                out[f"{cell}_op_{node}_b"] = choice(list(DARTS_OPS))
        return out
    raise ValueError(f"no syne-tune configuration space for space {space.name!r}; valid: darts, "
                     f"nb201 and record spaces")


def config_to_arch(space: SearchSpace | str, config: dict[str, Any]) -> Any:
    """The architecture of a configuration of :func:`config_space` (extra keys are ignored)."""
    space = get_space(space) if isinstance(space, str) else space
    if isinstance(space, RecordSpace):
        return space.parse(config["arch"])
    if space.name == "nb201":
        from graph_encodings.spaces.nb201 import NB201_EDGES

        ops = [config[f"edge_{t}_{s}"] for t, s in NB201_EDGES]
        return space.parse(f"|{ops[0]}~0|+|{ops[1]}~0|{ops[2]}~1|+|{ops[3]}~0|{ops[4]}~1|"
                           f"{ops[5]}~2|")
    from graph_encodings.spaces.darts import N_INTERMEDIATE

    cells = {}
    for cell in _CELLS:
        pairs = []
        for node in range(N_INTERMEDIATE):
            i, j = (int(x) for x in str(config[f"{cell}_inputs_{node}"]).split("_"))
            pairs += [(config[f"{cell}_op_{node}_a"], i), (config[f"{cell}_op_{node}_b"], j)]
        cells[cell] = pairs
    return space.parse(f"Genotype(normal={cells['normal']}, normal_concat=[2, 3, 4, 5], "
                       f"reduce={cells['reduce']}, reduce_concat=[2, 3, 4, 5])")


def arch_to_config(space: SearchSpace | str, arch: Any) -> dict[str, Any]:
    """The configuration of ``arch`` (inverse of :func:`config_to_arch`)."""
    space = get_space(space) if isinstance(space, str) else space
    if isinstance(space, RecordSpace):
        return {"arch": str(space.validate(arch))}
    arch = space.validate(arch)
    if space.name == "nb201":
        from graph_encodings.spaces.nb201 import NB201_EDGES

        return {f"edge_{t}_{s}": op for (t, s), op in zip(NB201_EDGES, arch.ops, strict=True)}
    config: dict[str, Any] = {}
    for cell in _CELLS:
        pairs = arch.cell(cell)
        for node in range(len(pairs) // 2):
            (op_a, i), (op_b, j) = sorted(pairs[2 * node: 2 * node + 2], key=lambda p: p[1])
            config.update({f"{cell}_inputs_{node}": f"{i}_{j}", f"{cell}_op_{node}_a": op_a,
                           f"{cell}_op_{node}_b": op_b})
    return config


class EpochBlackbox:
    """A benchmark with an epoch fidelity as a syne-tune-style blackbox: configurations of
    :func:`config_space`, fidelities ``1..max_epochs``, objectives ``[metric, elapsed_time]``.

    ``objective_function(config, fidelity=None, seed=None)`` returns the learning curve as an
    array ``(max_epochs, 2)`` (score after each epoch, cumulative seconds), or the dict of one
    fidelity; ``seed`` draws the noisy curve (``None``: the noise-free one).
    """

    def __init__(self, benchmark: Any, metric: str = METRIC,
                 elapsed_time_attr: str = ELAPSED_TIME_ATTR) -> None:
        max_epochs = benchmark_max_epochs(benchmark)
        if max_epochs is None:
            raise ValueError(f"{type(benchmark).__name__} has no epoch fidelity: a syne-tune "
                             f"blackbox needs max_epochs and query(archs, epochs=E)")
        self.benchmark = benchmark
        self.space = benchmark.space
        self.configuration_space = config_space(self.space)
        self.fidelity_values = np.arange(1, max_epochs + 1)
        self.fidelity_space = {RESOURCE_ATTR: choice(list(self.fidelity_values))}
        self.objectives_names = [metric, elapsed_time_attr]
        self.metric = metric

    @property
    def max_epochs(self) -> int:
        return int(self.fidelity_values[-1])

    def fidelity_name(self) -> str:
        return RESOURCE_ATTR

    def curve(self, arch: Any, seed: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(score after each epoch, cumulative seconds) of ``arch``; noisy with a ``seed``."""
        scores, elapsed = [], []
        for epochs in self.fidelity_values:
            result = self.benchmark.query([arch], with_noise=seed is not None, seed=seed,
                                          epochs=int(epochs))
            scores.append(float((result.mean if seed is None else result.sample)[0]))
            if result.runtime is not None:
                elapsed.append(float(result.runtime[0]))
            elif callable(getattr(self.benchmark, "cost", None)):
                full = float(np.asarray(self.benchmark.cost([arch]))[0])
                elapsed.append(full * epochs / self.max_epochs)
            else:
                elapsed.append(epochs / self.max_epochs)
        return np.array(scores), np.array(elapsed)

    def objective_function(self, configuration: dict[str, Any], fidelity: int | None = None,
                           seed: int | None = None) -> np.ndarray | dict[str, float]:
        scores, elapsed = self.curve(config_to_arch(self.space, configuration), seed)
        if fidelity is None:
            return np.stack([scores, elapsed], axis=1)
        k = int(fidelity) - 1
        return dict(zip(self.objectives_names, (scores[k], elapsed[k]), strict=True))

    def __call__(self, configuration: dict[str, Any], fidelity: int | None = None,
                 seed: int | None = None) -> np.ndarray | dict[str, float]:
        return self.objective_function(configuration, fidelity, seed)


class BenchmarkBackend(SimulatorBackend):
    """A syne-tune simulator backend whose trials query ``benchmark`` (module docstring).

    ``with_noise``: report noisy curves, one per trial (noise seed ``SeedSequence([seed,
    trial_id])``, as :func:`~nas_optimizers.simulate` seeds its evaluations). Other keywords go
    to ``SimulatorBackend`` (``simulator_config``, ``tuner_sleep_time``).
    """

    def __init__(self, benchmark: Any, with_noise: bool = True, seed: int = 0,
                 metric: str = METRIC, elapsed_time_attr: str = ELAPSED_TIME_ATTR,
                 **simulator_kwargs: Any) -> None:
        super().__init__(entry_point=__file__, elapsed_time_attr=elapsed_time_attr,
                         **simulator_kwargs)
        self.blackbox = EpochBlackbox(benchmark, metric, elapsed_time_attr)
        self.with_noise = with_noise
        self.seed = seed
        self._paused_at: dict[int, int] = {}  # trial id -> epochs at its last pause

    def _pause_trial(self, trial_id: int, result: dict | None) -> None:
        super()._pause_trial(trial_id, result)
        if result is not None and RESOURCE_ATTR in result:
            self._paused_at[trial_id] = int(result[RESOURCE_ATTR])

    def _run_job_and_collect_results(self, trial_id: int,
                                     config: dict | None = None) -> tuple[str, list[dict]]:
        if config is None:
            config = self._trial_dict[trial_id].config
        arch = config_to_arch(self.blackbox.space, config)
        seed = evaluation_seed(self.seed, trial_id) if self.with_noise else None
        scores, elapsed = self.blackbox.curve(arch, seed)
        start = self._paused_at.get(trial_id, 0)
        offset = elapsed[start - 1] if start else 0.0
        results = [{self.blackbox.metric: float(scores[e - 1]), RESOURCE_ATTR: int(e),
                    self.elapsed_time_attr: float(elapsed[e - 1] - offset)}
                   for e in range(start + 1, self.blackbox.max_epochs + 1)]
        return Status.completed, results


def run_synetune(
    make_scheduler: Callable[[dict[str, Any], int], Any],
    benchmark: Any,
    max_wallclock_time: float,
    n_workers: int = 4,
    seed: int = 0,
    with_noise: bool = True,
    max_num_trials_started: int | None = None,
    verbose: bool = False,
) -> pd.DataFrame:
    """Run a syne-tune scheduler on ``benchmark`` for ``max_wallclock_time`` simulated seconds.

    ``make_scheduler(config_space, max_epochs)`` builds the scheduler (e.g. ``lambda cs, t:
    ASHA(cs, metric="error", time_attr="epoch", max_t=t)``). Returns syne-tune's results, one
    row per reported epoch (``trial_id``, ``error``, ``epoch``, ``elapsed_time``,
    ``st_tuner_time`` = simulated seconds, ...), plus ``arch`` (text) and ``true_final`` (the
    noise-free final score of the trial's architecture). Nothing is written outside a temporary
    folder; syne-tune's own printing shows only with ``verbose``.
    """
    from syne_tune import StoppingCriterion, Tuner
    from syne_tune.backend.simulator_backend.simulator_callback import SimulatorCallback

    backend = BenchmarkBackend(benchmark, with_noise=with_noise, seed=seed)
    scheduler = make_scheduler(backend.blackbox.configuration_space, backend.blackbox.max_epochs)
    callback = SimulatorCallback()
    stop = StoppingCriterion(max_wallclock_time=max_wallclock_time,
                             max_num_trials_started=max_num_trials_started)
    quiet = contextlib.nullcontext() if verbose else contextlib.redirect_stdout(io.StringIO())
    with tempfile.TemporaryDirectory() as folder, _environment("SYNETUNE_FOLDER", folder), \
            quiet, _log_level("syne_tune", logging.INFO if verbose else logging.WARNING):
        tuner = Tuner(trial_backend=backend, scheduler=scheduler, stop_criterion=stop,
                      n_workers=n_workers, sleep_time=0, callbacks=[callback],
                      save_tuner=False, tuner_name="nb360", print_update_interval=1e9,
                      results_update_interval=1e9)
        tuner.run()
        frame = callback.dataframe()
    configs = {t: backend._trial_dict[t].config for t in frame["trial_id"].unique()}
    archs = {t: config_to_arch(backend.blackbox.space, c) for t, c in configs.items()}
    frame["arch"] = frame["trial_id"].map(lambda t: str(archs[t]))
    finals = dict(zip(archs, benchmark.query(list(archs.values())).mean, strict=True))
    frame["true_final"] = frame["trial_id"].map(finals)
    return frame


@contextlib.contextmanager
def _log_level(name: str, level: int) -> Any:
    """Set logger ``name``'s level inside a ``with`` block."""
    logger = logging.getLogger(name)
    old = logger.level
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.setLevel(old)


@contextlib.contextmanager
def _environment(name: str, value: str) -> Any:
    """Set environment variable ``name`` inside a ``with`` block."""
    old = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = old


__all__ = ["BenchmarkBackend", "EpochBlackbox", "arch_to_config", "config_space",
           "config_to_arch", "run_synetune"]
