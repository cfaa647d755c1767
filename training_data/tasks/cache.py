"""The on-disk cache of preprocessed loader arrays: one ``.npz`` per key.

The cache folder is, in order of precedence: the ``cache_dir`` argument, the environment variable
``NB360_CACHE_DIR``, then ``~/.cache/nb360``. A key is a readable prefix plus a SHA-256 digest of
everything the arrays depend on (input file fingerprints, options, the loader's preprocessing
version), so a changed input or a new preprocessing version simply misses. Files are written
atomically (temporary file, then rename), so concurrent loaders never read a half-written entry.
Delete the folder to clear the cache.

(The opt-in for pickle files lives in :mod:`training_data.tasks.loaders`.)
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

ENV_VAR = "NB360_CACHE_DIR"
DEFAULT_DIR = Path("~/.cache/nb360")

Arrays = dict[str, np.ndarray]


def resolve_cache_dir(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """The cache folder (argument > ``$NB360_CACHE_DIR`` > ``~/.cache/nb360``)."""
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    env = os.environ.get(ENV_VAR)
    return Path(env).expanduser() if env else DEFAULT_DIR.expanduser()


def files_fingerprint(paths: Iterable[Path]) -> list[tuple[str, int, int]]:
    """(name, size, mtime in ns) of each file: cheap, and changes whenever a file is replaced."""
    out = []
    for path in paths:
        stat = path.stat()
        out.append((path.name, stat.st_size, stat.st_mtime_ns))
    return out


def cache_key(prefix: str, parts: dict[str, Any]) -> str:
    """``prefix`` + the SHA-256 of ``parts`` as canonical JSON (parts must be JSON-serialisable)."""
    blob = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str).encode()
    return f"{prefix}-{hashlib.sha256(blob).hexdigest()[:24]}"


def cached_arrays(
    key: str,
    compute: Callable[[], Arrays],
    cache_dir: str | os.PathLike[str] | None = None,
    use_cache: bool = True,
) -> tuple[Arrays, bool]:
    """The arrays stored under ``key``, computing and storing them on a miss.

    Returns ``(arrays, hit)``. With ``use_cache=False`` the arrays are computed and nothing is
    read or written.
    """
    if not use_cache:
        return compute(), False
    folder = resolve_cache_dir(cache_dir)
    path = folder / f"{key}.npz"
    if path.exists():
        with np.load(path, allow_pickle=False) as stored:
            return {name: stored[name] for name in stored.files}, True
    arrays = compute()
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{key}-", suffix=".npz")
    try:
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, **arrays)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return arrays, False
