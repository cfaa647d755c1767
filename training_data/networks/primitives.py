"""Operation primitives of the DARTS and NB201 cells, one implementation for 1D and 2D inputs.

Every op takes a :class:`Dim` (the torch layer classes of 1 or 2 spatial dimensions), so the
DARTS primitives of NB301 (2D) and NB360's 1D adaptation (Conv1d / BatchNorm1d / 1D pools, the
same kernel sizes, paddings and dilations) are the same code.

Layout follows DARTS' ``operations.py`` (eval network, ``affine=True``):
``sep_conv_kxk`` = two stacked ReLU - depthwise conv - pointwise conv - BN blocks (the first one
strided); ``dil_conv_kxk`` = one such block with dilation 2; pools are 3-wide with padding 1
(average pool with ``count_include_pad=False``; :mod:`.pooling` computes them fast on the CPU,
bitwise equal to torch's); ``skip_connect`` is the identity, or
:class:`FactorizedReduce` when strided.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from training_data.networks.pooling import AvgPool, MaxPool


@dataclass(frozen=True)
class Dim:
    """The torch layer classes for inputs with ``n`` spatial dimensions."""

    n: int
    conv: type[nn.Module]
    batch_norm: type[nn.Module]
    avg_pool: type[nn.Module]
    global_avg_pool: type[nn.Module]


DIMS: dict[int, Dim] = {
    1: Dim(1, nn.Conv1d, nn.BatchNorm1d, nn.AvgPool1d, nn.AdaptiveAvgPool1d),
    2: Dim(2, nn.Conv2d, nn.BatchNorm2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d),
}


def get_dim(n: int) -> Dim:
    """The layer classes for ``n`` spatial dimensions (1 or 2)."""
    if n not in DIMS:
        raise ValueError(f"unsupported number of spatial dimensions {n!r}; valid: {sorted(DIMS)}")
    return DIMS[n]


class ReLUConvBN(nn.Sequential):
    """ReLU, convolution (no bias), batch norm."""

    def __init__(
        self, dim: Dim, c_in: int, c_out: int, kernel_size: int, stride: int = 1, padding: int = 0
    ) -> None:
        super().__init__(
            nn.ReLU(inplace=False),
            dim.conv(c_in, c_out, kernel_size, stride=stride, padding=padding, bias=False),
            dim.batch_norm(c_out),
        )


class DilConv(nn.Sequential):
    """ReLU, depthwise (optionally dilated) convolution, pointwise convolution, batch norm."""

    def __init__(
        self,
        dim: Dim,
        c_in: int,
        c_out: int,
        kernel_size: int,
        stride: int,
        padding: int,
        dilation: int = 1,
    ) -> None:
        super().__init__(
            nn.ReLU(inplace=False),
            dim.conv(
                c_in,
                c_in,
                kernel_size,
                stride=stride,
                padding=padding,
                dilation=dilation,
                groups=c_in,
                bias=False,
            ),
            dim.conv(c_in, c_out, 1, bias=False),
            dim.batch_norm(c_out),
        )


class SepConv(nn.Sequential):
    """DARTS' separable convolution: two stacked :class:`DilConv` blocks with dilation 1."""

    def __init__(
        self, dim: Dim, c_in: int, c_out: int, kernel_size: int, stride: int, padding: int
    ) -> None:
        super().__init__(
            DilConv(dim, c_in, c_in, kernel_size, stride, padding),
            DilConv(dim, c_in, c_out, kernel_size, 1, padding),
        )


class FactorizedReduce(nn.Module):
    """Halve the resolution with two 1-wide stride-2 convolutions on offset grids, concatenated.

    As DARTS, the second convolution sees the input shifted by one position in every spatial
    dimension. The shifted input is zero-padded by one at the end (as NB201's implementation
    does), so both branches give ``ceil(L / 2)`` positions also for odd lengths (FSD50K's 101
    frames, Satellite's 23 steps after one reduction); for even lengths this is exactly DARTS.
    """

    def __init__(self, dim: Dim, c_in: int, c_out: int) -> None:
        super().__init__()
        if c_out % 2:
            raise ValueError(
                f"FactorizedReduce needs an even number of output channels, got {c_out}"
            )
        self.spatial_dims = dim.n
        self.relu = nn.ReLU(inplace=False)
        self.conv_1 = dim.conv(c_in, c_out // 2, 1, stride=2, bias=False)
        self.conv_2 = dim.conv(c_in, c_out // 2, 1, stride=2, bias=False)
        self.bn = dim.batch_norm(c_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(x)
        shifted = F.pad(x, (0, 1) * self.spatial_dims)[(..., *[slice(1, None)] * self.spatial_dims)]
        return self.bn(torch.cat([self.conv_1(x), self.conv_2(shifted)], dim=1))


class Zero(nn.Module):
    """NB201's ``none``: the all-zero output of the input's shape (keeps the graph connected)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mul(0.0)


OpBuilder = Callable[[Dim, int, int], nn.Module]


def _pool(kind: str) -> OpBuilder:
    def build(dim: Dim, c: int, stride: int) -> nn.Module:  # 1D or 2D alike: see pooling
        return MaxPool(stride) if kind == "max" else AvgPool(stride)

    return build


def _skip(dim: Dim, c: int, stride: int) -> nn.Module:
    return nn.Identity() if stride == 1 else FactorizedReduce(dim, c, c)


def _sep(kernel_size: int) -> OpBuilder:
    return lambda dim, c, stride: SepConv(dim, c, c, kernel_size, stride, kernel_size // 2)


def _dil(kernel_size: int) -> OpBuilder:
    padding = 2 * (kernel_size // 2)  # dilation 2 keeps the length: 3 -> pad 2, 5 -> pad 4
    return lambda dim, c, stride: DilConv(dim, c, c, kernel_size, stride, padding, dilation=2)


# name -> builder(dim, channels, stride); names are graph_encodings.spaces.darts.DARTS_OPS.
DARTS_OP_BUILDERS: dict[str, OpBuilder] = {
    "max_pool_3x3": _pool("max"),
    "avg_pool_3x3": _pool("avg"),
    "skip_connect": _skip,
    "sep_conv_3x3": _sep(3),
    "sep_conv_5x5": _sep(5),
    "dil_conv_3x3": _dil(3),
    "dil_conv_5x5": _dil(5),
}

# name -> builder(dim, channels, stride=1); names are graph_encodings.spaces.nb201.NB201_OPS.
NB201_OP_BUILDERS: dict[str, OpBuilder] = {
    "none": lambda dim, c, stride: Zero(),
    "skip_connect": lambda dim, c, stride: nn.Identity(),
    "nor_conv_1x1": lambda dim, c, stride: ReLUConvBN(dim, c, c, 1, stride, 0),
    "nor_conv_3x3": lambda dim, c, stride: ReLUConvBN(dim, c, c, 3, stride, 1),
    "avg_pool_3x3": _pool("avg"),
}


def make_op(builders: dict[str, OpBuilder], name: str, dim: Dim, c: int, stride: int) -> nn.Module:
    """The op ``name`` from ``builders`` on ``c`` channels; ``ValueError`` for an unknown name."""
    if name not in builders:
        raise ValueError(f"unknown operation {name!r}; valid: {sorted(builders)}")
    return builders[name](dim, c, stride)


class ResNetBasicBlock(nn.Module):
    """NB201's residual block between stages: two 3-wide ReLU-conv-BN, shortcut pool + 1x1 conv.

    The shortcut's 2-wide average pool uses ``ceil_mode`` so that odd lengths give the same
    ``ceil(L / 2)`` as the strided convolution (identical to NB201 for even lengths).
    """

    def __init__(self, dim: Dim, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.conv_a = ReLUConvBN(dim, c_in, c_out, 3, stride, 1)
        self.conv_b = ReLUConvBN(dim, c_out, c_out, 3, 1, 1)
        if stride == 2:
            self.shortcut: nn.Module = nn.Sequential(
                dim.avg_pool(2, stride=2, ceil_mode=True),
                dim.conv(c_in, c_out, 1, bias=False),
            )
        elif c_in != c_out:
            self.shortcut = ReLUConvBN(dim, c_in, c_out, 1)
        else:
            self.shortcut = nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.shortcut(x) + self.conv_b(self.conv_a(x))


def drop_path(x: torch.Tensor, drop_prob: float) -> torch.Tensor:
    """Zero whole samples with probability ``drop_prob`` and rescale the rest (DARTS drop-path)."""
    if drop_prob <= 0.0:
        return x
    keep = 1.0 - drop_prob
    mask = torch.empty((x.shape[0],) + (1,) * (x.dim() - 1), device=x.device, dtype=x.dtype)
    return x / keep * mask.bernoulli_(keep)
