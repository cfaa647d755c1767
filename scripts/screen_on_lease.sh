#!/usr/bin/env bash
# Protocol screens (benchmarks/bench_protocol_signal.py) side by side on one lent machine, in one
# call of the `device` tool: a lease has many cores and a GPU for a few minutes, so candidates
# that take an hour each on the 2-core development machine are measured at once.
#
#   run(command="OUT=$OUT scripts/screen_on_lease.sh SPEC", carry=["data_pack"], timeout_s=600)
#
# SPEC: one screen per line, '#' starts a comment:
#   NAME WORKERS DEVICE TASK BASE_PROTOCOL [FIELD=VALUE ...]
# e.g.  sat-split 4 cpu satellite satellite-cpu-v2 data_options=(("test_fraction",0.5),)
# (no spaces inside a value: the line is split on whitespace; values are Python literals).
# Each screen trains ARCHS random DARTS architectures x SEEDS seeds (--sample-seed SAMPLE_SEED) on
# WORKERS processes (one CPU thread each; DEVICE cpu or cuda). All screens stop BUDGET_S seconds
# after they start (runs still in flight are lost; each finished run is kept as it ends).
# The call's $OUT receives facts.txt (machine, torch, CUDA), screens.tar.gz (each screen's
# NAME.jsonl of per-run results and NAME.log) and report.txt (each screen's figures, printed by
# --report-only); the tarball is refreshed every minute, so a call stopped at its limit still
# returns what finished. Unpack it into docs/protocol_signal/ or runs/ here and print the figures
# with bench_protocol_signal.py --report-only.
set -euo pipefail
cd "$(dirname "$0")/.."
SPEC=${1:-}
: "${OUT:?set OUT to the folder whose files come back}"
[[ -n "$SPEC" && -f "$SPEC" ]] || { echo "usage: OUT=DIR scripts/screen_on_lease.sh SPEC_FILE (got '$SPEC')" >&2; exit 2; }
BUDGET_S=${BUDGET_S:-500}
ARCHS=${ARCHS:-20}
SEEDS=${SEEDS:-2}
SAMPLE_SEED=${SAMPLE_SEED:-0}
MPS=${MPS:-1}                      # start the CUDA MPS daemon when a screen runs on cuda
RESULTS=${RESULTS:-runs/lease_screens}
PY=${PYTHON:-python3}
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
export NB360_DATA_ROOT=${NB360_DATA_ROOT:-data_pack}
BENCH=(benchmarks/bench_protocol_signal.py)
mkdir -p "$RESULTS"

mapfile -t LINES < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$SPEC")
((${#LINES[@]})) || { echo "$SPEC holds no screen" >&2; exit 2; }

screen_args() {  # the bench arguments of one spec line (without --out/--workers)
  local name workers device task base rest sets=() setting
  read -r name workers device task base rest <<< "$1"
  [[ -n "${base:-}" && "$workers" =~ ^[1-9][0-9]*$ ]] || { echo "bad spec line: '$1' (need NAME WORKERS DEVICE TASK BASE_PROTOCOL [FIELD=VALUE ...])" >&2; return 2; }
  for setting in ${rest:-}; do sets+=(--set "$setting"); done
  echo "--task $task --protocol $base --device $device ${sets[*]}"
}

bring_back() {
  tar -czf "$OUT/screens.tar.gz.part" -C "$RESULTS" . && mv "$OUT/screens.tar.gz.part" "$OUT/screens.tar.gz"
  [[ -e "$RESULTS/facts.txt" ]] && cp "$RESULTS/facts.txt" "$OUT/"
  [[ -e "$RESULTS/report.txt" ]] && cp "$RESULTS/report.txt" "$OUT/"
  return 0
}

{ echo "cores: $(nproc)"; grep -m1 "model name" /proc/cpuinfo || true
  "$PY" -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(),
torch.cuda.get_device_name(0) if torch.cuda.is_available() else '-')"
  command -v nvidia-smi > /dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv || true
} > "$RESULTS/facts.txt" 2>&1
cat "$RESULTS/facts.txt"
[[ -e "$NB360_DATA_ROOT/nb360_pack.json" ]] && "$PY" -m nb360_cli.main data verify-pack "$NB360_DATA_ROOT"

# check every line before anything trains, then load each screen's data once (the disk cache)
for line in "${LINES[@]}"; do screen_args "$line" > /dev/null; done
for line in "${LINES[@]}"; do
  # shellcheck disable=SC2046  # the arguments are words
  "$PY" "${BENCH[@]}" $(screen_args "$line") --load-only
done
if [[ "$MPS" == 1 ]] && printf '%s\n' "${LINES[@]}" | awk '$3 ~ /^cuda/' | grep -q . \
    && command -v nvidia-cuda-mps-control > /dev/null; then
  nvidia-cuda-mps-control -d && echo "MPS daemon started" || echo "MPS daemon not started"
fi

pids=()
for line in "${LINES[@]}"; do
  read -r name workers _ <<< "$line"
  # shellcheck disable=SC2046
  setsid timeout -k 5 "$BUDGET_S" "$PY" "${BENCH[@]}" $(screen_args "$line") --archs "$ARCHS" \
    --seeds "$SEEDS" --sample-seed "$SAMPLE_SEED" --workers "$workers" --out "$RESULTS/$name.jsonl" \
    > "$RESULTS/$name.log" 2>&1 &
  pids+=($!)
  echo "screen $name started: $line"
done
trap bring_back EXIT
began=$SECONDS
while (( $(jobs -rp | wc -l) > 0 )); do
  sleep 5
  if (( (SECONDS - began) % 60 < 5 )); then bring_back; fi
done
wait "${pids[@]}" || true
for pid in "${pids[@]}"; do kill -- "-$pid" 2> /dev/null || true; done  # pool workers left behind
: > "$RESULTS/report.txt"
for line in "${LINES[@]}"; do
  read -r name _ <<< "$line"
  { echo "== $line"
    if [[ -s "$RESULTS/$name.jsonl" ]]; then
      # shellcheck disable=SC2046
      "$PY" "${BENCH[@]}" $(screen_args "$line") --out "$RESULTS/$name.jsonl" --report-only || true
    else
      echo "no finished run"; tail -n 5 "$RESULTS/$name.log"
    fi
  } >> "$RESULTS/report.txt" 2>&1
done
if [[ "$MPS" == 1 ]] && command -v nvidia-cuda-mps-control > /dev/null; then echo quit | nvidia-cuda-mps-control || true; fi
cat "$RESULTS/report.txt"
