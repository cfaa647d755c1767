"""The DARTS evaluation network built from a genotype, for every network family.

As DARTS' ``NetworkCIFAR`` (no auxiliary head): a stem convolution to ``stem_multiplier * C``
channels, ``layers`` cells, each reading the outputs of the two previous cells, then the
family's head. Point families put reduction cells (stride 2 on the ops reading the cell inputs,
channels doubled) at ``layers // 3`` and ``2 * layers // 3``. The dense family, as NB360 adapted
DARTS for dense prediction, uses only normal cells at full resolution with ``C`` channels
throughout (the genotype's reduce cell is unused).
"""

from __future__ import annotations

import torch
from torch import nn

from graph_encodings.spaces.darts import CONCAT, N_EDGES, DartsArch
from training_data.networks.families import Family
from training_data.networks.primitives import (
    DARTS_OP_BUILDERS,
    Dim,
    FactorizedReduce,
    ReLUConvBN,
    drop_path,
    make_op,
)


class DartsCell(nn.Module):
    """One cell: two preprocessed inputs, four intermediate nodes (two ops each), concatenated."""

    def __init__(
        self,
        dim: Dim,
        cell: tuple[tuple[str, int], ...],
        c_prev_prev: int,
        c_prev: int,
        c: int,
        reduction: bool,
        reduction_prev: bool,
    ) -> None:
        super().__init__()
        self.reduction = reduction
        self.preprocess0: nn.Module = (
            FactorizedReduce(dim, c_prev_prev, c)
            if reduction_prev
            else ReLUConvBN(dim, c_prev_prev, c, 1)
        )
        self.preprocess1 = ReLUConvBN(dim, c_prev, c, 1)
        if len(cell) != N_EDGES:
            raise ValueError(
                f"a DARTS cell has {N_EDGES} (op, input) pairs, got {len(cell)}: {cell!r}"
            )
        self.inputs: tuple[int, ...] = tuple(int(i) for _, i in cell)
        for position, source in enumerate(self.inputs):
            node = position // 2 + 2
            if not 0 <= source < node:
                raise ValueError(
                    f"pair {position} of cell {cell!r} reads node {source}, but node {node} "
                    f"may only read nodes 0..{node - 1}"
                )
        self.ops = nn.ModuleList(
            make_op(DARTS_OP_BUILDERS, name, dim, c, 2 if reduction and source < 2 else 1)
            for name, source in cell
        )
        self.out_channels = len(CONCAT) * c

    def forward(self, s0: torch.Tensor, s1: torch.Tensor, drop_prob: float = 0.0) -> torch.Tensor:
        states = [self.preprocess0(s0), self.preprocess1(s1)]
        for node in range(len(self.ops) // 2):
            total = 0
            for position in (2 * node, 2 * node + 1):
                op = self.ops[position]
                h = op(states[self.inputs[position]])
                if self.training and not isinstance(op, nn.Identity):
                    h = drop_path(h, drop_prob)
                total = total + h
            states.append(total)
        return torch.cat([states[i] for i in CONCAT], dim=1)


class DartsNetwork(nn.Module):
    """A DARTS genotype as a trainable network for one :class:`Family`.

    ``drop_path_prob`` is a plain attribute so a training loop can schedule it per epoch.
    """

    def __init__(
        self,
        arch: DartsArch,
        family: Family,
        in_channels: int,
        n_outputs: int,
        C: int,
        layers: int,
        stem_multiplier: int = 3,
        drop_path_prob: float = 0.0,
    ) -> None:
        super().__init__()
        dim = family.dim
        self.drop_path_prob = drop_path_prob
        c_stem = stem_multiplier * C
        self.stem = nn.Sequential(
            dim.conv(in_channels, c_stem, 3, padding=1, bias=False), dim.batch_norm(c_stem)
        )
        reductions = set() if family.dense else {layers // 3, 2 * layers // 3}
        c_prev_prev, c_prev, c = c_stem, c_stem, C
        reduction_prev = False
        self.cells = nn.ModuleList()
        for i in range(layers):
            reduction = i in reductions
            if reduction:
                c *= 2
            cell = DartsCell(
                dim,
                arch.reduce if reduction else arch.normal,
                c_prev_prev,
                c_prev,
                c,
                reduction,
                reduction_prev,
            )
            self.cells.append(cell)
            reduction_prev = reduction
            c_prev_prev, c_prev = c_prev, cell.out_channels
        self.head = family.head(c_prev, n_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s0 = s1 = self.stem(x)
        for cell in self.cells:
            s0, s1 = s1, cell(s0, s1, self.drop_path_prob)
        return self.head(s1)
