"""The validation study: NAS optimizers on the true NB201 NB360 tables vs a fitted surrogate.

Run: ``.venv/bin/python benchmarks/bench_validation.py [options of python -m nas_optimizers.validation]``.
With no options it runs the study on every NB201 table (NinaPro, Darcy and CIFAR-100, every
optimizer, 20 seeds x 150 evaluations, 4 workers, an ``ensemble`` surrogate on 10 % of each
table) and writes its figures and ``results.md`` into ``docs/validation/`` (about 6-7 minutes
per task on 2 cores). Prints the path.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # benchmark this checkout's code

from nas_optimizers.validation.__main__ import main  # noqa: E402

if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    arguments = sys.argv[1:]
    if "--out" not in arguments:
        arguments += ["--out", str(ROOT / "docs" / "validation")]
    main(arguments)
