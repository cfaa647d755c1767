"""Where a GPU protocol's training time goes: one training step of random DARTS networks, eager
and replayed as a CUDA graph, and how steps from several processes share one GPU.

For each task, random DARTS networks are built at its ``*-gpu-v1`` settings (``--kind``) and
trained with the real loop (``train_epoch`` over an ``EagerStep``: autocast, gradient clipping,
SGD) on random inputs of the protocol's batch size. Per network it prints the wall milliseconds
per step (synchronised) and the CPU milliseconds per step of the process: CPU ~ wall means the
step is bound by the host launching kernels, not by the GPU. ``--cuda-graphs`` also times the
same steps through ``CudaGraphStep`` from the same initial weights and prints the speed-up and
the largest relative difference between the two runs' per-step losses; ``--check TOL`` makes the
exit status 1 when that difference exceeds TOL or the graphs are not faster (a lease runs this
before it switches graphs on). ``--processes 1 4 12`` then runs the steps in that many processes
at once (each its own CUDA context) and prints the aggregate steps per second and its ratio to
one process: without MPS the GPU time-slices between contexts, with MPS their kernels overlap.

    python benchmarks/bench_gpu_step.py [--tasks darcyflow satellite ecg] [--archs 3]
        [--steps 40] [--cuda-graphs] [--check 0.05] [--processes 1 4 12]
        [--concurrency-task darcyflow] [--device cuda|cpu] [--kind gpu-v1] [--json FILE]
"""
from __future__ import annotations

import argparse
import copy
import dataclasses
import json
import math
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
import torch.multiprocessing as mp
from torch import nn

from graph_encodings import get_space
from training_data.evaluation import network_settings
from training_data.networks.build import build_network
from training_data.protocols import Protocol, get_protocol
from training_data.tasks import get_task
from training_data.training.cuda_graph_step import CudaGraphStep
from training_data.training.data_cache import protocol_data
from training_data.training.device import resolve_device, torch_settings
from training_data.training.loop import (
    EagerStep,
    Precision,
    TensorSplit,
    make_optimizer,
    train_epoch,
)

Timing = Callable[[], tuple[float, float, list[float]]]


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def make_network(task_name: str, protocol: Protocol, arch_index: int, device: torch.device) -> nn.Module:
    task, space = get_task(task_name), get_space("darts")
    arch = space.sample(np.random.default_rng(arch_index))
    return build_network(arch, task.family, task.input_shape[0], task.n_outputs, seed=arch_index,
                         **network_settings(protocol, space)).to(device)


def step_timing(model: nn.Module, task_name: str, protocol: Protocol, steps: int, device: torch.device,
                graphs: bool, data_seed: int) -> Timing:
    """A function that trains ``model`` ``steps`` full batches, returning (wall s, CPU s, losses)."""
    task = get_task(task_name)
    generator = torch.Generator().manual_seed(data_seed)
    x = torch.randn(protocol.batch_size * steps, *task.input_shape, generator=generator).to(device)
    with torch.no_grad():
        out_shape = model.eval()(x[:2]).shape[1:]
    data = TensorSplit(x, torch.randn(len(x), *out_shape, generator=generator).to(device))
    model.drop_path_prob = protocol.drop_path_prob / 2  # mid-run: drop-path masks are drawn
    eager = EagerStep(model, nn.MSELoss(), make_optimizer(model, protocol), protocol.grad_clip,
                      Precision.for_protocol(protocol, device))
    step = CudaGraphStep(eager, protocol.batch_size, device) if graphs else eager
    losses: list[torch.Tensor] = []

    def recording(x: torch.Tensor, y: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        loss = step(x, y, mask)
        losses.append(loss)
        return loss
    recording.model = model  # type: ignore[attr-defined]  # train_epoch's TrainStep protocol

    def run() -> tuple[float, float, list[float]]:
        losses.clear()
        batch_order = torch.Generator().manual_seed(data_seed)
        synchronize(device)
        wall, cpu = time.perf_counter(), time.process_time()
        train_epoch(recording, data, protocol.batch_size, device, batch_order)
        synchronize(device)
        return time.perf_counter() - wall, time.process_time() - cpu, [float(v) for v in losses]
    return run


def steps_per_run(task_name: str, protocol: Protocol) -> int:
    """Training steps of one run: batches per epoch over the protocol's training subset x epochs."""
    data = protocol_data(get_task(task_name), protocol)
    return math.ceil(len(data.train) / protocol.batch_size) * protocol.epochs


def relative_gap(a: list[float], b: list[float]) -> float:
    """The largest per-step relative difference between two loss sequences."""
    return max(abs(x - y) / max(abs(x), 1e-12) for x, y in zip(a, b, strict=True))


def bench_task(task_name: str, kind: str, archs: int, steps: int, device_name: str,
               graphs: bool) -> dict:
    """Per-step wall and CPU time of random networks, eager (and as CUDA graphs)."""
    protocol, device = get_protocol(f"{task_name}-{kind}"), resolve_device(device_name)
    torch.backends.cudnn.benchmark = not protocol.deterministic
    print(f"== {protocol.name}: batch {protocol.batch_size}, C={protocol.C}, {protocol.layers} cells, "
          f"{steps} steps per timing", flush=True)
    rows = []
    for i in range(archs):
        model = make_network(task_name, protocol, i, device)
        variants = {"eager": step_timing(model, task_name, protocol, steps, device, False, i)}
        if graphs:
            variants["graph"] = step_timing(copy.deepcopy(model), task_name, protocol, steps, device, True, i)
        row: dict = {"arch": i}
        for name, run in variants.items():
            run()  # first pass: cudnn autotuning, allocator, the graph's warm-up and capture
            wall, cpu, _ = run()
            row[name] = {"wall_ms": wall / steps * 1e3, "cpu_ms": cpu / steps * 1e3}
        text = "  ".join(f"{name} {t['wall_ms']:6.1f} ms wall, {t['cpu_ms']:6.1f} ms CPU / step"
                         for name, t in ((n, row[n]) for n in variants))
        if graphs:
            row["speedup"] = row["eager"]["wall_ms"] / row["graph"]["wall_ms"]
            text += f"  -> {row['speedup']:.2f}x"
        print(f"  arch {i}: {text}", flush=True)
        rows.append(row)
    summary = {"task": task_name, "protocol": protocol.name, "archs": rows,
               "steps_per_run": steps_per_run(task_name, protocol),
               "eager_median_ms": statistics.median(r["eager"]["wall_ms"] for r in rows)}
    line = f"  median eager {summary['eager_median_ms']:.1f} ms / step"
    if graphs:
        summary["graph_median_ms"] = statistics.median(r["graph"]["wall_ms"] for r in rows)
        summary["median_speedup"] = statistics.median(r["speedup"] for r in rows)
        line += f", graphs {summary['graph_median_ms']:.1f} ms / step ({summary['median_speedup']:.2f}x)"
    print(f"{line}; {summary['steps_per_run']} steps per run", flush=True)
    return summary


def check_graphs(task_name: str, kind: str, steps: int, device_name: str) -> float:
    """The largest relative per-step loss gap between eager steps and their graph replays from
    the same weights, data and CUDA seed, in float32 with deterministic kernels (drop-path on)."""
    device = resolve_device(device_name)
    protocol = dataclasses.replace(get_protocol(f"{task_name}-{kind}"), amp=False, deterministic=True)
    model = make_network(task_name, protocol, 0, device)
    losses = []
    with torch_settings(None, deterministic=True):  # restored afterwards, as evaluate does
        for graphs in (False, True):
            run = step_timing(copy.deepcopy(model), task_name, protocol, steps, device, graphs, 0)
            if device.type == "cuda":
                torch.cuda.manual_seed(0)
            losses.append(run()[2])
    gap = relative_gap(*losses)
    print(f"== check {protocol.name} (float32, deterministic): {steps} steps, eager vs graph loss gap "
          f"{gap:.2e} (first {losses[0][0]:.4f} / {losses[1][0]:.4f}, last {losses[0][-1]:.4f} / "
          f"{losses[1][-1]:.4f})", flush=True)
    return gap


def _worker(task_name: str, kind: str, index: int, steps: int, device: str, graphs: bool, barrier,
            results) -> None:
    torch.set_num_threads(1)
    protocol, resolved = get_protocol(f"{task_name}-{kind}"), resolve_device(device)
    torch.backends.cudnn.benchmark = not protocol.deterministic
    model = make_network(task_name, protocol, index, resolved)
    run = step_timing(model, task_name, protocol, steps, resolved, graphs, index)
    run()
    barrier.wait()
    start = time.perf_counter()
    run()
    results.put((start, time.perf_counter()))


def bench_concurrency(task_name: str, kind: str, levels: list[int], steps: int, device: str,
                      graphs: bool) -> list[dict]:
    """Aggregate steps per second of ``level`` processes training at once, per level."""
    print(f"== {task_name}-{kind}{' as CUDA graphs' if graphs else ''}: {steps} steps in each of N "
          f"processes at once", flush=True)
    context = mp.get_context("spawn")
    rows: list[dict] = []
    for level in levels:
        barrier, results = context.Barrier(level), context.Queue()
        workers = [context.Process(target=_worker, args=(task_name, kind, i, steps, device, graphs,
                                                         barrier, results)) for i in range(level)]
        for worker in workers:
            worker.start()
        spans = [results.get() for _ in workers]
        for worker in workers:
            worker.join()
        wall = max(end for _, end in spans) - min(start for start, _ in spans)
        rate = level * steps / wall
        rows.append({"processes": level, "steps_per_s": rate, "ratio": rate / rows[0]["steps_per_s"]
                     if rows else 1.0, "wall_s": wall})
        print(f"  {level:>3} processes: {rate:8.1f} steps / s together ({rows[-1]['ratio']:.2f}x one "
              f"process), {wall:.1f} s wall", flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="*", default=["darcyflow", "satellite", "ecg"])
    parser.add_argument("--kind", default="gpu-v1", help="protocol of each task: <task>-<kind>")
    parser.add_argument("--archs", type=int, default=3)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--cuda-graphs", action="store_true", help="also time CUDA-graph replays")
    parser.add_argument("--check", type=float, default=None, metavar="TOL",
                        help="exit 1 unless graphs match eager steps within TOL and are faster")
    parser.add_argument("--processes", type=int, nargs="*", default=[])
    parser.add_argument("--concurrency-task", default="darcyflow")
    parser.add_argument("--device", default=None,
                        help="default: cuda; without a CUDA device the benchmark says so and stops")
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    args = parser.parse_args(argv)
    if args.device is None:
        if not torch.cuda.is_available():
            print("bench_gpu_step: no CUDA device here, nothing measured (it times GPU protocol steps; "
                  "--device cpu times them on the CPU)", flush=True)
            return 0
        args.device = "cuda"
    print(f"torch {torch.__version__} on {args.device}", flush=True)
    report: dict = {"torch": torch.__version__, "device": args.device, "tasks": [], "checks": {}}
    on_cuda = resolve_device(args.device).type == "cuda"
    if (args.cuda_graphs or args.check is not None) and not on_cuda:
        print(f"CUDA graphs need a CUDA device, got {args.device!r}: timing eager steps only", flush=True)
    graphs = (args.cuda_graphs or args.check is not None) and on_cuda
    for task_name in args.tasks:
        if args.check is not None and on_cuda:
            report["checks"][task_name] = check_graphs(task_name, args.kind, args.steps, args.device)
        report["tasks"].append(bench_task(task_name, args.kind, args.archs, args.steps, args.device, graphs))
    if args.processes:
        report["concurrency"] = bench_concurrency(args.concurrency_task, args.kind, args.processes,
                                                  args.steps, args.device, args.cuda_graphs and on_cuda)
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=1))
    if args.check is None:
        return 0
    bad = [t for t, gap in report["checks"].items() if not gap <= args.check]
    slow = [t["task"] for t in report["tasks"] if not t.get("median_speedup", 0.0) > 1.0]
    if not on_cuda or bad or slow:
        print(f"graph check failed: {'no CUDA device; ' if not on_cuda else ''}loss gap over "
              f"{args.check} on {bad}, not faster on {slow}", flush=True)
        return 1
    print(f"graph check passed: gaps within {args.check}, faster on every task", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
