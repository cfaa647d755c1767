"""Renamed keyword arguments, attributes and command-line flags: the old spelling keeps working
for a while, with a warning.

Shared by every package (as :mod:`graph_encodings.seeds` is): ``graph_encodings`` is the one
package all the others import.
"""
from __future__ import annotations

import argparse
import functools
import sys
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def renamed_keywords(**renames: str) -> Callable[[F], F]:
    """Accept each old keyword ``old=`` of ``renames`` (``old -> new``) as a deprecated ``new=``.

    ``@renamed_keywords(root="store")`` makes ``f(root=x)`` call ``f(store=x)`` with a
    ``FutureWarning`` naming both; passing both spellings raises ``TypeError``.
    """

    def wrap(func: F) -> F:
        @functools.wraps(func)
        def inner(*args: Any, **kwargs: Any) -> Any:
            for old, new in renames.items():
                if old not in kwargs:
                    continue
                if new in kwargs:
                    raise TypeError(f"{func.__qualname__}() got both {new}= and its deprecated "
                                    f"spelling {old}=")
                warnings.warn(f"{func.__qualname__}({old}=...) is deprecated; use {new}=",
                              FutureWarning, stacklevel=2)
                kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        return inner  # type: ignore[return-value]

    return wrap


class renamed_attribute:  # noqa: N801 - spelt like ``property``, which it stands beside
    """A class attribute that is the deprecated spelling of the attribute ``new``.

    ``root = renamed_attribute("folder")`` in a class body makes ``obj.root`` read (and write)
    ``obj.folder``, with a ``FutureWarning`` naming both.
    """

    def __init__(self, new: str) -> None:
        self.new = new
        self.old = ""
        self.owner = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.old, self.owner = name, owner.__name__

    def _warn(self) -> None:
        warnings.warn(f"{self.owner}.{self.old} is deprecated; use {self.owner}.{self.new}",
                      FutureWarning, stacklevel=3)

    def __get__(self, obj: object, objtype: type | None = None) -> Any:
        if obj is None:
            return self
        self._warn()
        return getattr(obj, self.new)

    def __set__(self, obj: object, value: Any) -> None:
        self._warn()
        setattr(obj, self.new, value)


class _RenamedFlag(argparse.Action):
    """The old spelling of a renamed flag: stores into the new flag's ``dest``, with a warning."""

    def __init__(self, option_strings: list[str], dest: str, new: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, **kwargs)
        self.new = new

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        print(f"{parser.prog}: warning: {option_string} is deprecated; use {self.new}",
              file=sys.stderr)
        setattr(namespace, self.dest, values)


def add_renamed_flags(parser: argparse.ArgumentParser, action: argparse.Action, *old: str) -> None:
    """Accept each flag of ``old`` as a deprecated spelling of ``action``'s (hidden from --help).

    The value goes to ``action``'s ``dest`` (parsed with its ``type``); a warning naming the new
    flag goes to stderr.
    """
    if old:
        parser.add_argument(*old, dest=action.dest, action=_RenamedFlag, new=action.option_strings[0],
                            type=action.type, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
