"""The NAS-Bench-201 network built from a cell, for every network family.

As NB201's ``TinyNetwork``: a 3-wide stem convolution to ``C`` channels with batch norm, three
stages of ``cells_per_stage`` cells, a BN-ReLU, then the family's head. Point families put a
stride-2 residual block between stages (channels C, 2C, 4C). The dense family, as NB360 used the
NB201 space for Darcy Flow, has no reduction blocks: ``3 * cells_per_stage`` cells at full
resolution with ``C`` channels, then a per-pixel head.
"""

from __future__ import annotations

import torch
from torch import nn

from graph_encodings.spaces.nb201 import NB201_EDGES, NB201Arch
from training_data.networks.families import Family
from training_data.networks.primitives import (
    NB201_OP_BUILDERS,
    Dim,
    ResNetBasicBlock,
    make_op,
)

N_STAGES = 3


class NB201Cell(nn.Module):
    """Nodes 0..3; node ``i`` is the sum of the ops on the edges ``(i, j)``, ``j < i``."""

    def __init__(self, dim: Dim, arch: NB201Arch, c: int) -> None:
        super().__init__()
        if len(arch.ops) != len(NB201_EDGES):
            raise ValueError(
                f"an NB201 cell has {len(NB201_EDGES)} ops (one per edge), got {len(arch.ops)}: "
                f"{arch.ops!r}"
            )
        self.ops = nn.ModuleList(make_op(NB201_OP_BUILDERS, name, dim, c, 1) for name in arch.ops)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nodes = [x]
        for target in range(1, 4):
            nodes.append(
                sum(
                    op(nodes[source])
                    for op, (t, source) in zip(self.ops, NB201_EDGES, strict=True)
                    if t == target
                )
            )
        return nodes[-1]


class NB201Network(nn.Module):
    """An NB201 cell as a trainable network for one :class:`Family`."""

    def __init__(
        self,
        arch: NB201Arch,
        family: Family,
        in_channels: int,
        n_outputs: int,
        C: int,
        cells_per_stage: int,
    ) -> None:
        super().__init__()
        dim = family.dim
        self.stem = nn.Sequential(
            dim.conv(in_channels, C, 3, padding=1, bias=False), dim.batch_norm(C)
        )
        blocks: list[nn.Module] = []
        c = C
        for stage in range(N_STAGES):
            if stage > 0 and not family.dense:
                blocks.append(ResNetBasicBlock(dim, c, 2 * c, stride=2))
                c *= 2
            blocks.extend(NB201Cell(dim, arch, c) for _ in range(cells_per_stage))
        self.cells = nn.Sequential(*blocks)
        self.lastact = nn.Sequential(dim.batch_norm(c), nn.ReLU(inplace=False))
        self.head = family.head(c, n_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.lastact(self.cells(self.stem(x))))
