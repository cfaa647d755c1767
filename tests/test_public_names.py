"""One name per idea: no public name of one package means something else in another.

Every package and subpackage of the four packages lists its public names in ``__all__``; a name
listed in two places must be the same object (a re-export), never two different things (as
``Benchmark`` was the surrogate benchmark in ``surrogates`` and a typing protocol in
``nas_optimizers.simulation``, and ``evaluate`` both trained an architecture and scored a
surrogate).
"""
from __future__ import annotations

import importlib
import pkgutil
from collections import defaultdict

PACKAGES = ("graph_encodings", "training_data", "surrogates", "nas_optimizers")
# The registry verb: every registry answers ``create(name, ...)`` for its own kind (one shape,
# one meaning), so the same verb in two packages is by design.
SHARED_VERBS = {"create"}


def _packages() -> list[str]:
    names = []
    for top in PACKAGES:
        names.append(top)
        module = importlib.import_module(top)
        names += [info.name for info in pkgutil.walk_packages(module.__path__, f"{top}.")
                  if info.ispkg and not any(part.startswith("_") for part in info.name.split("."))]
    return names


def public_names() -> dict[str, list[tuple[str, object]]]:
    """Public name -> every (package, object) whose ``__all__`` lists it."""
    found: dict[str, list[tuple[str, object]]] = defaultdict(list)
    for name in _packages():
        module = importlib.import_module(name)
        for public in getattr(module, "__all__", ()):
            found[public].append((name, getattr(module, public)))
    return found


def clashes(names: dict[str, list[tuple[str, object]]]) -> dict[str, list[str]]:
    """The names listed for different objects, with the packages listing them."""
    return {name: [package for package, _ in where] for name, where in names.items()
            if name not in SHARED_VERBS and len({id(obj) for _, obj in where}) > 1}


def test_every_public_name_means_one_thing() -> None:
    names = public_names()
    assert {"Benchmark", "evaluate", "evaluate_surrogate", "BenchmarkLike"} <= set(names)
    found = clashes(names)
    assert not found, f"public names that mean different things in different packages: {found}"


def test_the_guard_sees_a_clash() -> None:
    from nas_optimizers.simulation import BenchmarkLike
    from surrogates import Benchmark
    from surrogates.benchmark import Benchmark as same

    assert clashes({"Benchmark": [("surrogates", Benchmark), ("surrogates.benchmark", same)]}) == {}
    assert clashes({"Benchmark": [("surrogates", Benchmark), ("simulation", BenchmarkLike)]}) == {
        "Benchmark": ["surrogates", "simulation"]}


# Module names shared on purpose: the same job for different objects, one module per subpackage.
# ``registry``/``base``: every package's registry and abstract base (one shape by design);
# ``fitting``/``query``/``records``: a benchmark's surrogate and its curve model, each fitted,
# queried and fed from records; ``gin``/``trees``: an estimator and the surrogate model wrapping
# it; ``query``: also the ``nb360 query`` command.
SHARED_MODULE_NAMES = {"__init__", "registry", "base", "fitting", "query", "records", "gin",
                       "trees"}


def module_names(packages: tuple[str, ...] = (*PACKAGES, "nb360_cli")) -> dict[str, list[str]]:
    """Module file name (without ``.py``) -> every dotted module of ``packages`` with that name."""
    found: dict[str, list[str]] = defaultdict(list)
    for top in packages:
        module = importlib.import_module(top)
        for info in pkgutil.walk_packages(module.__path__, f"{top}.", onerror=lambda _: None):
            found["__init__" if info.ispkg else info.name.rsplit(".", 1)[1]].append(info.name)
    return found


def test_no_two_modules_share_a_name_for_different_jobs() -> None:
    """``store`` was both the record store and the artifacts layout, ``metrics`` both the tasks'
    scores and a surrogate's held-out metrics, ``calibration`` both a surrogate's conformal
    intervals and the validation study's check of ranking calibration: one name, one job."""
    names = module_names()
    assert names["artifact_folders"] == ["surrogates.benchmark.artifact_folders"]
    assert names["task_metrics"] == ["training_data.tasks.scores.task_metrics"]
    assert names["calibration"] == ["surrogates.calibration"]
    assert names["ranking_coverage"] == ["nas_optimizers.validation.ranking_coverage"]
    shared = {name: where for name, where in names.items()
              if len(where) > 1 and name not in SHARED_MODULE_NAMES}
    assert not shared, f"modules named alike in different places: {shared}"


def shadowed_modules() -> list[str]:
    """Public names of a package that are also one of its submodules' names but another object:
    ``from package import name`` and ``import package.name`` would then mean different things."""
    found = []
    for name in _packages():
        package = importlib.import_module(name)
        submodules = {info.name for info in pkgutil.iter_modules(package.__path__)}
        for public in getattr(package, "__all__", ()):
            if public in submodules and getattr(package, public) is not importlib.import_module(
                    f"{name}.{public}"):
                found.append(f"{name}.{public}")
    return found


def test_no_public_name_shadows_a_module_of_its_package() -> None:
    """``nas_optimizers.validation.ranking_calibration`` was both a module and the function its
    package exports; the module is ``ranking_coverage`` now."""
    assert shadowed_modules() == []
