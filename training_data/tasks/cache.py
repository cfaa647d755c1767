"""Loader I/O helpers: the on-disk cache of preprocessed arrays, and the opt-in for pickle files.

Cache: one ``.npz`` per key.
The cache folder is, in order of precedence: the ``cache_dir`` argument, the environment variable
``NB360_CACHE_DIR``, then ``~/.cache/nb360``. A key is a readable prefix plus a SHA-256 digest of
everything the arrays depend on (input file fingerprints, options, the loader's preprocessing
version), so a changed input or a new preprocessing version simply misses. Files are written
atomically (temporary file, then rename), so concurrent loaders never read a half-written entry.
Delete the folder to clear the cache.

Pickle: some official NB360 files are pickles (ECG's ``challenge2017.pkl``, Satellite's
``satellite_{train,test}.npy`` object arrays). Unpickling can execute arbitrary code, so loaders
read them only on explicit opt-in: an ``allow_pickle=True`` argument or ``NB360_ALLOW_PICKLE=1``.
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
PICKLE_ENV = "NB360_ALLOW_PICKLE"
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


class PickleOptInRequired(PermissionError):
    """A pickle-based data file exists but reading it needs explicit opt-in (pickle runs code)."""


def require_pickle_opt_in(path: Path, allow_pickle: bool | None, source: str) -> None:
    """Raise :class:`PickleOptInRequired` unless ``allow_pickle`` (or ``$NB360_ALLOW_PICKLE``) says yes."""
    if allow_pickle is None:
        allow_pickle = os.environ.get(PICKLE_ENV, "").lower() in ("1", "true", "yes")
    if not allow_pickle:
        raise PickleOptInRequired(
            f"{path} is a pickle file; unpickling can execute arbitrary code, so it is read only "
            f"on explicit opt-in: pass allow_pickle=True or set {PICKLE_ENV}=1 (only for a file "
            f"from a source you trust). Where the data comes from: {source}"
        )
