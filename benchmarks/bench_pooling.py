"""Speed of the cells' pools (``training_data.networks.pooling``) against torch's, on one thread.

Two tables, CPU seconds of this process (``time.process_time``; less sensitive than wall time to
other processes on a shared machine), medians over repeats:

1. per pool: forward + backward of one pool at the cells' sizes (the protocols' batch sizes),
   always our implementation (the modules pick torch's where it is as fast: strided ones);
2. per task: one training step (forward, backward, SGD) of random DARTS networks built at the
   task's CPU protocol settings, with our pools and with torch's pools swapped in, on random
   inputs of the protocol's batch size. The ratio is torch's time over ours (> 1: ours faster).

Both pool implementations give the same numbers bit for bit (``tests/training_data/test_pooling.py``).

    python benchmarks/bench_pooling.py [--tasks ecg satellite darcyflow] [--n-archs 8]
                                       [--steps 3] [--seed 0]
"""
from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from graph_encodings import get_space
from training_data.evaluation import network_settings
from training_data.networks.build import build_network
from training_data.networks.pooling import (
    AvgPool,
    MaxPool,
    avg_pool,
    max_pool,
    torch_avg_pool,
    torch_max_pool,
    with_torch_pools,
)
from training_data.protocols import get_protocol
from training_data.tasks import get_task

POOL_SHAPES = ((64, 12, 1000), (64, 24, 500), (64, 12, 46), (8, 12, 85, 85), (8, 24, 43, 43))  # ECG, Satellite, Darcy


def cpu_seconds(fn: Callable[[], object], repeats: int) -> float:
    """Median CPU seconds of ``fn`` over ``repeats`` calls (after one warm-up call)."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times)


def forward_backward(pool: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> Callable[[], None]:
    def step() -> None:
        out = pool(x)
        out.backward(torch.ones_like(out))
    return step


def bench_pools(repeats: int) -> None:
    print("== one pool, forward + backward (ms of CPU)")
    print(f"{'shape':>18} {'stride':>6} {'max torch':>10} {'max ours':>9} {'ratio':>6} "
          f"{'avg torch':>10} {'avg ours':>9} {'ratio':>6}")
    for shape in POOL_SHAPES:
        x = torch.randn(shape, requires_grad=True)
        for stride in (1, 2):
            row = []
            for kind, ours in (("max", max_pool), ("avg", avg_pool)):
                theirs = torch_max_pool if kind == "max" else torch_avg_pool
                theirs_s = cpu_seconds(forward_backward(lambda t, f=theirs, s=stride: f(t, s), x), repeats)
                ours_s = cpu_seconds(forward_backward(lambda t, f=ours, s=stride: f(t, s), x), repeats)
                row += [theirs_s * 1e3, ours_s * 1e3, theirs_s / ours_s]
            print(f"{str(shape):>18} {stride:>6} {row[0]:>10.2f} {row[1]:>9.2f} {row[2]:>6.2f} "
                  f"{row[3]:>10.2f} {row[4]:>9.2f} {row[5]:>6.2f}", flush=True)


def train_step(model: nn.Module, x: torch.Tensor) -> Callable[[], None]:
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)

    def step() -> None:
        optimizer.zero_grad(set_to_none=True)
        model(x).float().square().mean().backward()
        optimizer.step()
    return step


def bench_task(name: str, n_archs: int, steps: int, seed: int) -> None:
    task, protocol, space = get_task(name), get_protocol(f"{name}-cpu-v1"), get_space("darts")
    x = torch.randn(protocol.batch_size, *task.input_shape, generator=torch.Generator().manual_seed(seed))
    rng = np.random.default_rng(seed)
    ratios, ours_total, theirs_total = [], 0.0, 0.0
    print(f"\n== {name}: one training step at {protocol.name}'s settings, batch {protocol.batch_size}, "
          f"input {task.input_shape} (s of CPU)")
    for i in range(n_archs):
        arch = space.sample(rng)
        ours = build_network(arch, task.family, task.input_shape[0], task.n_outputs, seed=i,
                             **network_settings(protocol, space))
        theirs = with_torch_pools(ours)
        pools = sum(isinstance(m, (MaxPool, AvgPool)) for m in ours.modules())
        ours_s = cpu_seconds(train_step(ours, x), steps)
        theirs_s = cpu_seconds(train_step(theirs, x), steps)
        ours_total, theirs_total = ours_total + ours_s, theirs_total + theirs_s
        ratios.append(theirs_s / ours_s)
        print(f"  arch {i} ({pools:>2} pools): torch {theirs_s:.3f}  ours {ours_s:.3f}  "
              f"ratio {ratios[-1]:.2f}", flush=True)
    print(f"  median ratio {statistics.median(ratios):.2f}; summed step time torch {theirs_total:.2f} s, "
          f"ours {ours_total:.2f} s: {theirs_total / ours_total:.2f}x")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", default=["ecg", "satellite", "darcyflow"])
    parser.add_argument("--n-archs", type=int, default=8)
    parser.add_argument("--steps", type=int, default=3, help="timed steps per network")
    parser.add_argument("--repeats", type=int, default=7, help="timed calls per pool")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, 1 thread")
    bench_pools(args.repeats)
    for name in args.tasks:
        bench_task(name, args.n_archs, args.steps, args.seed)


if __name__ == "__main__":
    main()
