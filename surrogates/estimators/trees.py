"""Gradient-boosted tree ensembles (XGBoost or LightGBM) on flat feature arrays.

Members differ by seed and by a row subsample; each member outputs a point prediction, so the
ensemble's mean and variance are those of the member predictions. Rows a member did not see
give out-of-bag (OOB) predictions, used by the models to learn the residual noise.
"""
from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from surrogates.estimators.tree_arrays import NUMPY_BATCH, TreeArrays
from surrogates.hyper_parameters import check_int, check_real

BACKENDS = ("xgb", "lgb")


def _check_backend(backend: str) -> None:
    if backend not in BACKENDS:
        raise ValueError(f"unknown tree backend {backend!r}; valid: {', '.join(BACKENDS)}")


def _train_xgb(params: dict[str, Any], n_rounds: int, early_stop: int | None,
               X: np.ndarray, y: np.ndarray, X_val: np.ndarray | None, y_val: np.ndarray | None,
               seed: int, n_jobs: int) -> Any:
    import xgboost as xgb

    full = {"objective": "reg:squarederror", "tree_method": "hist", **params,
            "seed": seed, "nthread": n_jobs, "verbosity": 0}
    dtrain = xgb.DMatrix(X, label=y, nthread=n_jobs)
    if early_stop and X_val is not None and len(X_val):
        dval = xgb.DMatrix(X_val, label=y_val, nthread=n_jobs)
        booster = xgb.train(full, dtrain, num_boost_round=n_rounds, evals=[(dval, "val")],
                            early_stopping_rounds=early_stop, verbose_eval=False)
        return booster[: booster.best_iteration + 1]
    return xgb.train(full, dtrain, num_boost_round=n_rounds)


def _train_lgb(params: dict[str, Any], n_rounds: int, early_stop: int | None,
               X: np.ndarray, y: np.ndarray, X_val: np.ndarray | None, y_val: np.ndarray | None,
               seed: int, n_jobs: int) -> Any:
    import lightgbm as lgb

    full = {"objective": "regression", **params, "seed": seed, "num_threads": n_jobs,
            "deterministic": True, "force_row_wise": True, "verbosity": -1}
    dtrain = lgb.Dataset(X, label=y, params={"verbosity": -1, "max_bin": full.get("max_bin", 255)})
    if early_stop and X_val is not None and len(X_val):
        dval = lgb.Dataset(X_val, label=y_val, reference=dtrain)
        booster = lgb.train(full, dtrain, num_boost_round=n_rounds, valid_sets=[dval],
                            callbacks=[lgb.early_stopping(early_stop, verbose=False)])
        text = booster.model_to_string(num_iteration=booster.best_iteration)
    else:
        booster = lgb.train(full, dtrain, num_boost_round=n_rounds)
        text = booster.model_to_string()
    # Re-read from text so an in-memory model predicts exactly as a saved-and-loaded one.
    return lgb.Booster(model_str=text)


def _predict(backend: str, booster: Any, X: np.ndarray) -> np.ndarray:
    if backend == "xgb":
        return np.asarray(booster.inplace_predict(X), dtype=np.float64)
    return np.asarray(booster.predict(X), dtype=np.float64)


@dataclass
class TreeEnsembleRegressor:
    """An ensemble of boosted-tree regressors differing by seed and row subsample.

    ``params`` are the backend's native booster parameters. With ``early_stopping_rounds`` each
    member holds out ``val_fraction`` of its rows to stop on (NB301's recipe).
    """

    backend: str = "xgb"
    params: dict[str, Any] = field(default_factory=dict)
    n_rounds: int = 100
    n_members: int = 1
    row_subsample: float = 1.0
    early_stopping_rounds: int | None = None
    val_fraction: float = 0.1
    seed: int = 0
    n_jobs: int = 1

    def __post_init__(self) -> None:
        _check_backend(self.backend)
        check_int("n_rounds", self.n_rounds, 1)
        check_int("n_members", self.n_members, 1)
        check_real("row_subsample", self.row_subsample, 0.0, 1.0, low_open=True)
        check_int("early_stopping_rounds", self.early_stopping_rounds, 1, allow_none=True)
        check_real("val_fraction", self.val_fraction, 0.0, 1.0, high_open=True)

    @property
    def has_oob(self) -> bool:
        return self.n_members > 1 and self.row_subsample < 1.0

    def fit(self, X: np.ndarray, y: np.ndarray) -> TreeEnsembleRegressor:
        """Fit every member; sets ``boosters_`` and, with subsampling, ``oob_*`` arrays."""
        X = np.asarray(X, dtype=np.float32)
        y = np.asarray(y, dtype=np.float64)
        n = len(y)
        self.__dict__.pop("_saved_ubj", None)  # members read by load, replaced by this fit
        train = _train_xgb if self.backend == "xgb" else _train_lgb
        self.boosters_: list[Any] = []
        in_bag = np.zeros((self.n_members, n), dtype=bool)
        for m in range(self.n_members):
            rng = np.random.default_rng([self.seed, m])
            rows = np.arange(n)
            if self.row_subsample < 1.0:
                size = max(2, int(round(self.row_subsample * n)))
                rows = np.sort(rng.choice(n, size=size, replace=False))
            val = rows[:0]
            if self.early_stopping_rounds and self.val_fraction > 0:
                shuffled = rng.permutation(rows)
                n_val = max(1, int(round(self.val_fraction * len(rows))))
                val, rows = np.sort(shuffled[:n_val]), np.sort(shuffled[n_val:])
            in_bag[m, rows] = True
            in_bag[m, val] = True
            self.boosters_.append(
                train(self.params, self.n_rounds, self.early_stopping_rounds, X[rows], y[rows],
                      X[val], y[val], int(rng.integers(2**31 - 1)), self.n_jobs)
            )
        if self.has_oob:
            preds = self.member_predictions(X)
            out = ~in_bag
            counts = out.sum(axis=0)
            self.oob_mask_ = counts > 0
            safe = np.maximum(counts, 1)
            self.oob_mean_ = np.where(out, preds, 0.0).sum(axis=0) / safe
            self.oob_var_ = np.where(out, (preds - self.oob_mean_) ** 2, 0.0).sum(axis=0) / safe
        return self

    def member_predictions(self, X: np.ndarray) -> np.ndarray:
        """Point predictions of every member, shape ``(n_members, n)``.

        XGBoost members answer batches of at most ``NUMPY_BATCH`` rows from numpy copies of
        their trees (:class:`TreeArrays`, built on first use; for members read by :meth:`load`,
        from their files without XGBoost), avoiding XGBoost's per-call overhead and, for a saved
        ensemble, its import; larger batches go to XGBoost. The choice depends on the batch size
        only, so a fitted ensemble and the same ensemble saved and loaded answer identically.
        """
        X = np.asarray(X, dtype=np.float32)
        if self.backend == "xgb" and len(X) <= NUMPY_BATCH:
            return np.stack([t.predict(X) for t in self._tree_arrays()])
        return np.stack([_predict(self.backend, b, X) for b in self.boosters_])

    def _tree_arrays(self) -> list[TreeArrays]:
        source = self.__dict__.get("_saved_ubj") or self.boosters_
        arrays = getattr(self, "_arrays", None)
        if arrays is None or arrays[0] is not source:
            build = TreeArrays.from_ubj if source is self.__dict__.get("_saved_ubj") else TreeArrays.from_booster
            arrays = (source, [build(member) for member in source])
            self._arrays = arrays
        return arrays[1]

    def __getattr__(self, name: str) -> Any:
        saved = self.__dict__.get("_saved_ubj")
        if name == "boosters_" and saved is not None:  # XGBoost members read by load: boosters now
            self.boosters_ = [_xgb_booster(raw, self.n_jobs) for raw in saved]
            return self.boosters_
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and variance of the member predictions."""
        preds = self.member_predictions(X)
        return preds.mean(axis=0), preds.var(axis=0)

    # -- files --------------------------------------------------------------------------------
    def file_names(self, prefix: str) -> list[str]:
        ext = "ubj.gz" if self.backend == "xgb" else "txt"
        return [f"{prefix}{self.backend}_{m}.{ext}" for m in range(self.n_members)]

    def save(self, folder: Path, prefix: str = "") -> None:
        """Write each member as gzipped XGBoost UBJ (a quarter of the plain size; deterministic
        bytes) or LightGBM text."""
        if self.backend == "xgb" and "boosters_" not in self.__dict__:  # as read: no XGBoost
            for raw, name in zip(self._saved_ubj, self.file_names(prefix), strict=True):
                (folder / name).write_bytes(gzip.compress(raw, mtime=0))
            return
        for booster, name in zip(self.boosters_, self.file_names(prefix), strict=True):
            if self.backend == "xgb":
                (folder / name).write_bytes(gzip.compress(bytes(booster.save_raw("ubj")), mtime=0))
            else:
                booster.save_model(str(folder / name))

    def load(self, folder: Path, prefix: str = "") -> TreeEnsembleRegressor:
        """Read the members written by :meth:`save` (or plain ``.ubj`` ones of older artifacts).

        XGBoost members are kept as their UBJSON bytes: XGBoost is imported only when a batch
        larger than ``NUMPY_BATCH`` rows needs its boosters (see :meth:`member_predictions`).
        """
        self.__dict__.pop("boosters_", None)
        self.__dict__.pop("_saved_ubj", None)
        if self.backend == "xgb":
            saved = []
            for name in self.file_names(prefix):
                path = folder / name
                plain = path.with_suffix("")  # xgb_0.ubj, as artifacts before gzip were written
                if path.is_file() or not plain.is_file():
                    saved.append(gzip.decompress(path.read_bytes()))
                else:
                    saved.append(plain.read_bytes())
            self._saved_ubj = saved
            return self
        import lightgbm as lgb

        self.boosters_ = [lgb.Booster(model_file=str(folder / name))
                          for name in self.file_names(prefix)]
        return self


def _xgb_booster(raw: bytes, n_jobs: int) -> Any:
    import xgboost as xgb

    booster = xgb.Booster()
    booster.load_model(bytearray(raw))
    booster.set_param({"nthread": n_jobs})
    return booster
