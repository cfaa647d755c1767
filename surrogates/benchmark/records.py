"""The training records behind a benchmark: selection, held-out split and data hash."""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from graph_encodings.deprecation import renamed_keywords
from surrogates.lookup import pick_protocol
from surrogates.splits import group_holdout

HOLDOUT_FRACTION = 0.1
SPLIT_UNIT_RECORD = "record"  # the manifests' split_unit: record by record (older benchmarks)
SPLIT_UNIT_ARCHITECTURE = "architecture"  # whole canonical architectures (seeds, twins) per side


@dataclass(frozen=True)
class TrainingSet:
    """The ``ok`` records of one (space, task, protocol), in record-store order."""

    space: str
    task: str
    protocol: str
    frame: pd.DataFrame

    @property
    def archs(self) -> list[str]:
        return self.frame["arch"].tolist()

    @property
    def scores(self) -> np.ndarray:
        return self.frame["score"].to_numpy(dtype=np.float64)

    @property
    def groups(self) -> np.ndarray:
        """Noise groups: the canonical hash (repeated seeds and isomorphic twins share one)."""
        return self.frame["arch_hash"].to_numpy()

    @property
    def train_seconds(self) -> np.ndarray | None:
        """Training seconds of every record, or None when any record lacks them."""
        if "train_seconds" not in self.frame.columns:
            return None
        seconds = pd.to_numeric(self.frame["train_seconds"], errors="coerce").to_numpy(float)
        if not np.all(np.isfinite(seconds) & (seconds > 0)):
            return None
        return seconds

    def __len__(self) -> int:
        return len(self.frame)

    def first(self, n: int) -> TrainingSet:
        """The first ``n`` records: what the set held before later records were appended (a
        record store only grows by appending)."""
        return TrainingSet(self.space, self.task, self.protocol, self.frame.iloc[:n].reset_index(drop=True))

    def architecture_means(self, rows: np.ndarray) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
        """The records at ``rows`` collapsed to one row per trained architecture: its text, mean
        score, canonical hash and how many runs the mean is over (first-seen order).

        The surrogates' training target: an architecture's expected score, not one run's. The
        seeds of one architecture are averaged; imported table rows of isomorphic twins (the NB201
        cells, told apart by ``run_id``) stay separate rows, so each cell keeps the weight it has
        among the architectures a user queries.
        """
        frame = self.frame.iloc[np.asarray(rows, dtype=int)]
        keys = ["arch", "run_id"] if "run_id" in frame.columns else ["arch"]
        grouped = frame.groupby(keys, sort=False)
        means = grouped["score"].mean().to_numpy(dtype=np.float64)
        counts = grouped["score"].size().to_numpy(dtype=np.int64)
        first = grouped[["arch", "arch_hash"]].first()
        return first["arch"].tolist(), means, first["arch_hash"].to_numpy(), counts


def protocols_with_records(task: str, space: str,
                           store: str | os.PathLike[str] | None = None) -> list[str]:
    """Protocols of ``task`` that have records of ``space`` in the record store ``store``."""
    from training_data.records import load_records

    frame = load_records(task=task, space=None, store=store)
    return sorted(frame.loc[frame["space"] == space, "protocol"].unique().tolist())


@renamed_keywords(root="store")
def load_training_set(
    task: str, space: str, protocol: str | None = None,
    store: str | os.PathLike[str] | None = None,
) -> TrainingSet:
    """The ``ok`` records with a finite score of ``task``/``space``/``protocol`` in the record
    store ``store`` (default: the shipped records).

    ``protocol=None`` picks the newest protocol with records (:func:`surrogates.lookup.pick_protocol`:
    the only one, else the only one of the highest version); otherwise ``ValueError`` listing
    what exists.
    """
    from training_data.records import load_records

    if protocol is None:
        protocol = pick_protocol(None, protocols_with_records(task, space, store),
                                 f"the {space!r} records of task {task!r}")
    frame = load_records(task=task, protocol=protocol, store=store)
    if space not in set(frame["space"]):
        raise ValueError(
            f"no {space!r} records for task {task!r} protocol {protocol!r}; spaces present: "
            f"{sorted(set(frame['space']))}"
        )
    score = pd.to_numeric(frame["score"], errors="coerce")
    keep = (frame["space"] == space) & (frame["status"] == "ok") & np.isfinite(score)
    frame = frame[keep].reset_index(drop=True)
    if len(frame) < 2:
        raise ValueError(
            f"task {task!r} space {space!r} protocol {protocol!r} has {len(frame)} ok records; "
            f"a benchmark needs at least 2"
        )
    return TrainingSet(space, task, protocol, frame)


def training_data_hash(data: TrainingSet) -> str:
    """sha256 over the sorted record keys and scores used for fitting.

    One line per record: ``arch_hash, seed, run_id, arch, repr(score)``; the lines are sorted,
    so the hash does not depend on the order of the records in the store.
    """
    f = data.frame
    run_ids = f["run_id"] if "run_id" in f.columns else pd.Series([""] * len(f))
    lines = sorted(
        f"{h}\t{s}\t{r}\t{a}\t{float(v)!r}"
        for h, s, r, a, v in zip(f["arch_hash"], f["seed"], run_ids, f["arch"], f["score"],
                                 strict=True)
    )
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def fitted_records(manifest: dict[str, Any], store: str | os.PathLike[str] | None = None) -> TrainingSet | None:
    """The records a benchmark manifest was fitted on: the first ``training_data.n_records`` of
    its (space, task, protocol) in the record store ``store`` (default: the shipped records; a
    store only grows by appending), or None when they are not there or no longer hash to the
    manifest's ``training_data.sha256``."""
    recorded = manifest.get("training_data") or {}
    n, sha = recorded.get("n_records"), recorded.get("sha256")
    if n is None or sha is None:
        return None
    try:
        data = load_training_set(manifest["task"], manifest["space"], manifest["protocol"], store)
    except ValueError:  # no such records in this store
        return None
    if len(data) < n:
        return None
    fitted = data.first(int(n))
    return fitted if training_data_hash(fitted) == sha else None


def split_records(n: int, seed: int, fraction: float = HOLDOUT_FRACTION) -> tuple[np.ndarray, np.ndarray]:
    """Seeded split of ``n`` records into a fitting pool and a held-out ``fraction`` (sorted).

    Record by record: an architecture's other seeds or isomorphic twins may sit in the pool. The
    benchmarks fitted before :func:`split_architectures` (no ``split_unit`` in their manifest's
    ``evaluation``) were scored on this split.
    """
    order = np.random.default_rng(seed).permutation(n)
    n_test = max(1, int(round(fraction * n)))
    return np.sort(order[n_test:]), np.sort(order[:n_test])


def split_architectures(groups: np.ndarray, seed: int,
                        fraction: float = HOLDOUT_FRACTION) -> tuple[np.ndarray, np.ndarray]:
    """Seeded split into a fitting pool and about ``fraction`` held out (sorted row indices), by
    whole ``groups`` (canonical hashes): a held-out architecture has no run in the pool."""
    test = group_holdout(groups, fraction, np.random.default_rng(seed))
    return np.flatnonzero(~test), np.flatnonzero(test)


def held_out_rows(data: TrainingSet, evaluation: dict) -> np.ndarray:
    """The rows a benchmark's manifest ``evaluation`` (method ``holdout``) was scored on."""
    if evaluation.get("method") != "holdout":
        raise ValueError(f"evaluation method {evaluation.get('method')!r} holds no rows out: every "
                         "record was scored out of fold")
    seed, fraction = int(evaluation["split_seed"]), float(evaluation["test_fraction"])
    if evaluation.get("split_unit", SPLIT_UNIT_RECORD) == SPLIT_UNIT_RECORD:
        return split_records(len(data), seed, fraction)[1]
    return split_architectures(data.groups, seed, fraction)[1]
