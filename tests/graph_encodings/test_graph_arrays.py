"""``graph_arrays``: the ``graph`` encoding as numpy arrays, equal to the torch batch, no torch."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import graph_encodings
from graph_encodings.encodings import GraphArrays, graph_arrays


@pytest.mark.parametrize("space", ["darts", "nb201"])
def test_graph_arrays_equal_the_torch_batch(space) -> None:
    sp = graph_encodings.get_space(space)
    archs = sp.sample_many(50, rng=3)
    arrays = graph_arrays(sp, archs)
    batch = graph_encodings.encode(sp, archs, "graph")
    assert isinstance(arrays, GraphArrays) and arrays.num_graphs == batch.num_graphs == 50
    assert arrays.x.dtype == np.float32 and arrays.src.dtype == arrays.batch.dtype == np.int64
    np.testing.assert_array_equal(arrays.x, batch.x.numpy())
    np.testing.assert_array_equal(np.stack([arrays.src, arrays.dst]), batch.edge_index.numpy())
    np.testing.assert_array_equal(arrays.batch, batch.batch.numpy())
    assert graph_arrays(space, [str(a) for a in archs[:3]]).num_graphs == 3  # text forms too
    empty = graph_arrays(sp, [])
    assert empty.num_graphs == 0 and empty.x.shape == (0, arrays.x.shape[1])


def test_graph_arrays_refuse_what_encode_refuses() -> None:
    with pytest.raises(ValueError, match="unknown search space 'nope'"):
        graph_arrays("nope", [])
    with pytest.raises(ValueError):
        graph_arrays("nb201", ["|not~0|"])


def test_graph_arrays_need_no_torch() -> None:
    code = ("import sys, graph_encodings\n"
            "from graph_encodings.encodings import graph_arrays\n"
            "graph_arrays('darts', graph_encodings.get_space('darts').sample_many(3, rng=0))\n"
            "print('torch' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
