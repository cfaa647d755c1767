"""BANANAS (White, Neiswanger, Savani 2021): a neural ensemble on the path encoding plus ITS.

The predictor is an ensemble of small MLPs (``num_ensemble`` members, each differently
initialised) on the BANANAS path encoding, trained full-batch with Adam on standardised
scores; the ensemble's mean and standard deviation feed the acquisition (independent Thompson
sampling by default, as in the paper's final configuration; ``ucb`` and ``ei`` available). The
candidate pool mutates the best architectures, as BANANAS does, plus a few random samples; see
:mod:`nas_optimizers.model_based`.

Kept CPU-cheap: the members are trained together as one batched network (one matmul per layer
for all members), and columns of the path encoding that are zero in every training
architecture are dropped (they carry no signal; BANANAS similarly truncates its encoding).
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch

from graph_encodings import encode
from nas_optimizers.model_based import ModelBasedOptimizer


@contextmanager
def _single_thread() -> Iterator[None]:
    """Run torch on one thread: these networks are tiny, and intra-op threads only add overhead
    (tens of times slower on a loaded 2-core machine)."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


class MLPEnsemble:
    """``members`` independent MLPs (ReLU, ``layers`` hidden layers of ``width``) trained in one batch."""

    def __init__(
        self, members: int = 5, layers: int = 3, width: int = 32, epochs: int = 100,
        lr: float = 0.01, seed: int = 0,
    ) -> None:
        self.members, self.layers, self.width = members, layers, width
        self.epochs, self.lr, self.seed = epochs, lr, seed

    def fit(self, X: np.ndarray, y: np.ndarray) -> MLPEnsemble:
        """Train every member on all of ``(X, y)``; returns self."""
        with _single_thread():
            return self._fit(X, y)

    def _fit(self, X: np.ndarray, y: np.ndarray) -> MLPEnsemble:
        generator = torch.Generator().manual_seed(self.seed)
        self.columns_ = np.flatnonzero(X.std(axis=0) > 0) if len(X) > 1 else np.arange(X.shape[1])
        if self.columns_.size == 0:
            self.columns_ = np.arange(min(1, X.shape[1]))
        self.y_mean_, self.y_std_ = float(y.mean()), float(y.std()) or 1.0
        sizes = [self.columns_.size] + [self.width] * self.layers + [1]
        self.weights_ = []
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
            bound = 1.0 / np.sqrt(fan_in)
            w = (torch.rand(self.members, fan_in, fan_out, generator=generator) * 2 - 1) * bound
            b = (torch.rand(self.members, 1, fan_out, generator=generator) * 2 - 1) * bound
            self.weights_ += [w.requires_grad_(), b.requires_grad_()]
        inputs = self._inputs(X)
        target = torch.as_tensor((y - self.y_mean_) / self.y_std_, dtype=torch.float32)
        moments = [(torch.zeros_like(p), torch.zeros_like(p)) for p in self.weights_]
        beta1, beta2 = 0.9, 0.999
        for step in range(1, self.epochs + 1):  # Adam, written out: torch.optim costs a
            loss = ((self._forward(inputs) - target) ** 2).mean()  # dynamo import per process
            grads = torch.autograd.grad(loss, self.weights_)
            with torch.no_grad():
                scale = self.lr * np.sqrt(1 - beta2**step) / (1 - beta1**step)
                for p, g, (m, v) in zip(self.weights_, grads, moments, strict=True):
                    m.mul_(beta1).add_(g, alpha=1 - beta1)
                    v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
                    p.addcdiv_(m, v.sqrt().add_(1e-8), value=-scale)
        return self

    def predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Ensemble mean and standard deviation over members, in the units of ``y``."""
        with torch.no_grad(), _single_thread():
            out = self._forward(self._inputs(X)).numpy() * self.y_std_ + self.y_mean_
        return out.mean(axis=0), out.std(axis=0)

    def _inputs(self, X: np.ndarray) -> torch.Tensor:
        x = torch.as_tensor(np.ascontiguousarray(X[:, self.columns_]), dtype=torch.float32)
        return x.unsqueeze(0).expand(self.members, -1, -1)

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        """(members, n, d) -> (members, n)."""
        for k in range(0, len(self.weights_), 2):
            x = torch.baddbmm(self.weights_[k + 1], x, self.weights_[k])
            if k + 2 < len(self.weights_):
                x = torch.relu(x)
        return x.squeeze(-1)


class Bananas(ModelBasedOptimizer):
    """BANANAS: MLP ensemble on the path encoding, ITS over mutations of the best archs."""

    name = "bananas"
    default_acquisition = "its"

    def __init__(
        self,
        space: Any,
        seed: int | None = 0,
        num_ensemble: int = 5,
        epochs: int = 100,
        hidden_layers: int = 3,
        width: int = 32,
        encoding: str = "path",
        **kwargs: Any,
    ) -> None:
        super().__init__(space, seed, **kwargs)
        for label, value in (
            ("num_ensemble", num_ensemble), ("epochs", epochs),
            ("hidden_layers", hidden_layers), ("width", width),
        ):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{label} must be an integer >= 1, got {value!r}")
        if encoding not in ("path", "onehot"):
            raise ValueError(f"unknown encoding {encoding!r}; valid: path, onehot")
        self.num_ensemble, self.epochs = num_ensemble, epochs
        self.hidden_layers, self.width, self.encoding = hidden_layers, width, encoding
        self.model_: MLPEnsemble | None = None

    def _fit(self, archs: Sequence[Any], scores: np.ndarray) -> None:
        self.model_ = MLPEnsemble(
            self.num_ensemble, self.hidden_layers, self.width, self.epochs,
            seed=int(self.rng.integers(2**31)),
        ).fit(encode(self.space, list(archs), self.encoding), scores)

    def _predict(self, archs: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
        return self.model_.predict(encode(self.space, list(archs), self.encoding))
