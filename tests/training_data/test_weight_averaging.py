"""The weight averages (EMA, SWA) that v2 protocols score instead of the last weights."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from torch import nn

from graph_encodings import get_space
from training_data import evaluate
from training_data.evaluation import batch_norm_inputs
from training_data.protocols import get_protocol
from training_data.training.averaging import (
    AveragedStep,
    StochasticWeightAverage,
    WeightAverage,
    recompute_batch_norm,
    weight_average,
)
from training_data.training.loop import TensorSplit


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


def test_swa_is_the_equal_weight_mean_of_the_weights_after_its_start_step() -> None:
    model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    average = StochasticWeightAverage(model, start_step=4)
    seen = []
    for _ in range(10):
        with torch.no_grad():
            model[0].weight.add_(torch.randn_like(model[0].weight))
        average.update()
        seen.append(model[0].weight.detach().clone())
    assert average.steps == 10 and average.averaged_steps == 6
    torch.testing.assert_close(average.module[0].weight, torch.stack(seen[4:]).mean(0))
    assert not average.module.training and not average.module[0].weight.requires_grad


def test_swa_scores_the_trained_network_until_it_has_averaged_a_step() -> None:
    model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    average = StochasticWeightAverage(model, start_step=2)
    batches = [torch.randn(8, 3)]
    average.update()
    average.update()
    assert average.network_to_score(model, lambda: batches) is model
    average.update()
    assert average.network_to_score(model, lambda: batches) is average.module


def test_swa_statistics_are_recomputed_on_the_training_inputs_once_per_change() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2, momentum=0.3))
    average = StochasticWeightAverage(model, start_step=0)
    average.update()
    batches = [torch.randn(16, 3) + 2.0, torch.randn(16, 3) - 1.0]
    passes = []

    def counted() -> list[torch.Tensor]:
        passes.append(1)
        return batches

    scored = average.network_to_score(model, counted)
    hidden = [scored[0](x) for x in batches]  # equal batches: the cumulative means are plain means
    torch.testing.assert_close(scored[1].running_mean, torch.stack([h.mean(0) for h in hidden]).mean(0))
    torch.testing.assert_close(scored[1].running_var, torch.stack([h.var(0) for h in hidden]).mean(0))
    assert scored[1].momentum == 0.3 and not scored.training
    average.network_to_score(model, counted)
    assert len(passes) == 1  # the mean did not change: no second pass
    average.update()
    average.network_to_score(model, counted)
    assert len(passes) == 2


def test_recomputing_statistics_turns_drop_path_off_and_restores_it() -> None:
    class Dropping(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.norm = nn.BatchNorm1d(2)
            self.drop_path_prob = 0.3
            self.seen: list[float] = []

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            self.seen.append(self.drop_path_prob)
            return self.norm(x)

    module = Dropping()
    recompute_batch_norm(module, lambda: [torch.randn(4, 2)])
    assert module.seen == [0.0] and module.drop_path_prob == 0.3


def test_the_average_a_protocol_asks_for() -> None:
    model = nn.Linear(2, 1)
    assert weight_average(model, decay=None, swa_start=None, total_steps=10) is None
    assert isinstance(weight_average(model, decay=0.9, swa_start=None, total_steps=10), WeightAverage)
    swa = weight_average(model, decay=None, swa_start=0.75, total_steps=40)
    assert isinstance(swa, StochasticWeightAverage) and swa.start_step == 30
    with pytest.raises(ValueError, match="set at most one"):
        weight_average(model, decay=0.9, swa_start=0.5, total_steps=10)
    with pytest.raises(ValueError, match="start_step must be an integer >= 0"):
        StochasticWeightAverage(model, -1)


@pytest.mark.needs_shared_data
def test_a_protocol_with_swa_scores_the_average_reproducibly(shared_data) -> None:
    arch = get_space("darts").sample(np.random.default_rng(1))
    base = dataclasses.replace(get_protocol("satellite-tiny-v2"), epochs=2)
    swa = dataclasses.replace(base, swa_start=0.5)
    plain, first, second = (evaluate(arch, "satellite", p, seed=0, device="cpu", n_threads=1, data_root=shared_data)
                            for p in (base, swa, swa))
    assert plain.status == first.status == second.status == "ok"
    assert [c["train_loss"] for c in plain.learning_curve] == [c["train_loss"] for c in first.learning_curve]
    assert first.test_score == second.test_score
    assert [c["val_score"] for c in first.learning_curve] == [c["val_score"] for c in second.learning_curve]


def test_the_batch_norm_pass_sees_every_training_input_or_the_protocols_fixed_subset() -> None:
    train = TensorSplit(torch.arange(10.0).reshape(10, 1), torch.zeros(10))
    swa = dataclasses.replace(get_protocol("satellite-tiny-v2"), weight_averaging=None, swa_start=0.5,
                              eval_batch_size=4)
    everything = torch.cat(list(batch_norm_inputs(train, swa, torch.device("cpu"))()))
    torch.testing.assert_close(everything, train.x)
    capped = dataclasses.replace(swa, swa_bn_samples=6)
    first, second = (torch.cat(list(batch_norm_inputs(train, capped, torch.device("cpu"))())) for _ in range(2))
    assert first.shape == (6, 1) and len(set(first.flatten().tolist())) == 6
    torch.testing.assert_close(first, second)  # fixed: every run of the protocol sees the same subset
    assert torch.cat(list(batch_norm_inputs(train, dataclasses.replace(swa, swa_bn_samples=50),
                                            torch.device("cpu"))())).shape == (10, 1)
