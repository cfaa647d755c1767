"""BOHB (Falkner et al., ICML 2018) on architectures: Hyperband whose new trials come from a
TPE model of the results at the highest rung that has enough of them.

TPE on a cell: the one-hot encoding of the architectures (``graph_encodings.encode(space,
archs, 'onehot')``) is binary, so the kernel density of BOHB becomes, per feature, a smoothed
frequency: ``l`` is fitted on the best ``gamma`` fraction of the rung's results, ``g`` on the
rest, each a product over features of ``Bernoulli((count + prior) / (n + 2 prior))`` (the
categorical kernel of BOHB with bandwidth set by the prior). Candidates are drawn as BOHB
samples from ``l``, around its points: a good architecture mutated once (the kernel's
bandwidth), half of them; uniform samples the other half; the candidate maximising ``l / g``
is proposed. A ``random_fraction`` of new trials stays uniform, as in BOHB.
"""
from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

import numpy as np

from graph_encodings import encode
from nas_optimizers.multi_fidelity.base import Job, check_int
from nas_optimizers.multi_fidelity.successive_halving import Hyperband


def _check_fraction(name: str, value: Any, low_open: bool) -> float:
    ok = isinstance(value, (int, float, np.number)) and not isinstance(value, bool) and (
        0 < value < 1 if low_open else 0 <= value <= 1)
    if not ok:
        raise ValueError(f"{name} must be a number in {'(0, 1)' if low_open else '[0, 1]'}, "
                         f"got {value!r}")
    return float(value)


class BOHB(Hyperband):
    """BOHB: Hyperband whose new architectures are proposed by TPE on the one-hot encoding,
    fitted on the highest rung with enough results.

    ``min_points_in_model``: results a rung needs before it is modelled (the highest such rung
    is used). ``gamma``: the fraction of a rung's results that counts as good. ``n_candidates``:
    candidates scored by ``l / g`` per proposal. ``random_fraction``: new trials drawn uniformly
    whatever the model. ``prior``: the pseudo-count smoothing each feature frequency.
    """

    name = "bohb"

    def __init__(
        self, space: Any, seed: int | None = 0, min_points_in_model: int = 10,
        gamma: float = 0.15, n_candidates: int = 64, random_fraction: float = 1 / 3,
        prior: float = 1.0, **fidelity: Any,
    ) -> None:
        super().__init__(space, seed, **fidelity)
        self.min_points_in_model = check_int("min_points_in_model", min_points_in_model, 2)
        self.gamma = _check_fraction("gamma", gamma, low_open=True)
        self.n_candidates = check_int("n_candidates", n_candidates, 1)
        self.random_fraction = _check_fraction("random_fraction", random_fraction, low_open=False)
        if not (isinstance(prior, (int, float, np.number)) and prior > 0):
            raise ValueError(f"prior must be a number > 0, got {prior!r}")
        self.prior = float(prior)
        self.results: dict[int, list[tuple[Any, float]]] = defaultdict(list)  # epochs -> told

    def _on_result(self, job: Job, score: float) -> None:
        if np.isfinite(score):
            self.results[job.epochs].append((job.arch, score))
        super()._on_result(job, score)

    def model_rung(self) -> int | None:
        """The highest rung (epochs) with at least ``min_points_in_model`` results, or None."""
        rich = [e for e, r in self.results.items() if len(r) >= self.min_points_in_model]
        return max(rich) if rich else None

    def _sample_arch(self, epochs: int) -> Any:
        rung = self.model_rung()
        if rung is None or self.rng.random() < self.random_fraction:
            return self.space.sample(self.rng)
        archs, scores = zip(*self.results[rung], strict=True)
        order = np.argsort(np.asarray(scores), kind="stable")
        n_good = max(1, math.ceil(self.gamma * len(order)))
        if n_good >= len(order):
            return self.space.sample(self.rng)
        good = [archs[i] for i in order[:n_good]]
        bad = [archs[i] for i in order[n_good:]]
        n_local = self.n_candidates // 2
        candidates = [self.space.mutate(good[self.rng.integers(len(good))], self.rng)
                      for _ in range(n_local)]
        candidates += [self.space.sample(self.rng) for _ in range(self.n_candidates - n_local)]
        ratio = self._log_density(good, candidates) - self._log_density(bad, candidates)
        return candidates[int(np.argmax(ratio))]

    def _log_density(self, fitted: list[Any], candidates: list[Any]) -> np.ndarray:
        """log of the smoothed per-feature Bernoulli density fitted on ``fitted``, at each
        candidate."""
        x = encode(self.space, fitted, "onehot").astype(np.float64)
        c = encode(self.space, candidates, "onehot").astype(np.float64)
        p = (x.sum(axis=0) + self.prior) / (len(x) + 2 * self.prior)
        return c @ np.log(p) + (1 - c) @ np.log1p(-p)
