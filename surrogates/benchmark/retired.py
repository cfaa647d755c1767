"""Benchmarks that once shipped and were taken out, and why.

A benchmark fitted on records whose scores the architecture hardly decides (a low architecture
share: most of a run's variance is seed noise) ranks optimizers by that noise and misleads the
comparisons it is used for. Such benchmarks leave the package; their records stay in
``training_data/data/records``, so ``nb360 fit`` rebuilds any of them (the note says how), and a
query for one names what replaced it.
"""
from __future__ import annotations

# (space, task, protocol) -> why it was retired and what serves the task instead
RETIRED: dict[tuple[str, str, str], str] = {
    ("darts", "satellite", "satellite-cpu-v1"): (
        "its records' architecture share is 0.23 (90 % interval 0.10-0.35), so it ranked mostly "
        "seed noise (held-out Kendall tau 0.14, R2 -0.08); Satellite's DARTS benchmark is "
        "darts/satellite-cpu-v3 (share 0.72), and its NB201 one nb201/satellite-nb201-cpu-v1 "
        "(share 0.60)"
    ),
    ("darts", "ecg", "ecg-cpu-v1"): (
        "its records' architecture share is 0.09 (90 % interval 0.00-0.19), so it ranked mostly "
        "seed noise (held-out Kendall tau 0.35, R2 0.23); ECG's DARTS benchmark is "
        "darts/ecg-cpu-v3 (share 0.77), and its NB201 one nb201/ecg-nb201-cpu-v1 (share 0.76)"
    ),
}


def retired_note(space: str, task: str, protocol: str | None = None) -> str:
    """A sentence on the retired benchmarks of ``space``/``task`` (only ``protocol``'s when
    given), with the command that rebuilds each from its shipped records; "" when none."""
    notes = [
        f"{space}/{task}/{name} was retired: {why}; rebuild it from its shipped records with "
        f"`nb360 fit --task {task} --space {space} --protocol {name}`"
        for (s, t, name), why in sorted(RETIRED.items())
        if (s, t) == (space, task) and protocol in (None, name)
    ]
    return "".join(f" ({note})" for note in notes)


__all__ = ["RETIRED", "retired_note"]
