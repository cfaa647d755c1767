"""Conformance checks every surrogate must pass, as scikit-learn's ``check_estimator``.

``check_surrogate(model)`` runs :data:`CHECKS` on clones of an unfitted ``model`` (built from its
``get_params()``), fitting them on a tiny set of real records shipped with the package (by
default NB360's NB201 NinaPro table and this project's ECG DARTS records; see
:func:`real_records`). Each check raises ``AssertionError`` naming the model and the check when the
model breaks the surrogate protocol of :class:`~surrogates.base.SurrogateModel`::

    from surrogates import checking_parameters, create
    from surrogates.testing import check_surrogate

    check_surrogate(create("xgb", **checking_parameters("xgb")))   # tiny and fast

A new model class passes it before it is registered; the test suite runs it over every
registered surrogate.
"""
from __future__ import annotations

import functools
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import graph_encodings
from surrogates.base import SurrogateModel
from surrogates.errors import ArtifactError, NotFittedError

# space -> (task, protocol) of the shipped records the checks fit on
REAL_RECORDS: dict[str, tuple[str, str]] = {
    "nb201": ("ninapro", "nb360-nb201-200ep"),
    "darts": ("ecg", "ecg-cpu-v1"),
}
N_FIT = 48  # records fitted on per check; N_PREDICT more are predicted
N_PREDICT = 16


@dataclass(frozen=True)
class CheckData:
    """Architectures (objects) and their scores: ``fit`` to fit on, ``test`` to predict."""

    space: str
    fit_archs: tuple[Any, ...]
    fit_y: np.ndarray
    test_archs: tuple[Any, ...]


@functools.cache
def real_records(space: str, n_fit: int = N_FIT, n_predict: int = N_PREDICT, seed: int = 0) -> CheckData:
    """``n_fit + n_predict`` seeded random ok records of ``space`` from the shipped record store
    (:data:`REAL_RECORDS`): real architectures and their real scores."""
    from training_data import load_records

    task, protocol = REAL_RECORDS[space]
    frame = load_records(task, protocol, space=space)
    frame = frame[(frame["status"] == "ok") & np.isfinite(frame["score"].to_numpy(dtype=float))]
    rows = np.random.default_rng(seed).choice(len(frame), n_fit + n_predict, replace=False)
    chosen = frame.iloc[np.sort(rows)]
    parsed = graph_encodings.get_space(space)
    archs = tuple(parsed.parse(text) for text in chosen["arch"])
    y = chosen["score"].to_numpy(dtype=np.float64)
    return CheckData(space, archs[:n_fit], y[:n_fit], archs[n_fit:])


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


def _clone(model: SurrogateModel) -> SurrogateModel:
    return type(model)(**model.get_params())


def _same(a: tuple[np.ndarray, ...], b: tuple[np.ndarray, ...], what: str) -> None:
    for name, x, y in zip(("mean", "std"), a, b, strict=True):
        _require(np.array_equal(x, y), f"{what}: {name} differs (max |diff| "
                                      f"{np.max(np.abs(x - y), initial=0.0):.3g})")


class _Run:
    """One model under check, its data and its fitted clone (fitted on first use)."""

    def __init__(self, model: SurrogateModel, data: CheckData, other: CheckData | None) -> None:
        self.model, self.data, self.other = model, data, other
        self._fitted: SurrogateModel | None = None

    @property
    def fitted(self) -> SurrogateModel:
        if self._fitted is None:
            self._fitted = _clone(self.model).fit(list(self.data.fit_archs), self.data.fit_y)
        return self._fitted

    def predictions(self) -> tuple[np.ndarray, np.ndarray]:
        return self.fitted.predict(list(self.data.test_archs))


# ---------------------------------------------------------------------------------------------
def check_hyper_parameters(run: _Run) -> None:
    """``get_params`` rebuilds an equal model; an unknown hyper-parameter is refused by name."""
    params = run.model.get_params()
    _require(_clone(run.model).get_params() == params, "type(model)(**get_params()) changed the "
                                                       "hyper-parameters")
    _require(isinstance(repr(run.model), str), "repr failed")
    try:
        type(run.model)(**params, not_a_parameter=1)
    except ValueError as error:
        _require("not_a_parameter" in str(error), f"the error does not name the unknown "
                                                  f"hyper-parameter: {error}")
    else:
        raise AssertionError("an unknown hyper-parameter (not_a_parameter=1) was accepted")


def check_unfitted(run: _Run) -> None:
    """Predicting or saving before ``fit`` raises :class:`NotFittedError` saying so."""
    model = _clone(run.model)
    with tempfile.TemporaryDirectory() as tmp:
        for action, call in (("predict", lambda: model.predict(list(run.data.test_archs[:3]))),
                             ("save", lambda: model.save(Path(tmp) / "m"))):
            try:
                call()
            except NotFittedError as error:
                _require("not fitted" in str(error), f"{action} before fit: unclear error: {error}")
            else:
                raise AssertionError(f"{action} before fit did not raise NotFittedError")


def check_fit_predict(run: _Run) -> None:
    """``fit`` returns self and keeps its inputs; ``predict`` gives float64 (n,) arrays, finite
    mean, std >= 0; ``predict_with_noise`` a noise std in [0, std]."""
    model = _clone(run.model)
    archs, y = list(run.data.fit_archs), run.data.fit_y.copy()
    _require(model.fit(archs, y) is model, "fit did not return self")
    _require(archs == list(run.data.fit_archs) and np.array_equal(y, run.data.fit_y),
             "fit modified its archs or y")
    _require(getattr(model, "space_", None) == run.data.space, f"space_ is not {run.data.space!r}")
    n = len(run.data.test_archs)
    mean, std = model.predict(list(run.data.test_archs))
    for name, values in (("mean", mean), ("std", std)):
        _require(isinstance(values, np.ndarray) and values.shape == (n,)
                 and values.dtype == np.float64, f"{name} is not a float64 array of shape ({n},)")
    _require(bool(np.all(np.isfinite(mean))), "mean has non-finite values")
    _require(bool(np.all(np.isfinite(std)) and np.all(std >= 0)), "std is not finite and >= 0")
    mean_n, std_n, noise = model.predict_with_noise(list(run.data.test_archs))
    _same((mean, std), (mean_n, std_n), "predict_with_noise vs predict")
    _require(bool(np.all(noise >= 0) and np.all(noise <= std * (1 + 1e-12))), "noise std not in [0, std]")


def check_inputs_forms(run: _Run) -> None:
    """Text forms predict exactly as objects; a row's prediction does not depend on its batch."""
    objects = list(run.data.test_archs)
    full = run.predictions()
    _same(full, run.fitted.predict([str(a) for a in objects]), "text forms vs objects")
    part = run.fitted.predict(objects[:3])
    for name, x, y in zip(("mean", "std"), part, full, strict=True):
        _require(np.allclose(x, y[:3], rtol=1e-6, atol=1e-9), f"{name} of 3 archs alone differs "
                                                             "from the same rows in a larger batch")


def check_deterministic(run: _Run) -> None:
    """Two fits with the same hyper-parameters (seed included) predict identically."""
    again = _clone(run.model).fit(list(run.data.fit_archs), run.data.fit_y)
    _same(run.predictions(), again.predict(list(run.data.test_archs)), "a second fit (same seed)")


def check_save_load(run: _Run) -> None:
    """``save`` then ``load`` (through the base class and the model's class) gives the same type,
    hyper-parameters and identical predictions; a modified file is refused."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = run.fitted.save(Path(tmp) / "m")
        for loader in (SurrogateModel, type(run.model)):
            loaded = loader.load(folder)
            _require(type(loaded) is type(run.fitted), f"{loader.__name__}.load gave a "
                                                       f"{type(loaded).__name__}")
            _require(loaded.get_params() == run.fitted.get_params(), "loaded hyper-parameters differ")
            _same(run.predictions(), loaded.predict(list(run.data.test_archs)), "after save/load")
        files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "manifest.json")
        if files:
            files[0].write_bytes(files[0].read_bytes() + b"\0")
        else:  # a model without files of its own: change its manifest
            manifest = json.loads((folder / "manifest.json").read_text())
            manifest["y_mean"] += 1.0
            (folder / "manifest.json").write_text(json.dumps(manifest))
        try:
            SurrogateModel.load(folder)
        except ArtifactError:
            pass
        else:
            raise AssertionError("a modified saved file was loaded without ArtifactError")


def check_bad_targets(run: _Run) -> None:
    """Targets that are not one finite number per architecture are refused, naming ``y``."""
    archs = list(run.data.fit_archs[:4])
    for label, y in (("a string", [1.0, "a", 2.0, 3.0]), ("NaN", [1.0, np.nan, 2.0, 3.0]),
                     ("inf", [1.0, 2.0, np.inf, 3.0]), ("too few", [1.0, 2.0, 3.0]),
                     ("nested", [[1.0, 2.0], [3.0], [4.0], [5.0]])):
        try:
            _clone(run.model).fit(archs, y)
        except ValueError as error:
            _require("y" in str(error), f"targets with {label}: the error does not name y: {error}")
        else:
            raise AssertionError(f"targets with {label} were accepted: {y!r}")


def check_other_space(run: _Run) -> None:
    """Archs of another space are refused naming the fitted space; a model with no ``space``
    hyper-parameter fits and predicts the other space too."""
    if run.other is None:
        return
    try:
        run.fitted.predict(list(run.other.test_archs[:2]))
    except ValueError as error:
        _require(run.data.space in str(error), f"the error does not name the fitted space "
                                               f"{run.data.space!r}: {error}")
    else:
        raise AssertionError(f"a model fitted on {run.data.space!r} predicted {run.other.space!r} archs")
    if run.model.get_params().get("space") is None:
        other = _clone(run.model).fit(list(run.other.fit_archs), run.other.fit_y)
        mean, std = other.predict(list(run.other.test_archs))
        _require(other.space_ == run.other.space and mean.shape == std.shape == (len(run.other.test_archs),)
                 and bool(np.all(np.isfinite(mean)) and np.all(std >= 0)),
                 f"fit/predict on {run.other.space!r} archs failed the shape/finite/std checks")


CHECKS: tuple[Callable[[_Run], None], ...] = (
    check_hyper_parameters, check_unfitted, check_fit_predict, check_inputs_forms,
    check_deterministic, check_save_load, check_bad_targets, check_other_space,
)


def check_surrogate(model: SurrogateModel, data: CheckData | None = None) -> None:
    """Run every check of :data:`CHECKS` on (clones of) the unfitted ``model``.

    ``data``: the architectures and scores to fit and predict (default: :func:`real_records` of
    the model's ``space`` hyper-parameter, NB201 when it has none). Raises ``AssertionError``
    naming the model and the first check it fails (the cause chained).
    """
    if not isinstance(model, SurrogateModel):
        raise TypeError(f"check_surrogate takes a SurrogateModel, not {type(model).__name__}")
    space = data.space if data is not None else (model.get_params().get("space") or "nb201")
    if data is None:
        data = real_records(space)
    others = [s for s in REAL_RECORDS if s != space]
    run = _Run(model, data, real_records(others[0]) if others else None)
    for check in CHECKS:
        try:
            check(run)
        except Exception as error:
            raise AssertionError(f"{model!r} ({model.name!r}) fails {check.__name__}: "
                                 f"{error}") from error

