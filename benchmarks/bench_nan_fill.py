"""What deterministic mode's NaN fill of new tensors costs a CPU training step, and that skipping
it changes nothing.

With ``torch.use_deterministic_algorithms(True)`` (every CPU protocol) torch fills each newly
allocated uninitialised tensor with NaN unless ``torch.utils.deterministic.fill_uninitialized_memory``
is False; :func:`training_data.training.device.torch_settings` switches it off. For random DARTS
networks at a protocol's settings (``bench_gpu_step``'s networks and real training loop, on
random inputs of the protocol's batch size), this times the same steps from the same initial
weights with the fill on and off, alternating (``--repeats`` pairs, so drift on a shared machine
hits both), and prints per network the median CPU seconds of each, their ratio and whether the
two runs' per-step losses are bitwise equal.

    python benchmarks/bench_nan_fill.py [--protocol ecg-cpu-v3] [--archs 3] [--steps 30] [--repeats 3]
"""
from __future__ import annotations

import argparse
import copy
import statistics
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_gpu_step import make_network, step_timing  # noqa: E402

from training_data.protocols import get_protocol  # noqa: E402
from training_data.training.device import torch_settings  # noqa: E402


def time_network(protocol_name: str, arch_index: int, steps: int, repeats: int) -> dict[str, object]:
    """Median CPU seconds of ``steps`` steps with the fill on and off, and whether losses match."""
    protocol = get_protocol(protocol_name)
    task = protocol.task
    cpu = torch.device("cpu")
    initial = make_network(task, protocol, arch_index, cpu)
    seconds: dict[bool, list[float]] = {True: [], False: []}
    losses: dict[bool, list[float]] = {}
    for _ in range(repeats):
        for fill in (True, False):
            with torch_settings(1, True, fill_uninitialized_memory=fill):
                torch.manual_seed(arch_index)
                run = step_timing(copy.deepcopy(initial), task, protocol, steps, cpu, False, arch_index)
                _, cpu_s, step_losses = run()
            seconds[fill].append(cpu_s)
            losses[fill] = step_losses
    on, off = statistics.median(seconds[True]), statistics.median(seconds[False])
    return {"arch": arch_index, "fill_s": on, "no_fill_s": off, "speedup": on / off,
            "bitwise_equal": losses[True] == losses[False]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--protocol", default="ecg-cpu-v3", help="a CPU protocol (default ecg-cpu-v3)")
    parser.add_argument("--archs", type=int, default=3, help="random DARTS networks (seeds 0..N-1)")
    parser.add_argument("--steps", type=int, default=30, help="training steps per timing")
    parser.add_argument("--repeats", type=int, default=3, help="alternating on/off pairs per network")
    args = parser.parse_args(argv)
    get_protocol(args.protocol)  # unknown names raise, listing the valid ones
    print(f"{args.protocol}: {args.steps} steps, median CPU s of {args.repeats} alternating runs, 1 thread")
    print("arch | fill on (s) | fill off (s) | on / off | losses bitwise equal")
    rows = [time_network(args.protocol, i, args.steps, args.repeats) for i in range(args.archs)]
    for row in rows:
        print(f"{row['arch']} | {row['fill_s']:.3f} | {row['no_fill_s']:.3f} | {row['speedup']:.3f} "
              f"| {row['bitwise_equal']}", flush=True)
    print(f"median on / off over {len(rows)} networks: {statistics.median(r['speedup'] for r in rows):.3f}")
    return 0 if all(r["bitwise_equal"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
