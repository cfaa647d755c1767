"""The weight average (EMA) that v2 protocols score instead of the last weights."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from torch import nn

from graph_encodings import get_space
from training_data import evaluate
from training_data.protocols import get_protocol
from training_data.training.averaging import AveragedStep, WeightAverage


def test_the_average_follows_the_ema_recursion_with_warm_up() -> None:
    model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    average = WeightAverage(model, decay=0.9)
    expected = model[0].weight.detach().clone()
    for step in range(1, 30):
        with torch.no_grad():
            model[0].weight.add_(1.0)
            model[1].running_mean.add_(1.0)
        average.update()
        decay = min(0.9, (1 + step) / (10 + step))
        expected = decay * expected + (1 - decay) * model[0].weight.detach()
    torch.testing.assert_close(average.module[0].weight, expected)
    torch.testing.assert_close(average.module[1].running_mean, model[1].running_mean)  # copied
    assert not average.module.training and not average.module[0].weight.requires_grad


@pytest.mark.parametrize("decay", [0.0, 1.0, -0.5])
def test_decay_outside_the_open_interval_is_refused(decay: float) -> None:
    with pytest.raises(ValueError, match="decay must be in"):
        WeightAverage(nn.Linear(2, 2), decay)


def test_an_averaged_step_updates_the_average_after_each_step() -> None:
    model = nn.Linear(2, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

    def inner(x: torch.Tensor, y: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        optimizer.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        optimizer.step()
        return loss.detach()

    inner.model = model  # type: ignore[attr-defined]
    step = AveragedStep(inner, WeightAverage(model, 0.5))  # type: ignore[arg-type]
    assert step.model is model
    step(torch.ones(4, 2), torch.zeros(4, 1), None)
    assert step.average.steps == 1


@pytest.mark.needs_shared_data
def test_a_protocol_with_averaging_scores_the_average(shared_data) -> None:
    arch = get_space("darts").sample(np.random.default_rng(1))
    base = dataclasses.replace(get_protocol("satellite-tiny-v2"), epochs=2)
    plain, averaged = (evaluate(arch, "satellite", p, seed=0, device="cpu", n_threads=1, data_root=shared_data)
                       for p in (base, dataclasses.replace(base, weight_averaging=0.9)))
    assert plain.status == averaged.status == "ok"
    # the same training (identical losses), another scored network
    assert [c["train_loss"] for c in plain.learning_curve] == [c["train_loss"] for c in averaged.learning_curve]
    assert plain.extra["cpu_seconds"] > 0
