"""What keeping freed host memory (``training_data.training.host_memory``) saves on CPU runs.

Per task, the same random DARTS architectures are evaluated under the task's CPU protocol (seed
0, one thread) in two fresh processes: one with ``NB360_KEEP_HOST_MEMORY=0`` (glibc's defaults)
and one with it on (the default). Each process first runs one untimed evaluation (data loading,
first-touch of the heap) and then times every architecture: wall seconds, process CPU seconds
(user + system), system seconds and minor page faults. Prints the medians per setting, the ratio
default / kept (> 1: keeping is faster), and whether the two settings gave the same records
(scores and learning curves, bit for bit).

    python benchmarks/bench_host_memory.py [--tasks ecg satellite darcyflow] [--n-archs 3]
                                           [--seed 0] [--data-root PATH]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from typing import Any

TASKS_WITH_DATA = ("ecg", "satellite", "darcyflow")
SETTINGS = {"default": "0", "kept": "1"}


def measure(task: str, n_archs: int, seed: int, data_root: str | None) -> list[dict[str, Any]]:
    """Evaluate ``n_archs`` sampled architectures in this process; their costs and results."""
    from graph_encodings import get_space
    from training_data.evaluation import evaluate

    space = get_space("darts")
    archs = space.sample_many(n_archs + 1, seed)
    protocol = f"{task}-cpu-v1"
    evaluate(archs[-1], task, protocol, device="cpu", data_root=data_root, n_threads=1)  # warm-up
    runs = []
    for arch in archs[:-1]:
        before = resource.getrusage(resource.RUSAGE_SELF)
        wall = time.perf_counter()
        record = evaluate(arch, task, protocol, device="cpu", data_root=data_root, n_threads=1)
        wall = time.perf_counter() - wall
        after = resource.getrusage(resource.RUSAGE_SELF)
        runs.append({
            "wall": wall,
            "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
            "sys": after.ru_stime - before.ru_stime,
            "faults": after.ru_minflt - before.ru_minflt,
            "result": [record.score, [(e["train_loss"], e["val_score"]) for e in record.learning_curve]],
        })
    return runs


def run_setting(task: str, setting: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    """``measure`` in a fresh process with ``NB360_KEEP_HOST_MEMORY`` set for ``setting``."""
    command = [sys.executable, __file__, "--worker", "--tasks", task, "--n-archs", str(args.n_archs),
               "--seed", str(args.seed)] + (["--data-root", args.data_root] if args.data_root else [])
    env = {**os.environ, "NB360_KEEP_HOST_MEMORY": SETTINGS[setting]}
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{task} / {setting}: worker failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", default=list(TASKS_WITH_DATA))
    parser.add_argument("--n-archs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0, help="seed of the architecture sampler")
    parser.add_argument("--data-root", default=None)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(measure(args.tasks[0], args.n_archs, args.seed, args.data_root)))
        return
    print(f"{args.n_archs} random DARTS architectures per task, CPU protocol, 1 thread; medians")
    print(f"{'task':>10} {'setting':>8} {'wall s':>7} {'cpu s':>7} {'sys s':>6} {'faults':>9}")
    for task in args.tasks:
        results = {setting: run_setting(task, setting, args) for setting in SETTINGS}
        medians = {}
        for setting, runs in results.items():
            medians[setting] = {key: statistics.median(r[key] for r in runs)
                                for key in ("wall", "cpu", "sys", "faults")}
            m = medians[setting]
            print(f"{task:>10} {setting:>8} {m['wall']:7.1f} {m['cpu']:7.1f} {m['sys']:6.2f} "
                  f"{m['faults']:9.0f}")
        same = [a["result"] == b["result"] for a, b in zip(results["default"], results["kept"], strict=True)]
        print(f"{task:>10} default/kept: wall {medians['default']['wall'] / medians['kept']['wall']:.2f}x, "
              f"cpu {medians['default']['cpu'] / medians['kept']['cpu']:.2f}x; "
              f"same records bit for bit: {sum(same)} of {len(same)}", flush=True)


if __name__ == "__main__":
    main()
