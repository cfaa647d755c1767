"""A Graph Isomorphism Network (GIN) regressor in plain torch, and its deep ensemble.

Cells are small, so graphs are padded to dense adjacency tensors once and every layer is two
batched matrix products. Layers sum messages along edges in both directions (in- and
out-neighbours kept apart), update nodes with an MLP (Xu et al., 2019), sum-pool every layer's
node states per graph (jumping knowledge) and map them through an MLP head to a mean and a
variance. Members are trained with the Gaussian negative log-likelihood (``loss="nll"``), the
beta-NLL (``"beta_nll"``, beta 0.5) or the squared error (``loss="mse"``, the variance head then
unused); members differ by seed (initialisation and mini-batch order).
"""
from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

LOSSES = ("nll", "beta_nll", "mse")
BETA = 0.5  # beta-NLL (Seitzer et al., 2022): NLL weighted by stop-grad(var ** BETA)
MIN_VAR = 1e-4  # variance floor on the standardised scale


@dataclass(frozen=True)
class DenseGraphs:
    """A batch of graphs padded to a common node count (GIN inputs; cells are small).

    ``x`` (G, N, F) node features, ``adj`` (G, N, N) with ``adj[g, dst, src] = 1`` per edge,
    ``mask`` (G, N) 1 for real nodes.
    """

    x: torch.Tensor
    adj: torch.Tensor
    mask: torch.Tensor

    @classmethod
    def from_batch(cls, batch: Any) -> DenseGraphs:
        """From any object with ``x``, ``edge_index``, ``batch`` and ``num_graphs`` tensors."""
        x = batch.x.float().cpu()
        edge_index = batch.edge_index.long().cpu()
        graph = batch.batch.long().cpu()
        n_graphs = int(batch.num_graphs)
        counts = torch.bincount(graph, minlength=n_graphs)
        order = torch.argsort(graph, stable=True)
        rank = torch.empty_like(order)
        rank[order] = torch.arange(len(order))
        starts = torch.cumsum(counts, 0) - counts
        pos = rank - starts[graph]  # position of each node inside its graph
        n_max = int(counts.max()) if n_graphs else 0
        dense_x = torch.zeros(n_graphs, n_max, x.shape[1])
        dense_x[graph, pos] = x
        adj = torch.zeros(n_graphs, n_max, n_max)
        src, dst = edge_index
        adj[graph[dst], pos[dst], pos[src]] = 1.0
        mask = torch.zeros(n_graphs, n_max)
        mask[graph, pos] = 1.0
        return cls(dense_x, adj, mask)

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def to(self, device: torch.device) -> DenseGraphs:
        return DenseGraphs(self.x.to(device), self.adj.to(device), self.mask.to(device))

    def select(self, ids: torch.Tensor | slice) -> DenseGraphs:
        return DenseGraphs(self.x[ids], self.adj[ids], self.mask[ids])


class _GINLayer(nn.Module):
    def __init__(self, hidden: int) -> None:
        super().__init__()
        self.eps = nn.Parameter(torch.zeros(1))
        self.mlp = nn.Sequential(nn.Linear(3 * hidden, hidden), nn.ReLU(), nn.Linear(hidden, hidden))
        self.norm = nn.LayerNorm(hidden)

    def forward(self, h: torch.Tensor, g: DenseGraphs) -> torch.Tensor:
        agg_in = torch.bmm(g.adj, h)  # sum over in-neighbours
        agg_out = torch.bmm(g.adj.transpose(1, 2), h)  # sum over out-neighbours
        update = self.mlp(torch.cat([(1 + self.eps) * h, agg_in, agg_out], dim=2))
        return self.norm(h + torch.relu(update)) * g.mask.unsqueeze(2)


class GINNet(nn.Module):
    """GIN encoder + sum pooling of every layer + MLP head -> (mean, variance)."""

    def __init__(self, in_dim: int, hidden: int, n_layers: int) -> None:
        super().__init__()
        self.embed = nn.Linear(in_dim, hidden)
        self.layers = nn.ModuleList(_GINLayer(hidden) for _ in range(n_layers))
        self.head = nn.Sequential(
            nn.Linear(hidden * (n_layers + 1), hidden), nn.ReLU(), nn.Linear(hidden, 2)
        )

    def forward(self, g: DenseGraphs) -> tuple[torch.Tensor, torch.Tensor]:
        h = torch.relu(self.embed(g.x)) * g.mask.unsqueeze(2)
        pooled = [h.sum(dim=1)]
        for layer in self.layers:
            h = layer(h, g)
            pooled.append(h.sum(dim=1))
        out = self.head(torch.cat(pooled, dim=1))
        return out[:, 0], nn.functional.softplus(out[:, 1]) + MIN_VAR


def _loss(kind: str, mean: torch.Tensor, var: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    err = (mean - y) ** 2
    if kind == "mse":
        return err.mean()
    nll = 0.5 * (torch.log(var) + err / var)
    if kind == "beta_nll":
        nll = nll * var.detach() ** BETA
    return nll.mean()


INFERENCE_NODES = 1500  # nodes per chunk of batched inference (cache-sized; measured)
# Inference runs on one torch thread: its ops are small and memory-bound, and on a shared 2-core
# machine 2 threads took 18 s per 10,000 NB201 archs against 0.5 s on 1 (benchmarks/bench_query.py).
INFERENCE_THREADS = 1
# Training on the CPU likewise: its per-batch ops are tiny, and on a shared 2-core machine with the
# other core busy, 2 threads took 68 s for 10 epochs of one member on 1,000 NB201 archs against 2 s
# on 1 (the notebooks' default ensemble ran past nbclient's 15-minute cell timeout).
TRAINING_THREADS = 1
LAYER_NORM_EPS = 1e-5  # nn.LayerNorm's default, which GINLayer uses


@contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Run the block on ``n`` torch threads (None: leave the setting), then restore the old count."""
    before = torch.get_num_threads()
    if n is not None:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@dataclass(frozen=True)
class StackedGIN:
    """Every member of a GIN ensemble evaluated in one pass, on the unpadded graphs.

    Hidden states are ``(M, nodes, hidden)``; per-member layers are batched matrix products
    (``baddbmm``) and message passing and pooling are sparse matrix products (CSR), so padding
    nodes cost nothing. Equal to running each :class:`GINNet` alone, up to float32 rounding.
    """

    n_layers: int
    params: dict[str, torch.Tensor]

    @classmethod
    def from_nets(cls, nets: list[GINNet], n_layers: int) -> StackedGIN:
        states = [net.state_dict() for net in nets]
        p = {k: torch.stack([s[k] for s in states]).detach().float() for k in states[0]}
        out: dict[str, torch.Tensor] = {}
        for name in ["embed", "head.0", "head.2"] + [
            f"layers.{i}.mlp.{j}" for i in range(n_layers) for j in (0, 2)
        ]:
            out[f"{name}.w"] = p[f"{name}.weight"].transpose(1, 2).contiguous()  # (M, in, out)
            out[f"{name}.b"] = p[f"{name}.bias"].unsqueeze(1)  # (M, 1, out)
        for i in range(n_layers):
            pre = f"layers.{i}"
            out[f"{pre}.ln_w"] = p[f"{pre}.norm.weight"].unsqueeze(1)
            out[f"{pre}.ln_b"] = p[f"{pre}.norm.bias"].unsqueeze(1)
            w0 = out.pop(f"{pre}.mlp.0.w")  # (M, 3H, H): self, in-, out-neighbour blocks
            hidden = w0.shape[2]
            # (M, H, 3H): the self, in- and out-neighbour blocks side by side, so that one
            # product gives every term a node sends (1 + eps folded into the self block)
            w_self = (1 + p[f"{pre}.eps"].reshape(-1, 1, 1)) * w0[:, :hidden]
            blocks = [w_self, w0[:, hidden : 2 * hidden], w0[:, 2 * hidden :]]
            out[f"{pre}.w_sent"] = torch.cat(blocks, dim=2).contiguous()
        return cls(n_layers, out)

    def forward(self, x: torch.Tensor, src: torch.Tensor, dst: torch.Tensor, graph: torch.Tensor,
                n_graphs: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Means and variances ``(M, n_graphs)`` of nodes ``x`` (sorted by graph), edges ``src -> dst``.

        States are ``(M, V, H)`` and never transposed. A layer multiplies each node's state by
        its self, in- and out-neighbour weights in one product, ``(M, V, 3H)``, seen flat as
        ``(3 M V, H)``; one sparse matrix (block diagonal over members) then sums, for each
        node, its own self term, its in-neighbours' in-terms and its out-neighbours' out-terms
        (``A (h W) == (A h) W``). Pooling is a sparse product too.
        """
        p = self.params
        n_members = p["embed.w"].shape[0]
        n_nodes = x.shape[0]
        nodes = torch.arange(n_nodes)
        # row: receiving node; column: 3 * sending node + term (0 self, 1 in, 2 out)
        messages = _block_csr(torch.cat([nodes, dst, src]),
                              torch.cat([3 * nodes, 3 * src + 1, 3 * dst + 2]),
                              n_nodes, 3 * n_nodes, n_members)
        pooling = _block_csr(graph, nodes, n_graphs, n_nodes, n_members)
        flat = n_members * n_nodes

        def pool(h: torch.Tensor) -> torch.Tensor:
            return torch.sparse.mm(pooling, h.view(flat, -1)).view(n_members, n_graphs, -1)

        h = torch.relu(torch.baddbmm(p["embed.b"], x.expand(n_members, *x.shape), p["embed.w"]))
        hidden = h.shape[2]
        pooled = [pool(h)]
        for i in range(self.n_layers):
            pre = f"layers.{i}"
            sent = torch.bmm(h, p[f"{pre}.w_sent"]).view(3 * flat, hidden)
            update = torch.sparse.mm(messages, sent).view(n_members, n_nodes, hidden)
            update.add_(p[f"{pre}.mlp.0.b"]).relu_()
            update = torch.baddbmm(p[f"{pre}.mlp.2.b"], update, p[f"{pre}.mlp.2.w"]).relu_()
            h = torch.addcmul(p[f"{pre}.ln_b"], _normalise(update.add_(h)), p[f"{pre}.ln_w"])
            pooled.append(pool(h))
        z = torch.relu(torch.baddbmm(p["head.0.b"], torch.cat(pooled, dim=2), p["head.0.w"]))
        out = torch.baddbmm(p["head.2.b"], z, p["head.2.w"])
        return out[..., 0], nn.functional.softplus(out[..., 1]) + MIN_VAR

    def predict(self, batch: Any, chunk_nodes: int = INFERENCE_NODES) -> tuple[torch.Tensor, torch.Tensor]:
        """:meth:`forward` over a PyG-style batch (``x``, ``edge_index``, ``batch``, ``num_graphs``),
        in chunks of about ``chunk_nodes`` nodes."""
        x = batch.x.float().cpu()
        src, dst = batch.edge_index.long().cpu()
        graph = batch.batch.long().cpu()
        n_graphs = int(batch.num_graphs)
        edge_graph = graph[src]
        if len(edge_graph) and bool((edge_graph[1:] < edge_graph[:-1]).any()):
            order = torch.argsort(edge_graph, stable=True)  # group the edges by graph
            src, dst, edge_graph = src[order], dst[order], edge_graph[order]
        node_start = _starts(graph, n_graphs)
        edge_start = _starts(edge_graph, n_graphs)
        chunk = max(1, chunk_nodes * n_graphs // max(1, len(graph)))
        means, variances = [], []
        for g0 in range(0, n_graphs, chunk):
            g1 = min(g0 + chunk, n_graphs)
            v0, v1 = node_start[g0], node_start[g1]
            e0, e1 = edge_start[g0], edge_start[g1]
            m, v = self.forward(x[v0:v1], src[e0:e1] - v0, dst[e0:e1] - v0, graph[v0:v1] - g0, g1 - g0)
            means.append(m)
            variances.append(v)
        return torch.cat(means, 1), torch.cat(variances, 1)


def _block_csr(rows: torch.Tensor, cols: torch.Tensor, n_rows: int, n_cols: int,
               n_blocks: int) -> torch.Tensor:
    """CSR matrix of ``n_blocks`` diagonal copies of the ``(n_rows, n_cols)`` 0/1 matrix with
    ones at ``(rows, cols)`` (repeated entries add up in products)."""
    order = torch.argsort(rows, stable=True)
    counts = torch.bincount(rows, minlength=n_rows)
    nnz = len(rows)
    block = torch.arange(n_blocks).unsqueeze(1)
    crow = (torch.cumsum(counts, 0).unsqueeze(0) + block * nnz).flatten()
    crow = torch.cat([crow.new_zeros(1), crow])
    col = (cols[order].unsqueeze(0) + block * n_cols).flatten()
    with warnings.catch_warnings():  # "sparse CSR support is in beta"
        warnings.simplefilter("ignore", UserWarning)
        return torch.sparse_csr_tensor(crow, col, torch.ones(len(col)),
                                       (n_blocks * n_rows, n_blocks * n_cols), check_invariants=False)


def _normalise(h: torch.Tensor, eps: float = LAYER_NORM_EPS) -> torch.Tensor:
    """Layer normalisation without affine terms over the last axis (in place on ``h``).

    Written out: on small rows it is about twice as fast as ``layer_norm`` (measured).
    """
    h.sub_(h.mean(dim=-1, keepdim=True))
    return h.mul_(torch.rsqrt(h.square().mean(dim=-1, keepdim=True).add_(eps)))


def _starts(graph_of: torch.Tensor, n_graphs: int) -> list[int]:
    """Where each graph's run starts in ``graph_of`` (sorted graph ids), plus the total length."""
    counts = torch.bincount(graph_of, minlength=n_graphs)
    return [0, *torch.cumsum(counts, 0).tolist()]


def resolve_device(device: str) -> torch.device:
    """``"auto"`` -> CUDA when available, else CPU; otherwise ``torch.device(device)``."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        return torch.device(device)
    except RuntimeError as err:
        raise ValueError(f"invalid device {device!r}; use 'cpu', 'cuda', 'cuda:N' or 'auto'") from err


@dataclass
class GINRegressor:
    """A deep ensemble of GINs; ``predict`` gives the mixture mean and variance."""

    hidden: int = 64
    n_layers: int = 3
    n_members: int = 5
    epochs: int = 100
    batch_size: int = 128
    lr: float = 2e-3
    weight_decay: float = 1e-4
    loss: str = "beta_nll"
    seed: int = 0
    device: str = "cpu"

    def __post_init__(self) -> None:
        if self.loss not in LOSSES:
            raise ValueError(f"unknown GIN loss {self.loss!r}; valid: {', '.join(LOSSES)}")
        if self.n_members < 1 or self.epochs < 1 or self.batch_size < 1:
            raise ValueError(
                f"n_members, epochs and batch_size must be >= 1, got "
                f"{self.n_members}, {self.epochs}, {self.batch_size}"
            )

    def _new_net(self, in_dim: int, member: int) -> GINNet:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed * 1000 + member)
            return GINNet(in_dim, self.hidden, self.n_layers)

    def fit(self, graphs: Any, y: np.ndarray) -> GINRegressor:
        """Train every member on ``graphs`` (a batch of ``len(y)`` graphs) and targets ``y``."""
        device = resolve_device(self.device)
        g = DenseGraphs.from_batch(graphs).to(device)
        target = torch.as_tensor(np.asarray(y), dtype=torch.float32, device=device)
        self.in_dim_ = int(g.x.shape[2])
        with torch_threads(TRAINING_THREADS if device.type == "cpu" else None):
            self.nets_ = [self._train_member(g, target, m, device) for m in range(self.n_members)]
        return self

    def _train_member(self, g: DenseGraphs, y: torch.Tensor, member: int, device: torch.device) -> GINNet:
        net = self._new_net(self.in_dim_, member).to(device)
        opt = torch.optim.AdamW(net.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        n = len(g)
        steps_per_epoch = max(1, -(-n // self.batch_size))
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, self.epochs * steps_per_epoch)
        gen = torch.Generator().manual_seed(self.seed * 1000 + member)
        net.train()
        for _ in range(self.epochs):
            order = torch.randperm(n, generator=gen).to(device)
            for start in range(0, n, self.batch_size):
                ids = order[start:start + self.batch_size]
                mean, var = net(g.select(ids))
                loss = _loss(self.loss, mean, var, y[ids])
                opt.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(net.parameters(), 5.0)
                opt.step()
                sched.step()
        net.eval()
        return net.cpu()

    def member_predictions(self, graphs: Any) -> tuple[np.ndarray, np.ndarray]:
        """Means and variances of every member, each of shape ``(n_members, n)``.

        All members run in one batched pass (:class:`StackedGIN`).
        """
        stacked = getattr(self, "_stacked", None)
        if stacked is None or stacked[0] is not self.nets_:
            stacked = (self.nets_, StackedGIN.from_nets(self.nets_, self.n_layers))
            self._stacked = stacked
        with torch_threads(INFERENCE_THREADS), torch.inference_mode():
            means, variances = stacked[1].predict(graphs)
        return means.double().numpy(), variances.double().numpy()

    def predict(self, graphs: Any) -> tuple[np.ndarray, np.ndarray]:
        """Mixture mean and variance (mean member variance + variance of member means).

        With ``loss="mse"`` the variance heads are untrained and only the member spread counts.
        """
        mean, var, _ = self.predict_parts(graphs)
        return mean, var

    def predict_parts(self, graphs: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Mixture mean, total variance and its aleatoric part (the mean member variance head)."""
        means, variances = self.member_predictions(graphs)
        aleatoric = variances.mean(axis=0) if self.loss != "mse" else np.zeros(means.shape[1])
        return means.mean(axis=0), aleatoric + means.var(axis=0), aleatoric

    # -- files --------------------------------------------------------------------------------
    def file_names(self, prefix: str) -> list[str]:
        return [f"{prefix}gin_{m}.pt" for m in range(self.n_members)]

    def save(self, folder: Path, prefix: str = "") -> None:
        """Write each member's state dict (loaded back with ``weights_only=True``)."""
        for net, name in zip(self.nets_, self.file_names(prefix), strict=True):
            torch.save(net.state_dict(), folder / name)

    def load(self, folder: Path, in_dim: int, prefix: str = "") -> GINRegressor:
        """Read the members written by :meth:`save`."""
        self.in_dim_ = in_dim
        self.nets_ = []
        for m, name in enumerate(self.file_names(prefix)):
            net = self._new_net(in_dim, m)
            net.load_state_dict(torch.load(folder / name, weights_only=True, map_location="cpu"))
            net.eval()
            self.nets_.append(net)
        return self
