"""Exact parameter and FLOP counts of the networks a protocol builds, vectorised over archs.

Every cell of a network applies the same genotype, and the channels and resolutions of every
cell do not depend on the genotype (DARTS concatenates all four intermediate nodes; NB201 cells
keep their width). So a network's trainable parameters and forward FLOPs are

    total(arch) = base + sum over op slots s of  weight[s, op of arch at s]

where ``base`` is everything outside the cells' op slots (stem, preprocessing, reduction
blocks, head) and ``weight[s, op]`` sums, over the cells of slot type ``s``, the cost of that op
at that cell's channels, stride and input resolution. Slot types: NB201 one (every edge of
every cell); DARTS ``normal``, ``reduce_strided`` (reduce-cell ops reading the cell inputs,
stride 2) and ``reduce`` (reduce-cell ops reading intermediate nodes). The per-op costs are
counted once per network layout by building the single ops with
:func:`training_data.networks.count_params` / ``count_flops`` at the shapes recorded in one
forward pass of a reference network; ``base`` is that network's count minus its op costs. The
result equals building each network and counting (tests check random archs of every family).

NB201 tables: NB360 trained the NB201 space with NB201's own network (``C = 16``, ``N = 5``
cells per stage), :data:`NB201_TABLE_SETTINGS`; its protocol ``nb360-nb201-200ep`` is an
imported table, not a registered protocol.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import graph_encodings
from graph_encodings.resolve import resolve_archs
from graph_encodings.spaces.darts import DARTS_OPS
from graph_encodings.spaces.nb201 import NB201_OPS

NB201_TABLE_PROTOCOL = "nb360-nb201-200ep"
NB201_TABLE_SETTINGS: dict[str, int] = {"C": 16, "layers": 5}  # NB201 TinyNetwork C=16, N=5
DARTS_SLOTS = ("normal", "reduce_strided", "reduce")


@dataclass(frozen=True)
class NetworkLayout:
    """What fixes a network's size besides the genotype: space, task shapes, width and depth."""

    space: str
    family: str
    input_shape: tuple[int, ...]
    n_outputs: int
    C: int
    layers: int
    stem_multiplier: int | None = None

    @classmethod
    def for_protocol(cls, task: str, space: str, protocol: str) -> NetworkLayout:
        """The layout ``training_data.evaluate`` builds for ``task`` under ``protocol``."""
        from training_data.evaluation import network_settings
        from training_data.protocols import get_protocol, network_family, network_io
        from training_data.tasks import get_task

        task_obj = get_task(task)
        sp = graph_encodings.get_space(space)
        if protocol == NB201_TABLE_PROTOCOL:
            if space != "nb201":
                raise ValueError(f"protocol {protocol!r} is an NB201 table; space must be 'nb201'")
            settings: dict[str, Any] = dict(NB201_TABLE_SETTINGS)
            input_shape, n_outputs = tuple(task_obj.input_shape), int(task_obj.n_outputs)
            family = task_obj.family
        else:
            proto = get_protocol(protocol)
            if proto.task != task:
                raise ValueError(f"protocol {protocol!r} is for task {proto.task!r}, not {task!r}")
            settings = network_settings(proto, sp)
            input_shape, n_outputs = network_io(proto, task_obj)
            family = network_family(proto, task_obj)
        return cls(space=sp.name, family=family, input_shape=input_shape,
                    n_outputs=n_outputs, C=int(settings["C"]),
                    layers=int(settings["layers"]), stem_multiplier=settings.get("stem_multiplier"))

    def build(self, arch: Any) -> Any:
        """The torch network of ``arch`` (as ``training_data.evaluate`` builds it)."""
        from training_data.networks import build_network

        extra = {} if self.stem_multiplier is None else {"stem_multiplier": self.stem_multiplier}
        return build_network(arch, self.family, self.input_shape[0], self.n_outputs, C=self.C,
                             layers=self.layers, **extra)


@dataclass(frozen=True)
class ComplexityTable:
    """``base`` and per-slot, per-op ``weights`` of params and FLOPs (module docstring)."""

    space: str
    base_params: int
    base_flops: int
    params: dict[str, list[int]] = field(default_factory=dict)  # slot -> one count per op
    flops: dict[str, list[int]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"space": self.space, "base_params": self.base_params, "base_flops": self.base_flops,
                "params": self.params, "flops": self.flops}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ComplexityTable:
        return cls(str(data["space"]), int(data["base_params"]), int(data["base_flops"]),
                   {k: [int(v) for v in vs] for k, vs in data["params"].items()},
                   {k: [int(v) for v in vs] for k, vs in data["flops"].items()})

    def counts(self, archs: Sequence[Any], validated: bool = False) -> dict[str, np.ndarray]:
        """Per slot, how often each op occurs in each arch: ``(n, n_ops)`` int arrays.

        ``validated=True``: ``archs`` are arch objects fresh from
        :func:`graph_encodings.resolve_archs` (not rechecked).
        """
        from graph_encodings.encodings.indices import darts_indices, nb201_indices

        if not validated:
            archs = resolve_archs(archs, self.space)[1]
        if self.space == "nb201":
            ops = nb201_indices(archs).ops.astype(np.int64)
            return {"cell": _bincount_rows(ops, len(NB201_OPS))}
        idx = darts_indices(archs)
        ops, inputs = idx.ops.astype(np.int64), idx.inputs
        n_ops = len(DARTS_OPS)
        strided = inputs[:, 1] < 2
        return {
            "normal": _bincount_rows(ops[:, 0], n_ops),
            "reduce_strided": _bincount_rows(np.where(strided, ops[:, 1], n_ops), n_ops + 1)[:, :n_ops],
            "reduce": _bincount_rows(np.where(~strided, ops[:, 1], n_ops), n_ops + 1)[:, :n_ops],
        }

    def evaluate(self, archs: Sequence[Any], validated: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Exact ``(params, flops)`` of every arch, int64 arrays (``validated``: see :meth:`counts`)."""
        counts = self.counts(archs, validated)
        n = len(next(iter(counts.values())))
        params = np.full(n, self.base_params, dtype=np.int64)
        flops = np.full(n, self.base_flops, dtype=np.int64)
        for slot, c in counts.items():
            params += c @ np.asarray(self.params[slot], dtype=np.int64)
            flops += c @ np.asarray(self.flops[slot], dtype=np.int64)
        return params, flops


def _bincount_rows(values: np.ndarray, n_bins: int) -> np.ndarray:
    """Row-wise bincount of a 2-D int array: ``(n, n_bins)``."""
    n = values.shape[0]
    flat = values + n_bins * np.arange(n)[:, None]
    return np.bincount(flat.ravel(), minlength=n * n_bins).reshape(n, n_bins)


def _cell_shapes(layout: NetworkLayout, net: Any) -> list[tuple[Any, tuple[int, ...], tuple[int, ...]]]:
    """Per cell: (cell module, input shape of its ops, output-resolution shape) from one forward."""
    import torch

    shapes: dict[int, list[tuple[int, ...]]] = {}
    hooks = []
    cells = [m for m in net.cells if hasattr(m, "ops")]  # NB201: skip the residual blocks
    for i, cell in enumerate(cells):
        pre = getattr(cell, "preprocess1", None)
        if pre is not None:  # DARTS: ops read the preprocessed inputs
            hooks.append(pre.register_forward_hook(
                lambda m, a, out, i=i: shapes.setdefault(i, []).append(tuple(out.shape[1:]))))
        else:  # NB201: ops read the cell input
            hooks.append(cell.register_forward_pre_hook(
                lambda m, a, i=i: shapes.setdefault(i, []).append(tuple(a[0].shape[1:]))))
        hooks.append(cell.register_forward_hook(
            lambda m, a, out, i=i: shapes.setdefault(i, []).append(tuple(out.shape[1:]))))
    try:
        net.eval()
        with torch.no_grad():
            net(torch.zeros((1, *layout.input_shape)))
    finally:
        for h in hooks:
            h.remove()
    return [(cell, shapes[i][0], shapes[i][1]) for i, cell in enumerate(cells)]


def complexity_table(layout: NetworkLayout) -> ComplexityTable:
    """Count the per-op costs of ``layout`` (builds one reference network and each op once)."""
    from training_data.networks import count_flops, count_params
    from training_data.networks.families import get_family
    from training_data.networks.primitives import DARTS_OP_BUILDERS, NB201_OP_BUILDERS, make_op

    space = graph_encodings.get_space(layout.space)
    dim = get_family(layout.family).dim
    reference = space.sample(np.random.default_rng(0))
    net = layout.build(reference)
    cache: dict[tuple[str, int, int, tuple[int, ...]], tuple[int, int]] = {}

    def cost(builders: dict[str, Any], op: str, stride: int, shape: tuple[int, ...]) -> tuple[int, int]:
        key = (op, shape[0], stride, shape)
        if key not in cache:
            module = make_op(builders, op, dim, shape[0], stride)
            cache[key] = (count_params(module), count_flops(module, shape))
        return cache[key]

    ops = NB201_OPS if layout.space == "nb201" else DARTS_OPS
    builders = NB201_OP_BUILDERS if layout.space == "nb201" else DARTS_OP_BUILDERS
    slots = ("cell",) if layout.space == "nb201" else DARTS_SLOTS
    params = {s: [0] * len(ops) for s in slots}
    flops = {s: [0] * len(ops) for s in slots}
    ref_params, ref_flops = 0, 0
    for cell, in_shape, out_shape in _cell_shapes(layout, net):
        if layout.space == "nb201":
            slot_shapes = {"cell": (1, in_shape)}
            kinds = ["cell"] * len(cell.ops)
            ref_ops = list(reference.ops)
        else:
            genotype = reference.reduce if cell.reduction else reference.normal
            ref_ops = [name for name, _ in genotype]
            if cell.reduction:
                slot_shapes = {"reduce_strided": (2, in_shape),
                               "reduce": (1, (in_shape[0], *out_shape[1:]))}
                kinds = ["reduce_strided" if source < 2 else "reduce" for source in cell.inputs]
            else:
                slot_shapes = {"normal": (1, in_shape)}
                kinds = ["normal"] * len(cell.inputs)
        for slot, (stride, shape) in slot_shapes.items():
            for j, op in enumerate(ops):
                p, f = cost(builders, op, stride, shape)
                params[slot][j] += p
                flops[slot][j] += f
        for slot, op in zip(kinds, ref_ops, strict=True):
            p, f = cost(builders, op, *slot_shapes[slot])
            ref_params += p
            ref_flops += f
    total_params = count_params(net)
    total_flops = count_flops(net, layout.input_shape)
    return ComplexityTable(layout.space, total_params - ref_params, total_flops - ref_flops,
                           params, flops)
