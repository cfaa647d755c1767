"""In-process caches: loaded task data per (task, data root, load options), subsets per protocol.

Repeated evaluations in one process (a worker evaluating many architectures) load and cut the
data once. The caches are small LRUs (large datasets are not kept twice); :func:`clear_caches`
empties them.
"""
from __future__ import annotations

import json
import os
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from training_data.protocols.protocol import Protocol
from training_data.tasks.data_root import resolve_data_root
from training_data.tasks.dataset import TaskData
from training_data.training.normalise import normalise_for_task
from training_data.training.subset import subset_task_data

K = TypeVar("K")
V = TypeVar("V")
MAX_LOADED = 3


class LRUCache(Generic[K, V]):
    """A tiny least-recently-used map with a fixed number of entries."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._items: OrderedDict[K, V] = OrderedDict()

    def get_or_create(self, key: K, create: Callable[[], V]) -> V:
        if key in self._items:
            self._items.move_to_end(key)
            return self._items[key]
        value = create()
        self._items[key] = value
        while len(self._items) > self.maxsize:
            self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


_LOADED: LRUCache[tuple[str, str, str], TaskData] = LRUCache(MAX_LOADED)
_SUBSETS: LRUCache[tuple[Any, ...], TaskData] = LRUCache(MAX_LOADED)


def _options_key(options: dict[str, Any]) -> str:
    return json.dumps(options, sort_keys=True, default=str)


def load_task_data(task: Any, data_root: str | os.PathLike[str] | None, options: dict[str, Any]) -> TaskData:
    """``task.load(data_root, **options)``, cached per (task, resolved data root, options)."""
    key = (task.name, str(resolve_data_root(data_root)), _options_key(options))
    return _LOADED.get_or_create(key, lambda: task.load(data_root=data_root, **options))


def protocol_subset(
    task: Any,
    data_root: str | os.PathLike[str] | None,
    options: dict[str, Any],
    sizes: tuple[int | None, int | None, int | None],
    seed: int,
    group_cap: int | None = None,
) -> TaskData:
    """The loaded data cut to ``sizes`` = (n_train, n_val, n_test) with ``seed`` (val/test groups
    capped at ``group_cap`` samples) and normalised
    as the task needs (:mod:`.normalise`), cached."""
    key = (task.name, str(resolve_data_root(data_root)), _options_key(options), sizes, seed, group_cap)

    def create() -> TaskData:
        data = load_task_data(task, data_root, options)
        return normalise_for_task(task, subset_task_data(data, *sizes, seed=seed, group_cap=group_cap))

    return _SUBSETS.get_or_create(key, create)


def protocol_data(task: Any, protocol: Protocol, data_root: str | os.PathLike[str] | None = None) -> TaskData:
    """:func:`protocol_subset` with ``protocol``'s load options, sizes, subset seed and group cap."""
    return protocol_subset(task, data_root, protocol.load_options,
                           (protocol.n_train, protocol.n_val, protocol.n_test), protocol.subset_seed,
                           protocol.group_cap)


def clear_caches() -> None:
    """Forget every cached dataset (frees memory)."""
    _LOADED.clear()
    _SUBSETS.clear()
