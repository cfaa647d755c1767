"""One shape for every registry of the project, and the one error for a name it does not know.

Spaces, encodings, tasks, protocols, surrogates, optimizers and benchmarks are all looked up by
name. Each package offers the same verbs: ``list_X()`` (the names), ``get_X(name)`` or
``create(name, **options)``, and ``describe_X(name)`` (a short text: what it is, its options and
defaults). A name no registry knows raises :class:`UnknownNameError`, whose message names the
value, lists the valid names and gives the closest match. This module sits at the bottom of the
import order (``graph_encodings``), so every package can use it.
"""
from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Generic, TypeVar

T = TypeVar("T")


CLOSE_ENOUGH = 0.6  # difflib's similarity ratio below which a name is not offered as a match


def closest_match(value: Any, valid: Iterable[str]) -> str | None:
    """The name of ``valid`` most similar to ``value`` (difflib, case-insensitive), or None when
    none is similar enough (ratio < ``CLOSE_ENOUGH``: no far-fetched suggestion)."""
    lowered = {name.lower(): name for name in reversed(list(valid))}  # first spelling wins
    match = difflib.get_close_matches(str(value).lower(), list(lowered), n=1, cutoff=CLOSE_ENOUGH)
    return lowered[match[0]] if match else None


class UnknownNameError(KeyError, ValueError):
    """A name a registry does not know: ``kind``, the bad ``value``, the ``valid`` names and the
    ``closest`` of them, all in the message (``context``, if any, follows the value). A
    ``KeyError`` and a ``ValueError``.

    ``message`` replaces the default text before the closest match, for lookups that say more
    (e.g. which folder holds no such benchmark); it must name the value and the valid names.
    """

    def __init__(self, kind: str, value: Any, valid: Iterable[str], context: str = "",
                 message: str | None = None) -> None:
        self.kind = kind
        self.value = value
        self.valid = list(valid)
        self.context = context
        self.message = message
        self.closest = closest_match(value, self.valid)
        if message is None:
            listing = ", ".join(self.valid) if self.valid else "none"
            where = f" {context}" if context else ""
            message = f"unknown {kind} {value!r}{where}; valid names: {listing}"
        hint = f"; closest match: {self.closest!r}" if self.closest is not None else ""
        super().__init__(f"{message}{hint}")

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])

    def __reduce__(self) -> tuple[Any, ...]:  # pickles (joblib, Ray) with its fields
        return (type(self), (self.kind, self.value, self.valid, self.context, self.message))


def summary(obj: Any) -> str:
    """The first paragraph of ``obj``'s docstring on one line ('' when it has none)."""
    doc = inspect.getdoc(obj) or ""
    return " ".join(doc.split("\n\n")[0].split())


def format_options(options: Mapping[str, Any]) -> str:
    """``options (defaults): a=1, b='x'`` or ``options: none``."""
    if not options:
        return "options: none"
    return "options (defaults): " + ", ".join(f"{k}={v!r}" for k, v in options.items())


def keyword_defaults(function: Callable[..., Any], skip: Iterable[str] = ("self",)) -> dict[str, Any]:
    """The keyword parameters of ``function`` with their defaults (None where it has none)."""
    skipped = set(skip)
    return {
        p.name: (None if p.default is p.empty else p.default)
        for p in inspect.signature(function).parameters.values()
        if p.name not in skipped and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    }


class Registry(Generic[T]):
    """Entries of one ``kind`` by name: :meth:`add`, :meth:`names`, :meth:`get`, :meth:`describe`.

    ``describe(name, entry)`` writes an entry's description (default: its docstring's first
    paragraph). ``load(name)`` is called before a name is declared unknown (with the name) and
    before listing (with None): registries whose entries register themselves on import import
    them there. ``sort``: :meth:`names` sorted (else in the order added).
    """

    def __init__(self, kind: str, *, describe: Callable[[str, T], str] | None = None,
                 load: Callable[[str | None], None] | None = None, sort: bool = True) -> None:
        self.kind = kind
        self._entries: dict[str, T] = {}
        self._describe = describe or (lambda name, entry: f"{name}: {summary(entry)}")
        self._load = load
        self._sort = sort

    def add(self, name: str, entry: T, *, replace: bool = False) -> T:
        """Register ``entry`` as ``name``; ``ValueError`` if another entry has the name."""
        if not replace and name in self._entries and self._entries[name] is not entry:
            raise ValueError(f"{self.kind} name {name!r} is already registered")
        self._entries[name] = entry
        return entry

    def names(self) -> list[str]:
        """Every registered name (sorted unless the registry keeps the order added)."""
        if self._load is not None:
            self._load(None)
        return sorted(self._entries) if self._sort else list(self._entries)

    def get(self, name: str) -> T:
        """The entry ``name``; :class:`UnknownNameError` otherwise."""
        if isinstance(name, str) and name in self._entries:
            return self._entries[name]
        if self._load is not None and isinstance(name, str):
            self._load(name)
            if name in self._entries:
                return self._entries[name]
        raise self.unknown(name)

    def describe(self, name: str) -> str:
        """A short text about ``name``: what it is, its options and defaults."""
        return self._describe(name, self.get(name))

    def unknown(self, value: Any) -> UnknownNameError:
        """The error for ``value``, listing every registered name."""
        return UnknownNameError(self.kind, value, self.names())

    def __contains__(self, name: object) -> bool:
        try:
            self.get(name)  # type: ignore[arg-type]
        except UnknownNameError:
            return False
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self.names())

    def items(self) -> list[tuple[str, T]]:
        """``(name, entry)`` pairs in :meth:`names` order."""
        return [(name, self._entries[name]) for name in self.names()]
