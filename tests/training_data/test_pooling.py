"""The cells' fast CPU pools equal torch's bit for bit: values and gradients, in every corner."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from graph_encodings import get_space
from training_data.networks.build import build_network
from training_data.networks.pooling import (
    AvgPool,
    MaxPool,
    avg_pool,
    max_pool,
    torch_avg_pool,
    torch_max_pool,
    with_torch_pools,
)

SHAPES = [(4, 3, 17), (4, 3, 16), (2, 3, 1), (2, 1, 2), (5, 2, 9, 11), (5, 2, 10, 8), (2, 2, 1, 1), (3, 2, 2, 3)]


def torch_max(x: torch.Tensor, stride: int) -> torch.Tensor:
    """torch's max pool, called directly (not through the library's wrapper)."""
    return (F.max_pool1d if x.dim() == 3 else F.max_pool2d)(x, 3, stride, 1)


def torch_avg(x: torch.Tensor, stride: int) -> torch.Tensor:
    """torch's average pool, called directly."""
    return (F.avg_pool1d if x.dim() == 3 else F.avg_pool2d)(x, 3, stride, 1, count_include_pad=False)


def test_the_library_names_torchs_pools_right() -> None:
    x = torch.randn(3, 2, 9, 7)
    for stride in (1, 2):
        assert torch.equal(torch_max_pool(x, stride), torch_max(x, stride))
        assert torch.equal(torch_avg_pool(x, stride), torch_avg(x, stride))


def make_input(shape: tuple[int, ...], kind: str, dtype: torch.dtype, seed: int) -> torch.Tensor:
    """Random values, or few distinct values (many ties), with NaN or -inf sprinkled in."""
    g = torch.Generator().manual_seed(seed)
    if kind == "random":
        return torch.randn(shape, generator=g, dtype=dtype)
    x = torch.randint(-2, 3, shape, generator=g).to(dtype) * 0.5  # ties everywhere, and -0.0 / 0.0
    if kind == "nan":
        x[x == 1.0] = float("nan")
    elif kind == "neginf":
        x[x <= 0] = float("-inf")
    return x


def assert_bitwise(ours: torch.Tensor, theirs: torch.Tensor) -> None:
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    assert torch.equal(ours.isnan(), theirs.isnan())
    assert torch.equal(ours.nan_to_num(), theirs.nan_to_num()), (ours - theirs).abs().max()


def gradients(pool, x: torch.Tensor, stride: int, grad: torch.Tensor | None):
    """Output and input gradient of ``pool`` (a module, or a function of ``(x, stride)``)."""
    x = x.clone().requires_grad_()
    out = pool(x) if isinstance(pool, nn.Module) else pool(x, stride)
    out.backward(grad if grad is not None else torch.ones_like(out))
    return out.detach(), x.grad


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("kind", ["random", "ties", "nan", "neginf"])
@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("shape", SHAPES)
def test_max_pool_equals_torch(shape, stride, kind, dtype) -> None:
    x = make_input(shape, kind, dtype, seed=len(shape) * 10 + stride)
    reference_out, _ = gradients(torch_max, x, stride, None)
    grad = torch.randn(reference_out.shape, generator=torch.Generator().manual_seed(1), dtype=dtype)
    out, x_grad = gradients(max_pool, x, stride, grad)
    reference_out, reference_grad = gradients(torch_max, x, stride, grad)
    assert_bitwise(out, reference_out)
    assert_bitwise(x_grad, reference_grad)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("kind", ["random", "ties"])
@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("shape", SHAPES)
def test_avg_pool_equals_torch(shape, stride, kind, dtype) -> None:
    x = make_input(shape, kind, dtype, seed=len(shape) * 10 + stride)
    grad = torch.randn(torch_avg(x, stride).shape, generator=torch.Generator().manual_seed(1), dtype=dtype)
    out, x_grad = gradients(avg_pool, x, stride, grad)
    reference_out, reference_grad = gradients(torch_avg, x, stride, grad)
    assert_bitwise(out, reference_out)
    assert_bitwise(x_grad, reference_grad)


@pytest.mark.parametrize("pool, reference", [(MaxPool, torch_max), (AvgPool, torch_avg)])
def test_other_dtypes_use_torchs_pools(pool, reference) -> None:
    x = torch.randn(2, 3, 7, 5).to(torch.bfloat16)
    assert_bitwise(pool(2)(x), reference(x, 2))


def test_modules_at_a_cells_size_match_torch() -> None:
    """The modules (ours or torch's pool, whichever is faster at the size) on ReLU-like inputs
    (half zeros): ties between exact zeros everywhere."""
    x = torch.relu(torch.randn(8, 6, 40, 40, generator=torch.Generator().manual_seed(3)))
    for stride in (1, 2):
        grad = torch.randn(torch_max(x, stride).shape, generator=torch.Generator().manual_seed(4))
        for ours, theirs in ((MaxPool(stride), torch_max), (AvgPool(stride), torch_avg)):
            out, x_grad = gradients(ours, x, stride, grad)
            reference_out, reference_grad = gradients(theirs, x, stride, grad)
            assert_bitwise(out, reference_out)
            assert_bitwise(x_grad, reference_grad)


POOL_HEAVY = (
    "Genotype(normal=[('max_pool_3x3', 0), ('avg_pool_3x3', 1), ('max_pool_3x3', 2), ('sep_conv_3x3', 0), "
    "('avg_pool_3x3', 3), ('max_pool_3x3', 1), ('skip_connect', 4), ('avg_pool_3x3', 2)], normal_concat=[2, 3, 4, 5], "
    "reduce=[('max_pool_3x3', 0), ('avg_pool_3x3', 1), ('max_pool_3x3', 2), ('avg_pool_3x3', 0), "
    "('max_pool_3x3', 3), ('skip_connect', 2), ('avg_pool_3x3', 4), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])"
)


@pytest.mark.parametrize(
    "family, input_shape", [("point1d", (4, 60)), ("point2d", (3, 16, 16)), ("dense2d", (3, 15, 15))]
)
def test_darts_network_trains_identically_with_torchs_pools(family: str, input_shape) -> None:
    """Two SGD steps of a pool-heavy DARTS network: every parameter equal bit for bit."""
    arch = get_space("darts").parse(POOL_HEAVY)
    ours = build_network(arch, family, input_shape[0], 5, seed=0, C=4, layers=3)
    assert any(isinstance(m, MaxPool) for m in ours.modules())
    assert any(isinstance(m, AvgPool) for m in ours.modules())
    theirs = with_torch_pools(ours)
    x = torch.randn(6, *input_shape, generator=torch.Generator().manual_seed(0))
    for model in (ours, theirs):
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        for _ in range(2):
            optimizer.zero_grad()
            model(x).square().mean().backward()
            optimizer.step()
    for (name, a), (_, b) in zip(ours.state_dict().items(), theirs.state_dict().items(), strict=True):
        assert torch.equal(a, b), name
