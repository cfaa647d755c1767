#!/usr/bin/env bash
# GPU ground-truth collection over one lease of the lent GPU machine (the `device` tool), where
# the repository arrives as a plain copy: no install, the image's python3 (torch, numpy, scipy,
# pandas, scikit-learn, joblib, tqdm are there; XGBoost, LightGBM and Ray are not needed), and the
# data root made here by `nb360 data pack --out data_pack` and carried along. The working tree
# and the pack travel together, 64 MiB at most: the default pack holds the default TASKS
# (satellite's file; Darcy is generated there); ECG's full records (36.9 MiB packed) go in a lease
# of their own: `nb360 data pack --tasks ecg --out data_pack`, then TASKS=ecg. Beside the working
# tree that pack travels in parts, one call each (`nb360 data split-pack data_pack` writes
# data_pack.part<k>-of-<n>, at most 24 MiB each):
#   run(command="OUT=$OUT scripts/collect_gpu.sh stage data_pack.part1-of-2", carry=["data_pack.part1-of-2"])
#   run(command="OUT=$OUT scripts/collect_gpu.sh stage data_pack.part2-of-2 && OUT=$OUT TASKS=ecg
#       scripts/collect_gpu.sh start", carry=["data_pack.part2-of-2"])
# stage keeps each part in $RUN_DIR/pack_parts (ignored, so it stays on the warm machine) and, once
# all are there, joins and verifies the pack as $RUN_DIR/data_pack, then the data root (before a
# carried data_pack); later calls carry nothing.
#
# One call may run 10 minutes, but a lease lasts up to 30 and a warm machine keeps a process that
# started its own session. So the collector runs in the background for the whole lease and the
# calls follow it, back to back (the machine goes back after 30 s idle):
#
#   run(command="OUT=$OUT scripts/collect_gpu.sh start", carry=["data_pack"], timeout_s=600)
#   run(command="OUT=$OUT scripts/collect_gpu.sh follow", carry=["data_pack"], timeout_s=600)  # again
#                                                      # until it prints "collector finished"
# start: the CUDA facts ($OUT/gpu.txt), the pack checked (it must hold every task of TASKS), then the background collector:
#   0. each task's data loaded once into the disk cache (ECG decoded from the pack, Darcy solved);
#   1. MPS=1: the CUDA MPS daemon, so the workers' kernels overlap instead of time-slicing the GPU
#      (measured on the first lease: 4 processes 1.11x one without it, 2.43x with it);
#   2. THROUGHPUT=1: benchmarks/bench_gpu_step.py, about two minutes ($RUN_DIR/steps.json and
#      concurrency.json): per task, eager against CUDA-graph steps and the float32 check that both
#      give the same losses; CUDA graphs are switched on for the campaigns (NB360_CUDA_GRAPHS=1)
#      only if the check passes and they are faster (GRAPHS=auto; GRAPHS=0 or 1 forces); then the
#      steps per second of 1, 4 and WORKERS processes at once, in the chosen mode;
#   3. `nb360 collect --time-budget-s` on each of TASKS in turn (uniform random, WORKERS concurrent
#      runs, an equal share of what is left each; 20 % of architectures get 3 seeds), told how long
#      a run should take (--expect-run-s, from the step figures) so that it starts none that cannot
#      end in its share; a campaign still running when the lease is up is stopped (runs in flight
#      are lost, records kept);
#   then it follows, as `follow` does. A campaign's summary line gives its runs per device-hour.
# follow: waits until the collector finishes or CALL_S seconds pass, then copies the records
#   ($OUT/records/<task>/<task>-$KIND.jsonl, two folders down so they come back) and the log.
#   Merge them here: nb360 data merge <files>/records --store training_data/data/records
# The live store is RUN_DIR/records (ignored, so it stays on the warm machine between calls),
# seeded with the checkout's committed <task>-$KIND records, so campaigns resume across leases.
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=${1:-}
: "${OUT:?set OUT to the folder whose files come back}"
LEASE_S=${LEASE_S:-1320}          # the collector's whole budget (22 min: a lease is 30, less start-up
                                  # and the calls' transfers, with margin for the last copy back)
CALL_S=${CALL_S:-540}             # how long one call follows it (a call may run 600 s)
TASKS=${TASKS:-darcyflow satellite}  # each must be in the pack (start checks); ecg: see above
WORKERS=${WORKERS:-12}
N=${N:-5000}
SEED=${SEED:-0}
REPEAT=${REPEAT:-0.2}             # fraction of architectures also trained with seeds 1 and 2
THROUGHPUT=${THROUGHPUT:-1}
THROUGHPUT_TASK=${THROUGHPUT_TASK:-darcyflow}
STEPS=${STEPS:-30}                # training steps per timing in the step benchmark
GRAPHS=${GRAPHS:-auto}            # CUDA graphs in the campaigns: auto (if the check passes), 1, 0
MPS=${MPS:-1}                     # start the CUDA MPS daemon (CUDA devices, where the tool exists)
RUN_OVERHEAD=${RUN_OVERHEAD:-1.5} # a run's time over its steps' (validation, first-epoch tuning):
                                  # first lease, Darcy eager: 129 s of training for 2,520 x 34.8 ms
DEVICE=${DEVICE:-cuda}            # cpu and KIND=tiny-v1 give a smoke run without a GPU (tests)
KIND=${KIND:-gpu-v1}              # the protocol of each task: <task>-$KIND
MIN_SHARE_S=${MIN_SHARE_S:-30}    # a task's campaign is skipped when less time than this is left
RUN_DIR=${RUN_DIR:-runs/gpu}
COMMITTED=${COMMITTED:-training_data/data/records}  # the store whose $KIND records are resumed
PY=${PYTHON:-python3}
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
if [[ -z "${NB360_DATA_ROOT:-}" ]]; then  # the pack joined from staged parts, else the carried one
  NB360_DATA_ROOT=data_pack
  [[ ! -e "$RUN_DIR/data_pack" ]] || NB360_DATA_ROOT="$RUN_DIR/data_pack"
fi
export NB360_DATA_ROOT
LIVE="$RUN_DIR/records"

warm_caches() {  # load each task's data once, so that the workers find it in the disk cache
  local task began
  for task in $TASKS; do
    began=$SECONDS
    "$PY" -c "import sys
from training_data.protocols import get_protocol
from training_data.tasks import get_task
from training_data.training.data_cache import load_task_data
protocol = get_protocol(sys.argv[1])
load_task_data(get_task(protocol.task), None, protocol.load_options)" "$task-$KIND"
    echo "data of $task ready in $((SECONDS - began)) s"
  done
}

start_mps() {  # overlapping kernels of the worker processes; the daemon outlives this call
  [[ "$MPS" == 1 && "$DEVICE" == cuda* ]] || return 0
  if ! command -v nvidia-cuda-mps-control > /dev/null; then
    echo "MPS: nvidia-cuda-mps-control not found, the processes time-slice the GPU"
    return 0
  fi
  nvidia-cuda-mps-control -d && echo "MPS daemon started" || echo "MPS daemon not started (running already?)"
}

stop_mps() {
  [[ "$MPS" == 1 && "$DEVICE" == cuda* ]] && command -v nvidia-cuda-mps-control > /dev/null || return 0
  echo quit | nvidia-cuda-mps-control || true
}

step_benchmarks() {  # graphs or not (exported for the campaigns), then the concurrency figures
  local graphs_flag=()
  # shellcheck disable=SC2086  # TASKS is a list of words
  if timeout 300 "$PY" benchmarks/bench_gpu_step.py --tasks $TASKS --kind "$KIND" --device "$DEVICE" \
      --archs 2 --steps "$STEPS" --check 1e-4 --json "$RUN_DIR/steps.json"; then
    [[ "$GRAPHS" == 0 ]] || NB360_CUDA_GRAPHS=1
  else
    [[ "$GRAPHS" == 1 ]] && NB360_CUDA_GRAPHS=1
  fi
  export NB360_CUDA_GRAPHS=${NB360_CUDA_GRAPHS:-0}
  echo "CUDA graphs in the campaigns: NB360_CUDA_GRAPHS=$NB360_CUDA_GRAPHS (GRAPHS=$GRAPHS)"
  [[ "$NB360_CUDA_GRAPHS" == 1 ]] && graphs_flag=(--cuda-graphs)
  timeout 240 "$PY" benchmarks/bench_gpu_step.py --tasks --kind "$KIND" --device "$DEVICE" \
    --steps "$STEPS" --processes 1 4 "$WORKERS" --concurrency-task "$THROUGHPUT_TASK" \
    "${graphs_flag[@]}" --json "$RUN_DIR/concurrency.json" || echo "concurrency step stopped: $?"
}

expected_run_s() {  # one run of task $1 at WORKERS at once, from the step figures (0: unknown)
  "$PY" - "$1" "$RUN_DIR/steps.json" "$RUN_DIR/concurrency.json" "${NB360_CUDA_GRAPHS:-0}" \
    "$WORKERS" "$RUN_OVERHEAD" <<'PYTHON' 2>/dev/null || echo 0
import json, sys
task, steps_file, concurrency_file, graphs, workers, overhead = sys.argv[1:]
row = next(t for t in json.load(open(steps_file))["tasks"] if t["task"] == task)
ms = row["graph_median_ms"] if graphs == "1" else row["eager_median_ms"]
levels = {c["processes"]: c["ratio"] for c in json.load(open(concurrency_file))["concurrency"]}
alone = row["steps_per_run"] * ms / 1000 * float(overhead)
print(round(alone * int(workers) / levels[int(workers)], 2))
PYTHON
}

collector() {  # the background job: caches, MPS, step figures, then the campaigns, within LEASE_S
  local start=$SECONDS
  warm_caches
  start_mps
  if [[ "$THROUGHPUT" == 1 ]]; then
    step_benchmarks
  else
    export NB360_CUDA_GRAPHS=$([[ "$GRAPHS" == 1 ]] && echo 1 || echo 0)
  fi
  local tasks=($TASKS) i left share expect
  for i in "${!tasks[@]}"; do
    left=$((LEASE_S - (SECONDS - start)))
    share=$((left / (${#tasks[@]} - i)))  # an equal share of what is left per remaining task
    ((share >= MIN_SHARE_S)) || continue
    expect=$(expected_run_s "${tasks[$i]}")
    echo "campaign ${tasks[$i]}: $share s of $left s left; a run is expected to take ${expect} s"
    # the budget starts no run expected to end after the share (until the first returns: the
    # estimate); timeout stops the campaign when the lease is up
    timeout -k 15 "$left" "$PY" -m nb360_cli.main collect --task "${tasks[$i]}" \
      --protocol "${tasks[$i]}-$KIND" --n "$N" --seed "$SEED" --repeat-fraction "$REPEAT" \
      --repeat-seeds 3 --workers "$WORKERS" --device "$DEVICE" --threads 1 --no-progress \
      --store "$LIVE" --time-budget-s "$share" --expect-run-s "$expect" \
      || echo "campaign ${tasks[$i]} stopped: $?"
  done
  stop_mps
  "$PY" -m nb360_cli.main data summary --store "$LIVE" || true
}

bring_back() {  # this protocol's record files, the log and the figures, into $OUT
  local file task
  for file in "$LIVE"/*/*-"$KIND".jsonl; do
    [[ -e "$file" ]] || continue
    task=$(basename "$(dirname "$file")")
    mkdir -p "$OUT/records/$task"
    cp "$file" "$OUT/records/$task/"
  done
  for file in "$RUN_DIR"/collector.log "$RUN_DIR"/steps.json "$RUN_DIR"/concurrency.json "$RUN_DIR"/gpu.txt; do
    [[ -e "$file" ]] && cp "$file" "$OUT/"
  done
  return 0
}

follow() {  # until the collector is done or CALL_S has passed, bringing the records back as it goes
  local start=$SECONDS copied=$SECONDS
  trap bring_back EXIT
  while [[ ! -e "$RUN_DIR/done" ]] && ((SECONDS - start < CALL_S)); do
    sleep 5
    if ((SECONDS - copied >= 60)); then  # a call killed at its limit still returns these
      bring_back
      copied=$SECONDS
    fi
  done
  tail -n 30 "$RUN_DIR/collector.log" || true
  if [[ -e "$RUN_DIR/done" ]]; then
    echo "collector finished"
  else
    echo "collector still running after ${CALL_S}s of this call: call follow again"
  fi
}

case "$MODE" in
  start)
    if [[ -e "$RUN_DIR/collector.pid" ]] && kill -0 "$(cat "$RUN_DIR/collector.pid")" 2>/dev/null; then
      echo "a collector is already running (pid $(cat "$RUN_DIR/collector.pid")): use follow" >&2
      exit 2
    fi
    mkdir -p "$LIVE"
    rm -f "$RUN_DIR/done"
    { nvidia-smi || true
      "$PY" -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(),
torch.cuda.get_device_name(0) if torch.cuda.is_available() else '-')"
    } > "$RUN_DIR/gpu.txt" 2>&1
    cat "$RUN_DIR/gpu.txt"
    # shellcheck disable=SC2086  # TASKS is a list of words
    "$PY" -m nb360_cli.main data verify-pack "$NB360_DATA_ROOT" --tasks $TASKS
    # resume from the committed records (live and frozen files), so no architecture runs twice
    for file in "$COMMITTED"/*/*-"$KIND".jsonl "$COMMITTED"/*/*-"$KIND".jsonl.gz; do
      [[ -e "$file" ]] || continue
      task_dir="$LIVE/$(basename "$(dirname "$file")")"
      mkdir -p "$task_dir"
      [[ -e "$task_dir/$(basename "$file")" ]] || cp "$file" "$task_dir/"
    done
    setsid nohup bash -c "$(declare -f warm_caches start_mps stop_mps step_benchmarks expected_run_s \
      collector); $(declare -p LEASE_S TASKS WORKERS N SEED REPEAT THROUGHPUT THROUGHPUT_TASK STEPS \
      GRAPHS MPS RUN_OVERHEAD DEVICE KIND MIN_SHARE_S RUN_DIR PY LIVE); collector; \
      touch '$RUN_DIR/done'" \
      > "$RUN_DIR/collector.log" 2>&1 < /dev/null &
    echo $! > "$RUN_DIR/collector.pid"
    echo "collector started (pid $!, LEASE_S=$LEASE_S)"
    follow
    ;;
  stage)
    (($# > 1)) || { echo "usage: OUT=DIR scripts/collect_gpu.sh stage PART_FOLDER..." >&2; exit 2; }
    mkdir -p "$RUN_DIR/pack_parts"
    for part in "${@:2}"; do
      [[ -d "$part" ]] || { echo "no part folder $part here: carry it with this call" >&2; exit 2; }
      rm -rf "${RUN_DIR:?}/pack_parts/$(basename "$part")"
      cp -r "$part" "$RUN_DIR/pack_parts/"
    done
    "$PY" -m nb360_cli.main data join-pack "$RUN_DIR"/pack_parts/* --out "$RUN_DIR/data_pack" \
      --allow-incomplete
    ;;
  follow)
    [[ -e "$RUN_DIR/collector.pid" ]] || { echo "no collector was started in $RUN_DIR: use start" >&2; exit 2; }
    follow
    ;;
  *)
    echo "usage: OUT=DIR scripts/collect_gpu.sh start|follow|stage (got '${MODE}')" >&2
    exit 2
    ;;
esac
