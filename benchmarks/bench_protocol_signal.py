"""How much of a protocol's score variance is the architecture's: measure it before collecting.

A ground-truth protocol is only useful if architectures differ by more than seeds do. This trains
``--archs`` random DARTS architectures (``--space nb201``: random NB201 cells with an input-output
path) with ``--seeds`` seeds each under a protocol (a registered one, optionally changed with
``--set FIELD=VALUE``) and prints the share of a single run's score
variance that is due to the architecture (``training_data.summary.architecture_share``), the
Kendall tau a perfect surrogate could reach against single runs (``tau_ceiling``), the seed
noise and the seconds per run, so candidate protocols can be compared on signal and cost.
Results are appended to ``--out`` (JSON Lines) as they come; re-running continues. Runs of an
unchanged registered protocol are real ground truth: ``--store DIR`` appends their records
(sampler ``random``) to a record store too.

    NB360_DATA_ROOT=../shared/data python benchmarks/bench_protocol_signal.py --task ecg \\
        [--protocol ecg-cpu-v1] [--set epochs=8] [--set n_train=3200] [--archs 30] [--seeds 2] \\
        [--workers 2] [--out runs/signal_ecg.jsonl] [--device cuda]

Measured on ECG (``--archs 30 --seeds 2 --sample-seed 360``, 2 workers): ``ecg-cpu-v1`` share
0.00 (seed noise MAD 0.032, median 19.9 s per run); ``--set epochs=8`` share 0.30 (MAD 0.021,
35.6 s). A 4x larger test set (``--set n_test=2400 --set 'data_options=(("max_records", 6000),)'``,
10 archs x 2 seeds) left the share at about 0: ECG's noise comes from the short training.

``--region SAMPLER`` screens inside the region an optimizer explores instead of on random
architectures: ``--archs`` architectures drawn (with ``--sample-seed``) from those SAMPLER proposed
in the record store (``--region-store``, default the shipped records) under the base protocol
with at least ``--seeds`` runs each, and the report also prints the base protocol's own figures on
the same architectures from those records, so a candidate is compared where the optimizers search.
"""
from __future__ import annotations

import argparse
import ast
import dataclasses
import json
import multiprocessing
import os
import statistics
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from graph_encodings import get_space
from training_data.protocols import get_protocol
from training_data.protocols.protocol import Protocol
from training_data.summary import (
    architecture_share,
    architecture_share_interval,
    rank_share,
    repeat_noise,
    seed_pair_tau,
    share_of_mean,
    tau_ceiling,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from result_rows import read_rows  # noqa: E402


def parse_setting(text: str, protocol: Protocol) -> tuple[str, Any]:
    """``FIELD=VALUE`` -> (field, value); the value is a Python literal, else a string."""
    field, sep, raw = text.partition("=")
    fields = {f.name for f in dataclasses.fields(protocol)} - {"name", "task", "version"}
    if not sep or field not in fields:
        raise ValueError(f"--set {text!r}: expected FIELD=VALUE with FIELD one of {sorted(fields)}")
    try:
        return field, ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        return field, raw


def candidate(base: str, settings: list[str]) -> Protocol:
    """The protocol ``base`` with ``settings`` applied (renamed ``<task>-candidate-v<version>``)."""
    protocol = get_protocol(base)
    changes = dict(parse_setting(s, protocol) for s in settings)
    if not changes:
        return protocol
    return dataclasses.replace(protocol, name=f"{protocol.task}-candidate-v{protocol.version}", **changes)


def train(arch: str, arch_hash: str, task: str, protocol: Protocol, seed: int,
          data_root: str | None, device: str = "cpu") -> dict[str, Any]:
    """One run (in a worker process, one torch thread): its record as a dict."""
    from training_data.evaluation import evaluate

    record = evaluate(arch, task, protocol, seed=seed, device=device, data_root=data_root, n_threads=1,
                      sampler="random")
    return record.to_dict()


def summary_fields(record: dict[str, Any]) -> dict[str, Any]:
    """What ``--out`` keeps of a run: the fields the report needs."""
    kept = {k: record.get(k) for k in ("arch_hash", "seed", "status", "score", "train_seconds", "message")}
    extra = record.get("extra") or {}
    kept["cpu_seconds"] = extra.get("cpu_seconds")
    if "repeat_test_scores" in extra:  # a repeats > 1 run: each network's test score, in training order
        kept["repeat_test_scores"] = extra["repeat_test_scores"]
    return kept


def fewer_networks(frame: pd.DataFrame, k: int) -> pd.DataFrame:
    """The ok runs that recorded their networks' scores, scored as ``repeats=k`` would score them:
    the mean of each run's first ``k`` networks (their streams follow from the run's own, so those
    are the networks ``repeats=k`` trains), CPU seconds scaled by ``k`` over the run's networks."""
    if "repeat_test_scores" not in frame:
        return frame.iloc[:0]
    ok = frame[(frame["status"] == "ok") & frame["repeat_test_scores"].map(lambda v: isinstance(v, list))]
    networks = ok["repeat_test_scores"].map(len)
    if (networks < k).any():
        raise ValueError(f"k={k}: some runs trained only {int(networks.min())} networks")
    return ok.assign(score=ok["repeat_test_scores"].map(lambda v: float(np.mean(v[:k]))),
                     cpu_seconds=ok["cpu_seconds"].astype(float) * k / networks)


def region_runs(task: str, base: str, sampler: str, n_archs: int, seeds: int, sample_seed: int,
                store: Path | None = None) -> pd.DataFrame:
    """The base protocol's runs of ``n_archs`` architectures drawn (with ``sample_seed``) from those
    ``sampler`` proposed in ``store`` with at least ``seeds`` ok runs, in ``--out``'s columns."""
    from training_data.records.loading import load_records

    frame = load_records(task=task, protocol=base, store=store)
    proposed = frame[(frame["status"] == "ok") & (frame["sampler"] == sampler)]
    if proposed.empty:
        samplers = sorted(set(frame["sampler"]))
        raise ValueError(f"--region {sampler!r}: no ok run of {base} was proposed by it; samplers there: {samplers}")
    counts = proposed.groupby("arch_hash").size()
    eligible = sorted(counts[counts >= seeds].index)
    if len(eligible) < n_archs:
        raise ValueError(f"--region {sampler!r}: {len(eligible)} of its architectures under {base} have "
                         f">= {seeds} runs, fewer than --archs {n_archs}")
    chosen = set(np.random.default_rng(sample_seed).choice(eligible, size=n_archs, replace=False))
    runs = proposed[proposed["arch_hash"].isin(chosen)]
    kept = runs[["arch", "arch_hash", "seed", "status", "score", "train_seconds"]].copy()
    kept["cpu_seconds"] = runs.get("extra.cpu_seconds")
    return kept.reset_index(drop=True)


def random_working_cells(space_name: str, n_archs: int, sample_seed: int) -> list[Any]:
    """``n_archs`` random architectures of the space drawn with ``sample_seed``, of distinct canonical
    forms and each with an input-output path: NB201 cells without one score one constant (the
    benchmarks answer them by a rule), so they would only inflate a screen's architecture share."""
    space = get_space(space_name)
    rng = np.random.default_rng(sample_seed)
    chosen: dict[str, Any] = {}
    for _ in range(100 * n_archs):
        if len(chosen) == n_archs:
            break
        arch = space.sample(rng)
        if not space.is_disconnected(arch):
            chosen.setdefault(space.canonical_hash(arch), arch)
    if len(chosen) == n_archs:
        return list(chosen.values())
    raise ValueError(f"--archs {n_archs}: {100 * n_archs} draws of the {space_name} space gave only "
                     f"{len(chosen)} distinct working cells")


def exit_with_parent(parent_pid: int, poll_s: float = 0.5) -> None:
    """Pool-worker initializer: end this worker once ``parent_pid`` is gone. A killed screen
    (SIGTERM or SIGKILL skip the pool's shutdown) would otherwise leave its spawned workers
    waiting for work forever, holding their loaded data."""
    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(poll_s)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def run(task: str, protocol: Protocol, n_archs: int, seeds: int, sample_seed: int, workers: int,
        out: Path, data_root: str | None, store: Path | None = None, device: str = "cpu",
        archs: list[str] | None = None, space_name: str = "darts") -> pd.DataFrame:
    """Train what ``out`` does not hold yet (appending the records to ``store`` if given); return
    every result in ``out``. ``archs`` (default: ``n_archs`` random ones of ``sample_seed``; DARTS:
    as ``sample_many`` draws them, NB201: :func:`random_working_cells`) are the architectures of
    ``space_name`` to train; given, there must be ``n_archs`` of them."""
    from training_data.records.schema import Record
    from training_data.records.store import RecordStore

    if archs is not None and len(archs) != n_archs:
        raise ValueError(f"{len(archs)} architectures given for n_archs={n_archs}")
    space = get_space(space_name)
    if archs is not None:
        archs = [space.parse(a) for a in archs]
    elif space_name == "darts":  # DARTS cells are always connected; keeps earlier screens' draws
        archs = space.sample_many(n_archs, rng=sample_seed)
    else:
        archs = random_working_cells(space_name, n_archs, sample_seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    done = {(r["arch_hash"], r["seed"]) for r in read_rows(out, missing_ok=True)}
    todo = [(space.format(space.canonical(a)), space.canonical_hash(a), s)
            for a in archs for s in range(seeds) if (space.canonical_hash(a), s) not in done]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=exit_with_parent,
                             initargs=(os.getpid(),)) as pool, out.open("a") as sink:
        futures = [pool.submit(train, arch, h, task, protocol, s, data_root, device) for arch, h, s in todo]
        for i, future in enumerate(as_completed(futures), start=1):
            record = future.result()
            if store is not None:
                RecordStore(store).append(Record.from_dict(record))
            result = summary_fields(record)
            sink.write(json.dumps(result) + "\n")
            sink.flush()
            print(f"  {i}/{len(todo)}: {result['arch_hash'][:10]} seed {result['seed']} {result['status']} "
                  f"{result['score']}", flush=True)
    return pd.DataFrame(read_rows(out, missing_ok=True))


def report(frame: pd.DataFrame) -> dict[str, float]:
    """The signal figures of the runs in ``frame``."""
    share = architecture_share(frame)
    low, high = architecture_share_interval(frame)
    repeated, mad = repeat_noise(frame)
    ok = frame[frame["status"] == "ok"]
    return {"runs": len(frame), "ok": len(ok), "archs_with_repeats": repeated, "arch_share": share,
            "arch_share_low": low, "arch_share_high": high,
            "tau_ceiling": tau_ceiling(share), "share_of_3_seed_mean": share_of_mean(share, 3),
            "rank_share": rank_share(frame), "seed_pair_tau": seed_pair_tau(frame),
            "seed_noise_mad": mad,
            "score_std": float(ok["score"].std()) if len(ok) > 1 else float("nan"),
            "median_score": float(ok["score"].median()) if len(ok) else float("nan"),
            "median_train_seconds": statistics.median(ok["train_seconds"]) if len(ok) else float("nan"),
            "median_cpu_seconds": _median_known(ok.get("cpu_seconds"))}


def _median_known(values: pd.Series | None) -> float:
    """The median of the values that are there (runs recorded before ``cpu_seconds`` lack it)."""
    known = [] if values is None else [float(v) for v in values if v is not None and np.isfinite(v)]
    return statistics.median(known) if known else float("nan")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", required=True)
    parser.add_argument("--protocol", default=None, help="base protocol (default: <task>-cpu-v1)")
    parser.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                        help="change a protocol field, e.g. epochs=8 (repeatable)")
    parser.add_argument("--archs", type=int, default=30)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--sample-seed", type=int, default=0, help="which random architectures")
    parser.add_argument("--space", default="darts", choices=("darts", "nb201"),
                        help="search space of the random architectures (NB201: cells with an input-output path)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None, help="results (JSON Lines; resumable)")
    parser.add_argument("--data-root", default=None)
    parser.add_argument("--device", default="cpu",
                        help="where each run trains: cpu (one thread per worker) or cuda[:i] (GPU protocols)")
    parser.add_argument("--load-only", action="store_true",
                        help="load the candidate's data once (filling the disk cache) and exit")
    parser.add_argument("--report-only", action="store_true",
                        help="print the figures of the runs --out holds; train nothing")
    parser.add_argument("--store", type=Path, default=None,
                        help="also append the records to this record store (unchanged protocols only)")
    parser.add_argument("--region", default=None, metavar="SAMPLER",
                        help="draw the architectures from those SAMPLER (e.g. bananas) proposed in the records "
                             "of the base protocol, and report the base protocol's figures on them too")
    parser.add_argument("--region-store", type=Path, default=None,
                        help="record store --region draws from (default: the shipped records)")
    parser.add_argument("--compare", type=Path, default=None, metavar="FILE",
                        help="with --report-only: also print the figures of FILE's runs (another screen) of the "
                             "architectures --out holds, and the Kendall tau between the two screens' "
                             "architecture means")
    args = parser.parse_args(argv)
    if args.archs < 2 or args.seeds < 2 or args.workers < 1:
        parser.error(f"need --archs >= 2, --seeds >= 2 and --workers >= 1, got {args.archs}, {args.seeds}, "
                     f"{args.workers}")
    base = args.protocol or f"{args.task}-cpu-v1"
    try:
        protocol = candidate(base, args.set)
    except ValueError as error:
        parser.error(str(error))
    if args.space not in protocol.spaces and not args.report_only:
        parser.error(f"--space {args.space!r}: protocol {protocol.name} trains {list(protocol.spaces)}")
    if args.space != "darts" and args.region is not None:
        parser.error("--region draws DARTS architectures from the records: drop --space, or --region")
    if args.store is not None and args.set:
        parser.error("--store keeps ground truth of registered protocols only: drop --set, or --store")
    if args.store is not None and args.region is not None:
        parser.error("--store keeps random architectures' runs only: drop --region, or --store")
    if args.load_only:
        _load(args.task, protocol, args.data_root)
        return
    out = args.out or Path("runs") / f"signal_{protocol.name}.jsonl"
    baseline = None
    if args.region is not None:
        try:
            baseline = _region_baseline(args, base)
        except ValueError as error:
            parser.error(str(error))
    if args.report_only:
        if not out.exists():
            parser.error(f"--report-only: {out} does not exist")
        _report_stored(out, base, baseline, args.compare)
        return
    changed = ", ".join(args.set) or "unchanged"
    drawn = f"random {args.space.upper()}" if baseline is None else f"{args.region}-proposed"
    print(f"{protocol.name} ({changed}): {args.archs} {drawn} archs x {args.seeds} seeds -> {out}", flush=True)
    archs = None if baseline is None else list(baseline.drop_duplicates("arch_hash").sort_values("arch_hash")["arch"])
    frame = run(args.task, protocol, args.archs, args.seeds, args.sample_seed, args.workers,
                out, args.data_root, args.store, args.device, archs, args.space)
    _print_figures(report(frame))
    _print_fewer_networks(frame)


def _region_baseline(args: argparse.Namespace, base: str) -> pd.DataFrame:
    """``--region``: the base protocol's runs of the drawn architectures, its figures printed."""
    baseline = region_runs(args.task, base, args.region, args.archs, args.seeds, args.sample_seed,
                           args.region_store)
    print(f"{base} on the same {args.archs} architectures of {args.region} (from the records):", flush=True)
    _print_figures(report(baseline))
    return baseline


def _report_stored(out: Path, base: str, baseline: pd.DataFrame | None, compare: Path | None = None) -> None:
    """``--report-only``: the figures of the runs ``out`` holds; of a stopped region screen, also the
    base protocol's figures on the architectures it finished; with ``compare``, that screen's
    figures on the architectures ``out`` finished and how alike the two rank them."""
    frame = pd.DataFrame(read_rows(out, missing_ok=True))
    if baseline is not None and set(frame["arch_hash"]) < set(baseline["arch_hash"]):
        held = baseline[baseline["arch_hash"].isin(set(frame["arch_hash"]))]
        print(f"{base} on the {held['arch_hash'].nunique()} of them that {out} holds:", flush=True)
        _print_figures(report(held))
    if compare is not None:
        _print_comparison(frame, compare)
    _print_figures(report(frame))
    _print_fewer_networks(frame)


def _print_fewer_networks(frame: pd.DataFrame) -> None:
    """Of runs that trained several networks (``repeats``), the figures of their first 1, 2, ...
    networks: what the same protocol with fewer repeats gives on these architectures and seeds."""
    recorded = frame["repeat_test_scores"].dropna().map(len) if "repeat_test_scores" in frame else []
    for k in range(1, int(min(recorded)) if len(recorded) else 1):
        fewer = fewer_networks(frame, k)
        print(f"scored by each run's first {k} of its networks (repeats={k}; {len(fewer)} runs that "
              f"recorded their networks):", flush=True)
        _print_figures(report(fewer))


def _print_comparison(frame: pd.DataFrame, compare: Path) -> None:
    """``--compare``: ``compare``'s runs of the architectures whose every run in ``frame`` is done."""
    from surrogates.metrics import kendall_tau

    if not compare.exists():
        raise SystemExit(f"--compare: {compare} does not exist")
    other = pd.DataFrame(read_rows(compare))
    finished = frame.groupby("arch_hash")["seed"].nunique()
    shared = sorted(set(finished[finished == finished.max()].index) & set(other["arch_hash"]))
    if len(shared) < 2:
        raise SystemExit(f"--compare: {compare} holds {len(shared)} of the architectures {len(finished)} finished")
    means = [f[f["arch_hash"].isin(shared) & (f["status"] == "ok")].groupby("arch_hash")["score"].mean()
             .reindex(shared) for f in (frame, other)]
    print(f"{compare} on the {len(shared)} architectures finished here (Kendall tau of the two screens' "
          f"architecture means: {kendall_tau(means[0].to_numpy(), means[1].to_numpy()):.2f}):", flush=True)
    _print_figures(report(other[other["arch_hash"].isin(shared)]))
    if len(shared) < frame["arch_hash"].nunique():
        print("this screen on them:", flush=True)
        _print_figures(report(frame[frame["arch_hash"].isin(shared)]))


def _load(task: str, protocol: Protocol, data_root: str | None) -> None:
    """Load ``protocol``'s data of ``task`` (the loaders cache decoded files on disk)."""
    import time

    from training_data.tasks import get_task
    from training_data.training.data_cache import load_task_data

    began = time.perf_counter()
    data = load_task_data(get_task(task), data_root, protocol.load_options)
    print(f"{task} data of {protocol.name} loaded in {time.perf_counter() - began:.1f} s: "
          f"{len(data.train)} train / {len(data.val)} val / {len(data.test)} test", flush=True)


def _print_figures(figures: dict[str, float]) -> None:
    print(" ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in figures.items()))
    if np.isfinite(figures["arch_share"]):
        print(f"{figures['arch_share']:.0%} of a run's score variance is the architecture's (90 % bootstrap "
              f"interval over architectures {figures['arch_share_low']:.2f}-{figures['arch_share_high']:.2f}); "
              f"a perfect surrogate reaches Kendall tau {figures['tau_ceiling']:.2f} against single runs")
        print(f"by ranks (no heavy tail of poor cells inflates these): {figures['rank_share']:.0%} of a run's "
              f"rank variance is the architecture's; two seeds rank the cells at Kendall tau "
              f"{figures['seed_pair_tau']:.2f}")
        mean3 = figures["share_of_3_seed_mean"]
        print(f"the mean of 3 seeds of an architecture: {mean3:.0%} (a perfect surrogate reaches Kendall tau "
              f"{tau_ceiling(mean3):.2f} against 3-seed means)")


if __name__ == "__main__":
    main()
