#!/usr/bin/env bash
# One time-boxed GPU collection call, for the lent GPU machine (the `device` tool's `run`), where
# the repository arrives as a plain copy: no install, the image's python3 (torch, numpy, scipy,
# pandas, scikit-learn, joblib, tqdm are there; XGBoost, LightGBM and Ray are not needed), and the
# data root made here by `nb360 data pack --out data_pack` and carried along.
#
#   run(command="OUT=$OUT scripts/collect_gpu.sh", carry=["data_pack"], timeout_s=600)
#
# Steps, all inside BUDGET_S seconds (default 480: the 10-minute limit of one call less start-up
# and the last runs' overrun):
#  1. the CUDA facts (nvidia-smi, torch's device) into $OUT/gpu.txt;
#  2. THROUGHPUT=1 (the default in a first call): benchmarks/bench_collection_throughput.py on
#     THROUGHPUT_TASK at LEVELS concurrent runs ($OUT/throughput.json, records kept);
#  3. the rest of the budget: `nb360 collect --time-budget-s` with WORKERS concurrent runs on each of
#     TASKS in turn (uniform random; SEED picks the campaign), so no run is cut off at the end.
# The campaigns append to the checkout's own store (STORE), so a call resumes from every record
# committed or merged here before it; at the end (also after a failure) the <task>-$KIND.jsonl files
# are copied to $OUT/records/<task>/ (two folders down: they come back). Merge them here with
# `nb360 data merge <files folder>/records --into training_data/data/records` before the next call.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${OUT:?set OUT to the folder whose files come back}"
BUDGET_S=${BUDGET_S:-480}
TASKS=${TASKS:-darcyflow satellite ecg}
WORKERS=${WORKERS:-12}
N=${N:-2000}
SEED=${SEED:-0}
THROUGHPUT=${THROUGHPUT:-1}
THROUGHPUT_TASK=${THROUGHPUT_TASK:-darcyflow}
LEVELS=${LEVELS:-1 4 12}
DEVICE=${DEVICE:-cuda}            # cpu and KIND=tiny-v1 give a smoke run without a GPU (tests)
KIND=${KIND:-gpu-v1}              # the protocol of each task: <task>-$KIND
MIN_SHARE_S=${MIN_SHARE_S:-30}    # a task's campaign is skipped when less time than this is left
PY=${PYTHON:-python3}
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
export NB360_DATA_ROOT=${NB360_DATA_ROOT:-data_pack}
STORE=${STORE:-training_data/data/records}
start=$SECONDS
left() { echo $((BUDGET_S - (SECONDS - start))); }
bring_back() {  # this protocol's record files, into $OUT
  for file in "$STORE"/*/*-"$KIND".jsonl; do
    [[ -e "$file" ]] || continue
    mkdir -p "$OUT/records/$(basename "$(dirname "$file")")"
    cp "$file" "$OUT/records/$(basename "$(dirname "$file")")/"
  done
}
trap bring_back EXIT

{ nvidia-smi || true
  "$PY" -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(),
torch.cuda.get_device_name(0) if torch.cuda.is_available() else '-')"
} > "$OUT/gpu.txt" 2>&1
cat "$OUT/gpu.txt"
"$PY" -m nb360_cli.main data verify-pack "$NB360_DATA_ROOT"

if [[ "$THROUGHPUT" == 1 ]]; then
  # shellcheck disable=SC2086  # LEVELS is a list of words
  timeout "$(left)" "$PY" benchmarks/bench_collection_throughput.py --task "$THROUGHPUT_TASK" \
    --protocol "$THROUGHPUT_TASK-$KIND" --device "$DEVICE" --levels $LEVELS --rounds 1 \
    --store "$STORE" --json "$OUT/throughput.json" || echo "throughput step stopped: $?"
fi

tasks=($TASKS)
for i in "${!tasks[@]}"; do
  task=${tasks[$i]}
  share=$(( $(left) / (${#tasks[@]} - i) ))  # an equal share of what is left per remaining task
  (( share >= MIN_SHARE_S )) || continue
  "$PY" -m nb360_cli.main collect --task "$task" --protocol "$task-$KIND" --n "$N" \
    --seed "$SEED" --workers "$WORKERS" --device "$DEVICE" --threads 1 --no-progress \
    --store "$STORE" --time-budget-s "$share"
done
"$PY" -m nb360_cli.main data summary --records "$STORE" | tee "$OUT/summary.txt" || true
