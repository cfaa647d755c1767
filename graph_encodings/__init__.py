"""What an architecture is: search spaces, canonical forms, text forms, graph and flat encodings.

``resolve_archs(archs, space)`` is the one way in: every public entry point of the project turns
its architectures (objects, text forms, NB201 indices, NB301 dicts) into objects with it.
"""
from graph_encodings.encodings import describe_encoding, encode, list_encodings
from graph_encodings.registry import Registry, UnknownNameError
from graph_encodings.resolve import ArchitectureError, resolve_arch, resolve_archs
from graph_encodings.seeds import as_rng, check_seed
from graph_encodings.spaces import (
    DartsArch,
    NB201Arch,
    SearchSpace,
    describe_space,
    get_space,
    list_spaces,
)

__all__ = [
    "ArchitectureError",
    "DartsArch",
    "NB201Arch",
    "Registry",
    "SearchSpace",
    "UnknownNameError",
    "as_rng",
    "check_seed",
    "describe_encoding",
    "describe_space",
    "encode",
    "get_space",
    "list_encodings",
    "list_spaces",
    "resolve_arch",
    "resolve_archs",
]
