"""Shared architectures of the graph_encodings tests, with their hand-decoded layouts."""

from __future__ import annotations

import pytest

from graph_encodings.spaces.darts import DartsArch
from graph_encodings.spaces.nb201 import NB201Arch


@pytest.fixture
def known_darts() -> DartsArch:
    """A DARTS arch whose encodings the tests work out by hand.

    Normal cell: node 2 <- (sep_conv_3x3 from 0, skip_connect from 1); node 3 <- (max_pool_3x3
    from 0, dil_conv_5x5 from 2); node 4 <- (avg_pool_3x3 from 2, sep_conv_5x5 from 3); node 5
    <- (dil_conv_3x3 from 1, skip_connect from 4). Reduce cell: every node takes max_pool_3x3
    from inputs 0 and 1.
    """
    return DartsArch(
        normal=(
            ("sep_conv_3x3", 0), ("skip_connect", 1), ("max_pool_3x3", 0), ("dil_conv_5x5", 2),
            ("avg_pool_3x3", 2), ("sep_conv_5x5", 3), ("dil_conv_3x3", 1), ("skip_connect", 4),
        ),
        reduce=(("max_pool_3x3", 0), ("max_pool_3x3", 1)) * 4,
    )  # fmt: skip


@pytest.fixture
def known_nb201() -> NB201Arch:
    """An NB201 arch; edges 1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2 in op order."""
    return NB201Arch(
        ops=("skip_connect", "nor_conv_3x3", "none", "avg_pool_3x3", "nor_conv_1x1", "nor_conv_1x1")
    )
