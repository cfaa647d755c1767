"""The benchmarks as a registry: ``describe_benchmark(name)`` for a name ``space/task/protocol/model``.

:func:`~surrogates.benchmark.artifact_folders.list_benchmarks` lists them as ``(space, task, protocol, model)``
tuples; :func:`benchmark_names` as the ``/``-joined names :func:`describe_benchmark` takes (a tuple
works too). An unknown name raises :class:`~graph_encodings.registry.UnknownNameError`.
"""
from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

from graph_encodings.registry import Registry
from surrogates.artifacts import MANIFEST
from surrogates.benchmark.artifact_folders import artifact_dir, list_benchmarks
from surrogates.benchmark.ship_table import _held_out


def benchmark_names(artifacts: str | os.PathLike[str] | None = None) -> list[str]:
    """Every benchmark under ``artifacts`` (default: the shipped ones) as ``space/task/protocol/model``."""
    return ["/".join(key) for key in list_benchmarks(artifacts)]


def _describe(name: str, folder: Path) -> str:
    manifest = json.loads((folder / MANIFEST).read_text())
    evaluation = manifest.get("evaluation", {})
    metrics = evaluation.get("metrics", {})
    scores = ", ".join(f"{label} {metrics[key]:.3g}" for key, label in (
        ("kendall_tau", "Kendall tau"), ("r2", "R2"), ("mae", "MAE"), ("coverage90", "90% coverage"))
        if metrics.get(key) is not None)
    members = [m["name"] for m in manifest.get("hyper_parameters", {}).get("members", [])]
    model = f"{manifest['model']} ({' + '.join(members)})" if members else manifest["model"]
    n_records = manifest.get("training_data", {}).get("n_records")
    records = f"{n_records:,} records" if n_records is not None else "records"
    return (f"{name}: surrogate {model} of task {manifest['task']!r} in space "
            f"{manifest['space']!r}, fitted on {records} of protocol {manifest['protocol']!r}; "
            f"held out ({_held_out(evaluation)}): {scores or 'no metrics'}. "
            f"Load: Benchmark.load({manifest['task']!r}, space={manifest['space']!r}, "
            f"protocol={manifest['protocol']!r}, model={manifest['model']!r})")


def describe_benchmark(name: str | Sequence[str],
                       artifacts: str | os.PathLike[str] | None = None) -> str:
    """What benchmark ``name`` (``space/task/protocol/model`` or its tuple) is: the surrogate,
    its training records and its held-out metrics, read from its manifest."""
    catalog: Registry[Path] = Registry("benchmark", describe=_describe)
    for key in list_benchmarks(artifacts):
        catalog.add("/".join(key), artifact_dir(*key, artifacts))
    if isinstance(name, (tuple, list)) and all(isinstance(part, str) for part in name):
        name = "/".join(name)
    return catalog.describe(name)  # type: ignore[arg-type]
