"""The one way in for architectures: every public entry point resolves its ``archs`` here.

``resolve_archs(archs, space)`` turns a list of architectures, each in any accepted form, into
architecture objects of one search space; ``resolve_arch(arch, space)`` does it for one. The
accepted forms of one architecture are the space's own (see each space's ``parse``):

- an architecture object (:class:`~graph_encodings.DartsArch`, :class:`~graph_encodings.NB201Arch`);
- its text form: DARTS ``Genotype(...)`` text, NB201 ``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|``;
- an NB201 index 0..15624 (a Python or numpy integer, not a bool);
- an NB301 ConfigSpace dict or a DARTS ``Genotype`` namedtuple (DARTS).

Anything else raises :class:`ArchitectureError`, whose message names the position, the value and
what is wrong or valid. Without ``space`` the space is the one the first architecture belongs to
(its type, or the one space whose ``parse`` reads it).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from graph_encodings.spaces import get_space, list_spaces
from graph_encodings.spaces.base import SearchSpace

_SHOW_LIMIT = 600  # characters of a value's repr quoted in an error message


class ArchitectureError(ValueError, TypeError):
    """An input that is not an architecture of the search space, or not a list of them.

    Both a ``ValueError`` (a bad value) and a ``TypeError`` (a value of a type no space reads),
    so callers may catch either.
    """


def show(value: Any) -> str:
    """``repr(value)``, cut to a readable length for an error message."""
    text = repr(value)
    return text if len(text) <= _SHOW_LIMIT else text[: _SHOW_LIMIT - 3] + "..."


def resolve_archs(
    archs: Iterable[Any],
    space: str | SearchSpace | None = None,
    *,
    validate: bool = True,
    allow_empty: bool = False,
) -> tuple[SearchSpace, list[Any]]:
    """The search space and the architecture objects of ``archs`` (module docstring).

    ``space``: a space or its name; None infers it from ``archs[0]`` (``allow_empty`` then needs
    a space). ``validate=False`` passes objects of the space's architecture type through
    unchecked (for callers that check them in a batch, as the encoders do). Raises
    :class:`ArchitectureError` for a single architecture or another non-list, an empty list
    (unless ``allow_empty``) and any item that is not an architecture of the space.
    """
    items = _as_list(archs)
    if not items:
        if not allow_empty or space is None:
            raise ArchitectureError("archs is empty; pass at least one architecture")
        return get_space(space), []
    if space is None:
        sp, first = _infer(items[0], "archs[0]")
        return sp, [first, *(_resolve_one(a, sp, f"archs[{k}]") for k, a in enumerate(items[1:], 1))]
    sp = get_space(space)
    arch_type = sp.arch_type
    if all(type(a) is arch_type for a in items):  # fast path: objects of the space only
        if not validate:
            return sp, items
        try:
            for a in items:
                sp.validate(a)
            return sp, items
        except ValueError:
            pass  # the loop below names the bad one
    return sp, [
        a if not validate and type(a) is arch_type else _resolve_one(a, sp, f"archs[{k}]")
        for k, a in enumerate(items)
    ]


def resolve_arch(arch: Any, space: str | SearchSpace | None = None) -> tuple[SearchSpace, Any]:
    """The search space and the architecture object of one architecture ``arch``.

    ``space=None`` infers the space from ``arch`` (module docstring); :class:`ArchitectureError`
    if ``arch`` is not an architecture of it.
    """
    if space is None:
        return _infer(arch, "arch")
    sp = get_space(space)
    return sp, _resolve_one(arch, sp, "arch")


def _as_list(archs: Any) -> list[Any]:
    """``archs`` as a list; a string, dict or architecture object (one architecture) is refused."""
    one = isinstance(archs, (str, bytes, Mapping)) or any(
        isinstance(archs, get_space(name).arch_type) for name in list_spaces()
    )
    if not one:
        try:
            return list(archs)
        except TypeError:
            pass
    raise ArchitectureError(
        f"archs must be a list of architectures, got {type(archs).__name__} {show(archs)}; "
        f"pass a single architecture as [arch]"
    )


def _resolve_one(item: Any, space: SearchSpace, label: str) -> Any:
    """``item`` as an architecture object of ``space``; ``label`` names it in errors."""
    for name in list_spaces():
        other = get_space(name)
        if other.name != space.name and isinstance(item, other.arch_type):
            raise ArchitectureError(
                f"{label} = {show(item)} is a {type(item).__name__} (space {other.name!r}), but "
                f"the space is {space.name!r}, which takes {space.arch_type.__name__}; "
                f"use one space per call"
            )
    try:
        return space.coerce(item)
    except (ValueError, TypeError, KeyError) as err:
        raise ArchitectureError(
            f"{label} = {show(item)} is not a valid {space.name!r} architecture: {_reason(err)}"
        ) from None


def _infer(item: Any, label: str) -> tuple[SearchSpace, Any]:
    """The space ``item`` belongs to and its object there (by type, else by who parses it)."""
    spaces = [get_space(name) for name in list_spaces()]
    for sp in spaces:
        if isinstance(item, sp.arch_type):
            return sp, _resolve_one(item, sp, label)
    fits, errors = [], []
    for sp in spaces:
        try:
            fits.append((sp, sp.parse(item)))
        except (ValueError, TypeError, KeyError) as err:
            errors.append(f"{sp.name}: {_reason(err)}")
    if len(fits) == 1:
        return fits[0]
    if not fits:
        raise ArchitectureError(
            f"cannot tell the search space of {label} = {show(item)}: it is no architecture of "
            f"any space ({'; '.join(errors)})"
        )
    names = [sp.name for sp, _ in fits]
    raise ArchitectureError(f"{label} = {show(item)} reads as an architecture of several spaces "
                            f"{names}; pass space=")


def _reason(err: Exception) -> str:
    """An exception's message (a KeyError's without its quotes)."""
    return str(err.args[0]) if isinstance(err, KeyError) and err.args else str(err)
