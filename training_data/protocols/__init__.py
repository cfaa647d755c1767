"""Named, versioned training protocols (recipes) per task; see :mod:`.registry` for the list."""
from __future__ import annotations

from training_data.protocols.protocol import (
    ImportedProtocol,
    Protocol,
    network_family,
    network_io,
    repeat_seeds,
    training_seed,
)
from training_data.protocols.registry import (
    describe_protocol,
    get_protocol,
    list_protocols,
    training_protocol,
    training_protocol_for,
)

__all__ = [
    "ImportedProtocol",
    "Protocol",
    "describe_protocol",
    "get_protocol",
    "list_protocols",
    "network_family",
    "network_io",
    "repeat_seeds",
    "training_protocol",
    "training_protocol_for",
    "training_seed",
]
