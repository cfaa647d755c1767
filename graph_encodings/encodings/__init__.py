"""Batched, vectorised encodings of architectures: flat feature matrices and GNN graph batches.

``encode(space, archs, kind)`` turns a list of architectures into one array in a single pass:
the archs become integer index arrays once (see :mod:`.indices`), then each encoding is numpy
fancy indexing on those arrays. Kinds (``list_encodings(space)``):

- ``onehot``: labelled adjacency one-hot (DARTS 196, NB201 30 columns; :mod:`.onehot`).
- ``path``: BANANAS path encoding (DARTS 11,204, NB201 84 columns; :mod:`.path`).
- ``nb301_configspace`` (DARTS only): NB301's ConfigSpace array, as its XGB/LGB models saw it
  (:mod:`.configspace`).
- ``graph``: a :class:`GraphBatch` of plain torch tensors, ops as nodes (:mod:`.graph`);
  :func:`graph_arrays` gives the same graphs as numpy arrays (:class:`GraphArrays`, no torch).

Flat kinds return float32 arrays of shape (n, encoding_dim(space, kind)); ``feature_names``
names their columns (for ``graph``: the node feature columns). ``describe_encoding(kind)`` says
what a kind is and its width per space.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from graph_encodings.encodings import configspace, graph, onehot, path
from graph_encodings.encodings.graph import GraphArrays, GraphBatch
from graph_encodings.encodings.indices import darts_indices, nb201_indices
from graph_encodings.registry import Registry, UnknownNameError
from graph_encodings.resolve import resolve_archs
from graph_encodings.spaces.base import SearchSpace

__all__ = ["ENCODINGS", "GraphArrays", "GraphBatch", "describe_encoding", "encode", "encoding_dim",
           "feature_names", "graph_arrays", "list_encodings"]


@dataclass(frozen=True)
class _Encoder:
    """One encoding of one space: the function on index arrays, its width and column names."""

    fn: Callable[[Any], Any]
    dim: Callable[[], int]  # lazy: the ConfigSpace layout is read on first use
    names: Callable[[], Sequence[str]]


def _const(value: Any) -> Callable[[], Any]:
    return lambda: value


def _standard_kinds(space: str) -> dict[str, _Encoder]:
    """The ``onehot``, ``path`` and ``graph`` encoders of ``space``, found by naming convention.

    :mod:`.onehot` and :mod:`.path` define ``<space>_<kind>`` (the encoder), ``<SPACE>_DIM`` and
    ``<space>_<kind>_names``; :mod:`.graph` defines ``<space>_graph``, ``<SPACE>_FEATURES`` and
    ``<SPACE>_FEATURE_NAMES``.
    """
    upper = space.upper()
    kinds = {
        kind: _Encoder(
            getattr(module, f"{space}_{kind}"),
            _const(getattr(module, f"{upper}_DIM")),
            getattr(module, f"{space}_{kind}_names"),
        )
        for kind, module in (("onehot", onehot), ("path", path))
    }
    kinds["graph"] = _Encoder(
        getattr(graph, f"{space}_graph"),
        _const(getattr(graph, f"{upper}_FEATURES")),
        _const(getattr(graph, f"{upper}_FEATURE_NAMES")),
    )
    return kinds


# space name -> (index builder, {kind: encoder})
_REGISTRY: dict[str, tuple[Callable[[Sequence[Any]], Any], dict[str, _Encoder]]] = {
    "darts": (
        darts_indices,
        {
            **_standard_kinds("darts"),
            "nb301_configspace": _Encoder(
                configspace.darts_configspace, configspace.dim, configspace.feature_names
            ),
        },
    ),
    "nb201": (nb201_indices, _standard_kinds("nb201")),
}



def _describe(kind: str, text: str) -> str:
    widths = ", ".join(f"{space} {encoding_dim(space, kind)}" for space, (_, kinds) in _REGISTRY.items()
                       if kind in kinds)
    unit = "node features" if kind == "graph" else "columns"
    return f"{kind}: {text} ({unit} per space: {widths})"


# encoding kind -> what it is (the kinds of every space)
ENCODINGS: Registry[str] = Registry("encoding", describe=_describe)
for _kind, _text in {
    "graph": "ops as nodes of a graph batch: plain torch tensors (GraphBatch), or numpy arrays "
             "with graph_arrays (GraphArrays)",
    "nb301_configspace": "NB301's ConfigSpace array, as its XGB/LGB surrogates saw it",
    "onehot": "labelled adjacency one-hot: one column per (edge, op) and per (node, input)",
    "path": "BANANAS path encoding: one column per input-to-output path of ops",
}.items():
    ENCODINGS.add(_kind, _text)


def list_encodings(space: SearchSpace | str | None = None) -> list[str]:
    """The encoding kinds defined for ``space`` (a space or its name), or for any space if None."""
    if space is None:
        return ENCODINGS.names()
    return sorted(_space_entry(_space_name(space))[1])


def describe_encoding(kind: str) -> str:
    """What the encoding ``kind`` is and its width in each space that defines it."""
    return ENCODINGS.describe(kind)


def encoding_dim(space: SearchSpace | str, kind: str) -> int:
    """Number of columns of a flat encoding; for ``graph``, the node feature width F."""
    return _encoder(_space_name(space), kind).dim()


def feature_names(space: SearchSpace | str, kind: str) -> list[str]:
    """Column names of a flat encoding (for ``graph``: of the node features ``x``)."""
    return list(_encoder(_space_name(space), kind).names())


def encode(space: SearchSpace | str, archs: Sequence[Any], kind: str) -> np.ndarray | GraphBatch:
    """Encode ``archs`` (arch objects, or anything ``space.parse`` accepts) of ``space``.

    Returns a float32 array (n, encoding_dim(space, kind)) for flat kinds, a
    :class:`GraphBatch` for ``graph``. Raises ``ValueError`` for an unknown space or kind (the
    message lists the valid ones), for archs of another space and for invalid archs (naming the
    first bad one).
    """
    space_obj = _resolve_space(space)
    build_indices, _ = _space_entry(space_obj.name)
    encoder = _encoder(space_obj.name, kind)
    items = resolve_archs(archs, space_obj, validate=False, allow_empty=True)[1]
    return encoder.fn(build_indices(items))


def graph_arrays(space: SearchSpace | str, archs: Sequence[Any]) -> GraphArrays:
    """The ``graph`` encoding of ``archs`` as numpy arrays: ``encode(space, archs, "graph")``
    without torch (same graphs, same checks and errors)."""
    space_obj = _resolve_space(space)
    build_indices, _ = _space_entry(space_obj.name)
    _encoder(space_obj.name, "graph")
    arrays = getattr(graph, f"{space_obj.name}_graph_arrays")
    return arrays(build_indices(resolve_archs(archs, space_obj, validate=False, allow_empty=True)[1]))


def _space_name(space: SearchSpace | str) -> str:
    if isinstance(space, SearchSpace):
        return space.name
    if isinstance(space, str):
        return space
    raise TypeError(
        f"space must be a SearchSpace or a space name, got {type(space).__name__} {space!r}")


def _resolve_space(space: SearchSpace | str) -> SearchSpace:
    if isinstance(space, SearchSpace):
        return space
    name = _space_name(space)
    _space_entry(name)  # unknown name -> ValueError listing the spaces with encodings
    from graph_encodings.spaces import get_space  # the space registry imports this package's parent

    return get_space(name)


def _space_entry(name: str) -> tuple[Callable[[Sequence[Any]], Any], dict[str, _Encoder]]:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownNameError("search space", name, sorted(_REGISTRY)) from None


def _encoder(space_name: str, kind: str) -> _Encoder:
    kinds = _space_entry(space_name)[1]
    if isinstance(kind, str) and kind in kinds:
        return kinds[kind]
    elsewhere = [s for s, (_, ks) in _REGISTRY.items() if isinstance(kind, str) and kind in ks]
    hint = f" ({kind!r} is defined only for: {', '.join(elsewhere)})" if elsewhere else ""
    raise UnknownNameError("encoding", kind, sorted(kinds), context=f"for space {space_name!r}{hint}")
