"""Property-based checks of the public entry points (issue 19): bad input raises one of the
project's error types (``ValueError``/``TypeError``/``KeyError`` and their subclasses:
``ArchitectureError``, ``UnknownNameError``, ...) whose message names the value; good input runs.

Covered: ``graph_encodings`` (get_space, parse, resolve_archs, encode), the task, protocol,
surrogate and optimizer registries, ``Benchmark.load/query/cost``, ``surrogates.rank``, a model's
``fit``/``predict`` and hyper-parameters, ``nas_optimizers.simulate`` and ``Optimizer.tell``,
``training_data.evaluate`` (refusals only: good input would train) and ``nb360 query``. Examples
are derandomized (the same every run) and few.
"""
from __future__ import annotations

import contextlib
import functools
import io
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import graph_encodings
import nas_optimizers
import surrogates
from graph_encodings import ArchitectureError, get_space
from graph_encodings.spaces.darts import DARTS_V2
from graph_encodings.spaces.nb201 import N_ARCHS
from nas_optimizers import simulate
from surrogates import Benchmark
from training_data import get_task, list_tasks
from training_data.protocols import get_protocol, list_protocols

NB201 = get_space("nb201")
DARTS_ARCH = get_space("darts").parse(DARTS_V2)
ERRORS = (ValueError, TypeError, KeyError)

SETTINGS = settings(max_examples=20, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@functools.cache
def bench() -> Benchmark:
    """The shipped NinaPro NB201 benchmark (an ensemble of GIN and XGB members)."""
    return Benchmark.load("ninapro", space="nb201")


def assert_refused(call: Callable[[], Any], value: Any, *also: str) -> str:
    """``call()`` raises one of :data:`ERRORS` whose message names ``value`` (and ``also``)."""
    try:
        call()
    except ERRORS as err:
        message = str(err)
    else:
        pytest.fail(f"accepted the bad value {value!r}")
    assert repr(value) in message or str(value) in message, (value, message)
    for text in also:
        assert text in message, (text, message)
    return message


# -- architectures ------------------------------------------------------------------------------
good_arch = st.integers(0, N_ARCHS - 1).flatmap(lambda i: st.sampled_from(
    [i, np.int64(i), str(NB201.from_index(i)), NB201.from_index(i)]))
bad_arch = st.one_of(
    st.integers().filter(lambda i: not 0 <= i < N_ARCHS),
    st.floats(),
    st.booleans(),
    st.none(),
    st.text(max_size=30),
    st.binary(max_size=8),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
    st.lists(st.integers(0, 4), max_size=3),
    st.just(DARTS_ARCH),
    st.just(DARTS_V2),
)


def _fit(archs: Any) -> Any:
    n = len(archs) if isinstance(archs, list) else 2
    return surrogates.create("mean", space="nb201").fit(archs, np.arange(n, dtype=float))


ARCH_ENTRY_POINTS: dict[str, Callable[[Any], Any]] = {
    "resolve_archs": lambda archs: graph_encodings.resolve_archs(archs, "nb201"),
    "encode": lambda archs: graph_encodings.encode("nb201", archs, "onehot"),
    "query": lambda archs: bench().query(archs),
    "predict": lambda archs: bench().model.predict(archs),
    "rank": lambda archs: surrogates.rank(bench(), archs, n_samples=10),
    "cost": lambda archs: bench().cost(archs),
    "fit": _fit,
}


@SETTINGS
@given(st.lists(good_arch, min_size=1, max_size=4), bad_arch, st.data())
def test_a_bad_architecture_is_named_by_every_entry_point(good, bad, data):
    k = data.draw(st.integers(0, len(good)), label="position")
    archs = [*good[:k], bad, *good[k:]]
    for name, call in ARCH_ENTRY_POINTS.items():
        with pytest.raises(ArchitectureError) as info:
            call(archs)
        message = str(info.value)
        assert f"archs[{k}] = {bad!r}" in message, (name, message)


@SETTINGS
@given(bad_arch, good_arch)
def test_an_optimizer_is_told_architectures_in_any_form(bad, good):
    optimizer = nas_optimizers.create("random_search", "nb201", seed=0)
    optimizer.tell(good, 1.0)
    assert optimizer.history[-1].arch == graph_encodings.resolve_arch(good, "nb201")[1]
    assert_refused(lambda: optimizer.tell(bad, 1.0), bad, "arch = ")


@SETTINGS
@given(st.lists(good_arch, min_size=2, max_size=4))
def test_good_architectures_are_accepted_everywhere(archs):
    objs = graph_encodings.resolve_archs(archs, "nb201")[1]
    for call in ARCH_ENTRY_POINTS.values():
        call(archs)
    np.testing.assert_array_equal(bench().query(archs).mean, bench().query(objs).mean)


@SETTINGS
@given(st.one_of(st.text(max_size=20), st.integers(), st.binary(max_size=4)))
def test_a_single_architecture_for_a_list_is_refused(value):
    for call in ARCH_ENTRY_POINTS.values():
        assert_refused(functools.partial(call, value), value, "archs must be a list of architectures")


@SETTINGS
@given(st.text(max_size=40))
def test_parse_names_the_text(text):
    for space in (NB201, get_space("darts")):
        assert_refused(functools.partial(space.parse, text), text)


# -- names --------------------------------------------------------------------------------------
LOOKUPS: dict[str, tuple[Callable[[Any], Any], Callable[[], list[str]]]] = {
    "space": (get_space, graph_encodings.list_spaces),
    "task": (get_task, list_tasks),
    "protocol": (get_protocol, list_protocols),
    "surrogate": (surrogates.create, surrogates.list_surrogates),
    "encoding": (lambda kind: graph_encodings.encode("nb201", [0], kind), lambda: ["onehot", "path"]),
    "benchmark task": (lambda task: Benchmark.load(task), lambda: ["cifar100"]),  # one space: no space needed
    "benchmark space": (lambda space: Benchmark.load("ninapro", space=space), lambda: ["darts", "nb201"]),
    "benchmark protocol": (lambda protocol: Benchmark.load("ninapro", "nb201", protocol=protocol),
                           lambda: ["nb360-nb201-200ep"]),
    "benchmark model": (lambda model: Benchmark.load("ninapro", "nb201", model=model),
                        lambda: ["ensemble"]),
    "optimizer": (lambda name: nas_optimizers.create(name, "nb201"),
                  lambda: ["random_search", "regularized_evolution", "local_search"]),
}


@SETTINGS
@given(st.one_of(st.text(max_size=20), st.integers(), st.floats(), st.lists(st.integers(), max_size=2)))
def test_unknown_names_are_named_and_known_ones_work(name):
    for kind, (lookup, names) in LOOKUPS.items():
        if name in names() or (kind == "optimizer" and name in nas_optimizers.list_optimizers()):
            continue
        assert_refused(functools.partial(lookup, name), name)
    for lookup, names in LOOKUPS.values():
        for valid_name in names()[:3]:
            lookup(valid_name)


# -- seeds and arguments ------------------------------------------------------------------------
bad_seed = st.one_of(st.integers(max_value=-1), st.floats(), st.text(max_size=5), st.booleans(),
                     st.lists(st.integers(0, 3), max_size=2))


@SETTINGS
@given(bad_seed, st.integers(0, 2**63))
def test_one_seed_rule_everywhere(bad, good):
    calls: dict[str, Callable[[Any], Any]] = {  # the parameter's name -> a call with it
        "seed": lambda seed: bench().query([0, 1], with_noise=True, seed=seed),
        "seed ": lambda seed: surrogates.rank(bench(), [0, 1], n_samples=5, seed=seed),
        "seed  ": lambda seed: surrogates.create("mean", seed=seed),
        "seeds[0]": lambda seed: simulate("random_search", bench(), budget=2, seeds=[seed]),
        "rng": lambda seed: NB201.sample(seed),
    }
    for name, call in calls.items():
        assert_refused(functools.partial(call, bad), bad, f"{name.strip()} must be")
        call(good)


@SETTINGS
@given(st.one_of(st.integers(), st.floats(), st.text(max_size=4), st.none(), st.lists(st.booleans(), max_size=1)))
def test_query_with_noise_must_be_a_bool(bad):
    assert_refused(lambda: bench().query([0], with_noise=bad), bad, "with_noise")


@SETTINGS
@given(st.one_of(st.integers(max_value=0), st.floats().filter(lambda v: not (math.isfinite(v) and v >= 1 and v == int(v))),
                 st.text(max_size=5), st.booleans(), st.none()))
def test_simulate_and_rank_name_bad_counts(bad):
    assert_refused(lambda: simulate("random_search", bench(), budget=bad), bad, "budget")
    assert_refused(lambda: simulate("random_search", bench(), budget=2, workers=bad), bad, "workers")
    assert_refused(lambda: surrogates.rank(bench(), [0, 1], n_samples=bad), bad, "n_samples")


@SETTINGS
@given(st.integers(1, 4), st.integers(1, 3))
def test_simulate_runs_small_budgets(budget, workers):
    frame = simulate("random_search", bench(), budget=budget, workers=workers, seeds=[0])
    assert len(frame) == budget


@SETTINGS
@given(st.one_of(st.sampled_from([math.nan, math.inf, -math.inf]), st.text(max_size=4),
                 st.none(), st.booleans()), st.integers(0, 3))
def test_fit_names_a_bad_score(bad, k):
    y = [1.0, 2.0, 3.0, 4.0]
    y[k] = bad
    assert_refused(lambda: surrogates.create("mean").fit([0, 1, 2, 3], y), bad, f"y[{k}]")


def _hyper_parameters() -> list[tuple[str, str, Any]]:
    """(surrogate, hyper-parameter, default) of every numeric hyper-parameter."""
    return [(name, hp, default) for name in surrogates.list_surrogates()
            for hp, default in surrogates.create(name).get_params().items()
            if isinstance(default, (int, float)) and not isinstance(default, bool)]


@SETTINGS
@given(st.sampled_from(_hyper_parameters()),
       st.one_of(st.text(max_size=5), st.booleans(), st.floats(allow_nan=True).filter(math.isnan),
                 st.lists(st.integers(), max_size=2), st.just(-1)))
def test_numeric_hyper_parameters_are_checked_at_construction(entry, bad):
    name, hp, _ = entry
    assert_refused(lambda: surrogates.create(name, **{hp: bad}), bad, hp)


# -- training and the command line -------------------------------------------------------------
@SETTINGS
@given(bad_arch.filter(lambda a: a is not DARTS_ARCH and a != DARTS_V2))  # evaluate takes any space
def test_evaluate_names_a_bad_architecture_before_training(bad):
    from training_data import evaluate

    assert_refused(lambda: evaluate(bad, "ninapro", "ninapro-tiny-v1", device="cpu"), bad, "arch")


cli_text = st.text(st.characters(codec="ascii", categories=["L", "N", "P"]), min_size=1,
                   max_size=20).filter(lambda t: not t.startswith("-") and not (t.isdigit() and int(t) < N_ARCHS))


@SETTINGS
@given(cli_text)
def test_cli_query_names_a_bad_architecture(text):
    from nb360_cli.main import main

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        rc = main(["query", "--task", "ninapro", "--space", "nb201", "0", text])
    message = err.getvalue()
    assert rc == 2 and "archs[1] = " in message, message
    assert repr(text) in message or text in message, message
