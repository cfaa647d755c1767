"""Fitted estimators read from an artifact on first use, not when the model loads.

Loading a benchmark then imports neither torch nor the boosting libraries; the files were
hash-checked by ``load`` and are read-only artifacts.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any


class LazyEstimatorFiles:
    """Mixin for a :class:`~surrogates.base.SurrogateModel` whose ``estimator_`` saves and loads
    itself from a folder: ``estimator_`` is read by :meth:`_load_estimator` when first used."""

    estimator_: Any

    def _load_estimator(self, folder: Path) -> Any:
        """The fitted estimator stored in ``folder``."""
        raise NotImplementedError

    def _write_files(self, folder: Path) -> None:
        self.estimator_.save(folder)

    def _read_files(self, folder: Path) -> None:
        self._pending_folder = folder

    def __getattr__(self, name: str) -> Any:
        pending = self.__dict__.get("_pending_folder")
        if name == "estimator_" and pending is not None:
            self.estimator_ = self._load_estimator(pending)
            del self.__dict__["_pending_folder"]
            return self.estimator_
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
