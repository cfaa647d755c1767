"""``training_data.evaluate`` end to end on tiny protocols, plus its helpers."""
from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from graph_encodings import get_space
from training_data.evaluation import evaluate
from training_data.protocols import get_protocol
from training_data.records.schema import Record
from training_data.tasks.dataset import Split
from training_data.training.augment import crop_flip, get_augmentation, shift1d
from training_data.training.data_cache import load_task_data
from training_data.training.device import resolve_device, resolve_threads
from training_data.training.subset import subset_index

DARTS = get_space("darts")
NB201 = get_space("nb201")


@pytest.fixture(autouse=True)
def _one_torch_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """One torch thread per evaluation: OpenMP threads crawl on a shared, busy machine."""
    monkeypatch.setenv("NB360_TORCH_THREADS", "1")


def _tiny(name: str = "ninapro-tiny-v1", **changes: object):
    return dataclasses.replace(get_protocol(name), **changes)


def _check_complete(record: Record, protocol_name: str, epochs: int) -> None:
    assert record.status == "ok", record.message
    assert record.protocol == protocol_name and record.protocol_version == 1
    assert len(record.learning_curve) == epochs
    assert [e["epoch"] for e in record.learning_curve] == list(range(1, epochs + 1))
    for entry in record.learning_curve:
        assert {"train_loss", "val_score", "seconds", "lr"} <= set(entry)
        assert math.isfinite(entry["train_loss"]) and entry["seconds"] > 0
    assert record.score == record.test_score and math.isfinite(record.score)
    assert record.val_score == record.learning_curve[-1]["val_score"]
    assert record.params > 0 and record.flops > 0 and record.train_seconds > 0
    assert record.device == "cpu" and record.timestamp and record.package_version
    assert record.extra["protocol_hash"] == get_protocol(protocol_name).hash()
    again = Record.from_dict(json.loads(json.dumps(record.to_dict())))
    assert again == record


def test_evaluate_on_generated_files_of_a_task_without_data(ninapro_root: Path) -> None:
    arch = DARTS.sample(0)
    record = evaluate(arch, "ninapro", "ninapro-tiny-v1", seed=0, device="cpu", data_root=ninapro_root)
    _check_complete(record, "ninapro-tiny-v1", epochs=1)
    assert record.arch == DARTS.format(DARTS.canonical(arch)) and record.arch_hash == DARTS.canonical_hash(arch)
    assert record.metric_name == "accuracy_percent"
    assert record.metric_value == pytest.approx(100.0 - record.score)
    assert record.extra["n_train"] == 24 and record.extra["n_val"] == 12
    assert record.sampler == "manual"


def test_evaluate_accepts_the_text_form_and_nb201(ninapro_root: Path) -> None:
    arch = NB201.sample(1)
    record = evaluate(str(arch), "ninapro", "ninapro-tiny-v1", device="cpu", data_root=ninapro_root,
                      sampler="random")
    _check_complete(record, "ninapro-tiny-v1", epochs=1)
    assert record.space == "nb201" and record.sampler == "random"


def test_same_seed_same_record_other_seed_other_curve(ninapro_root: Path) -> None:
    arch = DARTS.sample(3)
    proto = _tiny(epochs=2)
    runs = [evaluate(arch, "ninapro", proto, seed=s, device="cpu", data_root=ninapro_root, n_threads=1)
            for s in (5, 5, 6)]

    def without_time(r: Record) -> list[dict]:
        return [{k: v for k, v in e.items() if k != "seconds"} for e in r.learning_curve]

    assert without_time(runs[0]) == without_time(runs[1])
    assert runs[0].score == runs[1].score and runs[0].val_score == runs[1].val_score
    assert without_time(runs[0]) != without_time(runs[2])


def test_evaluate_leaves_the_global_rng_and_threads_alone(ninapro_root: Path) -> None:
    threads = torch.get_num_threads()
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    evaluate(DARTS.sample(0), "ninapro", "ninapro-tiny-v1", device="cpu", data_root=ninapro_root,
             n_threads=1)
    assert torch.equal(torch.rand(3), expected)
    assert torch.get_num_threads() == threads


def test_huge_learning_rate_diverges_into_a_record(ninapro_root: Path) -> None:
    proto = _tiny(lr=1e10, grad_clip=None, epochs=2)
    record = evaluate(DARTS.sample(0), "ninapro", proto, device="cpu", data_root=ninapro_root)
    assert record.status == "diverged"
    assert "epoch 1" in record.message and ("nan" in record.message or "inf" in record.message)
    assert record.score is None and record.learning_curve == []
    json.dumps(record.to_dict())


def test_a_network_that_cannot_be_built_fails_into_a_record(ninapro_root: Path) -> None:
    proto = _tiny(C=2**45)  # the stem alone would need petabytes: the allocation fails at once
    record = evaluate(DARTS.sample(0), "ninapro", proto, device="cpu", data_root=ninapro_root)
    assert record.status == "failed"
    assert record.message.startswith("RuntimeError") and "allocate" in record.message
    assert record.score is None and record.params is None
    Record.from_dict(json.loads(json.dumps(record.to_dict())))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"task": "mnist"}, r"unknown task 'mnist'"),
        ({"protocol": "ninapro-cpu-v7"}, r"unknown protocol 'ninapro-cpu-v7'"),
        ({"protocol": "nb360-nb201-200ep"}, r"protocol 'nb360-nb201-200ep' cannot be trained here"),
        ({"protocol": "ecg-tiny-v1"}, r"protocol 'ecg-tiny-v1' is for task 'ecg', not 'ninapro'"),
        ({"arch": "Genotype(normal=[('conv_9x9', 0)])"}, r"cannot tell the search space of arch = \"Genotype"),
        ({"device": "tpu"}, r"unknown device 'tpu'"),
        ({"seed": 1.5}, r"seed must be an integer >= 0, got 1.5"),
        ({"seed": -1}, r"seed must be an integer >= 0, got -1"),
        ({"n_threads": 0}, r"n_threads must be a positive integer"),
        ({"protocol": _tiny(spaces=("nb201",))}, r"does not allow space 'darts'"),
        ({"protocol": _tiny(augmentation="shift1d")}, r"'shift1d' does not fit task family 'point2d'"),
    ],
)
def test_bad_inputs_raise_before_training(ninapro_root: Path, kwargs: dict, message: str) -> None:
    call = {"arch": DARTS.sample(0), "task": "ninapro", "protocol": "ninapro-tiny-v1", "device": "cpu",
            "data_root": ninapro_root} | kwargs
    with pytest.raises(ValueError, match=message):
        evaluate(**call)


def test_missing_data_raises_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"ninapro_train\.npy"):
        evaluate(DARTS.sample(0), "ninapro", "ninapro-tiny-v1", device="cpu", data_root=tmp_path)


def test_cuda_requested_without_cuda_is_an_input_error() -> None:
    if torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    with pytest.raises(ValueError, match=r"CUDA is not available"):
        resolve_device("cuda")
    assert resolve_device("auto") == torch.device("cpu")


def test_threads_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NB360_TORCH_THREADS", "3")
    assert resolve_threads(None) == 3 and resolve_threads(2) == 2
    monkeypatch.setenv("NB360_TORCH_THREADS", "many")
    with pytest.raises(ValueError, match=r"NB360_TORCH_THREADS=.many"):
        resolve_threads(None)


def test_loaded_data_is_cached_per_root(ninapro_root: Path) -> None:
    from training_data.tasks import get_task

    task = get_task("ninapro")
    assert load_task_data(task, ninapro_root, {}) is load_task_data(task, ninapro_root, {})


# ----------------------------------------------------------------------------- helpers
def test_subset_keeps_whole_groups_and_caps_them() -> None:
    groups = np.repeat(np.arange(6), [1, 2, 3, 10, 2, 2])
    split = Split(x=np.zeros((20, 1)), y=np.zeros(20), groups=groups)
    for seed in range(5):
        index = subset_index(split, 8, np.random.default_rng(seed), whole_groups=True)
        chosen = set(groups[index].tolist())
        assert all(np.sum(groups[index] == g) == np.sum(groups == g) for g in chosen)
        assert len(index) <= 8 or len(chosen) == 1  # a group larger than n is kept alone
    capped = subset_index(split, None, np.random.default_rng(0), whole_groups=True, group_cap=3)
    # group 3 (indices 6..15) keeps positions round(linspace(0, 9, 3)) = 0, 4, 9; others whole
    assert capped.tolist() == [0, 1, 2, 3, 4, 5, 6, 10, 15, 16, 17, 18, 19]
    plain = subset_index(split, 5, np.random.default_rng(0), whole_groups=False)
    assert len(plain) == 5 and len(set(plain.tolist())) == 5


def test_crop_flip_matches_a_hand_built_crop() -> None:
    x = torch.arange(2 * 1 * 5 * 6, dtype=torch.float32).reshape(2, 1, 5, 6)
    gen = torch.Generator().manual_seed(0)
    out = crop_flip(x, gen)
    gen = torch.Generator().manual_seed(0)  # replay the same draws
    oy, ox = torch.randint(0, 9, (2,), generator=gen), torch.randint(0, 9, (2,), generator=gen)
    flip = torch.rand(2, generator=gen) < 0.5
    padded = torch.nn.functional.pad(x, (4, 4, 4, 4))
    for i in range(2):
        crop = padded[i, :, oy[i] : oy[i] + 5, ox[i] : ox[i] + 6]
        expected = crop.flip(-1) if flip[i] else crop
        assert torch.equal(out[i], expected)


def test_shift1d_is_a_per_sample_roll() -> None:
    x = torch.arange(3 * 2 * 20, dtype=torch.float32).reshape(3, 2, 20)
    out = shift1d(x, torch.Generator().manual_seed(1))
    shifts = torch.randint(-2, 3, (3,), generator=torch.Generator().manual_seed(1))
    for i in range(3):
        assert torch.equal(out[i], torch.roll(x[i], int(shifts[i]), dims=-1))


def test_augmentation_must_fit_the_family() -> None:
    assert get_augmentation("none", "dense2d") is None
    with pytest.raises(ValueError, match=r"'crop_flip' does not fit task family 'dense2d'"):
        get_augmentation("crop_flip", "dense2d")


# ----------------------------------------------------------------------------- real data
@pytest.mark.needs_shared_data
@pytest.mark.parametrize("task", ["ecg", "satellite", "darcyflow"])
def test_tiny_protocol_on_real_data(shared_data: Path, task: str) -> None:
    name = f"{task}-tiny-v1"
    record = evaluate(DARTS.sample(2), task, name, device="cpu", data_root=shared_data, n_threads=1)
    _check_complete(record, name, epochs=1)
    if task == "ecg":
        assert record.metric_name == "macro_f1" and 0.0 <= record.score <= 1.0
    if task == "darcyflow":
        assert record.metric_name == "relative_l2" and record.score > 0


@pytest.mark.needs_shared_data
def test_ecg_cpu_v3_trains_darts_cells_on_every_test_record(shared_data: Path) -> None:
    """``ecg-cpu-v3`` shrunk to one epoch on 64 train windows: its shallow DARTS network trains
    on the real ECG records and is scored on all 2,986 test records of the 60/5/35 split."""
    protocol = dataclasses.replace(get_protocol("ecg-cpu-v3"), name="ecg-check-v3", epochs=1,
                                   n_train=64, n_val=32)
    record = evaluate(DARTS.sample(2), "ecg", protocol, device="cpu", data_root=shared_data, n_threads=1)
    assert record.status == "ok", record.message
    assert record.metric_name == "macro_f1" and 0.0 <= record.score <= 1.0
    assert record.extra["n_test"] == 4 * 2986  # windows: 4 evenly spaced per test record


@pytest.mark.needs_shared_data
def test_satellite_cpu_v3_scores_the_mean_of_three_networks(shared_data: Path) -> None:
    """``satellite-cpu-v3`` shrunk to one epoch on 64 train series: each run trains 3 shallow DARTS
    networks on the real UCR Crop series from 3 streams and scores their mean test error."""
    protocol = dataclasses.replace(get_protocol("satellite-cpu-v3"), name="satellite-check-v3", epochs=1,
                                   n_train=64, n_val=32, n_test=128)
    record = evaluate(DARTS.sample(2), "satellite", protocol, device="cpu", data_root=shared_data, n_threads=1)
    assert record.status == "ok", record.message
    scores = record.extra["repeat_test_scores"]
    assert len(scores) == 3 and len(set(scores)) > 1
    assert record.score == pytest.approx(np.mean(scores))


@pytest.mark.needs_shared_data
@pytest.mark.parametrize("task", ["ecg", "satellite", "darcyflow"])
def test_gpu_protocol_settings_run_on_the_cpu(shared_data: Path, task: str) -> None:
    """Everything of a ``*-gpu-v1`` protocol but CUDA and its size (SGD, drop-path, its data
    options, no determinism switches), shrunk to seconds: no GPU has run these protocols yet."""
    protocol = dataclasses.replace(get_protocol(f"{task}-gpu-v1"), name=f"{task}-gpucheck-v1",
                                   epochs=2, C=4, layers=3, n_train=64, n_val=32, n_test=32)
    assert protocol.optimizer == "sgd" and protocol.drop_path_prob > 0 and not protocol.deterministic
    record = evaluate(DARTS.sample(2), task, protocol, device="cpu", data_root=shared_data, n_threads=1)
    assert record.status == "ok", record.message
    assert len(record.learning_curve) == 2 and record.extra["amp"] is False  # AMP is CUDA-only
