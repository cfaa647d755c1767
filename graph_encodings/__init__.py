"""What an architecture is: search spaces, canonical forms, text forms, graph and flat encodings."""
from graph_encodings.encodings import encode, list_encodings
from graph_encodings.seeds import as_rng, check_seed
from graph_encodings.spaces import DartsArch, NB201Arch, SearchSpace, get_space, list_spaces

__all__ = [
    "DartsArch",
    "NB201Arch",
    "SearchSpace",
    "as_rng",
    "check_seed",
    "encode",
    "get_space",
    "list_encodings",
    "list_spaces",
]
