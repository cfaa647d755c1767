"""Where a GPU protocol's training time goes: one training step of random DARTS networks, and how
steps from several processes share one GPU.

For each task, random DARTS networks are built at its ``*-gpu-v1`` settings and trained with the
real loop (``train_epoch``: autocast, gradient clipping, SGD) on random inputs of the protocol's
batch size. Per network it prints the wall milliseconds per step (synchronised) and the CPU
milliseconds per step of the process: CPU ~ wall means the step is bound by the host launching
kernels, not by the GPU. ``--processes 1 4 12`` then runs the same steps in that many processes at
once (each its own CUDA context) and prints the aggregate steps per second and its ratio to one
process: without MPS the GPU time-slices between contexts, with MPS their kernels overlap.

    python benchmarks/bench_gpu_step.py [--tasks darcyflow satellite ecg] [--archs 3]
        [--steps 40] [--processes 1 4 12] [--concurrency-task darcyflow] [--device cuda]
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch
import torch.multiprocessing as mp
from torch import nn

from graph_encodings import get_space
from training_data.evaluation import network_settings
from training_data.networks.build import build_network
from training_data.protocols import get_protocol
from training_data.tasks import get_task
from training_data.training.device import resolve_device
from training_data.training.loop import Precision, TensorSplit, make_optimizer, train_epoch


def step_runner(task_name: str, arch_index: int, steps: int, device_name: str):
    """A network and a function that trains it ``steps`` steps, returning (wall s, CPU s)."""
    task, protocol, space = get_task(task_name), get_protocol(f"{task_name}-gpu-v1"), get_space("darts")
    device = resolve_device(device_name)
    arch = space.sample(np.random.default_rng(arch_index))
    model = build_network(arch, task.family, task.input_shape[0], task.n_outputs, seed=arch_index,
                          **network_settings(protocol, space)).to(device)
    generator = torch.Generator().manual_seed(arch_index)
    x = torch.randn(protocol.batch_size * steps, *task.input_shape, generator=generator).to(device)
    with torch.no_grad():
        out_shape = model.eval()(x[:2]).shape[1:]
    data = TensorSplit(x, torch.randn(len(x), *out_shape, generator=generator).to(device))
    precision, optimizer = Precision.for_protocol(protocol, device), make_optimizer(model, protocol)
    torch.backends.cudnn.benchmark = True

    def run() -> tuple[float, float]:
        synchronize(device)
        wall, cpu = time.perf_counter(), time.process_time()
        train_epoch(model, data, nn.MSELoss(), optimizer, protocol, device, generator, precision)
        synchronize(device)
        return time.perf_counter() - wall, time.process_time() - cpu
    return run


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def bench_task(task_name: str, archs: int, steps: int, device: str) -> None:
    protocol = get_protocol(f"{task_name}-gpu-v1")
    print(f"== {protocol.name}: batch {protocol.batch_size}, C={protocol.C}, {protocol.layers} cells, "
          f"{steps} steps per timing", flush=True)
    walls = []
    for i in range(archs):
        run = step_runner(task_name, i, steps, device)
        run()  # warm-up: cudnn autotuning, allocator
        wall, cpu = run()
        walls.append(wall / steps)
        print(f"  arch {i}: {wall / steps * 1e3:7.1f} ms wall / step, {cpu / steps * 1e3:7.1f} ms CPU / step",
              flush=True)
    print(f"  median {statistics.median(walls) * 1e3:.1f} ms / step", flush=True)


def _worker(task_name: str, index: int, steps: int, device: str, barrier, results) -> None:
    torch.set_num_threads(1)
    run = step_runner(task_name, index, steps, device)
    run()
    barrier.wait()
    start = time.perf_counter()
    run()
    results.put((start, time.perf_counter()))


def bench_concurrency(task_name: str, levels: list[int], steps: int, device: str) -> None:
    print(f"== {task_name}-gpu-v1: {steps} steps in each of N processes at once", flush=True)
    context = mp.get_context("spawn")
    first = None
    for level in levels:
        barrier, results = context.Barrier(level), context.Queue()
        workers = [context.Process(target=_worker, args=(task_name, i, steps, device, barrier, results))
                   for i in range(level)]
        for worker in workers:
            worker.start()
        spans = [results.get() for _ in workers]
        for worker in workers:
            worker.join()
        wall = max(end for _, end in spans) - min(start for start, _ in spans)
        rate = level * steps / wall
        first = first or rate
        print(f"  {level:>3} processes: {rate:8.1f} steps / s together ({rate / first:.2f}x one process), "
              f"{wall:.1f} s wall", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="*", default=["darcyflow", "satellite", "ecg"])
    parser.add_argument("--archs", type=int, default=3)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--processes", type=int, nargs="*", default=[])
    parser.add_argument("--concurrency-task", default="darcyflow")
    parser.add_argument("--device", default="cuda")
    args = parser.parse_args(argv)
    print(f"torch {torch.__version__} on {args.device}", flush=True)
    for task_name in args.tasks:
        bench_task(task_name, args.archs, args.steps, args.device)
    if args.processes:
        bench_concurrency(args.concurrency_task, args.processes, args.steps, args.device)


if __name__ == "__main__":
    main()
