#!/usr/bin/env bash
# Load acceptance figures for docs/PERFORMANCE.md ("Load and capacity").
#
#  1. 1,000 then 5,000 concurrent SSE streams from one janus process against
#     `janus baseline` in another process: every stream completes, janus's
#     peak RSS, and the timing error of a selftest at 1,000 streams.
#  2. vegeta v12.13.0 and `janus bench load --profile constant:…` side by
#     side against the same non-stream loopback endpoint: the highest rate
#     vegeta sustains, janus's achieved req/s at that rate (while it parses
#     and scores every answer), and the ratio.
#
# Everything listens on 127.0.0.1 and stops by itself. Figures land in
# $OUT/summary.txt (default runs/loadbench). Usage: scripts/loadbench.sh
# Environment: OUT, RATES (part 2's rates, ascending; the default reaches
# past vegeta's ceiling on a 2-core machine so the sweep finds it), VDUR
# (per-rate duration), PARTS ("streams vegeta" by default; "vegeta" skips
# part 1).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-runs/loadbench}
GO=${GO:-go}
RATES=${RATES:-500 1000 2000 4000 6000 8000 10000 12000 16000 20000 24000}
PARTS=${PARTS:-streams vegeta}
VDUR=${VDUR:-5s}
mkdir -p "$OUT/bin"
OUT=$(cd "$OUT" && pwd)
ulimit -n "$(ulimit -Hn)" || true

echo "building janus and installing vegeta v12.13.0 ..."
$GO build -o "$OUT/bin/janus" .
GOBIN="$OUT/bin" $GO install github.com/tsenart/vegeta/v12@v12.13.0
JANUS="$OUT/bin/janus"
VEGETA="$OUT/bin/vegeta"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# start_baseline NAME ARGS...: serve the sim in its own process on a free
# loopback port and set BASE to its URL once it listens.
start_baseline() {
  local name=$1; shift
  "$JANUS" --log-level info baseline --listen 127.0.0.1:0 --keepalive 0 "$@" >"$OUT/baseline-$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do
    BASE=$(grep -o "url=http://[0-9.:]*/v1" "$OUT/baseline-$name.log" | head -1 | sed "s/^url=//" || true)
    [ -n "$BASE" ] && return 0
    sleep 0.1
  done
  echo "baseline $name did not start" >&2; cat "$OUT/baseline-$name.log" >&2; exit 1
}

# json_num FILE KEY: the first numeric value of "KEY" in a JSON file.
json_num() { grep -o "\"$2\": *[0-9.e+-]*" "$1" | head -1 | sed 's/.*: *//'; }

S="$OUT/summary.txt"
{
  echo "janus load bench  $(date -u +%FT%TZ)  $(uname -srm)  $(nproc) cpus  loadavg $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "janus $("$JANUS" version 2>/dev/null | head -1)  $($GO version)"
} | tee "$S"

# --- 1. streams ---------------------------------------------------------
# A 3 s first token and 100 ms tokens keep every stream open for seconds,
# so all of a step's streams are live at once after the dial ramp.
if [[ " $PARTS " == *" streams "* ]]; then
start_baseline streams --ttft 3s --token-interval 100ms
for C in 1000 5000; do
  selftest=--no-selftest
  [ "$C" = 1000 ] && selftest=
  "$JANUS" bench load --target "$BASE" --profile "closed:c=$C" --max-requests "$C" \
    --duration 2m --ttft-budget 10s --gap-budget 10s $selftest --out "$OUT/streams-$C.json" --format text >"$OUT/streams-$C.txt" 2>"$OUT/streams-$C.log"
  f="$OUT/streams-$C.json"
  echo "streams c=$C: completed $(json_num "$f" ok) of $(json_num "$f" requests), requests $(json_num "$f" requests), ok $(json_num "$f" ok), errors $(json_num "$f" errors), peak in flight $(json_num "$f" peak_inflight), janus rss peak $(json_num "$f" rss_peak_mb) MB, cpu share $(json_num "$f" cpu_share), sched lag p99 $(json_num "$f" sched_lag_p99_ms) ms, timing err p99 $(json_num "$f" timing_err_p99_ms) ms (measured: $(grep -o "\"timing_measured\": [a-z]*" "$f" | sed "s/.*: //"), selftest c=$(json_num "$f" selftest_concurrency))" | tee -a "$S"
done
fi

# --- 2. vegeta vs janus, non-stream ---------------------------------------
[[ " $PARTS " == *" vegeta "* ]] || exit 0
start_baseline unpaced --ttft 0 --token-interval 0
BODY="$OUT/body.json"
printf '%s' '{"model":"janus-baseline-sim","messages":[{"role":"system","content":"Answer with a single word, no punctuation."},{"role":"user","content":"What is the capital of France?"}],"max_tokens":16,"temperature":0,"stream":false}' >"$BODY"
printf 'POST %s/chat/completions\nContent-Type: application/json\n@%s\n' "$BASE" "$BODY" >"$OUT/targets.txt"
# Interleaved (vegeta then janus at each rate) so drifting machine load
# hits both alike.
# "The highest rate vegeta sustains" is the highest rate at which it did,
# not the last rate before its first miss: on a shared machine a hiccup
# can fail one rate and not the next.
best=0; best_tp=0; best_jtp=0
for R in $RATES; do
  "$VEGETA" attack -targets "$OUT/targets.txt" -rate "$R" -duration "$VDUR" -timeout 10s >"$OUT/vegeta-$R.bin"
  "$VEGETA" report -type json <"$OUT/vegeta-$R.bin" >"$OUT/vegeta-$R.json"
  tp=$(json_num "$OUT/vegeta-$R.json" throughput); ok=$(grep -o '"success":[0-9.]*' "$OUT/vegeta-$R.json" | sed 's/.*://')
  "$JANUS" bench load --target "$BASE" --suite smoke --no-stream --profile "constant:rate=$R" \
    --duration "$VDUR" --no-selftest --out "$OUT/janus-$R.json" --format text >"$OUT/janus-$R.txt" 2>"$OUT/janus-$R.log"
  jtp=$(json_num "$OUT/janus-$R.json" throughput_rps); jpassed=$(json_num "$OUT/janus-$R.json" passed); jreq=$(json_num "$OUT/janus-$R.json" requests)
  jerr=$(json_num "$OUT/janus-$R.json" errors); jlag=$(json_num "$OUT/janus-$R.json" sched_lag_p99_ms)
  printf 'rate %5s/s: vegeta throughput %8.1f/s (success %s) | janus throughput %8.1f/s, %s of %s scored correct, %s errors, sched lag p99 %s ms | ratio %.2f\n' \
    "$R" "$tp" "$ok" "$jtp" "$jpassed" "$jreq" "$jerr" "$jlag" "$(awk -v a="$jtp" -v b="$tp" 'BEGIN{print a/b}')" | tee -a "$S"
  if awk -v tp="$tp" -v r="$R" -v ok="$ok" -v best="$best" 'BEGIN{exit !(ok>=1 && tp>=0.95*r && r>best)}'; then best=$R; best_tp=$tp; best_jtp=$jtp; fi
done
if [ "$best" = 0 ]; then echo "vegeta sustained none of $RATES" | tee -a "$S"; exit 0; fi
ratio=$(awk -v a="$best_jtp" -v b="$best_tp" 'BEGIN{printf "%.2f", a/b}')
echo "highest rate vegeta sustains (success 100%, throughput >= 95% of rate): $best/s; vegeta $best_tp/s, janus $best_jtp/s; ratio janus/vegeta $ratio" | tee -a "$S"
# A missed goal is a finding to record, not a broken benchmark: say it
# and exit 0 so `make bench` goes on.
awk -v r="$ratio" 'BEGIN{exit !(r>=0.8)}' || echo "GOAL NOT MET: ratio $ratio below 0.8" | tee -a "$S"
