"""The syne-tune backend: configuration spaces, the epoch blackbox, pause and resume, and one of
syne-tune's schedulers (ASHA) run for real on the replay of the shipped ECG records and on the
shipped ECG surrogate benchmark.

Skipped only where syne-tune is not installed (the 'synetune' extra, which `make test` installs).
"""
from __future__ import annotations

import numpy as np
import pytest
from fidelity_helpers import MAX_EPOCHS, CurveBenchmark

pytest.importorskip("syne_tune", reason="syne-tune is not installed: pip install '.[synetune]' "
                                        "(make test installs it)")

from graph_encodings import get_space  # noqa: E402
from nas_optimizers.simulation import RecordReplay, evaluation_seed, toy_benchmark  # noqa: E402
from nas_optimizers.synetune import (  # noqa: E402
    BenchmarkBackend,
    EpochBlackbox,
    arch_to_config,
    config_space,
    config_to_arch,
    run_synetune,
)


@pytest.mark.parametrize("space_name", ["darts", "nb201"])
def test_configurations_and_architectures_round_trip(space_name: str) -> None:
    space = get_space(space_name)
    domains = config_space(space)
    assert len(domains) == {"darts": 24, "nb201": 6}[space_name]
    rng = np.random.default_rng(0)
    for _ in range(50):
        arch = space.sample(rng)
        back = config_to_arch(space, arch_to_config(space, arch))
        assert space.canonical_hash(back) == space.canonical_hash(arch)
        config = {name: domain.sample(random_state=rng) for name, domain in domains.items()}
        assert space.validate(config_to_arch(space, config))  # every configuration is a cell


def test_the_blackbox_answers_learning_curves() -> None:
    bench = CurveBenchmark(noise=0.0)
    box = EpochBlackbox(bench)
    arch = get_space("nb201").sample(1)
    config = arch_to_config("nb201", arch)
    curve = box.objective_function(config)
    assert curve.shape == (MAX_EPOCHS, 2) and list(box.fidelity_values) == list(range(1, 9))
    np.testing.assert_allclose(curve[:, 0], [bench.curve(arch, e) for e in range(1, 9)])
    np.testing.assert_allclose(curve[:, 1], [bench.elapsed(arch, e) for e in range(1, 9)])
    assert box(config, fidelity=3) == {"error": bench.curve(arch, 3),
                                       "elapsed_time": bench.elapsed(arch, 3)}
    with pytest.raises(ValueError, match="FunctionBenchmark has no epoch fidelity"):
        EpochBlackbox(toy_benchmark("nb201"))


def test_a_resumed_trial_reports_and_charges_only_its_new_epochs() -> None:
    bench = CurveBenchmark(noise=1.0)
    backend = BenchmarkBackend(bench, seed=3)
    backend.time_keeper.start_of_time()
    arch = get_space("nb201").sample(2)
    trial = backend.start_trial(arch_to_config("nb201", arch))
    _, first = backend._run_job_and_collect_results(trial.trial_id)
    assert [r["epoch"] for r in first] == list(range(1, 9))
    backend._pause_trial(trial.trial_id, first[2])  # paused after epoch 3
    _, rest = backend._run_job_and_collect_results(trial.trial_id)
    assert [r["epoch"] for r in rest] == list(range(4, 9))
    assert [r["error"] for r in rest] == [r["error"] for r in first[3:]]  # one noisy curve
    np.testing.assert_allclose([r["elapsed_time"] for r in rest],
                               [bench.elapsed(arch, e) - bench.elapsed(arch, 3) for e in range(4, 9)])


def test_syne_tune_asha_runs_on_the_replay_of_the_shipped_records() -> None:
    from syne_tune.optimizer.baselines import ASHA

    replay = RecordReplay.from_records("ecg", protocol="ecg-cpu-v1")
    frame = run_synetune(
        lambda cs, max_t: ASHA(cs, metric="error", time_attr="epoch", max_t=max_t,
                               reduction_factor=2, random_seed=0),
        replay, max_wallclock_time=300.0, n_workers=4, seed=0)
    assert frame["st_tuner_time"].max() <= 300.0 + 30.0  # simulated, not real seconds
    assert frame["trial_id"].nunique() > 20 and set(frame["epoch"]) == {1, 2, 3, 4}
    per_trial = frame.groupby("trial_id")["epoch"].max()
    assert (per_trial < 4).any() and (per_trial == 4).any()  # ASHA stopped some early
    archs = set(replay.space.archs)
    assert all(get_space("darts").parse(a) in archs for a in frame["arch"].unique())
    best = frame.loc[frame["error"].idxmin()]
    assert best["true_final"] == pytest.approx(float(replay.query([best["arch"]]).mean[0]))


def test_syne_tune_asha_runs_on_a_shipped_surrogate_benchmark() -> None:
    """The shipped PSICOV surrogate (DARTS, learning curves of 6 epochs): syne-tune's ASHA
    searches the whole DARTS space through the 24-hyper-parameter configuration space."""
    from syne_tune.optimizer.baselines import ASHA

    from surrogates import Benchmark

    bench = Benchmark.load("psicov", space="darts")
    epochs = bench.max_epochs
    assert epochs == 6
    frame = run_synetune(
        lambda cs, max_t: ASHA(cs, metric="error", time_attr="epoch", max_t=max_t,
                               reduction_factor=2, random_seed=1),
        bench, max_wallclock_time=150.0, n_workers=4, seed=1)
    assert frame["trial_id"].nunique() > 10 and set(frame["epoch"]) == set(range(1, epochs + 1))
    trial = frame[frame["epoch"] == epochs].iloc[0]
    rows = frame[frame["trial_id"] == trial["trial_id"]].sort_values("epoch")
    curve = bench.query_curve([trial["arch"]], with_noise=True,
                              seed=evaluation_seed(1, int(trial["trial_id"]))).sample[0]
    np.testing.assert_allclose(rows["error"], curve)  # the trial's noisy curve, epoch by epoch
