"""GIN ensembles without torch: hyper-parameter checks and inference in numpy.

Training needs torch (:mod:`surrogates.estimators.gin`); answering queries does not. A GIN's
forward pass is a few small matrix products, so every fitted GIN ensemble predicts through
:class:`StackedGIN` here, and a saved one is read from its member files by
:func:`~surrogates.estimators.state_dict.read_state_dict` (:class:`GINMembers`): loading and
querying a benchmark never imports torch.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from surrogates.errors import ArtifactError
from surrogates.estimators.state_dict import read_state_dict
from surrogates.hyper_parameters import check_choice, check_int, check_real

LOSSES = ("nll", "beta_nll", "mse")
MIN_VAR = 1e-4  # variance floor on the standardised scale
LAYER_NORM_EPS = 1e-5  # nn.LayerNorm's default, which the GIN layers use
INFERENCE_NODES = 1024  # nodes per chunk of batched inference (cache-sized: 1,024-1,536 fastest; measured)
# Inference runs on one BLAS thread: its products are small, and on a shared 2-core machine
# OpenBLAS's 2 threads took 2-16 s per 10,000 archs of the shipped GINs against 0.3-0.8 s on 1.
INFERENCE_THREADS = 1
SOFTPLUS_THRESHOLD = 20.0  # torch's softplus is linear above this
DEVICES = "'cpu', 'cuda', 'cuda:N' or 'auto'"
_DEVICE = re.compile(r"cpu|cuda(:\d+)?|auto")


def check_hyper_parameters(hp: Mapping[str, Any]) -> None:
    """``ValueError`` naming the first invalid GIN hyper-parameter in ``hp``, its value and what
    is valid (keys not in ``hp`` are not checked).

    ``hidden``, ``n_layers``, ``n_members``, ``epochs``, ``batch_size``: integers >= 1; ``lr``: a
    number > 0; ``weight_decay``, ``rank_weight``: numbers >= 0; ``loss``: one of :data:`LOSSES`; ``device``:
    ``'cpu'``, ``'cuda'``, ``'cuda:N'`` or ``'auto'``.
    """
    for name in ("hidden", "n_layers", "n_members", "epochs", "batch_size"):
        if name in hp:
            check_int(name, hp[name], 1)
    if "lr" in hp:
        check_real("lr", hp["lr"], 0.0, math.inf, low_open=True, high_open=True)
    for name in ("weight_decay", "rank_weight"):
        if name in hp:
            check_real(name, hp[name], 0.0, math.inf, high_open=True)
    if "loss" in hp:
        check_choice("loss", hp["loss"], LOSSES)
    if "device" in hp and not (isinstance(hp["device"], str) and _DEVICE.fullmatch(hp["device"])):
        raise ValueError(f"device must be {DEVICES}, got {hp['device']!r}")


def parameter_shapes(in_dim: int, hidden: int, n_layers: int) -> dict[str, tuple[int, ...]]:
    """Name and shape of every tensor in a member's state dict (``GINNet``'s layout)."""
    shapes: dict[str, tuple[int, ...]] = {"embed.weight": (hidden, in_dim), "embed.bias": (hidden,)}
    for i in range(n_layers):
        pre = f"layers.{i}"
        shapes |= {f"{pre}.eps": (1,), f"{pre}.mlp.0.weight": (hidden, 3 * hidden),
                   f"{pre}.mlp.0.bias": (hidden,), f"{pre}.mlp.2.weight": (hidden, hidden),
                   f"{pre}.mlp.2.bias": (hidden,), f"{pre}.norm.weight": (hidden,),
                   f"{pre}.norm.bias": (hidden,)}
    return shapes | {"head.0.weight": (hidden, hidden * (n_layers + 1)), "head.0.bias": (hidden,),
                     "head.2.weight": (2, hidden), "head.2.bias": (2,)}


@dataclass(frozen=True)
class StackedGIN:
    """Every member of a GIN ensemble evaluated in one numpy pass, on the unpadded graphs.

    States are ``(V, M, H)`` float32 (nodes, members, hidden), so a node's row holds every
    member. Message passing sums rows first (``A h``), then multiplies (``(A h) W``): in- and
    out-neighbour sums and pooling are gathers summed slot by slot, rows ordered so that the
    ``k``-th slot covers a prefix (every edge gathered once, no padding, no sparse library);
    per-member products read their member's columns in place. Equal to each member's ``GINNet``
    in torch up to float32 rounding (tests/surrogates/test_gin_numpy.py).
    """

    n_layers: int
    params: dict[str, np.ndarray]

    @classmethod
    def from_state_dicts(cls, states: Sequence[Mapping[str, Any]], n_layers: int) -> StackedGIN:
        """From the members' state dicts (arrays, or anything ``np.asarray`` takes)."""
        p = {k: np.stack([np.asarray(s[k], dtype=np.float32) for s in states]) for k in states[0]}
        out: dict[str, np.ndarray] = {}
        for name in ["embed", "head.0", "head.2"] + [
                f"layers.{i}.mlp.{j}" for i in range(n_layers) for j in (0, 2)]:
            out[f"{name}.w"] = np.ascontiguousarray(p[f"{name}.weight"].transpose(0, 2, 1))
            out[f"{name}.b"] = p[f"{name}.bias"]  # (M, out)
        for i in range(n_layers):
            pre = f"layers.{i}"
            hidden = out[f"{pre}.mlp.0.w"].shape[2]
            # (1 + eps) h: fold 1 + eps into the rows of the first MLP weight that read h
            out[f"{pre}.mlp.0.w"][:, :hidden] *= 1 + p[f"{pre}.eps"].reshape(-1, 1, 1)
            # the MLP's inputs carry a last column of ones: its biases become the last weight row
            for j in (0, 2):
                name = f"{pre}.mlp.{j}"
                out[f"{name}.w"] = np.concatenate([out[f"{name}.w"], out.pop(f"{name}.b")[:, None]],
                                                  axis=1)
            out[f"{pre}.ln_w"] = p[f"{pre}.norm.weight"]
            out[f"{pre}.ln_b"] = p[f"{pre}.norm.bias"]
        return cls(n_layers, out)

    @property
    def n_members(self) -> int:
        return int(self.params["embed.w"].shape[0])

    def forward(self, x: np.ndarray, src: np.ndarray, dst: np.ndarray, graph: np.ndarray,
                n_graphs: int) -> tuple[np.ndarray, np.ndarray]:
        """Means and variances ``(M, n_graphs)`` of nodes ``x`` (sorted by graph), edges ``src -> dst``."""
        p = self.params
        n_members, n_nodes = self.n_members, len(x)
        hidden = p["embed.w"].shape[2]
        # Nodes in order of falling in-degree and graphs in order of falling size, so that the
        # k-th slot of a sum covers the first rows; out-neighbour sums are taken in order of
        # falling out-degree and put back in node order.
        node_id, in_degree = _by_falling_count(dst, n_nodes)
        out_id, out_degree = _by_falling_count(node_id[src], n_nodes)
        graph_id, sizes = _by_falling_count(graph, n_graphs)
        x = x[np.argsort(node_id)]
        src, dst, nodes = node_id[src], node_id[dst], np.arange(n_nodes)
        from_in = _slots(dst, src, in_degree)
        from_out = _slots(out_id[src], dst, out_degree)
        out_order = out_id
        pooling = _slots(graph_id[graph[np.argsort(node_id)]], nodes, sizes)

        zeros = np.zeros((n_nodes, n_members, hidden + 1), dtype=np.float32)  # ReLU's other side
        h = np.empty((n_nodes, n_members, hidden), dtype=np.float32)
        for m in range(n_members):
            np.matmul(x, p["embed.w"][m], out=h[:, m])
        h += p["embed.b"]
        np.maximum(h, zeros[:, :, :hidden], out=h)
        pooled = [_gather_sum(h, pooling, n_graphs)]
        # the first MLP's input [h, in-neighbour sum, out-neighbour sum, 1] and the second's [u, 1]
        joined = np.empty((n_nodes, n_members, 3 * hidden + 1), dtype=np.float32)
        joined[:, :, -1] = 1.0
        update = np.empty((n_nodes, n_members, hidden + 1), dtype=np.float32)
        update[:, :, -1] = 1.0
        for i in range(self.n_layers):
            pre = f"layers.{i}"
            joined[:, :, :hidden] = h
            _gather_sum(h, from_in, n_nodes, out=joined[:, :, hidden:2 * hidden])
            joined[:, :, 2 * hidden:3 * hidden] = np.take(_gather_sum(h, from_out, n_nodes),
                                                          out_order, axis=0)
            for m in range(n_members):
                np.matmul(joined[:, m], p[f"{pre}.mlp.0.w"][m], out=update[:, m, :hidden])
            np.maximum(update, zeros, out=update)  # the ones column stays 1
            new = np.empty_like(h)
            for m in range(n_members):
                np.matmul(update[:, m], p[f"{pre}.mlp.2.w"][m], out=new[:, m])
            np.maximum(new, zeros[:, :, :hidden], out=new)
            new += h
            h = _normalise(new)
            h *= p[f"{pre}.ln_w"]
            h += p[f"{pre}.ln_b"]
            pooled.append(_gather_sum(h, pooling, n_graphs))
        pooled_all = np.concatenate(pooled, axis=2)  # (G, M, (L + 1) H)
        out = np.empty((n_graphs, n_members, 2), dtype=np.float32)
        for m in range(n_members):
            z = pooled_all[:, m] @ p["head.0.w"][m]
            z += p["head.0.b"][m]
            np.maximum(z, 0.0, out=z)
            np.matmul(z, p["head.2.w"][m], out=out[:, m])
        out += p["head.2.b"]
        out = out[graph_id].transpose(1, 0, 2)  # (M, G, 2) in the graphs' order
        return out[..., 0], _softplus(out[..., 1]) + np.float32(MIN_VAR)

    def predict(self, graphs: Any, chunk_nodes: int = INFERENCE_NODES) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`forward` over a batch of graphs, in chunks of about ``chunk_nodes`` nodes.

        ``graphs``: a :class:`~graph_encodings.encodings.graph.GraphArrays`, or a PyG-style batch
        (``x``, ``edge_index``, ``batch``, ``num_graphs``; CPU torch tensors convert to arrays).
        """
        x, src, dst, graph, n_graphs = _graph_arrays(graphs)
        with blas_threads(INFERENCE_THREADS):
            return self._predict(x, src, dst, graph, n_graphs, chunk_nodes)

    def _predict(self, x: np.ndarray, src: np.ndarray, dst: np.ndarray, graph: np.ndarray,
                 n_graphs: int, chunk_nodes: int) -> tuple[np.ndarray, np.ndarray]:
        edge_graph = graph[src]
        if len(edge_graph) and bool((edge_graph[1:] < edge_graph[:-1]).any()):
            order = np.argsort(edge_graph, kind="stable")  # group the edges by graph
            src, dst, edge_graph = src[order], dst[order], edge_graph[order]
        node_start = np.searchsorted(graph, np.arange(n_graphs + 1))
        edge_start = np.searchsorted(edge_graph, np.arange(n_graphs + 1))
        chunk = max(1, chunk_nodes * n_graphs // max(1, len(graph)))
        means, variances = [np.zeros((self.n_members, 0), np.float32)], [np.zeros((self.n_members, 0), np.float32)]
        for g0 in range(0, n_graphs, chunk):
            g1 = min(g0 + chunk, n_graphs)
            v0, v1, e0, e1 = node_start[g0], node_start[g1], edge_start[g0], edge_start[g1]
            m, v = self.forward(x[v0:v1], src[e0:e1] - v0, dst[e0:e1] - v0, graph[v0:v1] - g0,
                                g1 - g0)
            means.append(m)
            variances.append(v)
        return np.concatenate(means, axis=1), np.concatenate(variances, axis=1)


def _by_falling_count(rows: np.ndarray, n_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """New ids for ``n_rows`` rows in order of falling count of ``rows`` entries (stable),
    and the count of each new id."""
    counts = np.bincount(rows, minlength=n_rows)
    order = np.argsort(-counts, kind="stable")
    new_id = np.empty_like(order)
    new_id[order] = np.arange(n_rows)
    return new_id, counts[order]


def _slots(rows: np.ndarray, items: np.ndarray, counts: np.ndarray) -> list[np.ndarray]:
    """Which ``items`` each row sums, slot by slot: entry ``k`` lists the ``k``-th item (in
    their order) of rows ``0 .. n_k - 1``, the rows with more than ``k`` items (``counts``,
    falling, gives each row's count)."""
    order = np.argsort(rows, kind="stable")
    sorted_rows = rows[order]
    slot = np.arange(len(rows)) - (np.cumsum(counts) - counts)[sorted_rows]
    n_slots = int(counts[0]) if len(counts) else 0
    table = np.zeros((n_slots, len(counts)), dtype=np.int64)
    table[slot, sorted_rows] = items[order]
    return [table[k, : np.count_nonzero(counts > k)] for k in range(n_slots)]


def _gather_sum(values: np.ndarray, slots: list[np.ndarray], n_rows: int,
                out: np.ndarray | None = None) -> np.ndarray:
    """``out[r] = sum_k values[slots[k][r]]`` for ``n_rows`` rows, summed slot by slot (entry
    ``k`` covers a prefix of the rows; rows it does not reach add nothing)."""
    if out is None:
        out = np.empty((n_rows, *values.shape[1:]), dtype=values.dtype)
    covered = len(slots[0]) if slots else 0
    if covered:
        out[:covered] = np.take(values, slots[0], axis=0)  # take: faster than fancy indexing
    out[covered:] = 0.0
    for s in slots[1:]:
        out[: len(s)] += np.take(values, s, axis=0)
    return out


_CONTROLLER: list[Any] = []


@contextmanager
def blas_threads(n: int) -> Iterator[None]:
    """Run the block with numpy's BLAS on ``n`` threads (threadpoolctl; unlimited without it)."""
    if not _CONTROLLER:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # pragma: no cover - installed with scikit-learn
            _CONTROLLER.append(None)
        else:
            _CONTROLLER.append(ThreadpoolController())
    if _CONTROLLER[0] is None:  # pragma: no cover
        yield
        return
    with _CONTROLLER[0].limit(limits=n, user_api="blas"):
        yield


def _graph_arrays(graphs: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    if hasattr(graphs, "src"):
        x, src, dst, graph = graphs.x, graphs.src, graphs.dst, graphs.batch
    else:
        x, (src, dst), graph = graphs.x, graphs.edge_index, graphs.batch
    graph = np.asarray(graph, dtype=np.int64)
    if len(graph) and bool((graph[1:] < graph[:-1]).any()):
        raise ValueError("graph batch: nodes must be sorted by graph (PyG batching)")
    return (np.asarray(x, dtype=np.float32), np.asarray(src, dtype=np.int64),
            np.asarray(dst, dtype=np.int64), graph, int(graphs.num_graphs))


def _normalise(h: np.ndarray, eps: float = LAYER_NORM_EPS) -> np.ndarray:
    """Layer normalisation without affine terms over the last axis of ``h``.

    Centred by one product with ``I - 1/H``; row sums by products with a column of ones (both
    faster than ``mean`` and broadcasting on short rows).
    """
    width = h.shape[-1]
    rows = h.reshape(-1, width)
    centred = rows @ (np.eye(width, dtype=h.dtype) - np.float32(1.0 / width))
    scale = np.square(centred) @ np.full(width, 1.0 / width, dtype=h.dtype)
    scale += np.float32(eps)
    np.sqrt(scale, out=scale)
    np.divide(np.float32(1.0), scale, out=scale)
    centred *= np.repeat(scale, width).reshape(centred.shape)
    return centred.reshape(h.shape)


def _softplus(v: np.ndarray) -> np.ndarray:
    """torch's ``softplus`` (beta 1): ``log(1 + exp(v))``, linear above the threshold."""
    return np.where(v > SOFTPLUS_THRESHOLD, v, np.log1p(np.exp(np.minimum(v, SOFTPLUS_THRESHOLD))))


def mixture_parts(means: np.ndarray, variances: np.ndarray,
                  loss: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mixture mean, total variance and its aleatoric part (the mean member variance head) of
    members' ``(M, n)`` means and variances; with ``loss="mse"`` the variance heads are untrained
    and only the member spread counts."""
    aleatoric = variances.mean(axis=0) if loss != "mse" else np.zeros(means.shape[1])
    return means.mean(axis=0), aleatoric + means.var(axis=0), aleatoric


def member_file_names(prefix: str, n_members: int) -> list[str]:
    """The files of a saved GIN ensemble, one per member (``GINRegressor.save`` writes them,
    :class:`GINMembers` reads them)."""
    return [f"{prefix}gin_{m}.pt" for m in range(n_members)]


class StackedPredictions:
    """The predictions of a GIN ensemble from its :class:`StackedGIN`, shared by the trained
    (``GINRegressor``) and the loaded (:class:`GINMembers`) form; they supply ``_stacked_gin``."""

    loss: str

    def _stacked_gin(self) -> StackedGIN:
        raise NotImplementedError

    def member_predictions(self, graphs: Any) -> tuple[np.ndarray, np.ndarray]:
        """Means and variances of every member, each of shape ``(n_members, n)`` (float64), from
        one batched numpy pass on ``graphs`` (a ``GraphArrays`` or a ``GraphBatch``)."""
        means, variances = self._stacked_gin().predict(graphs)
        return means.astype(np.float64), variances.astype(np.float64)

    def predict(self, graphs: Any) -> tuple[np.ndarray, np.ndarray]:
        """Mixture mean and variance (mean member variance + variance of member means).

        With ``loss="mse"`` the variance heads are untrained and only the member spread counts.
        """
        mean, var, _ = self.predict_parts(graphs)
        return mean, var

    def predict_parts(self, graphs: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Mixture mean, total variance and its aleatoric part (the mean member variance head)."""
        return mixture_parts(*self.member_predictions(graphs), self.loss)


@dataclass
class GINMembers(StackedPredictions):
    """A saved GIN ensemble read back for inference: the members' parameters, no torch.

    ``load`` reads the ``gin_<m>.pt`` files that ``GINRegressor.save`` wrote; ``save`` writes
    the same bytes again. The methods are those of a fitted ``GINRegressor`` that predict.
    """

    hidden: int
    n_layers: int
    n_members: int
    loss: str
    in_dim_: int = 0
    files_: dict[str, bytes] = field(default_factory=dict, repr=False)
    stacked_: StackedGIN | None = field(default=None, repr=False)

    def file_names(self, prefix: str) -> list[str]:
        return member_file_names(prefix, self.n_members)

    def load(self, folder: Path, in_dim: int, prefix: str = "") -> GINMembers:
        """Read the members from ``folder`` (shapes checked against the hyper-parameters)."""
        expected = parameter_shapes(in_dim, self.hidden, self.n_layers)
        states = []
        for name in self.file_names(prefix):
            path = Path(folder) / name
            state = read_state_dict(path)
            shapes = {k: v.shape for k, v in state.items()}
            if shapes != expected:
                raise ArtifactError(
                    f"{path}: member parameters do not match hidden={self.hidden}, "
                    f"n_layers={self.n_layers}, in_dim={in_dim}: {_shape_difference(shapes, expected)}")
            states.append(state)
            self.files_[name] = path.read_bytes()
        self.in_dim_ = in_dim
        self.stacked_ = StackedGIN.from_state_dicts(states, self.n_layers)
        return self

    def save(self, folder: Path, prefix: str = "") -> None:
        for name, data in zip(self.file_names(prefix), self.files_.values(), strict=True):
            (Path(folder) / name).write_bytes(data)

    def _stacked_gin(self) -> StackedGIN:
        if self.stacked_ is None:
            raise ValueError("GINMembers: nothing loaded")
        return self.stacked_


def _shape_difference(got: dict[str, tuple[int, ...]], expected: dict[str, tuple[int, ...]]) -> str:
    missing = sorted(set(expected) - set(got))
    extra = sorted(set(got) - set(expected))
    wrong = [f"{k} {got[k]} (expected {expected[k]})" for k in expected if k in got and got[k] != expected[k]]
    parts = ([f"missing {missing}"] if missing else []) + ([f"unexpected {extra}"] if extra else []) + wrong
    return "; ".join(parts)
