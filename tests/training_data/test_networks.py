"""Network builders: every task family x space builds, trains, and has the right shapes and sizes."""

from __future__ import annotations

import math
import random

import pytest
import torch
from torch import nn

from graph_encodings import get_space
from graph_encodings.spaces import darts
from graph_encodings.spaces.darts import DARTS_OPS, DartsArch
from graph_encodings.spaces.nb201 import NB201_OPS, NB201Arch
from training_data.networks import (
    DartsNetwork,
    NB201Cell,
    build_network,
    count_flops,
    count_params,
    get_family,
    list_families,
    network_summary,
)
from training_data.networks.primitives import (
    DARTS_OP_BUILDERS,
    DIMS,
    NB201_OP_BUILDERS,
    FactorizedReduce,
    ResNetBasicBlock,
    drop_path,
    get_dim,
    make_op,
)

torch.set_num_threads(1)

# DESIGN.md section 2: task -> (family, input shape, output shape). Point tasks output (n_outputs,).
TASKS: dict[str, tuple[str, tuple[int, ...], tuple[int, ...]]] = {
    "cifar100": ("point2d", (3, 32, 32), (100,)),
    "spherical": ("point2d", (3, 60, 60), (100,)),
    "ninapro": ("point2d", (1, 16, 52), (18,)),
    "fsd50k": ("point2d", (1, 96, 101), (200,)),
    "darcyflow": ("dense2d", (3, 85, 85), (1, 85, 85)),
    "psicov": ("dense2d", (57, 128, 128), (1, 128, 128)),
    "cosmic": ("dense2d", (1, 128, 128), (1, 128, 128)),
    "ecg": ("point1d", (1, 1000), (4,)),
    "satellite": ("point1d", (1, 46), (24,)),
    "deepsea": ("point1d", (4, 1000), (36,)),
}
SPACES = ("darts", "nb201")
TINY = {"darts": {"C": 4, "layers": 3}, "nb201": {"C": 4, "layers": 1}}


def random_darts(rng: random.Random, ops: tuple[str, ...] = DARTS_OPS) -> DartsArch:
    """A DARTS genotype with random ops; node k+2 reads two distinct nodes among 0..k+1."""

    def cell() -> tuple[tuple[str, int], ...]:
        pairs = []
        for node in range(2, 6):
            for source in rng.sample(range(node), 2):
                pairs.append((rng.choice(ops), source))
        return tuple(pairs)

    return DartsArch(normal=cell(), reduce=cell())


def random_nb201(rng: random.Random, ops: tuple[str, ...] = NB201_OPS) -> NB201Arch:
    return NB201Arch(tuple(rng.choice(ops) for _ in range(6)))


def random_arch(space: str, seed: int) -> DartsArch | NB201Arch:
    rng = random.Random(seed)
    return random_darts(rng) if space == "darts" else random_nb201(rng)


def build_tiny(arch: DartsArch | NB201Arch, task: str, C: int | None = None, **kwargs) -> nn.Module:
    family, in_shape, out_shape = TASKS[task]
    space = "darts" if isinstance(arch, DartsArch) else "nb201"
    settings = {**TINY[space], **({"C": C} if C else {}), **kwargs}
    return build_network(arch, family, in_shape[0], out_shape[0], seed=0, **settings)


def unused_preprocessors(net: nn.Module) -> set[str]:
    """Names of DARTS preprocessors whose cell input no op reads (they get no gradient)."""
    unused = set()
    if isinstance(net, DartsNetwork):
        for i, cell in enumerate(net.cells):
            for node in (0, 1):
                if node not in cell.inputs:
                    unused.add(f"cells.{i}.preprocess{node}.")
    return unused


# -- every task x space x architecture -----------------------------------------------------------
@pytest.mark.parametrize("arch_seed", [0, 1])
@pytest.mark.parametrize("space", SPACES)
@pytest.mark.parametrize("task", list(TASKS))
def test_forward_backward_on_true_task_shapes(task: str, space: str, arch_seed: int) -> None:
    family, in_shape, out_shape = TASKS[task]
    arch = random_arch(space, arch_seed)
    net = build_tiny(arch, task)
    batch = 1 if task == "psicov" else 2
    x = torch.randn(batch, *in_shape, generator=torch.Generator().manual_seed(arch_seed))

    out = net(x)
    expected = (batch, out_shape[0]) if len(out_shape) == 1 else (batch, *out_shape)
    assert tuple(out.shape) == expected
    assert torch.isfinite(out).all()

    out.square().mean().backward()
    skip = unused_preprocessors(net)
    for name, p in net.named_parameters():
        if any(name.startswith(prefix) for prefix in skip):
            assert p.grad is None, name
            continue
        assert p.grad is not None, f"no gradient reaches {name}"
        assert torch.isfinite(p.grad).all(), name
        if space == "darts":  # no zero ops in DARTS: every used parameter gets a signal
            assert p.grad.abs().sum() > 0, f"zero gradient at {name}"
    head_grads = [p.grad for p in net.head.parameters()]
    assert all(g is not None and g.abs().sum() > 0 for g in head_grads)


@pytest.mark.parametrize("space", SPACES)
@pytest.mark.parametrize("task", list(TASKS))
def test_params_and_flops_positive_and_grow_with_channels(task: str, space: str) -> None:
    arch = random_arch(space, 3)
    in_shape = TASKS[task][1]
    small = network_summary(build_tiny(arch, task, C=4), in_shape)
    big = network_summary(build_tiny(arch, task, C=8), in_shape)
    assert set(small) == {"params", "flops"}
    assert 0 < small["params"] < big["params"]
    assert 0 < small["flops"] < big["flops"]


# -- special architectures -----------------------------------------------------------------------
@pytest.mark.parametrize("task", ["cifar100", "darcyflow", "satellite"])
@pytest.mark.parametrize("space", SPACES)
def test_parameter_free_cells_build_and_train_one_step(space: str, task: str) -> None:
    rng = random.Random(5)
    if space == "darts":
        arch = random_darts(rng, ops=("skip_connect", "max_pool_3x3", "avg_pool_3x3"))
    else:
        arch = NB201Arch(
            ("skip_connect", "none", "avg_pool_3x3", "none", "skip_connect", "avg_pool_3x3")
        )
    net = build_tiny(arch, task)
    _, in_shape, out_shape = TASKS[task]
    x = torch.randn(4, *in_shape, generator=torch.Generator().manual_seed(0))
    target = torch.randn(4, *out_shape, generator=torch.Generator().manual_seed(1))
    before = [p.detach().clone() for p in net.parameters()]
    optimiser = torch.optim.SGD(net.parameters(), lr=0.1)
    loss = (net(x) - target).square().mean()
    loss.backward()
    optimiser.step()
    assert torch.isfinite(loss)
    changed = [
        not torch.equal(a, b.detach()) for a, b in zip(before, net.parameters(), strict=True)
    ]
    assert any(changed)
    assert torch.isfinite(net(x)).all()


def test_all_none_nb201_cell_still_builds_and_runs() -> None:
    net = build_tiny(NB201Arch(("none",) * 6), "cifar100")
    out = net(torch.randn(2, 3, 32, 32))
    assert out.shape == (2, 100) and torch.isfinite(out).all()


# -- layout: reductions, channels, resolutions ---------------------------------------------------
def cell_output_shapes(net: nn.Module, cells: list[nn.Module], x: torch.Tensor) -> list[tuple]:
    shapes: list[tuple] = []
    hooks = [
        c.register_forward_hook(lambda m, i, o: shapes.append(tuple(o.shape[1:]))) for c in cells
    ]
    net(x)
    for h in hooks:
        h.remove()
    return shapes


@pytest.mark.parametrize(
    ("task", "expected"),
    [  # cells 0 (normal), 1 and 2 (reductions at 3 // 3 and 2 * 3 // 3); C = 4: 4 nodes x C
        ("spherical", [(16, 60, 60), (32, 30, 30), (64, 15, 15)]),
        ("fsd50k", [(16, 96, 101), (32, 48, 51), (64, 24, 26)]),  # odd sizes round up
        ("satellite", [(16, 46), (32, 23), (64, 12)]),
        ("darcyflow", [(16, 85, 85)] * 3),  # dense: no reduction, no channel doubling
    ],
)
def test_darts_reduction_cells_halve_resolution_and_double_channels(task: str, expected) -> None:
    net = build_tiny(random_arch("darts", 0), task)
    assert [cell.reduction for cell in net.cells] == [e != expected[0] for e in expected]
    x = torch.randn(2, *TASKS[task][1])
    assert cell_output_shapes(net, list(net.cells), x) == expected


def test_darts_reductions_sit_at_a_third_and_two_thirds() -> None:
    net = build_tiny(random_arch("darts", 0), "cifar100", layers=8)
    assert [i for i, cell in enumerate(net.cells) if cell.reduction] == [8 // 3, 2 * 8 // 3]


@pytest.mark.parametrize(
    ("task", "expected_blocks", "expected_cells"),
    [
        ("ninapro", [(8, 8, 26), (16, 4, 13)], [(4, 16, 52), (8, 8, 26), (16, 4, 13)]),
        ("satellite", [(8, 23), (16, 12)], [(4, 46), (8, 23), (16, 12)]),
        ("cosmic", [], [(4, 128, 128)] * 3),  # dense: no reduction blocks
    ],
)
def test_nb201_stages(task: str, expected_blocks, expected_cells) -> None:
    net = build_tiny(random_arch("nb201", 0), task)
    x = torch.randn(2, *TASKS[task][1])
    blocks = [m for m in net.modules() if isinstance(m, ResNetBasicBlock)]
    cells = [m for m in net.modules() if isinstance(m, NB201Cell)]
    assert cell_output_shapes(net, blocks, x) == expected_blocks
    assert cell_output_shapes(net, cells, x) == expected_cells


# -- reference networks: published sizes ---------------------------------------------------------
DARTS_V2 = DartsArch(
    normal=(
        ("sep_conv_3x3", 0),
        ("sep_conv_3x3", 1),
        ("sep_conv_3x3", 0),
        ("sep_conv_3x3", 1),
        ("sep_conv_3x3", 1),
        ("skip_connect", 0),
        ("skip_connect", 0),
        ("dil_conv_3x3", 2),
    ),
    reduce=(
        ("max_pool_3x3", 0),
        ("max_pool_3x3", 1),
        ("skip_connect", 2),
        ("max_pool_3x3", 1),
        ("max_pool_3x3", 0),
        ("skip_connect", 2),
        ("skip_connect", 2),
        ("max_pool_3x3", 1),
    ),
)


def test_darts_v2_text_parses_to_the_published_cells() -> None:
    assert get_space("darts").parse(darts.DARTS_V2) == DARTS_V2


def test_darts_v2_cifar10_matches_published_size() -> None:
    # DARTS' own CIFAR-10 evaluation log (C=36, 20 cells, auxiliary head excluded) prints
    # "param size = 3.349342MB"; DARTS-V2 is tabulated at about 528M multiply-adds.
    net = build_network(DARTS_V2, "point2d", 3, 10, C=36, layers=20)
    assert count_params(net) == 3_349_342
    assert count_flops(net, (3, 32, 32)) / 2 == pytest.approx(528e6, rel=0.005)


@pytest.mark.parametrize(
    ("op", "params", "macs"),
    # NB201's CIFAR-10 table (C=16, N=5): largest network 1.531546 MB params and 220.11 M FLOPs
    # (NB201 counts multiply-adds), smallest (all none) 0.073306 MB and 7.78 M.
    [("nor_conv_3x3", 1_531_546, 220.11e6), ("none", 73_306, 7.78e6)],
)
def test_nb201_cifar10_matches_published_size(op: str, params: int, macs: float) -> None:
    net = build_network(NB201Arch((op,) * 6), "point2d", 3, 10, C=16, layers=5)
    assert count_params(net) == params
    assert count_flops(net, (3, 32, 32)) / 2 == pytest.approx(macs, rel=0.002)


# -- counting, by hand ---------------------------------------------------------------------------
def test_count_params_and_flops_by_hand() -> None:
    conv = nn.Conv2d(3, 8, 3, padding=1)
    assert count_params(conv) == 8 * 3 * 3 * 3 + 8
    assert count_flops(conv, (3, 10, 10)) == 2 * (8 * 10 * 10) * (3 * 3 * 3)
    depthwise = nn.Conv1d(6, 6, 5, padding=2, groups=6, bias=False)
    assert count_flops(depthwise, (6, 20)) == 2 * 6 * 20 * 5
    linear = nn.Linear(5, 7)
    linear.bias.requires_grad_(False)  # frozen parameters are not counted
    assert count_params(linear) == 35
    assert count_flops(linear, (5,)) == 2 * 35


def test_count_flops_restores_training_mode() -> None:
    net = build_tiny(random_arch("darts", 0), "satellite")
    net.train()
    count_flops(net, (1, 46))
    assert net.training
    net.eval()
    count_flops(net, (1, 46))
    assert not net.training


# -- determinism ---------------------------------------------------------------------------------
@pytest.mark.parametrize("space", SPACES)
def test_same_seed_same_initial_weights(space: str) -> None:
    arch = random_arch(space, 0)
    state = torch.get_rng_state()
    a = build_network(arch, "point1d", 1, 4, C=4, layers=2, seed=7).state_dict()
    assert torch.equal(torch.get_rng_state(), state), "a seeded build must not move the global RNG"
    b = build_network(arch, "point1d", 1, 4, C=4, layers=2, seed=7).state_dict()
    c = build_network(arch, "point1d", 1, 4, C=4, layers=2, seed=8).state_dict()
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not all(torch.equal(a[k], c[k]) for k in a)


# -- drop path -----------------------------------------------------------------------------------
def test_drop_path_drops_whole_samples_and_rescales() -> None:
    torch.manual_seed(0)
    x = torch.rand(64, 3, 5) + 1.0
    y = drop_path(x, 0.25)
    kept = (y != 0).flatten(1).all(1)
    dropped = (y == 0).flatten(1).all(1)
    assert bool((kept | dropped).all()) and 0 < int(kept.sum()) < 64
    assert torch.allclose(y[kept], x[kept] / 0.75)
    assert drop_path(x, 0.0) is x


def test_drop_path_only_in_training() -> None:
    arch = random_arch("darts", 2)
    net = build_tiny(arch, "cifar100", drop_path_prob=0.5)
    assert net.drop_path_prob == 0.5
    x = torch.randn(2, 3, 32, 32)
    net.eval()
    with_drop = net(x)
    net.drop_path_prob = 0.0
    assert torch.equal(with_drop, net(x))
    net.train()
    torch.manual_seed(0)
    no_drop = net(x)
    net.drop_path_prob = 0.5
    torch.manual_seed(0)
    assert not torch.equal(no_drop, net(x))


# -- primitives ----------------------------------------------------------------------------------
def test_op_tables_cover_the_spaces() -> None:
    assert set(DARTS_OP_BUILDERS) == set(DARTS_OPS)
    assert set(NB201_OP_BUILDERS) == set(NB201_OPS)


@pytest.mark.parametrize("n_dims", sorted(DIMS))
@pytest.mark.parametrize("op", DARTS_OPS)
def test_darts_ops_keep_or_halve_the_resolution(op: str, n_dims: int) -> None:
    dim = get_dim(n_dims)
    for size in (10, 11):
        x = torch.randn(2, 4, *[size] * n_dims)
        assert make_op(DARTS_OP_BUILDERS, op, dim, 4, 1)(x).shape == x.shape
        half = math.ceil(size / 2)
        assert make_op(DARTS_OP_BUILDERS, op, dim, 4, 2)(x).shape == (2, 4, *[half] * n_dims)


def test_factorized_reduce_is_dartss_on_even_sizes() -> None:
    torch.manual_seed(0)
    fr = FactorizedReduce(get_dim(2), 3, 6).eval()
    x = torch.randn(2, 3, 8, 6)
    r = torch.relu(x)
    reference = fr.bn(torch.cat([fr.conv_1(r), fr.conv_2(r[:, :, 1:, 1:])], dim=1))
    assert torch.allclose(fr(x), reference)


# -- bad input -----------------------------------------------------------------------------------
GOOD = {"family": "point2d", "in_channels": 3, "n_outputs": 10, "C": 4, "layers": 3}


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"family": "point3d"}, r"'point3d'.*point2d.*dense2d.*point1d"),
        ({"C": 0}, r"C must be a positive integer, got 0"),
        ({"layers": -1}, r"layers .* got -1"),
        ({"C": True}, r"C .* got True"),
        ({"in_channels": "3"}, r"in_channels .* got '3'"),
        ({"n_outputs": 2.0}, r"n_outputs .* got 2.0"),
        ({"drop_path_prob": 1.0}, r"drop_path_prob .*\[0, 1\).* got 1.0"),
        ({"stem_multiplier": 0}, r"stem_multiplier .* got 0"),
    ],
)
def test_bad_settings_raise_value_error(change: dict, match: str) -> None:
    kwargs = {**GOOD, **change}
    family, in_channels, n_outputs = (
        kwargs.pop("family"),
        kwargs.pop("in_channels"),
        kwargs.pop("n_outputs"),
    )
    with pytest.raises(ValueError, match=match):
        build_network(random_arch("darts", 0), family, in_channels, n_outputs, **kwargs)


def test_bad_architectures_raise() -> None:
    arch = random_arch("darts", 0)
    bad_op = DartsArch(normal=(("conv_7x7", 0),) + arch.normal[1:], reduce=arch.reduce)
    with pytest.raises(ValueError, match=r"'conv_7x7'.*valid.*sep_conv_3x3"):
        build_network(bad_op, "point2d", 3, 10, C=4, layers=3)
    bad_input = DartsArch(
        normal=arch.normal[:2] + (("skip_connect", 3),) + arch.normal[3:], reduce=arch.reduce
    )
    with pytest.raises(ValueError, match=r"reads node 3.*0\.\.2"):
        build_network(bad_input, "point2d", 3, 10, C=4, layers=3)
    with pytest.raises(ValueError, match=r"8 \(op, input\) pairs, got 7"):
        build_network(DartsArch(arch.normal[:7], arch.reduce), "point2d", 3, 10, C=4, layers=3)
    with pytest.raises(ValueError, match=r"6 ops .* got 5"):
        build_network(NB201Arch(("none",) * 5), "point2d", 3, 10, C=4, layers=1)
    with pytest.raises(ValueError, match=r"'conv_9x9'.*valid.*nor_conv_3x3"):
        build_network(NB201Arch(("conv_9x9",) * 6), "point2d", 3, 10, C=4, layers=1)
    with pytest.raises(TypeError, match=r"str.*DartsArch, NB201Arch"):
        build_network("|none~0|", "point2d", 3, 10, C=4, layers=1)


def test_nb201_rejects_darts_only_settings() -> None:
    arch = random_arch("nb201", 0)
    with pytest.raises(ValueError, match=r"stem_multiplier must be None or 1, got 3"):
        build_network(arch, "point2d", 3, 10, C=4, layers=1, stem_multiplier=3)
    with pytest.raises(ValueError, match=r"drop_path_prob must be 0, got 0.2"):
        build_network(arch, "point2d", 3, 10, C=4, layers=1, drop_path_prob=0.2)


def test_other_bad_inputs() -> None:
    with pytest.raises(ValueError, match=r"'hex'.*valid"):
        get_family("hex")
    assert list_families() == ["point2d", "dense2d", "point1d"]
    with pytest.raises(ValueError, match=r"dimensions 3.*\[1, 2\]"):
        get_dim(3)
    with pytest.raises(ValueError, match=r"even number of output channels, got 5"):
        FactorizedReduce(get_dim(1), 4, 5)
    with pytest.raises(ValueError, match=r"input_shape .* got \(3, 0, 32\)"):
        count_flops(nn.Conv2d(3, 3, 1), (3, 0, 32))
    with pytest.raises(ValueError, match=r"input_shape .* got \(\)"):
        count_flops(nn.Conv2d(3, 3, 1), ())


@pytest.mark.parametrize("space", SPACES)
def test_archs_sampled_by_the_space_build(space: str) -> None:
    for arch in get_space(space).sample_many(3, rng=0):
        for task in ("ninapro", "darcyflow", "satellite"):
            _, in_shape, out_shape = TASKS[task]
            out = build_tiny(arch, task)(torch.randn(2, *in_shape))
            assert out.shape[1] == out_shape[0] and torch.isfinite(out).all()
