"""ASHA: asynchronous successive halving (Li et al., MLSys 2020), promotion (pause-and-resume)."""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from nas_optimizers.multi_fidelity.base import Job, MultiFidelityOptimizer, best_first


class ASHA(MultiFidelityOptimizer):
    """Asynchronous successive halving (ASHA): promotes as soon as a trial is in the top 1 / eta
    of its rung, so no worker waits for a rung to fill.

    Each ``ask`` looks at the rungs from the highest below ``max_epochs`` down: a trial that is
    among the best ``floor(n / eta)`` of the ``n`` results of its rung and has not been promoted
    yet continues (from its checkpoint) to the next rung; when no rung has such a trial, a new
    architecture (uniform sample) starts at the lowest rung. Failures (NaN) are never promoted.
    """

    name = "asha"

    def __init__(self, space: Any, seed: int | None = 0, **fidelity: Any) -> None:
        super().__init__(space, seed, **fidelity)
        self.rungs: dict[int, dict[int, float]] = defaultdict(dict)  # epochs -> trial -> score
        self.promoted: dict[int, set[int]] = defaultdict(set)  # epochs -> trials promoted

    def _ask(self) -> Job:
        levels = self.levels
        for low, high in reversed(list(zip(levels[:-1], levels[1:], strict=True))):
            rung = self.rungs[low]
            for trial in best_first(rung)[: len(rung) // self.eta]:
                if trial not in self.promoted[low]:
                    self.promoted[low].add(trial)
                    return self._continue_job(trial, high)
        return self._new_job(self._sample_arch(), levels[0])

    def _sample_arch(self) -> Any:
        return self.space.sample(self.rng)

    def _on_result(self, job: Job, score: float) -> None:
        self.rungs[job.epochs][job.trial] = score
