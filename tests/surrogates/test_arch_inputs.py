"""One input, one meaning: query, rank, predict and fit accept and refuse the same architectures.

Every entry point resolves its ``archs`` with :func:`graph_encodings.resolve_archs`; these tests
hold them to it on the shipped NinaPro NB201 benchmark (an ensemble: ``rank`` samples its members).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import graph_encodings
import surrogates
from graph_encodings import ArchitectureError
from graph_encodings.spaces.darts import DARTS_V2
from surrogates import Benchmark

NB201 = graph_encodings.get_space("nb201")
TEXT = "|nor_conv_3x3~0|+|none~0|skip_connect~1|+|nor_conv_1x1~0|none~1|avg_pool_3x3~2|"

GOOD = [
    [0, 1],
    [np.int64(1234), np.int32(5)],
    np.array([7, 8]),
    range(3),
    (TEXT, NB201.from_index(42), 43),
]
BAD = [
    TEXT,
    5,
    NB201.from_index(0),
    [],
    [1.5],
    [0, True],
    [0, None],
    [0, 15625],
    [0, "|bad~0|"],
    [0, DARTS_V2],
    [0, graph_encodings.get_space("darts").parse(DARTS_V2)],
    [{"a": 1}],
]


@pytest.fixture(scope="module")
def bench() -> Benchmark:
    return Benchmark.load("ninapro", space="nb201")


def _entry_points(bench: Benchmark) -> dict[str, Callable[[Any], Any]]:
    def fit(archs: Any) -> Any:
        n = len(archs) if hasattr(archs, "__len__") and not isinstance(archs, str) else 2
        return surrogates.create("mean", space="nb201").fit(archs, np.arange(n, dtype=float))

    return {
        "query": bench.query,
        "predict": bench.model.predict,
        "rank": lambda archs: surrogates.rank(bench, archs, n_samples=20, seed=0),
        "rank_model": lambda archs: surrogates.rank(bench.model, archs, n_samples=20, seed=0),
        "fit": fit,
    }


@pytest.mark.parametrize("archs", GOOD, ids=repr)
def test_every_entry_point_accepts_the_same_forms(bench, archs):
    objs = graph_encodings.resolve_archs(archs, "nb201")[1]
    for call in _entry_points(bench).values():
        call(archs)  # no error
    np.testing.assert_array_equal(bench.query(archs).mean, bench.query(objs).mean)
    np.testing.assert_array_equal(bench.model.predict(archs)[0], bench.model.predict(objs)[0])
    assert surrogates.rank(bench, archs, n_samples=20).archs == objs


@pytest.mark.parametrize("archs", BAD, ids=repr)
def test_every_entry_point_refuses_the_same_input_with_one_message(bench, archs):
    messages = {}
    for name, call in _entry_points(bench).items():
        with pytest.raises(ArchitectureError) as info:
            call(archs)
        messages[name] = str(info.value)
    assert len(set(messages.values())) == 1, messages
    with pytest.raises(ArchitectureError) as info:
        graph_encodings.resolve_archs(archs, "nb201")
    assert messages["query"] == str(info.value)


def test_nb201_indices_work_where_the_issue_saw_them_fail(bench):
    """``rank(b, [0, 1])`` and a model's ``predict([1234])``, as ``query`` takes them."""
    result = surrogates.rank(bench, [0, 1], n_samples=50, seed=0)
    assert result.archs == [NB201.from_index(0), NB201.from_index(1)]
    np.testing.assert_array_equal(bench.model.predict([1234])[0],
                                  bench.model.predict([NB201.from_index(1234)])[0])
