"""The task registry: every task's shapes, loss and score are consistent and usable."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from training_data.tasks import Task, get_task, list_tasks

EXPECTED_ORDER = [
    "cifar100", "spherical", "ninapro", "fsd50k", "darcyflow",
    "psicov", "cosmic", "ecg", "satellite", "deepsea",
]
FAMILY = {
    "cifar100": "point2d", "spherical": "point2d", "ninapro": "point2d", "fsd50k": "point2d",
    "darcyflow": "dense2d", "psicov": "dense2d", "cosmic": "dense2d",
    "ecg": "point1d", "satellite": "point1d", "deepsea": "point1d",
}
N = 12


def test_list_tasks_is_the_ten_in_design_order() -> None:
    assert list_tasks() == EXPECTED_ORDER


def test_unknown_task_names_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="unknown task 'cifar10'.*cifar100.*deepsea"):
        get_task("cifar10")
    with pytest.raises(ValueError, match="unknown task"):
        get_task(None)  # type: ignore[arg-type]


def test_task_rejects_bad_declarations() -> None:
    with pytest.raises(ValueError, match="output_type 'regression'"):
        Task("t", (1,), (1,), "regression", "point1d", 1, "mse", "mae8", "", "A", None, "")


def _target(task: Task, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """A random target of the task's declared shape, plus groups/mask where the score uses them."""
    extra: dict[str, np.ndarray] = {}
    if task.output_type == "classification":
        y = rng.permutation(np.resize(np.arange(task.n_outputs), max(N, task.n_outputs)))
        extra["groups"] = np.arange(len(y)) // 2  # pairs of windows form a record (ECG)
    elif task.output_type == "multilabel":
        y = (rng.random((N, task.n_outputs)) < 0.5).astype(np.float32)
        y[0], y[1] = 1, 0  # every label has a positive and a negative
        extra["groups"] = np.arange(N)
    elif task.name == "psicov":
        size = task.output_shape[-1]
        coords = rng.normal(scale=6.0, size=(N, size, 3)).cumsum(axis=1) * 0.3
        y = np.linalg.norm(coords[:, :, None] - coords[:, None, :], axis=-1)[:, None].astype(np.float32)
        y = np.maximum(y, 1.0)
        y[:, :, 0, 30] = y[:, :, 30, 0] = 5.0  # at least one long-range contact per map
    else:
        y = (rng.random((N, *task.output_shape)) < 0.3).astype(np.float32)
        if task.output_type == "dense_regression":
            y = y + rng.random(y.shape).astype(np.float32)
    return {"y": y, **extra}


def _perfect(task: Task, y: np.ndarray) -> np.ndarray:
    if task.output_type == "classification":
        return np.eye(task.n_outputs, dtype=np.float32)[y] * 10
    if task.output_type in ("multilabel", "dense_binary"):
        return (2 * y - 1) * 10
    return y.copy()


def _output_for(task: Task, y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    rows = len(y)
    shape = (rows, task.n_outputs) if task.output_type in ("classification", "multilabel") else y.shape
    return rng.normal(size=shape).astype(np.float32)


@pytest.mark.parametrize("name", EXPECTED_ORDER)
def test_task_declarations_are_consistent(name: str) -> None:
    task = get_task(name)
    assert task.name == name and task.family == FAMILY[name]
    assert all(isinstance(d, int) and d > 0 for d in (*task.input_shape, *task.output_shape))
    if task.output_type in ("classification", "multilabel"):
        assert task.output_shape == (task.n_outputs,)
        assert len(task.input_shape) == (3 if task.family == "point2d" else 2)
    else:
        assert task.family == "dense2d"
        assert task.output_shape[0] == task.n_outputs
        assert task.output_shape[1:] == task.input_shape[1:]  # per-pixel output
    assert task.score_unit in ("%", "fraction", "A")
    assert task.score_description and task.chance_description
    assert task.chance_score is None or task.chance_score > 0
    assert task.loader == f"training_data.tasks.loaders.{name}"


@pytest.mark.parametrize("name", EXPECTED_ORDER)
def test_loss_fn_runs_forward_and_backward(name: str) -> None:
    task = get_task(name)
    rng = np.random.default_rng(0)
    y = _target(task, rng)["y"]
    output = torch.tensor(_output_for(task, y, rng), requires_grad=True)
    target = torch.tensor(y)
    loss = task.loss_fn()(output, target)
    assert loss.ndim == 0 and math.isfinite(loss.item())
    loss.backward()
    assert output.grad is not None and torch.isfinite(output.grad).all()


@pytest.mark.parametrize("name", EXPECTED_ORDER)
def test_score_is_finite_on_random_and_zero_on_perfect_predictions(name: str) -> None:
    task = get_task(name)
    rng = np.random.default_rng(1)
    data = _target(task, rng)
    y = data.pop("y")
    random_score = task.score(_output_for(task, y, rng), y, **data)
    assert math.isfinite(random_score) and random_score >= 0
    perfect = task.score(_perfect(task, y), y, **data)
    assert perfect == pytest.approx(0.0, abs=1e-9)
    assert perfect <= random_score
    torch_score = task.score(torch.tensor(_perfect(task, y)), torch.tensor(y), **data)
    assert torch_score == pytest.approx(0.0, abs=1e-9)


def test_darcy_score_accepts_normaliser_stats_as_dict() -> None:
    from training_data.tasks import GaussianNormaliser

    rng = np.random.default_rng(2)
    y = rng.normal(1.0, 0.2, size=(5, 1, 85, 85)).astype(np.float32)
    norm = GaussianNormaliser.fit(y[:, 0])
    task = get_task("darcyflow")
    assert task.score(norm.encode(y), norm.encode(y), normaliser=norm.to_dict()) == pytest.approx(0.0)
