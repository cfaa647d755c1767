"""``build_network``: an architecture of any space as a torch module for a network family."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from graph_encodings.spaces.darts import DartsArch
from graph_encodings.spaces.nb201 import NB201Arch
from training_data.networks.darts_network import DartsNetwork
from training_data.networks.families import Family, get_family
from training_data.networks.nb201_network import NB201Network

DARTS_STEM_MULTIPLIER = 3


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return value


def build_network(
    arch: DartsArch | NB201Arch,
    family: str | Family,
    in_channels: int,
    n_outputs: int,
    *,
    C: int,
    layers: int,
    stem_multiplier: int | None = None,
    drop_path_prob: float = 0.0,
    seed: int | None = None,
) -> nn.Module:
    """The network of ``arch`` for ``family`` (``point2d``, ``dense2d`` or ``point1d``).

    Inputs are ``(batch, in_channels, *spatial)`` with one (``point1d``) or two spatial
    dimensions; outputs are ``(batch, n_outputs)`` for point families and
    ``(batch, n_outputs, *spatial)`` for ``dense2d``.

    ``C``: initial channels. ``layers``: the number of DARTS cells, or for NB201 the number of
    cells per stage (NB201's ``N``). ``stem_multiplier``: DARTS stem width ``stem_multiplier * C``
    (default 3); NB201's stem is ``C`` wide, so it only accepts ``None`` or 1. ``drop_path_prob``:
    DARTS drop-path probability in ``[0, 1)`` (the module's ``drop_path_prob`` attribute, which a
    training loop may schedule); NB201 only accepts 0. ``seed``: if given, the initial weights are
    drawn from ``torch.manual_seed(seed)`` in a forked RNG (the global RNG is left untouched).
    Bad settings raise ``ValueError``; an architecture of another type raises ``TypeError``.
    """
    fam = get_family(family)
    in_channels = _positive_int("in_channels", in_channels)
    n_outputs = _positive_int("n_outputs", n_outputs)
    C = _positive_int("C", C)
    layers = _positive_int("layers", layers)
    if (
        isinstance(drop_path_prob, bool)
        or not isinstance(drop_path_prob, (int, float))
        or not (0.0 <= drop_path_prob < 1.0)
    ):
        raise ValueError(f"drop_path_prob must be a number in [0, 1), got {drop_path_prob!r}")

    def make() -> nn.Module:
        if isinstance(arch, DartsArch):
            stem = DARTS_STEM_MULTIPLIER if stem_multiplier is None else stem_multiplier
            return DartsNetwork(
                arch,
                fam,
                in_channels,
                n_outputs,
                C,
                layers,
                stem_multiplier=_positive_int("stem_multiplier", stem),
                drop_path_prob=float(drop_path_prob),
            )
        if isinstance(arch, NB201Arch):
            if stem_multiplier not in (None, 1):
                raise ValueError(
                    f"the NB201 network's stem is C channels wide; stem_multiplier must be None "
                    f"or 1, got {stem_multiplier!r}"
                )
            if drop_path_prob:
                raise ValueError(
                    f"the NB201 network has no drop-path; drop_path_prob must be 0, got {drop_path_prob!r}"
                )
            return NB201Network(arch, fam, in_channels, n_outputs, C, cells_per_stage=layers)
        raise TypeError(
            f"cannot build a network for {type(arch).__name__} {arch!r}; valid architecture types: "
            f"{DartsArch.__name__}, {NB201Arch.__name__}"
        )

    if seed is None:
        return make()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return make()
