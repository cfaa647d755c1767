"""Where benchmark artifacts live and how their manifests are checked.

Layout: ``<artifacts>/<space>/<task>/<protocol>/<model>/`` holding ``manifest.json`` (the benchmark
manifest: versions, hyper-parameters, training-data hash, split, held-out metrics, the sha256 of
every file below it), ``model/`` (the surrogate as :meth:`SurrogateModel.save` writes it) and,
where the records have training times, ``runtime/`` (the runtime surrogate). The default artifacts
folder is the one shipped inside the package, ``surrogates/artifacts`` (:data:`DEFAULT_ARTIFACTS`).
"""
from __future__ import annotations

import importlib.metadata
import os
from pathlib import Path
from typing import Any

from graph_encodings.registry import UnknownNameError
from surrogates.artifacts import MANIFEST, read_manifest
from surrogates.benchmark.retired import retired_note
from surrogates.errors import ArtifactError
from surrogates.lookup import pick_protocol

DEFAULT_ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
BENCHMARK_KIND = "benchmark"
BENCHMARK_FORMAT_VERSION = 1
# Which library each model family needs to predict (checked against the installed major version).
FAMILY_LIBRARIES = {"gin": "torch", "xgb": "xgboost", "lgb": "lightgbm", "nb301_xgb": "xgboost",
                    "nb301_lgb": "lightgbm", "xgb_default_onehot": "xgboost"}


class VersionMismatchError(ArtifactError):
    """An artifact was written with another major version of a library it needs."""


def artifacts_folder(artifacts: str | os.PathLike[str] | None = None) -> Path:
    """The artifacts folder ``artifacts`` as a Path, or the shipped one."""
    return Path(artifacts) if artifacts is not None else DEFAULT_ARTIFACTS


def artifact_dir(space: str, task: str, protocol: str, model: str,
                 artifacts: str | os.PathLike[str] | None = None) -> Path:
    return artifacts_folder(artifacts) / space / task / protocol / model


def list_benchmarks(
    artifacts: str | os.PathLike[str] | None = None,
) -> list[tuple[str, str, str, str]]:
    """Every ``(space, task, protocol, model)`` with a benchmark manifest under ``artifacts``
    (default: the shipped artifacts), sorted."""
    base = artifacts_folder(artifacts)
    if not base.is_dir():
        return []
    found = []
    for manifest in base.glob(f"*/*/*/*/{MANIFEST}"):
        space, task, protocol, model = manifest.parent.relative_to(base).parts
        found.append((space, task, protocol, model))
    return sorted(found)


def pick_space(task: str, space: str | None = None,
               artifacts: str | os.PathLike[str] | None = None) -> str:
    """``space`` when given; ``None``: the only space with a benchmark for ``task`` under
    ``artifacts``.

    ``ValueError`` naming the task and its spaces when it has benchmarks in several (or none).
    """
    if space is not None:
        return space
    available = list_benchmarks(artifacts)
    spaces = sorted({b[0] for b in available if b[1] == task})
    if len(spaces) == 1:
        return spaces[0]
    if spaces:
        raise ValueError(f"task {task!r} has benchmarks in several spaces {spaces}; "
                         f"pass space= (--space on the command line)")
    tasks = sorted({b[1] for b in available})
    raise UnknownNameError("benchmark task", task, tasks, message=(
        f"no benchmark for task {task!r} under {artifacts_folder(artifacts)}; "
        f"tasks with benchmarks: {tasks}"))


def resolve(task: str, space: str | None, protocol: str | None, model: str,
            artifacts: str | os.PathLike[str] | None = None) -> Path:
    """The folder of one benchmark (``space=None``: see :func:`pick_space`); ``ValueError``
    listing what exists when there is none."""
    space = pick_space(task, space, artifacts)
    available = list_benchmarks(artifacts)
    listing = ", ".join("/".join(b) for b in available) or "none"
    where = f"under {artifacts_folder(artifacts)} (space/task/protocol/model: {listing})"
    spaces = sorted({b[0] for b in available})
    if space not in spaces:
        raise UnknownNameError("benchmark space", space, spaces, message=(
            f"no benchmark for space {space!r}; spaces with artifacts: {spaces} {where}"))
    shipped = artifacts is None
    tasks = sorted({b[1] for b in available if b[0] == space})
    if task not in tasks:
        retired = retired_note(space, task) if shipped else ""
        raise UnknownNameError("benchmark task", task, tasks, message=(
            f"no {space!r} benchmark for task {task!r}{retired}; tasks with artifacts: {tasks} "
            f"{where}"))
    protocols = sorted({b[2] for b in available if b[:2] == (space, task)})
    retired = retired_note(space, task, protocol) if shipped and protocol is not None else ""
    if protocol not in protocols and retired:
        raise UnknownNameError("protocol", protocol, protocols, message=(
            f"no {space!r} benchmark of task {task!r} at protocol {protocol!r}{retired}; "
            f"present: {protocols}"))
    protocol = pick_protocol(protocol, protocols, f"the {space!r} benchmarks of task {task!r}")
    models = sorted({b[3] for b in available if b[:3] == (space, task, protocol)})
    if model not in models:
        raise UnknownNameError("benchmark model", model, models, message=(
            f"no model {model!r} for {space}/{task}/{protocol}; models: {models}"))
    return artifact_dir(space, task, protocol, model, artifacts)


def _major(version: str) -> str:
    return version.split(".")[0]


def check_versions(manifest: dict[str, Any], folder: Path) -> None:
    """``VersionMismatchError`` when a needed library's installed major version differs."""
    recorded = manifest.get("library_versions", {})
    for lib in manifest.get("requires", []):
        if lib not in recorded:
            continue
        try:
            installed = importlib.metadata.version(lib)
        except importlib.metadata.PackageNotFoundError:
            raise VersionMismatchError(
                f"{folder} needs {lib} (written with {lib} {recorded[lib]}), which is not installed"
            ) from None
        if _major(installed) != _major(recorded[lib]):
            raise VersionMismatchError(
                f"{folder} was written with {lib} {recorded[lib]} but {lib} {installed} is "
                f"installed (major versions differ); refit it with `nb360 fit`"
            )


def read_benchmark_manifest(folder: Path) -> dict[str, Any]:
    """Verified manifest of a benchmark folder (hashes, format and library versions)."""
    manifest = read_manifest(folder)
    if manifest.get("kind") != BENCHMARK_KIND:
        raise ArtifactError(f"{folder / MANIFEST} is not a benchmark manifest")
    version = manifest.get("benchmark_format_version")
    if version != BENCHMARK_FORMAT_VERSION:
        raise ArtifactError(
            f"{folder / MANIFEST} has benchmark_format_version {version!r}; this version of nb360 "
            f"reads {BENCHMARK_FORMAT_VERSION}"
        )
    check_versions(manifest, folder)
    return manifest


def required_libraries(hp: dict[str, Any], model: str) -> list[str]:
    """Libraries a model with hyper-parameters ``hp`` needs at prediction time."""
    names = [m["name"] for m in hp.get("members", [])] if model == "ensemble" else [model]
    return sorted({"numpy", *(FAMILY_LIBRARIES[n] for n in names if n in FAMILY_LIBRARIES)})
