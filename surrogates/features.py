"""Data-free graph features of cells (GRAF-like), extra inputs for the tree surrogates.

The one-hot encoding tells a tree which op sits on which edge; it has to learn from data that,
say, a cell whose convolutions all sit on a path the input never reaches is a bad cell. These
features say it directly (Kadlecova et al., "Surprisingly strong performance prediction with
neural graph features", ICML 2024, GRAF), computed from the cell graph alone, no training and no
data:

* ``count:<op>``: how many edges carry each op;
* for each op subset ``S`` (:data:`SUBSETS`), on the cell graph restricted to edges with an op in
  ``S``: ``paths:<S>`` the number of input-to-output paths, ``min_len:<S>`` / ``max_len:<S>`` the
  shortest / longest such path in ops (0 when there is none);
* NB201 only (its ``none`` op cuts edges): ``live:<op>``, the edges of each op on some
  input-to-output path of non-``none`` ops (DARTS cells have no ``none``: every edge is live);
* ``params``: a parameter-count proxy, the sum over edges of the op's weights per channel
  squared (:data:`PARAM_WEIGHTS`; NB201 also ``live_params`` over live edges). Exact counts depend
  on the task's network (:mod:`surrogates.complexity`, which builds torch ops); the proxy keeps
  the query path free of torch and is exact up to the network's constant and scale for NB201.

DARTS features are computed per cell type (``normal:``/``reduce:`` prefixes). Everything is
vectorised over architectures (a Python pass to read op codes, then numpy), and memoised per
architecture (:func:`graph_features`), so a table's features are computed once per process.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from graph_encodings.spaces.darts import CELL_TYPES, DARTS_OPS, N_EDGES
from graph_encodings.spaces.nb201 import NB201_EDGES, NB201_OPS

# Op subsets whose induced subgraph is described by path features (GRAF uses such subsets).
SUBSETS: dict[str, dict[str, tuple[str, ...]]] = {
    "nb201": {
        "any": ("skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"),
        "conv": ("nor_conv_1x1", "nor_conv_3x3"),
        "conv_skip": ("skip_connect", "nor_conv_1x1", "nor_conv_3x3"),
        "conv_pool": ("nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"),
        "conv3": ("nor_conv_3x3",),
        "skip": ("skip_connect",),
    },
    "darts": {
        "any": DARTS_OPS,
        "conv": ("sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5"),
        "sep": ("sep_conv_3x3", "sep_conv_5x5"),
        "conv_skip": ("skip_connect", "sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5"),
        "pool": ("max_pool_3x3", "avg_pool_3x3"),
        "skip": ("skip_connect",),
    },
}
# Parameters per op in units of C^2 at C = 16 channels (depthwise k x k: k^2 C, pointwise: C^2;
# DARTS separable convs apply depthwise + pointwise twice, dilated ones once).
_C = 16
PARAM_WEIGHTS: dict[str, dict[str, float]] = {
    "nb201": {"none": 0.0, "skip_connect": 0.0, "nor_conv_1x1": 1.0, "nor_conv_3x3": 9.0,
              "avg_pool_3x3": 0.0},
    "darts": {"max_pool_3x3": 0.0, "avg_pool_3x3": 0.0, "skip_connect": 0.0,
              "sep_conv_3x3": 2 * (9 / _C + 1), "sep_conv_5x5": 2 * (25 / _C + 1),
              "dil_conv_3x3": 9 / _C + 1, "dil_conv_5x5": 25 / _C + 1},
}
FEATURE_SETS = ("graf",)  # the named feature sets of the tree models' ``features``
MEMO_LIMIT = 1 << 17  # feature rows kept per space
_MEMO: dict[str, dict[Any, np.ndarray]] = {}


def _paths(codes: np.ndarray, sources: np.ndarray, targets: np.ndarray, allowed: np.ndarray,
           n_nodes: int, inputs: Sequence[int], output_from: Sequence[int] | None, output: int
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Path count, shortest and longest path length (ops) from ``inputs`` to ``output`` per arch,
    and which edges lie on such a path, on the subgraph of edges whose op code is ``allowed``.

    ``codes``/``sources`` (n, E): op code and source node of every edge slot; ``targets`` (E,)
    their target nodes (slots ordered by target); ``output_from``: nodes joined to ``output`` by
    op-free edges (DARTS' concatenation), None when ``output`` is an ordinary node.
    """
    n, n_slots = codes.shape
    ok = allowed[codes]  # (n, E)
    count = np.zeros((n, n_nodes + 1))
    low = np.full((n, n_nodes + 1), np.inf)
    high = np.full((n, n_nodes + 1), -np.inf)
    for node in inputs:
        count[:, node], low[:, node], high[:, node] = 1.0, 0.0, 0.0
    rows = np.arange(n)
    for slot in range(n_slots):
        t, src = targets[slot], sources[:, slot]
        use = ok[:, slot]
        count[:, t] += np.where(use, count[rows, src], 0.0)
        low[:, t] = np.minimum(low[:, t], np.where(use, low[rows, src] + 1, np.inf))
        high[:, t] = np.maximum(high[:, t], np.where(use, high[rows, src] + 1, -np.inf))
    if output_from is not None:
        fed = list(output_from)
        count[:, output] = count[:, fed].sum(axis=1)
        low[:, output] = low[:, fed].min(axis=1)
        high[:, output] = high[:, fed].max(axis=1)
    # backward: which nodes reach the output through allowed edges
    reach = np.zeros((n, n_nodes + 1), dtype=bool)
    reach[:, output] = True
    if output_from is not None:
        reach[:, list(output_from)] = True
    for slot in reversed(range(n_slots)):
        src = sources[:, slot]
        reach[rows, src] |= ok[:, slot] & reach[:, targets[slot]]
    live = ok & np.isfinite(low[rows[:, None], sources]) & reach[:, targets][:, :]
    found = count[:, output] > 0
    return (count[:, output], np.where(found, low[:, output], 0.0),
            np.where(found, high[:, output], 0.0), live)


def _cell_features(space: str, codes: np.ndarray, sources: np.ndarray, targets: np.ndarray
                   ) -> tuple[list[str], np.ndarray]:
    """Feature names and values (n, d) of one cell type (module docstring)."""
    ops = NB201_OPS if space == "nb201" else DARTS_OPS
    if space == "nb201":
        layout = {"n_nodes": 4, "inputs": (0,), "output_from": None, "output": 3}
    else:
        layout = {"n_nodes": 6, "inputs": (0, 1), "output_from": (2, 3, 4, 5), "output": 6}
    names, columns = [], []
    for o, op in enumerate(ops):
        names.append(f"count:{op}")
        columns.append((codes == o).sum(axis=1))
    weights = np.array([PARAM_WEIGHTS[space][op] for op in ops])
    names.append("params")
    columns.append(weights[codes].sum(axis=1))
    for label, subset in SUBSETS[space].items():
        allowed = np.isin(np.array(ops), subset)
        count, low, high, live = _paths(codes, sources, targets, allowed, **layout)
        names += [f"paths:{label}", f"min_len:{label}", f"max_len:{label}"]
        columns += [count, low, high]
        if space == "nb201" and label == "any":
            for o, op in enumerate(ops[1:], start=1):
                names.append(f"live:{op}")
                columns.append(((codes == o) & live).sum(axis=1))
            names.append("live_params")
            columns.append(np.where(live, weights[codes], 0.0).sum(axis=1))
    return names, np.stack(columns, axis=1).astype(np.float32)


def _nb201_codes(archs: Sequence[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    index = {op: k for k, op in enumerate(NB201_OPS)}
    codes = np.array([[index[op] for op in a.ops] for a in archs], dtype=np.int64).reshape(-1, 6)
    order = np.argsort([t for t, _ in NB201_EDGES], kind="stable")
    sources = np.tile(np.array([s for _, s in NB201_EDGES])[order], (len(archs), 1))
    targets = np.array([t for t, _ in NB201_EDGES])[order]
    return codes[:, order], sources, targets


def _compute(space: str, archs: Sequence[Any]) -> tuple[list[str], np.ndarray]:
    if space == "nb201":
        return _cell_features(space, *_nb201_codes(archs))
    if space != "darts":
        raise ValueError(f"graph features exist for spaces 'nb201' and 'darts', not {space!r}")
    index = {op: k for k, op in enumerate(DARTS_OPS)}
    targets = np.array([j // 2 + 2 for j in range(N_EDGES)])
    names, blocks = [], []
    for cell in CELL_TYPES:
        pairs = [a.cell(cell) for a in archs]
        codes = np.array([[index[op] for op, _ in c] for c in pairs], dtype=np.int64).reshape(-1, N_EDGES)
        sources = np.array([[i for _, i in c] for c in pairs], dtype=np.int64).reshape(-1, N_EDGES)
        cell_names, values = _cell_features(space, codes, sources, targets)
        names += [f"{cell}:{name}" for name in cell_names]
        blocks.append(values)
    return names, np.concatenate(blocks, axis=1)


def feature_parts(spec: Any) -> tuple[bool, tuple[str, ...]]:
    """Read the tree models' ``features`` hyper-parameter: ``None``, or parts joined by ``+``,
    each ``graf`` (:func:`graph_features`) or a zero-cost proxy (:mod:`surrogates.proxies`,
    e.g. ``"graf+synflow"``). Returns (graph features?, proxy names in the order given).
    ``ValueError`` for a value that is not such a string; an unknown part raises
    :class:`graph_encodings.UnknownNameError` naming it and every valid part.
    """
    if spec is None:
        return False, ()
    if not isinstance(spec, str) or not spec:
        raise ValueError(f"features must be None or a string such as 'graf' or 'graf+synflow', "
                         f"got {spec!r}")
    from graph_encodings.registry import UnknownNameError
    from surrogates.proxies import list_proxies

    parts = spec.split("+")
    valid = [*FEATURE_SETS, *list_proxies()]
    for part in parts:
        if part not in valid:
            raise UnknownNameError("features part", part, valid, context=f"in features={spec!r}")
    if len(set(parts)) != len(parts):
        raise ValueError(f"features {spec!r} names a part twice")
    return "graf" in parts, tuple(p for p in parts if p != "graf")


def feature_names(space: str) -> list[str]:
    """The column names of :func:`graph_features` in ``space`` (``'nb201'`` or ``'darts'``)."""
    from graph_encodings import get_space

    sp = get_space(space)
    return _compute(sp.name, [sp.sample(0)])[0]


def graph_features(space: Any, archs: Sequence[Any]) -> np.ndarray:
    """float32 features (n, d) of validated architecture objects of ``space`` (a SearchSpace),
    memoised per architecture (module docstring)."""
    memo = _MEMO.setdefault(space.name, {})
    missing = [a for a in dict.fromkeys(archs) if a not in memo]
    if missing:
        if len(memo) + len(missing) > MEMO_LIMIT:
            memo.clear()
        _, values = _compute(space.name, missing)
        memo.update(zip(missing, values, strict=True))
    if not len(archs):
        return np.zeros((0, len(feature_names(space.name))), dtype=np.float32)
    return np.stack([memo[a] for a in archs])
