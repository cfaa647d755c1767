"""NB360 Darcy Flow: coefficient field -> solution of ``-div(a grad u) = 1`` (FNO's piecewise-constant data).

Sources (``source`` argument; files searched under ``<root>/darcyflow/`` and ``<root>/``):

* ``"nb360"``: the official ``piececonst_r421_N1024_smooth1.mat`` (train) and ``..._smooth2.mat``
  (test), keys ``coeff`` and ``sol`` (1024 x 421 x 421), subsampled as FNO/NB360 do
  (``[:, ::r, ::r]`` with ``r = stride = 5`` -> 85 x 85). NB360 takes train = smooth1[:1000] and
  test = smooth2[:100]; NB360 has no validation split, so ours is smooth2[100:200] (disjoint
  from both, same distribution). Needs the files to be readable by ``scipy.io.loadmat``.
* ``"generate"``: our generator (:mod:`training_data.tasks.darcy_solver`), seeded, cached on disk.
  Each split has its own random stream (``default_rng((seed, split_index))``) so the split sizes
  are independent. Default: 1000 / 100 / 100 pairs solved DIRECTLY at 85 x 85 (about 16 ms per
  pair here). ``solve_resolution=421, stride=5`` reproduces NB360's resolution pipeline exactly
  (solve at 421, keep every 5th point) but costs about 1 s per pair.
* ``"auto"`` (default): the official files when present, else ``"generate"``.

Sample layout (NB360 / FNO): ``x`` float32 (n, 3, R, R) = (coefficient, x grid, y grid) with
``grid_x[i, j] = i / (R - 1)`` and ``grid_y[i, j] = j / (R - 1)``; ``y`` float32 (n, 1, R, R).

Normalisation: the arrays are RAW (coefficients 3 / 12, unscaled solutions). NB360 (FNO's
``UnitGaussianNormalizer``) normalises the coefficient and the solution per pixel with the mean
and std over the training set and decodes predictions before the relative-L2 loss; that belongs to
the task's loss/score (fit it on ``train``), so nothing data-dependent is stored here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
import scipy.io

from training_data.tasks import darcy_solver
from training_data.tasks.cache import cache_key, cached_arrays
from training_data.tasks.data_root import DataFileNotFoundError, find_file
from training_data.tasks.dataset import Split, TaskData

TASK = "darcyflow"
SOURCE = (
    "NB360's piececonst_r421_N1024_smooth1.mat and piececonst_r421_N1024_smooth2.mat (FNO's Darcy "
    "data) via https://github.com/rtu715/NAS-Bench-360 (data download links); without them the "
    "data is generated (source='generate')"
)
GENERATOR_VERSION = 1
OFFICIAL_FILES = ("piececonst_r421_N1024_smooth1.mat", "piececonst_r421_N1024_smooth2.mat")
OFFICIAL_STRIDE = 5
SOURCES = ("auto", "nb360", "generate")
SPLITS = ("train", "val", "test")

SourceKind = Literal["auto", "nb360", "generate"]


def with_grid(coef: np.ndarray) -> np.ndarray:
    """(n, R, R) coefficients -> (n, 3, R, R) float32 inputs (coefficient, x grid, y grid)."""
    n, res = coef.shape[0], coef.shape[-1]
    axis = np.linspace(0.0, 1.0, res, dtype=np.float32)
    gx, gy = np.meshgrid(axis, axis, indexing="ij")
    grids = np.broadcast_to(np.stack([gx, gy])[None], (n, 2, res, res))
    return np.concatenate([coef[:, None].astype(np.float32), grids], axis=1)


def _split(coef: np.ndarray, sol: np.ndarray) -> Split:
    return Split(x=with_grid(coef), y=sol[:, None].astype(np.float32))


def read_official(
    path: Path, stop: int, start: int = 0, stride: int = OFFICIAL_STRIDE
) -> tuple[np.ndarray, np.ndarray]:
    """Samples ``start:stop`` of an FNO ``.mat`` file, subsampled ``[::stride, ::stride]``."""
    if stride < 1:
        raise ValueError(f"stride must be >= 1, got {stride}")
    try:
        content = scipy.io.loadmat(path, variable_names=["coeff", "sol"])
    except NotImplementedError as err:  # MATLAB v7.3 (HDF5) files
        raise ValueError(
            f"{path} is a MATLAB v7.3 file, which scipy.io.loadmat cannot read: {err}"
        ) from None
    for key in ("coeff", "sol"):
        if key not in content:
            raise KeyError(f"{path} has no variable {key!r} (FNO Darcy format: 'coeff' and 'sol')")
    coef, sol = content["coeff"], content["sol"]
    if coef.shape != sol.shape or coef.ndim != 3:
        raise ValueError(
            f"{path}: 'coeff' {coef.shape} and 'sol' {sol.shape} must be equal (n, R, R)"
        )
    if stop > len(coef):
        raise ValueError(f"{path} holds {len(coef)} samples; {stop} were requested")
    pick = (slice(start, stop), slice(None, None, stride), slice(None, None, stride))
    return coef[pick].astype(np.float32), sol[pick].astype(np.float32)


def _load_official(
    train_path: Path, n_train: int, n_val: int, n_test: int, stride: int
) -> TaskData:
    test_path = train_path.parent / OFFICIAL_FILES[1]
    if not test_path.exists():
        raise DataFileNotFoundError(
            f"task 'darcyflow': {test_path} not found next to {train_path}. Get the data: {SOURCE}"
        )
    train = read_official(train_path, n_train, stride=stride)
    test = read_official(test_path, n_test, stride=stride)
    val = read_official(test_path, n_test + n_val, start=n_test, stride=stride)
    meta = {
        "source_kind": "nb360",
        "source_path": str(train_path.parent),
        "split": f"train smooth1[:{n_train}], test smooth2[:{n_test}], val smooth2[{n_test}:{n_test + n_val}]",
        "stride": stride,
        "resolution": int(train[0].shape[-1]),
        "normalisation": "raw arrays; the loss/score applies per-pixel Gaussian normalisation fitted on train",
    }
    return TaskData(TASK, _split(*train), _split(*val), _split(*test), meta)


def generated_split(
    split: str,
    n: int,
    seed: int,
    solve_resolution: int,
    stride: int,
    use_cache: bool = True,
    cache_dir: str | Path | None = None,
) -> tuple[darcy_solver.DarcySamples, bool]:
    """One split of generated pairs (cached); returns the samples and whether the cache hit."""
    index = SPLITS.index(split)
    parts = {
        "version": GENERATOR_VERSION,
        "split": split,
        "n": n,
        "seed": seed,
        "solve_resolution": solve_resolution,
        "stride": stride,
        "grf": darcy_solver.GRFParams().__dict__,
    }

    def compute() -> dict[str, np.ndarray]:
        samples = darcy_solver.generate(n, (seed, index), solve_resolution, stride)
        return {"coef": samples.coef, "sol": samples.sol}

    arrays, hit = cached_arrays(cache_key(f"darcy-{split}", parts), compute, cache_dir, use_cache)
    return darcy_solver.DarcySamples(coef=arrays["coef"], sol=arrays["sol"]), hit


def _load_generated(
    n_sizes: tuple[int, int, int],
    seed: int,
    solve_resolution: int,
    stride: int,
    use_cache: bool,
    cache_dir: str | Path | None,
) -> TaskData:
    splits, hits = [], []
    for split, n in zip(SPLITS, n_sizes, strict=True):
        samples, hit = generated_split(
            split, n, seed, solve_resolution, stride, use_cache, cache_dir
        )
        splits.append(_split(samples.coef, samples.sol))
        hits.append(hit)
    meta = {
        "source_kind": "generate",
        "generator": "thresholded GRF (alpha=2, tau=3) -> 12/3, 5-point FD (arithmetic face means), "
        "zero Dirichlet, f=1; see training_data.tasks.darcy_solver",
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "solve_resolution": solve_resolution,
        "stride": stride,
        "resolution": darcy_solver.output_resolution(solve_resolution, stride),
        "cache_hit": all(hits),
        "normalisation": "raw arrays; the loss/score applies per-pixel Gaussian normalisation fitted on train",
    }
    return TaskData(TASK, *splits, meta=meta)


def has_data(data_root: str | Path | None = None) -> bool:
    """Always True: Darcy data is generated when the official files are absent.

    True means "this loader can produce data" (the generator in
    :mod:`training_data.tasks.darcy_solver` is importable, as it is whenever this module is),
    NOT that the official NB360 ``.mat`` files are on disk; ``load(source="nb360")`` still raises
    ``DataFileNotFoundError`` without them. Nothing is solved here, so the check is cheap
    (without it the registry would fall back to a full ``load``, which runs the PDE solver).
    """
    return True


def load(
    data_root: str | Path | None = None,
    *,
    source: SourceKind = "auto",
    n_train: int = 1000,
    n_val: int = 100,
    n_test: int = 100,
    seed: int = 0,
    solve_resolution: int = 85,
    stride: int = 1,
    official_stride: int = OFFICIAL_STRIDE,
    use_cache: bool = True,
    cache_dir: str | Path | None = None,
) -> TaskData:
    """NB360's Darcy Flow task (module docstring); ``x`` (n, 3, R, R), ``y`` (n, 1, R, R) float32."""
    if source not in SOURCES:
        raise ValueError(f"unknown darcyflow source {source!r}; valid: {', '.join(SOURCES)}")
    for name, value in (("n_train", n_train), ("n_val", n_val), ("n_test", n_test)):
        if value < 1:
            raise ValueError(f"{name} must be >= 1, got {value}")
    if source != "generate":
        try:
            train_path = find_file(TASK, OFFICIAL_FILES[0], SOURCE, data_root)
        except DataFileNotFoundError:
            if source == "nb360":
                raise
        else:
            return _load_official(train_path, n_train, n_val, n_test, official_stride)
    if solve_resolution < 3:
        raise ValueError(f"solve_resolution must be >= 3, got {solve_resolution}")
    return _load_generated(
        (n_train, n_val, n_test), seed, solve_resolution, stride, use_cache, cache_dir
    )
