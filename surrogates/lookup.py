"""Choosing the protocol of a query among those present (benchmark artifacts, record tables)."""
from __future__ import annotations

import re
from collections.abc import Sequence

from graph_encodings.registry import UnknownNameError

_VERSION = re.compile(r"-v(\d+)$")


def pick_protocol(protocol: str | None, present: Sequence[str], owner: str) -> str:
    """``protocol`` when it is one of ``present``; ``None`` picks the newest: the only protocol
    present, else the only one of the highest version (``<name>-v<version>``; e.g. a task's
    ``-cpu-v2`` benchmark over its ``-cpu-v1`` one, which stays loadable by name), and among
    several of that version the only imported table (NB360's own full-budget runs, e.g.
    ``nb360-nb201-200ep`` over a task's ``-nb201-cpu-v1``: :func:`preferred_protocols`).

    ``owner`` names whose protocols ``present`` are, for the messages (e.g. "records of task
    'ecg'"). ``UnknownNameError`` (a ``ValueError``) listing ``present`` when ``protocol`` is not among them, or when it is
    ``None`` and there are several (or none).
    """
    if protocol is None:
        newest = preferred_protocols(newest_protocols(present))
        if len(newest) == 1:
            return newest[0]
        many = "several" if present else "no"
        tied = f" ({len(newest)} of the newest version)" if len(newest) < len(present) else ""
        raise ValueError(f"{owner} have {many} protocols {list(present)}{tied}; pass protocol=")
    if protocol not in present:
        raise UnknownNameError("protocol", protocol, present, message=(
            f"{owner} have no protocol {protocol!r}; present: {list(present)}"))
    return protocol


def newest_protocols(present: Sequence[str]) -> list[str]:
    """The protocols of ``present`` with the highest version (a name without ``-v<N>``, such as an
    imported table's ``nb360-nb201-200ep``, counts as v1)."""
    def version(name: str) -> int:
        match = _VERSION.search(name)
        return int(match.group(1)) if match else 1

    if not present:
        return []
    top = max(version(name) for name in present)
    return [name for name in present if version(name) == top]


def preferred_protocols(tied: Sequence[str]) -> list[str]:
    """Of equally new protocols, the imported tables (runs made elsewhere at full budget, such as
    NB360's NB201 tables) when there are any, else all of ``tied``: a task's own full-budget
    table is what a query without a protocol means, and the scaled CPU protocol beside it stays
    reachable by name."""
    from training_data.protocols import get_protocol
    from training_data.protocols.protocol import ImportedProtocol

    def imported(name: str) -> bool:
        try:
            return isinstance(get_protocol(name), ImportedProtocol)
        except ValueError:  # a protocol name the registry does not know (e.g. a test's artifacts)
            return False

    return [name for name in tied if imported(name)] or list(tied)
