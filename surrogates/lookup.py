"""Choosing the protocol of a query among those present (benchmark artifacts, record tables)."""
from __future__ import annotations

from collections.abc import Sequence

from graph_encodings.registry import UnknownNameError


def pick_protocol(protocol: str | None, present: Sequence[str], owner: str) -> str:
    """``protocol`` when it is one of ``present``; ``None`` picks the only one present.

    ``owner`` names whose protocols ``present`` are, for the messages (e.g. "records of task
    'ecg'"). ``UnknownNameError`` (a ``ValueError``) listing ``present`` when ``protocol`` is not among them, or when it is
    ``None`` and there are several (or none).
    """
    if protocol is None:
        if len(present) == 1:
            return present[0]
        many = "several" if present else "no"
        raise ValueError(f"{owner} have {many} protocols {list(present)}; pass protocol=")
    if protocol not in present:
        raise UnknownNameError("protocol", protocol, present, message=(
            f"{owner} have no protocol {protocol!r}; present: {list(present)}"))
    return protocol
