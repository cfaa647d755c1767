"""Generator of NB360/FNO Darcy flow pairs: thresholded Gaussian random field -> PDE solution.

This reproduces the FNO data generator (Li et al. 2021, MATLAB ``GRF.m`` + ``solve_gwf.m``), the
source of NB360's ``piececonst_r421_N1024_smooth{1,2}.mat``:

* **Coefficient.** A Gaussian random field with covariance ``(-Laplacian + tau^2)^(-alpha)``
  (Neumann eigenfunctions: a cosine / DCT expansion), ``alpha = 2``, ``tau = 3``, sampled as FNO did
  (standard normal KL coefficients times ``s * tau^(alpha-1) * (pi^2 |k|^2 + tau^2)^(-alpha/2)``,
  the constant mode zeroed, then an orthonormal inverse 2-D DCT), thresholded to ``a = 12`` where
  the field is ``>= 0`` and ``a = 3`` where it is ``< 0``.
* **PDE.** ``-div(a grad u) = f`` (``f = 1``) on the unit square with ``u = 0`` on the boundary,
  5-point finite differences assembled with :mod:`scipy.sparse` and solved by sparse LU. Face
  coefficients are ARITHMETIC means of the two neighbouring nodes, exactly FNO's stencil.
* **Grid.** The K x K values are node values on ``i / (K - 1)``, boundary included; the boundary
  rows of the output are exactly zero. FNO's ``solve_gwf.m`` stores its arrays on cell centres and
  moves them to this node grid and back with not-a-knot cubic splines; that resampling is NOT
  reproduced: its extrapolation to the boundary nodes overshoots wildly next to a coefficient jump
  (we measured spline-resampled 3/12 fields going down to -64, i.e. a non-elliptic problem), so the
  clean node-grid solve is the honest, robust choice. It differs from the published arrays by
  the half-cell shift and the smoothing of that resampling, not in the physics.

NB360's 85 x 85 grids are FNO's 421 x 421 solves subsampled by 5. :func:`generate` solves at
``solve_resolution`` and keeps every ``stride``-th point, so the NB360 protocol is
``solve_resolution=421, stride=5``; solving directly at 85 (``stride=1``) is much cheaper and is
an honest approximation (the coarser FD solve of the same kind of field). The caller chooses;
the Darcy loader documents its default.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from scipy.fft import idctn

HIGH, LOW = 12.0, 3.0


@dataclass(frozen=True)
class GRFParams:
    """Parameters of the FNO Gaussian random field and its thresholding."""

    alpha: float = 2.0
    tau: float = 3.0
    high: float = HIGH
    low: float = LOW


def gaussian_random_field(
    size: int, rng: np.random.Generator, params: GRFParams = GRFParams()
) -> np.ndarray:
    """One ``size x size`` sample of FNO's GRF (``GRF.m``), float64."""
    if size < 2:
        raise ValueError(f"GRF size must be >= 2, got {size}")
    xi = rng.standard_normal((size, size))
    k1, k2 = np.meshgrid(np.arange(size), np.arange(size), indexing="ij")
    sqrt_eig = params.tau ** (params.alpha - 1) * (np.pi**2 * (k1**2 + k2**2) + params.tau**2) ** (
        -params.alpha / 2
    )
    coeffs = size * sqrt_eig * xi
    coeffs[0, 0] = 0.0
    return idctn(coeffs, type=2, norm="ortho")


def threshold(field: np.ndarray, params: GRFParams = GRFParams()) -> np.ndarray:
    """FNO's piecewise-constant coefficient: ``high`` where ``field >= 0``, else ``low``."""
    return np.where(field >= 0, params.high, params.low)


def _laplacian_matrix(coef: np.ndarray) -> sp.csc_matrix:
    """FD matrix of ``-div(coef grad .)`` on the interior of a node grid with spacing 1/(K-1).

    ``coef`` is K x K (node values, boundary included); face coefficients are arithmetic means.
    Unknowns are the (K-2)^2 interior nodes in C order.
    """
    k = coef.shape[0]
    n = k - 2
    c = coef[1:-1, 1:-1]
    north = (coef[:-2, 1:-1] + c) / 2  # face between (i-1, j) and (i, j)
    south = (coef[2:, 1:-1] + c) / 2
    west = (coef[1:-1, :-2] + c) / 2
    east = (coef[1:-1, 2:] + c) / 2
    index = np.arange(n * n).reshape(n, n)
    rows = [index.ravel()]
    cols = [index.ravel()]
    vals = [(north + south + west + east).ravel()]
    for face, di, dj in ((north, -1, 0), (south, 1, 0), (west, 0, -1), (east, 0, 1)):
        src = index[max(0, -di) : n - max(0, di), max(0, -dj) : n - max(0, dj)]
        dst = index[max(0, di) : n + min(0, di), max(0, dj) : n + min(0, dj)]
        f = face[max(0, -di) : n - max(0, di), max(0, -dj) : n - max(0, dj)]
        rows.append(src.ravel())
        cols.append(dst.ravel())
        vals.append(-f.ravel())
    matrix = sp.coo_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n * n, n * n)
    )
    return (matrix * float((k - 1) ** 2)).tocsc()


def solve_darcy(coef: np.ndarray, forcing: float | np.ndarray = 1.0) -> np.ndarray:
    """Solve ``-div(coef grad u) = forcing``, ``u = 0`` on the boundary; returns u (K x K, float64).

    ``coef`` and ``forcing`` are node values on the K x K grid ``i / (K - 1)`` (boundary included).
    """
    coef = np.asarray(coef, dtype=np.float64)
    if coef.ndim != 2 or coef.shape[0] != coef.shape[1] or coef.shape[0] < 3:
        raise ValueError(f"coef must be a square K x K array with K >= 3, got shape {coef.shape}")
    if not np.all(np.isfinite(coef)) or coef.min() <= 0:
        raise ValueError("coef must be finite and strictly positive (the PDE is then elliptic)")
    k = coef.shape[0]
    try:
        rhs = np.broadcast_to(np.asarray(forcing, dtype=np.float64), coef.shape)
    except ValueError:
        raise ValueError(
            f"forcing must be a scalar or of coef's shape {coef.shape}, got {np.shape(forcing)}"
        ) from None
    u = np.zeros((k, k))
    interior = spla.spsolve(_laplacian_matrix(coef), rhs[1:-1, 1:-1].ravel())
    u[1:-1, 1:-1] = np.asarray(interior).reshape(k - 2, k - 2)
    return u


@dataclass(frozen=True)
class DarcySamples:
    """Generated pairs: coefficients ``a`` and solutions ``u``, both (n, R, R) float32."""

    coef: np.ndarray
    sol: np.ndarray


def output_resolution(solve_resolution: int, stride: int) -> int:
    """Points kept when subsampling ``solve_resolution`` by ``stride`` (FNO: 421, 5 -> 85)."""
    return (solve_resolution - 1) // stride + 1


def generate(
    n: int,
    seed: int | tuple[int, ...],
    solve_resolution: int = 85,
    stride: int = 1,
    params: GRFParams = GRFParams(),
) -> DarcySamples:
    """``n`` seeded Darcy pairs solved at ``solve_resolution`` and subsampled by ``stride``.

    ``seed`` is anything :func:`numpy.random.default_rng` accepts as entropy (an int or a tuple of
    ints); the same seed gives the same arrays.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if stride < 1:
        raise ValueError(f"stride must be >= 1, got {stride}")
    rng = np.random.default_rng(seed)
    res = output_resolution(solve_resolution, stride)
    coef = np.empty((n, res, res), dtype=np.float32)
    sol = np.empty((n, res, res), dtype=np.float32)
    for i in range(n):
        a = threshold(gaussian_random_field(solve_resolution, rng, params), params)
        u = solve_darcy(a, 1.0)
        coef[i] = a[::stride, ::stride]
        sol[i] = u[::stride, ::stride]
    return DarcySamples(coef=coef, sol=sol)
