"""Loaders of the official NAS-Bench-360 data files, one module per task.

Contract of every loader module (``training_data.tasks.loaders.<task>``):

- ``SOURCE: str`` - where a user gets the data (never downloaded by this package);
- ``load(data_root=None, **options) -> TaskData`` - raise ``DataFileNotFoundError`` (via
  ``data_root.find_file``) when a file is missing;
- optionally ``has_data(data_root=None) -> bool`` - a cheap check that the files are there
  (without it, the registry tries ``load``).

Pickles: unpickling runs code, so a loader reads a pickle only on explicit opt-in, the
``allow_pickle=True`` option or the environment variable ``NB360_ALLOW_PICKLE=1``; the helpers
below implement that policy for every loader.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

PICKLE_ENV_VAR = "NB360_ALLOW_PICKLE"
_TRUE = ("1", "true", "yes", "on")


class PickleNotAllowedError(PermissionError):
    """A data file is a pickle and the user has not opted in to unpickling it."""


def pickle_allowed(allow_pickle: bool | None = None) -> bool:
    """The opt-in: the ``allow_pickle`` argument when given, else ``$NB360_ALLOW_PICKLE``."""
    if allow_pickle is not None:
        return bool(allow_pickle)
    return os.environ.get(PICKLE_ENV_VAR, "").strip().lower() in _TRUE


def require_pickle_opt_in(
    path: str | os.PathLike[str], allow_pickle: bool | None = None, source: str | None = None
) -> None:
    """Raise :class:`PickleNotAllowedError` unless unpickling ``path`` was opted in to.

    ``source``, when given, says where the data comes from and is appended to the message.
    """
    if pickle_allowed(allow_pickle):
        return
    message = (
        f"{path} is (or contains) a Python pickle, and unpickling can run arbitrary code, so it "
        f"is only read on explicit opt-in: pass allow_pickle=True to load() or set "
        f"{PICKLE_ENV_VAR}=1 - only for a file from a source you trust (the official NB360 download)."
    )
    if source:
        message += f" Where the data comes from: {source}"
    raise PickleNotAllowedError(message)


def load_plain_npy(source: str | os.PathLike[str] | object, name: str | None = None) -> np.ndarray:
    """An ``.npy`` array read without pickle; object arrays raise a clear ``ValueError``."""
    label = name or str(source)
    try:
        return np.load(source, allow_pickle=False)
    except ValueError as error:
        if "allow_pickle" in str(error) or "Object arrays" in str(error):
            raise ValueError(
                f"{label} holds Python objects (a pickle) instead of a plain numeric array; "
                f"expected the official NB360 file"
            ) from error
        raise


def all_exist(paths: list[Path]) -> bool:
    """True when every path exists."""
    return all(p.exists() for p in paths)
