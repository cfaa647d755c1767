"""Saved-model folders: a JSON manifest with the sha256 of every file, checked on load.

Nothing is pickled. A folder holds ``manifest.json`` plus the model's own files (XGBoost UBJ,
LightGBM text, torch state dicts). The manifest records the format version, library versions,
the model's hyper-parameters and fitted scalars, the sha256 of every other file in the folder, and
the sha256 of its own content, so any edit of any file is detected on load.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
from pathlib import Path
from typing import Any

from surrogates.errors import ArtifactError

FORMAT_NAME = "nb360-surrogate"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
_SELF_HASH = "manifest_sha256"
_LIBRARIES = ("numpy", "xgboost", "lightgbm", "torch", "nb360-surrogates")


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _content_hash(manifest: dict[str, Any]) -> str:
    body = {k: v for k, v in manifest.items() if k != _SELF_HASH}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _library_versions() -> dict[str, str]:
    versions = {}
    for lib in _LIBRARIES:
        try:
            versions[lib] = importlib.metadata.version(lib)
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions


def _all_files(folder: Path) -> list[str]:
    return sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and p.relative_to(folder).as_posix() != MANIFEST
    )


def write_manifest(folder: str | os.PathLike[str], content: dict[str, Any]) -> Path:
    """Write ``manifest.json`` into ``folder`` covering every file already in it."""
    folder = Path(folder)
    manifest: dict[str, Any] = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "library_versions": _library_versions(),
        **content,
        "files": {name: sha256_file(folder / name) for name in _all_files(folder)},
    }
    manifest[_SELF_HASH] = _content_hash(manifest)
    path = folder / MANIFEST
    path.write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return path


def read_manifest(folder: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and verify a saved-model folder's manifest.

    Raises ``FileNotFoundError`` when the folder or manifest is missing and
    :class:`ArtifactError` when the manifest was edited, the format version differs, a listed
    file is missing or its sha256 differs, or an unlisted file was added.
    """
    folder = Path(folder)
    path = folder / MANIFEST
    if not path.is_file():
        raise FileNotFoundError(f"no saved model in {folder}: {MANIFEST} not found")
    try:
        manifest = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ArtifactError(f"{path} is not valid JSON: {err}") from err
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise ArtifactError(f"{path} is not an {FORMAT_NAME} manifest")
    if manifest.get(_SELF_HASH) != _content_hash(manifest):
        raise ArtifactError(f"{path} was modified after saving (its content hash does not match)")
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise ArtifactError(
            f"{path} has format_version {version!r}; this version of nb360 reads {FORMAT_VERSION}"
        )
    listed = manifest.get("files", {})
    present = set(_all_files(folder))
    extra = sorted(present - set(listed))
    if extra:
        raise ArtifactError(f"{folder} holds files not in its manifest: {extra}")
    for name, expected in listed.items():
        file = folder / name
        if not file.is_file():
            raise ArtifactError(f"{folder}: file {name!r} listed in the manifest is missing")
        if sha256_file(file) != expected:
            raise ArtifactError(f"{folder}: file {name!r} was modified (sha256 mismatch)")
    return manifest
