"""Re-training stored records: identical runs pass, changed ones are caught, imports are refused."""
from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest

from nb360_cli.main import main
from training_data.evaluation import evaluate
from training_data.records.loading import DEFAULT_STORE
from training_data.records.schema import Record
from training_data.records.store import RecordStore
from training_data.reproduce import (
    Reproduction,
    check_reproducible,
    compare_runs,
    pick_records,
    reproduce,
)
from training_data.training.device import cpu_kernels

# both pools in both cells: the runs go through training_data.networks.pooling
POOLS = (
    "Genotype(normal=[('max_pool_3x3', 0), ('avg_pool_3x3', 1), ('sep_conv_3x3', 0), ('max_pool_3x3', 2), "
    "('avg_pool_3x3', 3), ('skip_connect', 1), ('dil_conv_3x3', 4), ('max_pool_3x3', 0)], normal_concat=[2, 3, 4, 5], "
    "reduce=[('avg_pool_3x3', 0), ('max_pool_3x3', 1), ('max_pool_3x3', 2), ('sep_conv_5x5', 1), "
    "('avg_pool_3x3', 3), ('skip_connect', 0), ('max_pool_3x3', 4), ('dil_conv_5x5', 2)], reduce_concat=[2, 3, 4, 5])"
)
PROTOCOL = "ninapro-tiny-v1"


@pytest.fixture(scope="module")
def stored(ninapro_root: Path) -> Record:
    """A real tiny run on one thread, as the collector stores it."""
    return evaluate(POOLS, "ninapro", PROTOCOL, seed=3, device="cpu", data_root=ninapro_root,
                    sampler="random", n_threads=1)


def test_a_stored_run_reproduces_bit_for_bit(stored: Record, ninapro_root: Path) -> None:
    assert stored.status == "ok" and stored.extra["cpu_kernels"] == cpu_kernels()
    [result] = reproduce([stored], data_root=ninapro_root)
    assert result.identical and result.mismatches == ()
    assert result.rerun.score == stored.score and result.rerun.sampler == "random"
    assert "identical" in result.describe()


def test_every_changed_field_is_named(stored: Record) -> None:
    curve = [dict(entry) for entry in stored.learning_curve]
    curve[0]["train_loss"] += 1e-12
    curve[0]["seconds"] += 5.0  # wall time may differ
    changed = dataclasses.replace(stored, score=stored.score + 1e-12, params=stored.params + 1,
                                  learning_curve=curve)
    assert compare_runs(changed, stored) == ("score", "params", "learning_curve[1].train_loss")
    shorter = dataclasses.replace(stored, learning_curve=curve[:0])
    assert compare_runs(shorter, stored) == ("learning_curve (epochs 0 -> 1)",)
    assert compare_runs(stored, stored) == ()
    other_torch = dataclasses.replace(changed, extra={**stored.extra, "torch_version": "1.0.0"})
    result = Reproduction(other_torch, stored, compare_runs(other_torch, stored))
    described = result.describe()
    assert "DIFFERENT in score" in described and "trained with torch 1.0.0, re-run with" in described
    # the change is the -1e-12 made above, up to the rounding of the score's float
    assert result.score_change == pytest.approx(-1e-12, rel=0, abs=2 * math.ulp(stored.score))
    assert f"score change {result.score_change:+.3g}" in described and "CPU kernels" not in described


def test_a_difference_names_both_cpu_kernel_sets(stored: Record) -> None:
    changed = dataclasses.replace(stored, score=stored.score + 0.25)
    avx512 = dataclasses.replace(changed, extra={**stored.extra, "cpu_kernels": "AVX512"})
    unrecorded = dataclasses.replace(changed, extra={k: v for k, v in stored.extra.items() if k != "cpu_kernels"})
    here = stored.extra["cpu_kernels"]
    for record, expected, name in ((avx512, here == "AVX512", "AVX512"), (unrecorded, None, "unrecorded")):
        result = Reproduction(record, stored, compare_runs(record, stored))
        assert result.same_kernels is expected and result.score_change == pytest.approx(-0.25)
        if expected is not True:
            assert f"trained on CPU kernels {name}, re-run on {here}" in result.describe()
    same = Reproduction(changed, stored, compare_runs(changed, stored))
    assert same.same_kernels is True and "kernels" not in same.describe()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"protocol": "nb360-nb201-200ep"}, "not a training protocol of this project.*cannot be trained here"),
        ({"protocol_version": 2}, "version 1 now, the record was trained under version 2"),
        ({"extra": {"protocol_hash": "0" * 32}}, "settings changed"),
    ],
)
def test_records_that_cannot_be_retrained_are_refused_before_training(
    stored: Record, changes: dict, message: str
) -> None:
    record = dataclasses.replace(stored, **changes)
    with pytest.raises(ValueError, match=message):
        check_reproducible(record)
    with pytest.raises(ValueError, match=message):
        reproduce([stored, record])  # nothing trains: the check comes first


def test_pick_records_is_seeded_and_filters_by_op(stored: Record) -> None:
    other = dataclasses.replace(stored, arch=stored.arch.replace("max_pool_3x3", "sep_conv_3x3"), arch_hash="b" * 32)
    failed = dataclasses.replace(stored, arch_hash="c" * 32, status="failed", score=None,
                                 message="RuntimeError: out of memory")
    records = [stored, other, failed]
    assert pick_records(records, 5, ops=["max_pool_3x3"]) == [stored]
    assert sorted(r.arch_hash for r in pick_records(records, 5)) == sorted([stored.arch_hash, "b" * 32])
    assert pick_records(records, 1, seed=4) == pick_records(records, 1, seed=4)
    with pytest.raises(ValueError, match="n must be at least 1"):
        pick_records(records, 0)
    with pytest.raises(ValueError, match="no ok record names conv_9x9"):
        pick_records(records, 1, ops=["conv_9x9"])


def test_cli_exit_code_says_whether_records_reproduce(stored: Record, ninapro_root: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    args = ["data", "reproduce", "--task", "ninapro", "--protocol", PROTOCOL, "--data-root", str(ninapro_root)]
    RecordStore(tmp_path / "good").append(stored)
    assert main([*args, "--store", str(tmp_path / "good"), "--op", "avg_pool_3x3"]) == 0
    assert "1 of 1 records reproduced bit for bit" in capsys.readouterr().out
    RecordStore(tmp_path / "bad").append(dataclasses.replace(stored, val_score=stored.val_score + 1e-9))
    assert main([*args, "--store", str(tmp_path / "bad")]) == 1
    assert "DIFFERENT in val_score" in capsys.readouterr().out
    assert main([*args, "--store", str(tmp_path / "missing")]) == 2
    assert "does not exist" in capsys.readouterr().err


# A shipped ECG record whose cells hold both pools, trained before training_data.networks.pooling
# replaced torch's pools (git f8ed202a; about 17 s of one thread) on a machine whose CPU kernel
# set was not recorded; on AVX2 it re-runs to 0.5915 instead of 0.5963.
PINNED_ECG_RECORD = ("11c2bd39415c30afe250d50536eae2b4", 1)


def _committed_ecg(protocol: str = "ecg-cpu-v1") -> list[Record]:
    return [r for r in RecordStore(DEFAULT_STORE).records("ecg", protocol) if r.status == "ok"]


def test_a_committed_record_from_unrecorded_kernels_moves_like_a_seed(shared_data: Path) -> None:
    """Re-made by today's code: identical, or (on other kernels than its unrecorded ones: the
    floating-point sums differ, so the run is in effect another seed) with a score that moves
    less than 4 times ECG's seed-to-seed noise, the median absolute difference of two seeds of one
    architecture (``repeat_noise``; for normal noise, 2.7 standard deviations of a two-seed
    difference). The closest two of the record's own three seeds, the bound before, was too tight:
    a re-run on another machine's kernels moved by 0.035 against a gap of 0.026."""
    from training_data.records import load_records
    from training_data.summary import repeat_noise

    arch_hash, seed = PINNED_ECG_RECORD
    [record] = [r for r in _committed_ecg() if r.arch_hash == arch_hash and r.seed == seed]
    assert "max_pool_3x3" in record.arch and "avg_pool_3x3" in record.arch
    assert record.git_sha.startswith("f8ed202a") and "cpu_kernels" not in record.extra
    [result] = reproduce([record], data_root=shared_data)
    assert result.rerun.extra["cpu_kernels"] == cpu_kernels() and result.same_kernels is None
    if not result.identical:
        assert "trained on CPU kernels unrecorded" in result.describe()
        repeated, seed_noise = repeat_noise(load_records(task="ecg", protocol="ecg-cpu-v1"))
        assert repeated >= 50 and 0 < seed_noise < 0.05
        assert abs(result.score_change) < 4 * seed_noise, (result.describe(), seed_noise)


def test_a_committed_cpu_record_reproduces_bit_for_bit_on_its_kernels(shared_data: Path) -> None:
    """A shipped DARTS record of ECG (any CPU protocol) trained on this machine's kernel set (both
    pools preferred, then the quickest) is re-made bit for bit by today's code."""
    here = cpu_kernels()
    candidates = [r for protocol in ("ecg-cpu-v1", "ecg-cpu-v3") for r in _committed_ecg(protocol)
                  if r.extra.get("cpu_kernels") == here]
    if not candidates:
        pytest.skip(f"no committed DARTS ECG record was trained on {here} CPU kernels; bit for bit "
                    "holds on one kernel set only (the test above still re-runs an older record)")
    both_pools = ("max_pool_3x3", "avg_pool_3x3")
    record = min(candidates, key=lambda r: (not all(op in r.arch for op in both_pools),
                                            r.train_seconds, r.arch_hash, r.seed))
    [result] = reproduce([record], data_root=shared_data)
    assert result.identical and result.same_kernels, result.describe()
