#!/usr/bin/env bash
# Background CPU ground-truth collection for the tasks with data here (resumable: re-run it).
# Round-robin over TASKS (default: ecg satellite darcyflow) in steps of STEP proposals per
# campaign, at each task's protocol <task>-<KIND> (KIND default cpu-v1; the v2 protocols, with
# seeds per architecture and the stand-in data of ninapro and psicov:
# KIND=cpu-v2 TASKS="ecg satellite darcyflow ninapro psicov", REPEAT 0.2 for >= 15 % with 3 seeds). Each task grows with every
# sampler in SAMPLERS (default: uniform random, regularised evolution with population 25 and
# tournament 5, and BANANAS; the optimizers are driven by the real training results), so
# surrogates can be tested leave-one-sampler-out. REPEAT of the architectures (chosen by hash) are
# trained with 3 seeds. Records go to the committed store; environment settings:
#   STORE  the record store folder, e.g. the main checkout's, to run from a separate worktree while
#          the main checkout is being edited;
#   UNTIL  anything `date -d` reads, e.g. "01:45": ends the collection cleanly, no run starts that
#          is not expected to finish by then (nb360 collect --time-budget-s);
#   ARCHS  stop growing a task once its store holds that many distinct architectures, and stop
#          the script once every task does;
#   START  the first round's proposal count (default STEP);
#   SPACE  the search space (default darts; nb201 with KIND=nb201-cpu-v1, the NB201-space protocols);
#   LAG    the optimizers' feedback lag (default 4, the CLI's default at 2 workers), fixed whatever
#          WORKERS is, so a campaign resumed with another worker count replays the same trajectory.
#   NB360_DATA_ROOT=../shared/data scripts/collect_cpu.sh [TARGET] [STEP] [WORKERS] [REPEAT]
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET=${1:-1000}
STEP=${2:-10}
WORKERS=${3:-1}
REPEAT=${4:-0.05}
PY=${PYTHON:-.venv/bin/python}
STORE=${STORE:-training_data/data/records}
SAMPLERS=${SAMPLERS:-random regularized_evolution bananas}
UNTIL=${UNTIL:-}
ARCHS=${ARCHS:-}
START=${START:-$STEP}
KIND=${KIND:-cpu-v1}
TASKS=${TASKS:-ecg satellite darcyflow}
SPACE=${SPACE:-darts}
LAG=${LAG:-4}
if [[ -n "$UNTIL" ]]; then
  end=$(date -d "$UNTIL" +%s) || { echo "UNTIL=$UNTIL is not a date that date -d reads" >&2; exit 2; }
fi

budget_option() {  # --time-budget-s up to UNTIL; fails within a minute of UNTIL
  [[ -n "$UNTIL" ]] || return 0
  local left=$((end - $(date +%s)))
  ((left > 60)) || return 1  # too little time left for one more campaign to start a run
  echo "--time-budget-s $left"
}

sampler_options() {  # the optimizer hyper-parameters each sampler's campaign runs with
  case "$1" in
    regularized_evolution) echo "--sampler-option population_size=25 --sampler-option sample_size=5" ;;
    *) echo "" ;;
  esac
}

distinct_archs() {  # distinct architectures the store holds for task $1 at protocol $1-$KIND
  "$PY" -c "import sys; from training_data.records.store import RecordStore
print(len({r.arch_hash for r in RecordStore(sys.argv[1]).records(task=sys.argv[2], protocol=sys.argv[3])}))" \
    "$STORE" "$1" "$1-$KIND"
}

for ((n = START; n <= TARGET; n += STEP)); do
  growing=0
  for task in $TASKS; do
    if [[ -n "$ARCHS" ]]; then
      have=$(distinct_archs "$task")
      if ((have >= ARCHS)); then echo "$task: $have distinct architectures (ARCHS=$ARCHS): done"; continue; fi
    fi
    growing=1
    for sampler in $SAMPLERS; do
      budget=$(budget_option) || { echo "UNTIL=$UNTIL reached: stopping"; exit 0; }
      # shellcheck disable=SC2046,SC2086  # the options are words on purpose
      "$PY" -m nb360_cli.main collect $budget --task "$task" --protocol "$task-$KIND" --n "$n" \
        --space "$SPACE" --sampler "$sampler" $(sampler_options "$sampler") --repeat-fraction "$REPEAT" \
        --repeat-seeds 3 --workers "$WORKERS" --feedback-lag "$LAG" --threads 1 --no-progress \
        --store "$STORE"
    done
  done
  ((growing)) || { echo "every task holds ARCHS=$ARCHS distinct architectures: stopping"; exit 0; }
done
