#!/usr/bin/env bash
# Background CPU ground-truth collection for the tasks with data here (resumable: re-run it).
# Round-robin over ecg, satellite and darcyflow in steps of STEP proposals, alternating a uniform
# random campaign and a regularised-evolution campaign (population 25, tournament 5, driven by the
# real training results), so every task grows with both samplers. REPEAT of the architectures
# (chosen by hash) are trained with 3 seeds. Records go to the committed store.
# STORE (env) overrides the record store folder, e.g. to run from a separate worktree and append to
# the main checkout's store while the main checkout is being edited.
#   NB360_DATA_ROOT=../shared/data scripts/collect_cpu.sh [TARGET] [STEP] [WORKERS] [REPEAT]
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET=${1:-1000}
STEP=${2:-10}
WORKERS=${3:-1}
REPEAT=${4:-0.05}
PY=${PYTHON:-.venv/bin/python}
STORE=${STORE:-training_data/data/records}
for ((n = STEP; n <= TARGET; n += STEP)); do
  for task in ecg satellite darcyflow; do
    common=(--task "$task" --protocol "$task-cpu-v1" --n "$n" --repeat-fraction "$REPEAT"
            --repeat-seeds 3 --workers "$WORKERS" --threads 1 --no-progress --store "$STORE")
    "$PY" -m nb360_cli.main collect "${common[@]}"
    "$PY" -m nb360_cli.main collect "${common[@]}" --sampler regularized_evolution \
      --sampler-option population_size=25 --sampler-option sample_size=5
  done
done
