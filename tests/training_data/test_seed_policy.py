"""Seeds per architecture (v2 protocols): every architecture and seed trains from its own stream."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from graph_encodings import get_space
from training_data import evaluate
from training_data.protocols import (
    get_protocol,
    list_protocols,
    network_io,
    repeat_seeds,
    training_seed,
)
from training_data.protocols.protocol import Protocol
from training_data.tasks import get_task

SPACE = get_space("darts")


def test_shared_policy_trains_seed_s_from_stream_s() -> None:
    v1 = get_protocol("ecg-cpu-v1")
    assert v1.seed_policy == "shared"
    assert [training_seed(v1, h, 3) for h in ("a" * 32, "b" * 32)] == [3, 3]


def test_per_architecture_streams_differ_across_architectures_and_seeds() -> None:
    v2 = get_protocol("ecg-cpu-v2")
    hashes = [SPACE.canonical_hash(a) for a in SPACE.sample_many(200, rng=0)]
    streams = {training_seed(v2, h, s) for h in hashes for s in range(3)}
    assert len(streams) == len(set(hashes)) * 3  # no two (architecture, seed) pairs share a stream
    assert all(0 <= s < 2**31 for s in streams)
    assert training_seed(v2, hashes[0], 1) == training_seed(v2, hashes[0], 1)  # a pure function


@pytest.mark.parametrize("seed", [-1, 1.5, True, "0"])
def test_training_seed_rejects_what_is_not_a_seed(seed: object) -> None:
    with pytest.raises(ValueError, match="seed must be an integer >= 0"):
        training_seed(get_protocol("ecg-cpu-v2"), "a" * 32, seed)  # type: ignore[arg-type]


def test_every_v2_protocol_draws_seeds_per_architecture() -> None:
    v2 = [n for n in list_protocols() if n.endswith("-v2")]
    assert {get_protocol(n).task for n in v2 if "-cpu-" in n} == {"ecg", "satellite", "darcyflow", "ninapro", "psicov"}
    assert all(get_protocol(n).seed_policy == "per_architecture" for n in v2)


def test_v1_protocol_hashes_do_not_see_the_fields_added_for_v2() -> None:
    v1 = get_protocol("ecg-cpu-v1")
    settings = v1.to_dict()
    assert settings["seed_policy"] == "shared" and settings["weight_averaging"] is None
    per_arch = dataclasses.replace(v1, seed_policy="per_architecture")
    assert per_arch.hash() != v1.hash()
    assert Protocol.from_dict(per_arch.to_dict()) == per_arch


@pytest.mark.parametrize(("field", "value", "message"), [
    ("seed_policy", "random", "seed_policy='random' is not valid"),
    ("input_shape", (1, 0, 52), "input_shape=.* must be positive"),
    ("n_outputs", 0, "n_outputs=0 must be a positive integer"),
    ("weight_averaging", 1.0, r"weight_averaging=1.0 must be in \(0, 1\)"),
    ("repeats", 0, "repeats=0 must be > 0"),
    ("repeats", 2.0, "repeats=2.0 must be a positive integer"),
    ("swa_start", 1.0, r"swa_start=1.0 must be in \[0, 1\)"),
    ("swa_start", True, r"swa_start=True must be in \[0, 1\)"),
    ("swa_start", "0.5", r"swa_start='0.5' must be in \[0, 1\)"),
    ("swa_bn_samples", 0, "swa_bn_samples=0 must be > 0"),
])
def test_new_protocol_fields_are_validated(field: str, value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        dataclasses.replace(get_protocol("ecg-cpu-v2"), **{field: value})


def test_a_protocol_takes_one_averaging_rule_at_most() -> None:
    with pytest.raises(ValueError, match="two averaging rules; set at most one"):
        dataclasses.replace(get_protocol("ecg-cpu-v2"), swa_start=0.5)  # it has weight_averaging=0.98
    swa = dataclasses.replace(get_protocol("ecg-cpu-v2"), weight_averaging=None, swa_start=0.5)
    with pytest.raises(ValueError, match="swa_bn_samples=1.5 must be a positive integer"):
        dataclasses.replace(swa, swa_bn_samples=1.5)
    with pytest.raises(ValueError, match="swa_bn_samples='100' must be a positive integer"):
        dataclasses.replace(swa, swa_bn_samples="100")
    with pytest.raises(ValueError, match="swa_bn_samples=100 caps SWA's batch-norm pass, but swa_start is None"):
        dataclasses.replace(get_protocol("ecg-cpu-v2"), swa_bn_samples=100)
    assert Protocol.from_dict(swa.to_dict()) == swa and swa.hash() != get_protocol("ecg-cpu-v2").hash()


def test_stand_in_protocols_build_networks_of_their_data_shapes() -> None:
    assert network_io(get_protocol("ninapro-cpu-v2"), get_task("ninapro")) == ((1, 8, 52), 7)
    assert network_io(get_protocol("ninapro-gpu-v1"), get_task("ninapro")) == ((1, 16, 52), 18)
    assert network_io(get_protocol("psicov-cpu-v2"), get_task("psicov"))[0][0] == 44
    assert network_io(get_protocol("ecg-cpu-v2"), get_task("ecg")) == ((1, 250), 4)  # downsampled 4x


@pytest.mark.needs_shared_data
def test_two_architectures_with_one_seed_train_from_different_streams(shared_data) -> None:
    archs = SPACE.sample_many(2, rng=5)
    records = [evaluate(a, "satellite", "satellite-tiny-v2", seed=0, device="cpu", n_threads=1,
                        data_root=shared_data) for a in archs]
    streams = [r.extra["torch_seed"] for r in records]
    assert all(r.status == "ok" and r.seed == 0 for r in records)
    assert streams == [training_seed(get_protocol("satellite-tiny-v2"), r.arch_hash, 0) for r in records]
    assert streams[0] != streams[1]
    again = evaluate(archs[0], "satellite", "satellite-tiny-v2", seed=0, device="cpu", n_threads=1,
                     data_root=shared_data)
    assert again.score == records[0].score and again.learning_curve[-1]["train_loss"] == \
        records[0].learning_curve[-1]["train_loss"]  # derived streams reproduce bit for bit


@pytest.mark.needs_shared_data
def test_a_wrong_input_shape_is_named_before_training(shared_data) -> None:
    wrong = dataclasses.replace(get_protocol("ninapro-tiny-v2"), input_shape=(1, 16, 52))
    record = evaluate(SPACE.sample(np.random.default_rng(0)), "ninapro", wrong, device="cpu",
                      n_threads=1, data_root=shared_data)
    assert record.status == "failed" and "builds networks for inputs (1, 16, 52)" in record.message


def test_shipped_v2_records_trained_from_their_own_streams() -> None:
    from training_data.records import DEFAULT_STORE, RecordStore

    records = [r for r in RecordStore(DEFAULT_STORE).records()
               if r.protocol.endswith("-v2") and get_protocol(r.protocol).seed_policy == "per_architecture"]
    if not records:
        pytest.skip("no v2 records are shipped yet")
    for r in records:
        assert r.extra["torch_seed"] == training_seed(get_protocol(r.protocol), r.arch_hash, r.seed), r.key
    streams = [(r.protocol, r.extra["torch_seed"]) for r in records]
    assert len(set(streams)) == len(streams)  # no two runs of a protocol share a stream


def test_repeats_train_from_independent_streams_and_leave_older_hashes_alone() -> None:
    v2 = get_protocol("satellite-cpu-v2")
    assert v2.repeats == 1 and repeat_seeds(v2, 123) == [123]
    three = dataclasses.replace(v2, repeats=3)
    assert three.hash() != v2.hash()
    seeds = repeat_seeds(three, 123)
    assert seeds[0] == 123 and len(set(seeds)) == 3 and all(0 <= s < 2**31 for s in seeds)
    other_run = repeat_seeds(three, 124)
    assert not set(seeds) & set(other_run)  # two runs' networks never share a stream


@pytest.mark.needs_shared_data
def test_a_repeated_run_scores_the_mean_of_its_networks(shared_data) -> None:
    arch = SPACE.sample_many(1, rng=7)[0]
    protocol = dataclasses.replace(get_protocol("darcyflow-tiny-v2"), repeats=2)
    record = evaluate(arch, "darcyflow", protocol, seed=0, device="cpu", n_threads=1, data_root=shared_data)
    assert record.status == "ok", record.message
    scores = record.extra["repeat_test_scores"]
    assert len(scores) == 2 and scores[0] != scores[1]  # two networks, two streams
    assert record.score == pytest.approx(np.mean(scores))
    assert record.extra["repeat_torch_seeds"] == repeat_seeds(protocol, record.extra["torch_seed"])
    single = evaluate(arch, "darcyflow", get_protocol("darcyflow-tiny-v2"), seed=0, device="cpu",
                      n_threads=1, data_root=shared_data)
    assert single.score == pytest.approx(scores[0])  # the first network is the run's own stream
    assert record.learning_curve[-1]["val_score"] == pytest.approx(np.mean(record.extra["repeat_val_scores"]))
