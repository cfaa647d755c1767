"""Training steps: the eager step, the CUDA-graph replay and how an evaluation chooses between them.

The CUDA-graph comparison needs a CUDA device (``needs_cuda``): CI machines have none, so it runs
where one is (a lent GPU: ``pytest -m needs_cuda``); everything else runs everywhere.
"""
from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable, Iterator

import pytest
import torch
from torch import nn

from training_data.evaluation import evaluate
from training_data.training.cuda_graph_step import WARMUP_STEPS, CudaGraphStep, supports
from training_data.training.device import CUDA_GRAPHS_ENV, resolve_cuda_graphs, torch_settings
from training_data.training.loop import EagerStep, Precision, TensorSplit, train_epoch

needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
ARCH = "|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|nor_conv_1x1~0|none~1|nor_conv_3x3~2|"


class DropNet(nn.Module):
    """A small network with batch norm and a drop-path-like random mask (``drop_path_prob``)."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Linear(6, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 2))
        self.drop_path_prob = 0.0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.body(x)
        if self.training and self.drop_path_prob > 0:
            keep = 1.0 - self.drop_path_prob
            h = h / keep * torch.empty(h.shape[0], 1, device=h.device).bernoulli_(keep)
        return h


def eager_step(model: nn.Module, device: torch.device, keep_grads: bool = False) -> EagerStep:
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=3e-4)
    return EagerStep(model, nn.MSELoss(), optimizer, 5.0, Precision(device.type), keep_grads=keep_grads)


def data(n: int, device: torch.device) -> TensorSplit:
    g = torch.Generator().manual_seed(0)
    return TensorSplit(torch.randn(n, 6, generator=g).to(device), torch.randn(n, 2, generator=g).to(device))


def test_keep_grads_zeroes_the_same_gradient_tensors() -> None:
    cpu = torch.device("cpu")
    step = eager_step(DropNet(), cpu)
    batch = data(8, cpu)
    step(batch.x, batch.y, None)
    before = [p.grad for p in step.model.parameters()]
    step.keep_grads = True
    step(batch.x, batch.y, None)
    assert all(p.grad is g for p, g in zip(step.model.parameters(), before, strict=True))
    step.keep_grads = False
    step(batch.x, batch.y, None)
    assert all(p.grad is not g for p, g in zip(step.model.parameters(), before, strict=True))


def test_keeping_gradients_does_not_change_training() -> None:
    cpu = torch.device("cpu")
    model = DropNet()
    losses = []
    for keep in (False, True):
        step = eager_step(copy.deepcopy(model), cpu, keep_grads=keep)
        losses.append(train_epoch(step, data(40, cpu), 8, cpu, torch.Generator().manual_seed(1)))
    assert losses[0] == losses[1]


DARTS_CELL = (
    "Genotype(normal=[('sep_conv_3x3', 0), ('max_pool_3x3', 1), ('dil_conv_3x3', 0), ('avg_pool_3x3', 2), "
    "('skip_connect', 1), ('sep_conv_5x5', 3), ('dil_conv_5x5', 4), ('max_pool_3x3', 0)], normal_concat=[2, 3, 4, 5], "
    "reduce=[('max_pool_3x3', 0), ('sep_conv_3x3', 1), ('avg_pool_3x3', 2), ('dil_conv_5x5', 0), "
    "('skip_connect', 3), ('sep_conv_5x5', 1), ('dil_conv_3x3', 4), ('max_pool_3x3', 2)], reduce_concat=[2, 3, 4, 5])"
)


def _small_darts_network() -> nn.Module:
    """3 cells of 4 channels over 8 x 52 inputs (Myo-sized), every operation, drop-path on."""
    from graph_encodings import get_space
    from training_data.networks.build import build_network

    arch = get_space("darts").parse(DARTS_CELL)
    return build_network(arch, "point1d", 8, 5, C=4, layers=3, drop_path_prob=0.2, seed=0)


def _darts_weights_after_training(fill_uninitialized_memory: bool) -> list[torch.Tensor]:
    """The small DARTS network's weights after 6 deterministic SGD steps."""
    with torch_settings(1, True, fill_uninitialized_memory=fill_uninitialized_memory):
        assert torch.utils.deterministic.fill_uninitialized_memory is fill_uninitialized_memory
        model = _small_darts_network()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=3e-4)
        step = EagerStep(model, nn.CrossEntropyLoss(), optimizer, 5.0, Precision("cpu"))
        g = torch.Generator().manual_seed(0)
        batch = TensorSplit(torch.randn(48, 8, 52, generator=g), torch.randint(0, 5, (48,), generator=g))
        cpu = torch.device("cpu")
        torch.manual_seed(0)
        train_epoch(step, batch, 8, cpu, torch.Generator().manual_seed(1))
    return [p.detach().clone() for p in model.parameters()]


def test_skipping_the_nan_fill_of_new_tensors_trains_bit_for_bit_the_same() -> None:
    """Deterministic mode's NaN fill of uninitialised memory (torch's default) is switched off for
    speed: no kernel reads that memory, so the weights after training are bitwise those with it,
    and the switch is put back afterwards."""
    before = torch.utils.deterministic.fill_uninitialized_memory
    filled, unfilled = (_darts_weights_after_training(fill) for fill in (True, False))
    assert all(torch.equal(a, b) for a, b in zip(filled, unfilled, strict=True))
    assert any(not torch.equal(a, b) for a, b in zip(unfilled, _small_darts_network().parameters(), strict=True))
    assert torch.utils.deterministic.fill_uninitialized_memory is before


class HostGraphs:
    """Stands in for CUDA graphs on the host, to test CudaGraphStep's bookkeeping: capturing runs
    nothing; each replay runs the step into fresh gradients (a replayed backward writes them, it
    does not accumulate) and copies its loss into the tensor the capture returned."""

    def __init__(self, optimizer: torch.optim.Optimizer, fail: bool = False) -> None:
        self.optimizer, self.fail, self.captures = optimizer, fail, 0

    @contextlib.contextmanager
    def side_stream(self) -> Iterator[None]:
        yield

    def capture(self, fn: Callable[[], torch.Tensor]) -> tuple[Callable[[], None], torch.Tensor]:
        if self.fail:
            raise RuntimeError("operation not permitted when stream is capturing")
        self.captures += 1
        out = torch.zeros(())

        def replay() -> None:
            self.optimizer.zero_grad(set_to_none=True)
            out.copy_(fn())
        return replay, out


def train_three_epochs(step, eager: EagerStep, schedule: bool = True) -> list[float]:
    """3 epochs of 44 samples in batches of 8 (5 full, 1 short); lr and drop-path change per
    epoch when ``schedule``."""
    torch.manual_seed(0)
    losses = []
    for epoch in range(3):
        eager.model.drop_path_prob = 0.1 * epoch if schedule else 0.1
        for group in eager.optimizer.param_groups:
            group["lr"] = 0.05 / (epoch + 1) if schedule else 0.05
        cpu = torch.device("cpu")
        losses.append(train_epoch(step, data(44, cpu), 8, cpu, torch.Generator().manual_seed(epoch)))
    return losses


def test_graph_bookkeeping_matches_eager_training_on_the_host() -> None:
    """Warm-up steps, a capture per lr / drop-path change, replays of full batches and eager
    short batches give the eager run's numbers exactly (host stand-in for the graphs)."""
    cpu, model = torch.device("cpu"), DropNet()
    eager = eager_step(copy.deepcopy(model), cpu)
    expected = train_three_epochs(eager, eager)
    graphed = eager_step(copy.deepcopy(model), cpu)
    graphs = HostGraphs(graphed.optimizer)
    step = CudaGraphStep(graphed, 8, cpu, graphs=graphs)
    assert train_three_epochs(step, graphed) == expected
    assert (graphs.captures, step.replays, step.error) == (3, 3 * 5 - WARMUP_STEPS, None)
    for a, b in zip(eager.model.parameters(), graphed.model.parameters(), strict=True):
        assert torch.equal(a, b)

    steady = eager_step(copy.deepcopy(model), cpu)
    graphs = HostGraphs(steady.optimizer)
    step = CudaGraphStep(steady, 8, cpu, graphs=graphs)
    train_three_epochs(step, steady, schedule=False)
    assert graphs.captures == 1  # nothing baked in changed: one capture serves every epoch


def test_a_failed_capture_leaves_an_eager_run_and_says_why() -> None:
    cpu, model = torch.device("cpu"), DropNet()
    eager = eager_step(copy.deepcopy(model), cpu)
    expected = train_three_epochs(eager, eager)
    graphed = eager_step(copy.deepcopy(model), cpu)
    step = CudaGraphStep(graphed, 8, cpu, graphs=HostGraphs(graphed.optimizer, fail=True))
    assert train_three_epochs(step, graphed) == expected
    assert step.replays == 0 and "operation not permitted when stream is capturing" in step.error


def test_cuda_graphs_need_a_cuda_device() -> None:
    cpu = torch.device("cpu")
    assert not supports(eager_step(DropNet(), cpu), cpu)
    cuda = torch.device("cuda")  # a device object only: nothing runs on it
    assert supports(eager_step(DropNet(), cuda), cuda)
    adamw = eager_step(DropNet(), cuda)
    adamw.optimizer = torch.optim.AdamW(adamw.model.parameters())
    assert not supports(adamw, cuda)  # its step counts live on the host
    with pytest.raises(ValueError, match="need a CUDA device, SGD and no fp16 .* got device 'cpu', SGD"):
        CudaGraphStep(eager_step(DropNet(), cpu), 8, cpu)
    with pytest.raises(ValueError, match="cuda_graphs=True needs a CUDA device, got 'cpu'"):
        resolve_cuda_graphs(True, cpu)
    with pytest.raises(ValueError, match="cuda_graphs must be True, False or None, got 'yes'"):
        resolve_cuda_graphs("yes", cpu)  # type: ignore[arg-type]


def test_the_environment_switch_applies_to_cuda_devices_only(monkeypatch: pytest.MonkeyPatch) -> None:
    cpu = torch.device("cpu")
    monkeypatch.setenv(CUDA_GRAPHS_ENV, "1")
    assert resolve_cuda_graphs(None, cpu) is False
    assert resolve_cuda_graphs(None, torch.device("cuda", 0)) is True
    assert resolve_cuda_graphs(False, torch.device("cuda", 0)) is False
    monkeypatch.setenv(CUDA_GRAPHS_ENV, "yes")
    with pytest.raises(ValueError, match=r"\$NB360_CUDA_GRAPHS='yes'; valid: '1'"):
        resolve_cuda_graphs(None, cpu)


@pytest.mark.needs_shared_data
def test_an_evaluation_on_the_cpu_refuses_graphs_and_ignores_the_switch(
    shared_data, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ValueError, match="cuda_graphs=True needs a CUDA device"):
        evaluate(ARCH, "satellite", "satellite-tiny-v1", device="cpu", data_root=shared_data, cuda_graphs=True)
    monkeypatch.setenv(CUDA_GRAPHS_ENV, "1")
    record = evaluate(ARCH, "satellite", "satellite-tiny-v1", device="cpu", data_root=shared_data)
    assert record.status == "ok" and "cuda_graphs" not in record.extra


@needs_cuda
def test_graph_replays_match_eager_steps_on_cuda() -> None:
    """Same weights, data, batch order and CUDA seed: float32 deterministic kernels give the same
    losses whether each full batch runs eagerly or as a replayed graph; the lr and drop-path
    probability change mid-run (a recapture), and the last batch is short (eager)."""
    device = torch.device("cuda")
    torch.backends.cudnn.deterministic = True
    model = DropNet().to(device)
    results = []
    for graphs in (False, True):
        eager = eager_step(copy.deepcopy(model), device)
        step = CudaGraphStep(eager, 8, device) if graphs else eager
        torch.cuda.manual_seed(0)
        losses = []
        for epoch in range(3):
            eager.model.drop_path_prob = 0.1 * epoch
            for group in eager.optimizer.param_groups:
                group["lr"] = 0.05 / (epoch + 1)
            losses.append(train_epoch(step, data(44, device), 8, device, torch.Generator().manual_seed(epoch)))
        results.append((losses, [p.detach().clone() for p in eager.model.parameters()], step))
    (eager_losses, eager_params, _), (graph_losses, graph_params, graph_step) = results
    assert graph_step.error is None
    assert graph_step.replays == 3 * 5 - WARMUP_STEPS  # 5 full batches of 8 per epoch, 1 short one
    assert graph_losses == pytest.approx(eager_losses, rel=1e-5)
    for a, b in zip(eager_params, graph_params, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)
