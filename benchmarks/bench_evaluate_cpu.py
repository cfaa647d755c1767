"""Evidence for the CPU protocols: 5 random DARTS architectures per task with data here.

Prints, per task, each architecture's test score (NB360 error, lower is better), the median
seconds per evaluation (wall clock, and CPU seconds of this process), the spread of the scores
(min, max, std) and two chance levels: the task registry's ``chance_score`` (an input-blind
predictor) and a constant predictor fitted on the protocol's own training subset (the majority
class / the mean target field), scored on the same test subset.

    python benchmarks/bench_evaluate_cpu.py [--tasks ecg satellite darcyflow] [--n-archs 5]
                                            [--threads 1] [--seed 0] [--data-root PATH]

Threads: on a shared 2-core machine torch's OpenMP threads collapse under oversubscription
(measured here: one Darcy epoch 1.2 s with 1 thread, 66 s with 2 while other processes ran), so
the default is 1 thread per evaluation; parallelism comes from running evaluations in parallel.
"""
from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import numpy as np
import torch

from graph_encodings import get_space
from training_data.evaluation import evaluate, score_kwargs
from training_data.protocols import get_protocol
from training_data.tasks import get_task
from training_data.tasks.dataset import TaskData
from training_data.training.data_cache import protocol_data

TASKS_WITH_DATA = ("ecg", "satellite", "darcyflow")


def constant_baseline(task: Any, data: TaskData) -> float:
    """Score of an input-blind constant prediction fitted on the training split."""
    n_test = len(data.test)
    if task.output_type == "classification":
        majority = int(np.bincount(data.train.y, minlength=task.n_outputs).argmax())
        pred = np.zeros((n_test, task.n_outputs), dtype=np.float32)
        pred[:, majority] = 1.0
    elif task.output_type == "multilabel":
        pred = np.tile(data.train.y.mean(axis=0, keepdims=True), (n_test, 1))
    else:
        pred = np.repeat(data.train.y.mean(axis=0, keepdims=True), n_test, axis=0)
    return float(task.score(pred, data.test.y, **score_kwargs(task, data, data.test)))


def bench_task(name: str, n_archs: int, seed: int, threads: int, data_root: str | None) -> None:
    task = get_task(name)
    protocol = get_protocol(f"{name}-cpu-v1")
    start = time.perf_counter()
    data = protocol_data(task, protocol, data_root)
    load_seconds = time.perf_counter() - start
    print(f"\n== {name} / {protocol.name}: {protocol.description}")
    print(f"   data: {len(data.train)} train / {len(data.val)} val / {len(data.test)} test samples "
          f"(loaded in {load_seconds:.1f} s, not counted below)", flush=True)
    space = get_space("darts")
    scores, walls, cpus = [], [], []
    for i, arch in enumerate(space.sample_many(n_archs, seed)):
        wall, cpu = time.perf_counter(), time.process_time()
        record = evaluate(arch, name, protocol, seed=0, device="cpu", data_root=data_root,
                          sampler="random", n_threads=threads)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        curve = " ".join(f"{e['val_score']:.3f}" for e in record.learning_curve)
        print(f"   arch {i} {record.arch_hash[:8]} status={record.status} test={record.score} "
              f"val={record.val_score} wall={walls[-1]:.1f}s cpu={cpus[-1]:.1f}s "
              f"params={record.params} val-curve=[{curve}] {record.message}", flush=True)
        if record.status == "ok":
            scores.append(record.score)
    print(f"   median seconds per evaluation: wall {statistics.median(walls):.1f} s, "
          f"process CPU {statistics.median(cpus):.1f} s ({threads} threads)")
    if scores:
        print(f"   test scores ({task.score_unit}, lower is better): "
              + ", ".join(f"{s:.4g}" for s in scores))
        print(f"   spread: min {min(scores):.4g}, max {max(scores):.4g}, "
              f"std {np.std(scores, ddof=1) if len(scores) > 1 else 0.0:.4g}")
    print(f"   chance: registry {task.chance_score} ({task.chance_description}); constant "
          f"predictor fitted on this train subset: {constant_baseline(task, data):.4g}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", default=list(TASKS_WITH_DATA))
    parser.add_argument("--n-archs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0, help="seed of the architecture sampler")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads per evaluation (1: see the module docstring)")
    parser.add_argument("--data-root", default=None)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    for name in args.tasks:
        bench_task(name, args.n_archs, args.seed, args.threads, args.data_root)


if __name__ == "__main__":
    main()
