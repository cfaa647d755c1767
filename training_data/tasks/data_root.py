"""Where task data lives on disk: the data-root setting and file lookup with helpful errors.

The data root is, in order of precedence: the ``data_root`` argument, the environment variable
``NB360_DATA_ROOT``, then ``~/.nb360/data``. A task's files are searched in ``<root>/<task>/``
and then directly in ``<root>/`` (so one folder holding all official NB360 files works too).
Nothing is ever downloaded.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

ENV_VAR = "NB360_DATA_ROOT"
DEFAULT_ROOT = Path("~/.nb360/data")


class DataFileNotFoundError(FileNotFoundError):
    """A data file a task needs is not on disk (the message says where to get it)."""


def resolve_data_root(data_root: str | os.PathLike[str] | None = None) -> Path:
    """The data root folder (argument > ``$NB360_DATA_ROOT`` > ``~/.nb360/data``)."""
    if data_root is not None:
        return Path(data_root).expanduser()
    env = os.environ.get(ENV_VAR)
    return Path(env).expanduser() if env else DEFAULT_ROOT.expanduser()


def candidate_dirs(task: str, data_root: str | os.PathLike[str] | None = None) -> list[Path]:
    """The folders searched for ``task``'s files, in order."""
    root = resolve_data_root(data_root)
    return [root / task, root]


def find_file(
    task: str,
    names: str | Sequence[str],
    where_to_get: str,
    data_root: str | os.PathLike[str] | None = None,
) -> Path:
    """The first existing file among ``names`` (relative paths) in the task's folders.

    Raises :class:`DataFileNotFoundError` naming the file(s), the folders searched, the setting
    that controls them and where a user gets the data.
    """
    names = [names] if isinstance(names, str) else list(names)
    dirs = candidate_dirs(task, data_root)
    for folder in dirs:
        for name in names:
            path = folder / name
            if path.exists():
                return path
    searched = ", ".join(str(d) for d in dirs)
    wanted = " or ".join(repr(n) for n in names)
    raise DataFileNotFoundError(
        f"task {task!r}: data file {wanted} not found (searched: {searched}). "
        f"Set the data root with the data_root argument or ${ENV_VAR}. "
        f"Get the data: {where_to_get}"
    )
