#!/usr/bin/env bash
# Background CPU ground-truth collection for the tasks with data here (resumable: re-run it).
# Round-robin over ecg, satellite and darcyflow in steps of STEP architectures, so every task
# grows; 5% of architectures are trained with 3 seeds. Records go to the committed store.
#   NB360_DATA_ROOT=../shared/data scripts/collect_cpu.sh [TARGET] [STEP] [WORKERS]
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET=${1:-1000}
STEP=${2:-10}
WORKERS=${3:-1}
PY=${PYTHON:-.venv/bin/python}
for ((n = STEP; n <= TARGET; n += STEP)); do
  for task in ecg satellite darcyflow; do
    "$PY" -m nb360_cli.main collect --task "$task" --protocol "$task-cpu-v1" --n "$n" \
      --repeat-fraction 0.05 --repeat-seeds 3 --workers "$WORKERS" --threads 1 --no-progress
  done
done
