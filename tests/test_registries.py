"""Every registry has one shape: list_X() names, describe_X(name) says what each is, and an
unknown name raises UnknownNameError naming the value, the valid names and the closest match."""
from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Any

import pytest

import graph_encodings
import nas_optimizers
import surrogates
import training_data
from graph_encodings import UnknownNameError
from graph_encodings.encodings import encoding_dim


def _encoding_width(kind: str) -> int:
    return encoding_dim("nb201" if kind in graph_encodings.list_encodings("nb201") else "darts", kind)


# kind -> (list, describe, get or create)
REGISTRIES: dict[str, tuple[Callable[[], list[str]], Callable[[str], str], Callable[[str], Any]]] = {
    "space": (graph_encodings.list_spaces, graph_encodings.describe_space, graph_encodings.get_space),
    "encoding": (graph_encodings.list_encodings, graph_encodings.describe_encoding, _encoding_width),
    "task": (training_data.list_tasks, training_data.describe_task, training_data.get_task),
    "protocol": (training_data.list_protocols, training_data.describe_protocol,
                 training_data.get_protocol),
    "surrogate": (surrogates.list_surrogates, surrogates.describe_surrogate, surrogates.create),
    "optimizer": (nas_optimizers.list_optimizers, nas_optimizers.describe_optimizer,
                  lambda name: nas_optimizers.create(name, "nb201")),
    "benchmark": (surrogates.benchmark_names, surrogates.describe_benchmark,
                  surrogates.describe_benchmark),
}


@pytest.mark.parametrize("kind", REGISTRIES)
def test_registry_shape(kind: str) -> None:
    list_names, describe, get = REGISTRIES[kind]
    names = list_names()
    assert names and all(isinstance(name, str) for name in names)
    assert len(set(names)) == len(names)
    for name in names:
        text = describe(name)
        assert isinstance(text, str) and text.startswith(f"{name}") and len(text) > len(name) + 10
        assert get(name) is not None
    near = names[-1] + "x"  # a typo of the last name
    for lookup in (get, describe):
        with pytest.raises(UnknownNameError) as info:
            lookup(near)
        message = str(info.value)
        assert f"unknown {info.value.kind} {near!r}" in message
        assert all(name in message for name in names)
        assert f"closest match: {names[-1]!r}" in message
        assert isinstance(info.value, KeyError) and isinstance(info.value, ValueError)


def test_unknown_name_error_reads_and_pickles() -> None:
    error = UnknownNameError("task", "ecgg", ["ecg", "satellite"])
    assert str(error) == "unknown task 'ecgg'; valid names: ecg, satellite; closest match: 'ecg'"
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is UnknownNameError and str(again) == str(error)
    assert UnknownNameError("task", 3, []).closest is None  # nothing registered: no match
    assert UnknownNameError("task", "Ecg ", ["ecg"]).closest == "ecg"  # case and a typo
    assert UnknownNameError("task", None, ["ecg"]).closest is None  # nothing alike: no suggestion
    assert UnknownNameError("task", "spherical", ["ecg", "psicov"]).closest is None
    assert UnknownNameError("space", "DARTS", ["darts", "nb201"]).closest == "darts"


def test_encoding_registry_lists_the_kinds_of_every_space() -> None:
    kinds = {kind for space in graph_encodings.list_spaces()
             for kind in graph_encodings.list_encodings(space)}
    assert set(graph_encodings.list_encodings()) == kinds


def test_benchmarks_take_a_name_or_its_tuple() -> None:
    key = surrogates.list_benchmarks()[0]
    assert surrogates.describe_benchmark(key) == surrogates.describe_benchmark("/".join(key))


def test_benchmark_load_answers_unknown_names_with_the_closest() -> None:
    with pytest.raises(UnknownNameError, match=r"no model 'ensembel' .*models: \['ensemble'\]; "
                                               r"closest match: 'ensemble'"):
        surrogates.Benchmark.load("ninapro", space="nb201", model="ensembel")
    with pytest.raises(UnknownNameError, match=r"no protocol 'nb360-nb201-200'.*closest match: "
                                               r"'nb360-nb201-200ep'"):
        surrogates.Benchmark.load("ninapro", space="nb201", protocol="nb360-nb201-200")
    error = UnknownNameError("benchmark task", "ecgg", ["ecg"], message="no benchmark for task 'ecgg'")
    assert str(pickle.loads(pickle.dumps(error))) == "no benchmark for task 'ecgg'; closest match: 'ecg'"
