"""The README's table of shipped benchmarks, generated from the artifacts' manifests.

``python -m surrogates.benchmark.ship_table`` prints a markdown table with one row per shipped
``(space, task, protocol, model)`` (:func:`~surrogates.benchmark.artifact_folders.list_benchmarks`): the
number of records it was fitted on, how it was scored and its held-out Kendall tau, R2, MAE and
90 % interval coverage, read from each verified benchmark manifest (``evaluation.metrics``), the
coverage with each held-out architecture counted once (``evaluation.per_architecture``), plus
the Kendall tau against the mean of architectures with >= 3 seeds where the manifest has one
(``evaluation.seed_mean.metrics``), and the architecture share of the records the benchmark was
fitted on (:func:`training_data.summary.architecture_share`, with its 90 % bootstrap interval:
how much of a single run's score the architecture decides, so a reader sees beside every figure
whether the ground truth ranks architectures or seeds) and the same share of the runs' ranks
(:func:`training_data.summary.rank_share`, which a heavy tail of poor cells does not inflate).
The fitted records are the first ``training_data.n_records`` of the protocol in the record store,
checked against the manifest's hash, so records collected after a fit leave its row as it is.
``--write README.md`` replaces the block between
:data:`START` and :data:`END` in that file with the table; ``tests/surrogates/test_ship_table.py``
checks that the README's block is the current output.
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

import numpy as np

from surrogates.benchmark.artifact_folders import (
    artifact_dir,
    list_benchmarks,
    read_benchmark_manifest,
)

START = "<!-- ship-table:start -->"
END = "<!-- ship-table:end -->"
COMMAND = "python -m surrogates.benchmark.ship_table --write README.md"
HEADER = ("| space / task | protocol | model | records | held out | Kendall tau | R2 | MAE "
          "| 90% coverage | 90% coverage, each arch once | tau vs 3-seed mean "
          "| arch share of the fitted records (90% interval) | arch share by ranks |")
Share = tuple[float, float, float, float]  # variance share, its 90 % interval, share by ranks


def _num(value: Any, digits: int = 3) -> str:
    return "-" if value is None else f"{float(value):.{digits}f}"


def _mae(value: Any) -> str:
    return "-" if value is None else f"{float(value):.3g}"


def _held_out(evaluation: dict[str, Any]) -> str:
    unit = "archs" if evaluation.get("split_unit") == "architecture" else "records"
    if evaluation.get("method") == "cross_validation":
        return f"{evaluation.get('folds', '?')}-fold CV ({unit})"
    fraction = evaluation.get("test_fraction")
    share = f"{round(100 * fraction)} %" if fraction is not None else "part"
    n_test = evaluation.get("n_test")
    if n_test is None:
        return f"{share} of {unit}"
    return f"{share} of {unit} ({n_test:,} records)" if unit == "archs" else f"{share} of {unit} ({n_test:,})"


def _seed_mean(evaluation: dict[str, Any]) -> str:
    section = evaluation.get("seed_mean") or {}
    metrics = section.get("metrics")
    if not metrics or metrics.get("kendall_tau") is None:
        return "-"
    return f"{_num(metrics['kendall_tau'])} ({section.get('n_archs', '?')} archs)"


def _share(share: Share | None) -> str:
    if share is None or not np.isfinite(share[0]):
        return "-"
    value, low, high, _ = share
    return f"{value:.2f} ({low:.2f}-{high:.2f})"


def _rank_share(share: Share | None) -> str:
    return "-" if share is None or not np.isfinite(share[3]) else f"{share[3]:.2f}"


def fitted_share(manifest: dict[str, Any],
                 store: str | os.PathLike[str] | None = None) -> Share | None:
    """``(share, low, high, rank share)`` of the records ``manifest``'s benchmark was fitted on
    (:func:`~surrogates.benchmark.records.fitted_records` in ``store``, default: the shipped
    records), from :func:`training_data.summary.summarise`; None where those records are not in
    the store. Records appended after the fit do not change it (pandas is imported here, not with
    the module: loading a benchmark imports no heavy library)."""
    from surrogates.benchmark.records import fitted_records
    from training_data.summary import summarise

    fitted = fitted_records(manifest, store)
    if fitted is None:
        return None
    r = next(summarise(fitted.frame).itertuples())
    return (r.arch_share, r.arch_share_low, r.arch_share_high, r.rank_share)


def row(manifest: dict[str, Any], share: Share | None = None) -> str:
    """One table row of a benchmark manifest; ``share``: the architecture share of its records
    (value, 90 % interval, share by ranks), ``-`` where unknown."""
    evaluation = manifest.get("evaluation", {})
    metrics = evaluation.get("metrics", {})
    n_records = manifest.get("training_data", {}).get("n_records")
    cells = [
        f"{manifest['space']} / {manifest['task']}",
        f"`{manifest['protocol']}`",
        manifest["model"],
        f"{n_records:,}" if n_records is not None else "-",
        _held_out(evaluation),
        _num(metrics.get("kendall_tau")),
        _num(metrics.get("r2")),
        _mae(metrics.get("mae")),
        _num(metrics.get("coverage90"), 2),
        _num((evaluation.get("per_architecture") or {}).get("coverage90"), 2),
        _seed_mean(evaluation),
        _share(share),
        _rank_share(share),
    ]
    return "| " + " | ".join(cells) + " |"


def table(artifacts: str | os.PathLike[str] | None = None,
          store: str | os.PathLike[str] | None = None) -> str:
    """The markdown table of every benchmark under the artifacts folder ``artifacts`` (default:
    the shipped artifacts), with the architecture shares of the records each was fitted on, read
    from the record store ``store`` (default: the shipped records)."""
    lines = [HEADER, "|" + " --- |" * HEADER.count(" | ") + " --- |"]
    for space, task, protocol, model in list_benchmarks(artifacts):
        manifest = read_benchmark_manifest(artifact_dir(space, task, protocol, model, artifacts))
        lines.append(row(manifest, fitted_share(manifest, store)))
    return "\n".join(lines)


def block(text: str) -> str:
    """The text between the markers of ``text`` (stripped); ``ValueError`` without them."""
    start, end = text.find(START), text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"no {START} ... {END} block")
    return text[start + len(START):end].strip()


def replace_block(text: str, new_table: str) -> str:
    """``text`` with the block between the markers replaced by ``new_table``."""
    block(text)  # raises without markers
    start, end = text.find(START), text.find(END)
    return text[:start + len(START)] + "\n" + new_table + "\n" + text[end:]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="print the markdown table of the shipped benchmarks (from their manifests)")
    parser.add_argument("--artifacts", default=None,
                        help="artifacts folder (default: the shipped artifacts)")
    parser.add_argument("--write", metavar="FILE", default=None,
                        help=f"replace the table between {START} and {END} in FILE instead")
    args = parser.parse_args(argv)
    out = table(args.artifacts)
    if args.write is None:
        print(out)
        return
    path = Path(args.write)
    text = path.read_text()
    new = replace_block(text, out)
    if new != text:
        path.write_text(new)
        print(f"{path}: table rewritten")
    else:
        print(f"{path}: table already current")


if __name__ == "__main__":
    main()
