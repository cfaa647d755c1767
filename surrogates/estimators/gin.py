"""A Graph Isomorphism Network (GIN) regressor in plain torch, and its deep ensemble.

Cells are small, so graphs are padded to dense adjacency tensors once and every layer is two
batched matrix products. Layers sum messages along edges in both directions (in- and
out-neighbours kept apart), update nodes with an MLP (Xu et al., 2019), sum-pool every layer's
node states per graph (jumping knowledge) and map them through an MLP head to a mean and a
variance. Members are trained with the Gaussian negative log-likelihood (``loss="nll"``), the
beta-NLL (``"beta_nll"``, beta 0.5) or the squared error (``loss="mse"``, the variance head then
unused); members differ by seed (initialisation and mini-batch order). ``rank_weight`` > 0 adds
a pairwise ranking term on the means (RankNet's logistic loss over every pair of a mini-batch),
weighted by it.

Training runs in torch; predictions run in numpy (:mod:`surrogates.estimators.gin_numpy`, which
also reads saved members without torch).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from surrogates.estimators.gin_numpy import (
    MIN_VAR,
    StackedGIN,
    StackedPredictions,
    check_hyper_parameters,
    member_file_names,
)

BETA = 0.5  # beta-NLL (Seitzer et al., 2022): NLL weighted by stop-grad(var ** BETA)
RANK_SCALE = 5.0  # the ranking term's logits: mean differences (standardised targets) times this


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


def pairwise_rank_loss(mean: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """RankNet's logistic loss over the pairs of a batch whose targets differ: ``softplus(-s (m_i -
    m_j))`` with ``s`` the sign of ``y_i - y_j``, the mean differences scaled by :data:`RANK_SCALE`."""
    order = torch.sign(y.unsqueeze(1) - y.unsqueeze(0))
    pairs = order != 0
    if not bool(pairs.any()):
        return mean.sum() * 0.0
    logits = RANK_SCALE * (mean.unsqueeze(1) - mean.unsqueeze(0)) * order
    return nn.functional.softplus(-logits)[pairs].mean()


# Training on the CPU runs on one torch thread: its per-batch ops are tiny, and on a shared 2-core
# machine with the other core busy, 2 threads took 68 s for 10 epochs of one member on 1,000 NB201
# archs against 2 s on 1 (the notebooks' default ensemble ran past nbclient's 15-minute cell timeout).
TRAINING_THREADS = 1


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


def resolve_device(device: str) -> torch.device:
    """``"auto"`` -> CUDA when available, else CPU; otherwise ``torch.device(device)``."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        return torch.device(device)
    except RuntimeError as err:
        raise ValueError(f"invalid device {device!r}; use 'cpu', 'cuda', 'cuda:N' or 'auto'") from err


@dataclass
class GINRegressor(StackedPredictions):
    """A deep ensemble of GINs; ``predict`` gives the mixture mean and variance."""

    hidden: int = 64
    n_layers: int = 3
    n_members: int = 5
    epochs: int = 100
    batch_size: int = 128
    lr: float = 2e-3
    weight_decay: float = 1e-4
    loss: str = "beta_nll"
    rank_weight: float = 0.0
    seed: int = 0
    device: str = "cpu"

    def __post_init__(self) -> None:
        check_hyper_parameters(asdict(self))

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
                if self.rank_weight > 0:
                    loss = loss + self.rank_weight * pairwise_rank_loss(mean, y[ids])
                opt.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(net.parameters(), 5.0)
                opt.step()
                sched.step()
        net.eval()
        return net.cpu()

    def _stacked_gin(self) -> StackedGIN:
        """The members as one :class:`StackedGIN`, rebuilt when the nets change (a new fit)."""
        stacked = getattr(self, "_stacked", None)
        if stacked is None or stacked[0] is not self.nets_:
            states = [{k: v.detach().cpu().numpy() for k, v in net.state_dict().items()}
                      for net in self.nets_]
            stacked = (self.nets_, StackedGIN.from_state_dicts(states, self.n_layers))
            self._stacked = stacked
        return stacked[1]

    # -- files --------------------------------------------------------------------------------
    def file_names(self, prefix: str) -> list[str]:
        return member_file_names(prefix, self.n_members)

    def save(self, folder: Path, prefix: str = "") -> None:
        """Write each member's state dict (read back by :class:`~surrogates.estimators.gin_numpy.GINMembers`)."""
        for net, name in zip(self.nets_, self.file_names(prefix), strict=True):
            torch.save(net.state_dict(), folder / name)
