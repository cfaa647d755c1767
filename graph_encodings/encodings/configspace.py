"""The ``nb301_configspace`` encoding (DARTS): the vector NB301's XGB / LGB models were fitted on.

NB301 (``surrogate_models/gradient_boosting/{xgboost,lgboost}.py``) encodes a config as
``config.get_array()`` of its ConfigSpace and then replaces NaN (inactive hyperparameters) by
-1 before fitting and querying. This module builds that vector directly from the index arrays:
one column per hyperparameter of :data:`NB301_HYPERPARAMETERS` (ConfigSpace array order), the
value being the index of the chosen value among the hyperparameter's choices, and -1 where the
hyperparameter is inactive: an ``edge_{cell}_{e}`` whose edge is not one of its node's two
inputs. Architecture columns (``edge_*``: op index; ``inputs_node_*``: index of ``"i_j"``) vary;
the other columns are constants, taken from ``to_configspace_dict`` of one architecture.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from graph_encodings.encodings.indices import DARTS_N_INPUTS, DartsIndices
from graph_encodings.encodings.onehot import DARTS_CELL_EDGES, SLOT_FIRST_EDGE
from graph_encodings.spaces.darts import CELL_TYPES, DARTS_OPS, N_EDGES, DartsArch

INACTIVE = -1.0  # NB301's imputation of ConfigSpace's NaN
_EDGE_RE = re.compile(r"darts:edge_(normal|reduce)_(\d+)$")
_INPUTS_RE = re.compile(r"darts:inputs_node_(normal|reduce)_(\d+)$")
_N_CELL_EDGES = len(DARTS_CELL_EDGES)  # 14


@dataclass(frozen=True)
class _Layout:
    """Where each architecture decision goes in the ConfigSpace array."""

    names: tuple[str, ...]
    constant: np.ndarray  # (d,) value of every column for a reference arch
    edge_cols: np.ndarray  # (2, 14) column of edge e of cell c, -1 if none
    edge_value: np.ndarray  # (2, 14, 7) choice index of op o on that edge
    node_cols: np.ndarray  # (2, 6) column of inputs_node_{cell}_{k}, -1 if none
    node_value: np.ndarray  # (2, 6, 25) choice index of inputs (a, b) as a * 5 + b, a < b


def row_from_dict(config: dict[str, Any], hyperparameters: list[tuple[str, tuple]]) -> np.ndarray:
    """One ConfigSpace array (float64) from a config dict: choice index, ``INACTIVE`` if absent."""
    row = np.full(len(hyperparameters), INACTIVE)
    for c, (name, choices) in enumerate(hyperparameters):
        if name not in config:
            continue
        value = config[name]
        if value not in choices:
            raise ValueError(f"{name} = {value!r} is not one of its choices {choices!r}")
        row[c] = list(choices).index(value)
    return row


@functools.lru_cache(maxsize=1)
def _layout() -> _Layout:
    from graph_encodings.spaces.nb301_configspace import NB301_HYPERPARAMETERS, to_configspace_dict

    hps = list(NB301_HYPERPARAMETERS)
    reference = DartsArch(
        normal=tuple((DARTS_OPS[0], i) for i in (0, 1) * (N_EDGES // 2)),
        reduce=tuple((DARTS_OPS[0], i) for i in (0, 1) * (N_EDGES // 2)),
    )
    constant = row_from_dict(to_configspace_dict(reference), hps)
    edge_cols = np.full((len(CELL_TYPES), _N_CELL_EDGES), -1)
    edge_value = np.zeros((len(CELL_TYPES), _N_CELL_EDGES, len(DARTS_OPS)))
    node_cols = np.full((len(CELL_TYPES), N_EDGES // 2 + 2), -1)
    node_value = np.zeros((len(CELL_TYPES), N_EDGES // 2 + 2, DARTS_N_INPUTS**2))
    for col, (name, choices) in enumerate(hps):
        choices = list(choices)
        if m := _EDGE_RE.search(name):
            c, e = CELL_TYPES.index(m[1]), int(m[2])
            edge_cols[c, e] = col
            edge_value[c, e] = [choices.index(op) for op in DARTS_OPS]
        elif m := _INPUTS_RE.search(name):
            c, k = CELL_TYPES.index(m[1]), int(m[2])
            node_cols[c, k] = col
            for text in choices:
                a, b = (int(t) for t in str(text).split("_"))
                node_value[c, k, a * DARTS_N_INPUTS + b] = choices.index(text)
    return _Layout(
        tuple(name for name, _ in hps), constant, edge_cols, edge_value, node_cols, node_value
    )


def dim() -> int:
    """Number of hyperparameters in NB301's ConfigSpace."""
    return len(_layout().names)


def feature_names() -> list[str]:
    """The hyperparameter names, in ConfigSpace array order."""
    return list(_layout().names)


def darts_configspace(idx: DartsIndices) -> np.ndarray:
    """(n, d) float32 NB301 ConfigSpace arrays of DARTS archs (layout: module docstring)."""
    lay = _layout()
    n = len(idx)
    out = np.broadcast_to(lay.constant.astype(np.float32), (n, lay.constant.size)).copy()
    ops = idx.ops.astype(np.int64)
    inputs = idx.inputs.astype(np.int64)
    cells = np.arange(len(CELL_TYPES))[:, None]  # (2, 1)
    rows = np.arange(n)[:, None, None]
    # Edges: every edge column starts inactive; the 8 chosen edges of each cell get their op.
    present = lay.edge_cols >= 0
    out[:, lay.edge_cols[present]] = INACTIVE
    edge = SLOT_FIRST_EDGE + inputs  # (n, 2, 8)
    cols = lay.edge_cols[cells, edge]
    values = lay.edge_value[cells, edge, ops]
    keep = cols >= 0
    out[np.broadcast_to(rows, cols.shape)[keep], cols[keep]] = values[keep]
    # Input pairs of intermediate nodes k = 2..5 (slots 2(k-2), 2(k-2)+1).
    a = np.minimum(inputs[:, :, 0::2], inputs[:, :, 1::2])
    b = np.maximum(inputs[:, :, 0::2], inputs[:, :, 1::2])
    nodes = np.arange(2, 2 + N_EDGES // 2)
    ncols = lay.node_cols[cells, nodes]  # (2, 4)
    nvalues = lay.node_value[cells, nodes, a * DARTS_N_INPUTS + b]  # (n, 2, 4)
    nkeep = np.broadcast_to(ncols >= 0, nvalues.shape)
    out[
        np.broadcast_to(rows, nvalues.shape)[nkeep], np.broadcast_to(ncols, nvalues.shape)[nkeep]
    ] = nvalues[nkeep]
    return out
