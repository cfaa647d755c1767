"""The cells' 3-wide pools (padding 1, stride 1 or 2), fast on a CPU thread and bitwise torch's.

On one CPU thread torch's pooling kernels are slow: a 3x3 max pool with gradients over Darcy's
8 x 12 x 85 x 85 cell input takes ~15 ms of CPU, and 1D pools with gradients go through the
same 2D kernel. Here (1.5-4.5x faster; ``python benchmarks/bench_pooling.py`` prints the
figures) the same floats come from whole-tensor ops over the 3 (1D) or 9 (2D) shifted views of the padded
input, done in the order of torch's CPU kernels:

- max: the output is the elementwise maximum (exact); the winner of each window is the first
  maximum in scan order (a NaN: the last NaN; a window whose in-bounds values are all ``-inf``:
  its first in-bounds element), as torch's kernel picks it. The backward is torch's own
  ``max_pool2d_with_indices_backward`` fed with those indices.
- average (``count_include_pad=False``): the window's sum in scan order divided by the number of
  in-bounds elements; the backward adds ``grad / count`` to each window element, visiting the
  windows in torch's order.

So records trained with torch's pools reproduce bit for bit (tested: values and gradients, ties,
NaN, ``-inf``, odd and even lengths, strides 1 and 2). Where they gain nothing (strided average
pools, small strided max pools), on other devices (CUDA) and for dtypes other than float32 and
float64, the modules call torch's pools.
"""

from __future__ import annotations

import copy
import functools
import itertools
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.autograd.function import once_differentiable

KERNEL = 3  # the pools of the DARTS and NB201 cells: 3 wide, padding 1
PADDING = 1
_FAST_DTYPES = (torch.float32, torch.float64)


class _Geometry:
    """A pool's 2D geometry (1D inputs are pooled as ``(N, C, 1, L)``, as torch does).

    Made once per input size and stride (:func:`_geometry`), with the small tensors that depend
    only on them (window origins, in-bounds counts) kept per device and dtype: they are read,
    never written.
    """

    def __init__(self, spatial: tuple[int, ...], stride: int) -> None:
        one_d = len(spatial) == 1
        self.one_d = one_d
        self.kernel = (1, KERNEL) if one_d else (KERNEL, KERNEL)
        self.padding = (0, PADDING) if one_d else (PADDING, PADDING)
        self.stride = (1, stride) if one_d else (stride, stride)
        self.size = (1, spatial[0]) if one_d else (spatial[0], spatial[1])
        self.out = tuple((n + 2 * p - k) // s + 1
                         for n, p, k, s in zip(self.size, self.padding, self.kernel, self.stride, strict=True))
        # window offsets (kh, kw) in torch's scan order: row by row
        self.offsets = list(itertools.product(range(self.kernel[0]), range(self.kernel[1])))
        self._constants: dict[tuple[str, torch.device, torch.dtype], torch.Tensor] = {}

    def _constant(self, name: str, device: torch.device, dtype: torch.dtype, make: Any) -> torch.Tensor:
        key = (name, device, dtype)
        if key not in self._constants:
            self._constants[key] = make()
        return self._constants[key]

    def pad(self, x: torch.Tensor, value: float) -> torch.Tensor:
        ph, pw = self.padding
        return F.pad(x, (pw, pw, ph, ph), value=value)

    def window(self, padded: torch.Tensor, offset: tuple[int, int]) -> torch.Tensor:
        """Element ``offset`` of every window: a strided view of the padded tensor."""
        (kh, kw), (sh, sw), (oh, ow) = offset, self.stride, self.out
        return padded[..., kh:kh + sh * (oh - 1) + 1:sh, kw:kw + sw * (ow - 1) + 1:sw]

    def in_bounds(self, offset: tuple[int, int], device: torch.device) -> torch.Tensor:
        """Which windows have element ``offset`` inside the unpadded input, shape ``out``."""
        ones = torch.ones((1, 1, *self.size), dtype=torch.bool, device=device)
        return self.window(self.pad(ones, False), offset)[0, 0]

    def window_origin(self, device: torch.device, dtype: torch.dtype = torch.int64) -> torch.Tensor:
        """Index within the input plane of each window's offset-(0, 0) element, shape ``out``."""
        def make() -> torch.Tensor:
            (sh, sw), (ph, pw), (oh, ow), width = self.stride, self.padding, self.out, self.size[1]
            rows = torch.arange(oh, device=device) * sh - ph
            cols = torch.arange(ow, device=device) * sw - pw
            return (rows[:, None] * width + cols[None, :]).to(dtype)
        return self._constant("origin", device, dtype, make)

    def window_count(self, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
        """The number of in-bounds elements of every window, shape ``(1, 1, *out)``."""
        def make() -> torch.Tensor:
            count = torch.zeros(self.out, dtype=dtype, device=device)
            for offset in self.offsets:
                count += self.in_bounds(offset, device)
            return count[None, None]
        return self._constant("count", device, dtype, make)

    def flat_index(self, which: torch.Tensor) -> torch.Tensor:
        """Index within the input plane (torch's max-pool indices) of each window's element
        ``offsets[which]``."""
        width = self.size[1]
        deltas = torch.tensor([kh * width + kw for kh, kw in self.offsets], device=which.device)
        return torch.take(deltas, which.long()) + self.window_origin(which.device)

    def to_2d(self, x: torch.Tensor) -> torch.Tensor:
        return x.unsqueeze(-2) if self.one_d else x

    def from_2d(self, x: torch.Tensor) -> torch.Tensor:
        return x.squeeze(-2) if self.one_d else x


def _window_max(geometry: _Geometry, padded: torch.Tensor) -> torch.Tensor:
    """Each window's maximum (NaN if it holds one): row maxima first, exact as max is."""
    (kh_size, kw_size), (sh, sw), (oh, ow) = geometry.kernel, geometry.stride, geometry.out
    if geometry.one_d:  # torch's 1D max pool without indices is fast, and max is exact
        with torch.no_grad():
            return F.max_pool1d(padded[:, :, 0], kw_size, sw).unsqueeze(-2)
    rows = functools.reduce(torch.maximum, (padded[..., :, kw:kw + sw * (ow - 1) + 1:sw] for kw in range(kw_size)))
    return functools.reduce(torch.maximum, (rows[..., kh:kh + sh * (oh - 1) + 1:sh, :] for kh in range(kh_size)))


def _winner_index(geometry: _Geometry, padded: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
    """torch's max-pool indices: each window's first element equal to its maximum, in scan order.

    Comparisons and uint8 sums only (``where``/``masked_fill`` cost ten times as much per
    element): ``which`` counts the window's leading elements that are not the maximum.
    """
    kh_size, kw_size = geometry.kernel
    which = torch.zeros(out.shape, dtype=torch.uint8, device=out.device)
    rows_passed = torch.zeros_like(which) if kh_size > 1 else None  # rows without the maximum
    no_match = None
    for offset in geometry.offsets[:-1]:
        differs = geometry.window(padded, offset) != out
        no_match = differs if no_match is None else no_match.logical_and_(differs)
        which.add_(no_match)
        if rows_passed is not None and offset[1] == kw_size - 1:  # the last element of a row
            rows_passed.add_(no_match)
    # offset (kh, kw) lies kh * width + kw after the window's origin: which + kh * (width - kw_size)
    index = geometry.window_origin(out.device, torch.int32) + which
    if rows_passed is not None:
        index.add_(rows_passed, alpha=geometry.size[1] - kw_size)
    return index.long()


def _winner_index_exact(geometry: _Geometry, padded: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
    """:func:`_winner_index` for windows with NaN or ``-inf`` maxima: torch's kernel lets every NaN
    win (the last one stays), and a window of ``-inf`` keeps its first in-bounds element."""
    last = len(geometry.offsets) - 1
    which = torch.full(out.shape, last, dtype=torch.uint8, device=out.device)
    for k in range(last, -1, -1):  # reverse scan order: the first match is written last
        offset = geometry.offsets[k]
        match = (geometry.window(padded, offset) == out) & geometry.in_bounds(offset, out.device)
        which.masked_fill_(match, k)
    for k, offset in enumerate(geometry.offsets):
        which.masked_fill_(torch.isnan(geometry.window(padded, offset)), k)
    return geometry.flat_index(which)


@functools.lru_cache(maxsize=256)
def _geometry(spatial: tuple[int, ...], stride: int) -> _Geometry:
    """The geometry of a pool over inputs of size ``spatial`` (cached: the cells reuse a few)."""
    return _Geometry(spatial, stride)


class _MaxPool(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, stride: int) -> torch.Tensor:
        geometry = _geometry(tuple(x.shape[2:]), stride)
        x2 = geometry.to_2d(x)
        padded = geometry.pad(x2, float("-inf"))
        out = _window_max(geometry, padded)
        lowest = out.min() if out.numel() else out.new_zeros(())
        ordinary = bool(lowest > float("-inf"))  # False for a NaN or -inf maximum
        indices = (_winner_index if ordinary else _winner_index_exact)(geometry, padded, out)
        ctx.save_for_backward(x2, indices)
        ctx.geometry = geometry
        return geometry.from_2d(out)

    @staticmethod
    @once_differentiable
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        x2, indices = ctx.saved_tensors
        g: _Geometry = ctx.geometry
        grad_in = torch.ops.aten.max_pool2d_with_indices_backward(
            g.to_2d(grad).contiguous(), x2, list(g.kernel), list(g.stride), list(g.padding), [1, 1], False,
            indices,
        )
        return g.from_2d(grad_in), None


class _AvgPool(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, stride: int) -> torch.Tensor:
        geometry = _geometry(tuple(x.shape[2:]), stride)
        padded = geometry.pad(geometry.to_2d(x), 0.0)
        total = torch.zeros((*x.shape[:2], *geometry.out), dtype=x.dtype, device=x.device)
        for offset in geometry.offsets:  # scan order; +0.0 for padding changes no sum
            total += geometry.window(padded, offset)
        count = geometry.window_count(x.device, x.dtype)
        ctx.save_for_backward(count)
        ctx.geometry, ctx.input_shape = geometry, x.shape
        return geometry.from_2d(total.div_(count))

    @staticmethod
    @once_differentiable
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        (count,) = ctx.saved_tensors
        g: _Geometry = ctx.geometry
        delta = g.to_2d(grad) / count
        n, c = ctx.input_shape[:2]
        (ph, pw), (h, w) = g.padding, g.size
        grad_padded = grad.new_zeros((n, c, h + 2 * ph, w + 2 * pw))
        for offset in reversed(g.offsets):  # torch visits windows row by row: reverse scan order
            g.window(grad_padded, offset).add_(delta)
        return g.from_2d(grad_padded[..., ph:ph + h, pw:pw + w]), None


def max_pool(x: torch.Tensor, stride: int) -> torch.Tensor:
    """This module's 3-wide max pool (padding 1) of a float CPU ``(N, C, L)`` or ``(N, C, H, W)``."""
    return _MaxPool.apply(x, stride)


def avg_pool(x: torch.Tensor, stride: int) -> torch.Tensor:
    """This module's 3-wide average pool (padding 1, ``count_include_pad=False``), as :func:`max_pool`."""
    return _AvgPool.apply(x, stride)


MAX_STRIDED_MIN_SIZE = 2048  # per sample; below it torch's strided max pool is as fast


def _ours(x: torch.Tensor, kind: str, stride: int) -> bool:
    """Whether this module's pool beats torch's here (measured: bench_pooling; the results are
    equal either way). Strided average pools and small strided max pools gain nothing."""
    if x.device.type != "cpu" or x.dtype not in _FAST_DTYPES or x.dim() not in (3, 4):
        return False
    return stride == 1 or (kind == "max" and x[0].numel() >= MAX_STRIDED_MIN_SIZE)


def torch_max_pool(x: torch.Tensor, stride: int) -> torch.Tensor:
    """torch's own 3-wide max pool (padding 1) of ``(N, C, L)`` or ``(N, C, H, W)``."""
    return (F.max_pool1d if x.dim() == 3 else F.max_pool2d)(x, KERNEL, stride, PADDING)


def torch_avg_pool(x: torch.Tensor, stride: int) -> torch.Tensor:
    """torch's own 3-wide average pool (padding 1, ``count_include_pad=False``)."""
    pool = F.avg_pool1d if x.dim() == 3 else F.avg_pool2d
    return pool(x, KERNEL, stride, PADDING, count_include_pad=False)


class _CellPool(nn.Module):
    """A cell's pool: this module's where it is faster, torch's elsewhere or with ``torch_only``
    (the numbers are the same)."""

    kind = ""

    def __init__(self, stride: int = 1, torch_only: bool = False) -> None:
        super().__init__()
        self.stride, self.torch_only = stride, torch_only

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        ours, theirs = _POOLS[self.kind]
        use_ours = not self.torch_only and _ours(x, self.kind, self.stride)
        return (ours if use_ours else theirs)(x, self.stride)

    def extra_repr(self) -> str:
        extra = ", count_include_pad=False" if self.kind == "avg" else ""
        return f"kernel_size={KERNEL}, stride={self.stride}, padding={PADDING}{extra}"


class MaxPool(_CellPool):
    """``nn.MaxPool{1,2}d(3, stride, padding=1)`` for ``(N, C, L)`` or ``(N, C, H, W)`` inputs."""

    kind = "max"


class AvgPool(_CellPool):
    """``nn.AvgPool{1,2}d(3, stride, padding=1, count_include_pad=False)``, 1D or 2D inputs."""

    kind = "avg"


_POOLS = {"max": (max_pool, torch_max_pool), "avg": (avg_pool, torch_avg_pool)}


def with_torch_pools(model: nn.Module) -> nn.Module:
    """A copy of ``model`` whose cell pools all call torch's (to compare speed or numbers)."""
    model = copy.deepcopy(model)
    for module in model.modules():
        if isinstance(module, _CellPool):
            module.torch_only = True
    return model
