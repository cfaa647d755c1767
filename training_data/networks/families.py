"""Network families (2D point, 2D dense, 1D point) and their output heads.

A family fixes what every space's network does around its cells: the number of spatial
dimensions, whether it reduces resolution, and the head. NB360's tasks map onto them:
``point2d`` (cifar100, spherical, ninapro, fsd50k), ``dense2d`` (darcyflow, psicov, cosmic),
``point1d`` (ecg, satellite, deepsea).
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from training_data.networks.primitives import Dim, get_dim


@dataclass(frozen=True)
class Family:
    """How a network is laid out around its cells.

    ``dense``: no resolution reductions and no channel doubling, and a per-position head
    (a 1-wide convolution to ``n_outputs`` channels, i.e. NB360's per-pixel linear layer) giving
    outputs ``(batch, n_outputs, *input_spatial)``. Otherwise a global average pool and a linear
    head giving ``(batch, n_outputs)``.
    """

    name: str
    spatial_dims: int
    dense: bool

    @property
    def dim(self) -> Dim:
        return get_dim(self.spatial_dims)

    def head(self, c_in: int, n_outputs: int) -> nn.Module:
        """The output head on ``c_in`` feature channels."""
        if self.dense:
            return self.dim.conv(c_in, n_outputs, 1)
        return nn.Sequential(self.dim.global_avg_pool(1), nn.Flatten(), nn.Linear(c_in, n_outputs))


FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family("point2d", spatial_dims=2, dense=False),
        Family("dense2d", spatial_dims=2, dense=True),
        Family("point1d", spatial_dims=1, dense=False),
    )
}


def list_families() -> list[str]:
    """Names of the network families."""
    return list(FAMILIES)


def get_family(name: str | Family) -> Family:
    """The family called ``name`` (a :class:`Family` passes through); ``ValueError`` if unknown."""
    if isinstance(name, Family):
        return name
    if name not in FAMILIES:
        raise ValueError(f"unknown network family {name!r}; valid: {list_families()}")
    return FAMILIES[name]
