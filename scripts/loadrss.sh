#!/usr/bin/env bash
# The load client's RSS (docs/PERFORMANCE.md, "The load client's RSS"):
# janus bench load and the lean janus-load (cmd/janus-load), each against
# `janus baseline` in its own process, beside a reference client doing the
# same work in the same run: one stream after another (closed:c=1) against
# the go-openai client of scripts/testdata/refclient, non-stream c=64
# against vegeta (64 workers, no rate: a closed loop), and 5,000
# concurrent streams (janus clients only). Every small run is repeated
# REPS times, interleaved, and the summary gives each client's median.
# Each run records the peak RSS (/usr/bin/time's %M, VmHWM), the steady
# RSS (VmRSS sampled two thirds into the run) and the requests it sent;
# the janus clients also write a heap profile (--memprofile) read with go
# tool pprof -top.
#
# Usage: scripts/loadrss.sh   Environment: OUT (default runs/loadrss),
# RT (a prefix for the measured clients, e.g. "chrt -r 20" on a shared
# machine; the target runs at normal priority), DUR (per small run,
# default 3s), REPS (default 3), STREAMS (default 5000; 0 skips), BEFORE
# (a janus-load binary of an earlier commit, measured beside as
# janus-load-before, e.g. for a change's before and after). Every
# client run is killed after LIMIT (default 150 s): a real-time process
# that spins must not hold the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-runs/loadrss}
GO=${GO:-go}
RT=${RT:-}
DUR=${DUR:-3s}
REPS=${REPS:-3}
STREAMS=${STREAMS:-5000}
LIMIT=${LIMIT:-150}
mkdir -p "$OUT/bin"
OUT=$(cd "$OUT" && pwd)
ulimit -n "$(ulimit -Hn)" || true

CGO_ENABLED=0 $GO build -trimpath -o "$OUT/janus" .
CGO_ENABLED=0 $GO build -trimpath -o "$OUT/janus-load" ./cmd/janus-load
CGO_ENABLED=0 $GO build -trimpath -o "$OUT/refclient" ./scripts/testdata/refclient
CLIENTS="janus janus-load"
if [ -n "${BEFORE:-}" ]; then cp "$BEFORE" "$OUT/janus-load-before"; CLIENTS="$CLIENTS janus-load-before"; fi
[ -x "$OUT/bin/vegeta" ] || GOBIN="$OUT/bin" $GO install github.com/tsenart/vegeta/v12@v12.13.0

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# start_baseline NAME ARGS...: the sim in its own process; BASE is its URL.
start_baseline() {
  local name=$1; shift
  "$OUT/janus" --log-level info baseline --listen 127.0.0.1:0 --keepalive 0 "$@" >"$OUT/baseline-$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do
    BASE=$(grep -o "url=http://[0-9.:]*/v1" "$OUT/baseline-$name.log" | head -1 | sed "s/^url=//" || true)
    [ -n "$BASE" ] && return 0
    sleep 0.1
  done
  echo "baseline $name did not start" >&2; exit 1
}

json_num() { grep -o "\"$2\": *[0-9.e+-]*" "$1" | head -1 | sed 's/.*: *//'; }
secs() { echo "${1%s}"; }

# measure F CMD...: runs CMD under /usr/bin/time and the kill limit, samples
# the client's VmRSS two thirds into DUR, and leaves "peak_kb steady_kb" in
# F.rss. The client is time's grandchild (time → timeout → client; RT's
# chrt execs it).
measure() {
  local f=$1; shift
  /usr/bin/time -o "$f.time" -f "%M" timeout -s KILL "$LIMIT" $RT "$@" &
  local tp=$! steady=0
  sleep "$(awk -v d="$(secs "$DUR")" 'BEGIN{print d*2/3}')"
  local to client
  to=$(pgrep -P "$tp" | head -1 || true)
  client=$(pgrep -P "${to:-0}" | head -1 || true)
  [ -n "$client" ] && steady=$(awk '/^VmRSS:/{print $2}' "/proc/$client/status" 2>/dev/null || echo 0)
  wait "$tp" || true
  echo "$(tail -1 "$f.time") ${steady:-0}" >"$f.rss"
}

# run BIN NAME ARGS...: one janus bench load; prints its figures.
run() {
  local bin=$1 name=$2; shift 2
  local f="$OUT/$bin-$name"
  measure "$f" "$OUT/$bin" bench load --target "$BASE" --no-selftest \
    --memprofile "$f.heap" --out "$f.json" --format json "$@" >/dev/null 2>"$f.log"
  read -r peak steady <"$f.rss"
  echo "$bin $name: peak_kb $peak steady_kb $steady requests $(json_num "$f.json" requests) ok $(json_num "$f.json" ok) passed $(json_num "$f.json" passed) rss_peak_mb $(json_num "$f.json" rss_peak_mb)" | tee -a "$S"
}

# ref NAME: the reference client of the run NAME.
ref() {
  local name=$1 f="$OUT/ref-$1" n
  if [ "$name" = stream-c1 ]; then
    measure "$f" "$OUT/refclient" -target "$BASE" -duration "$DUR" >"$f.out" 2>"$f.log"
    n=$(sed -n 's/^streams //p' "$f.out")
  else
    measure "$f" "$OUT/bin/vegeta" attack -targets "$OUT/targets.txt" -rate 0 -max-workers 64 -workers 64 \
      -duration "$DUR" -timeout 10s -output "$f.bin" 2>"$f.log"
    "$OUT/bin/vegeta" report -type json <"$f.bin" >"$f.json"
    n=$(grep -o '"requests":[0-9]*' "$f.json" | sed 's/.*://')
  fi
  read -r peak steady <"$f.rss"
  echo "ref $name: peak_kb $peak steady_kb $steady requests $n" | tee -a "$S"
}

S="$OUT/summary.txt"
echo "loadrss $(date -u +%FT%TZ) $(uname -srm) $(nproc) cpus loadavg $(cut -d' ' -f1-3 /proc/loadavg) rt='$RT' reps=$REPS $($GO version)" | tee "$S"
ls -l "$OUT/janus" "$OUT/janus-load"* "$OUT/refclient" "$OUT/bin/vegeta" | awk '{print $5, $9}' | tee -a "$S"
for bin in $CLIENTS; do
  /usr/bin/time -o "$OUT/$bin-idle.time" -f "%M" "$OUT/$bin" bench load --profile bad >/dev/null 2>&1 || true
  echo "$bin idle (usage error): $(tail -1 "$OUT/$bin-idle.time") KB" | tee -a "$S"
done

start_baseline unpaced --ttft 0 --token-interval 0
BODY="$OUT/body.json"
printf '%s' '{"model":"janus-baseline-sim","messages":[{"role":"system","content":"Answer with a single word, no punctuation."},{"role":"user","content":"What is the capital of France?"}],"max_tokens":16,"temperature":0,"stream":false}' >"$BODY"
printf 'POST %s/chat/completions\nContent-Type: application/json\n@%s\n' "$BASE" "$BODY" >"$OUT/targets.txt"
for r in $(seq "$REPS"); do
  for bin in $CLIENTS; do
    run $bin "stream-c1-$r" --profile closed:c=1 --duration "$DUR"
    run $bin "nostream-c64-$r" --profile closed:c=64 --no-stream --duration "$DUR"
  done
  ref stream-c1
  ref nostream-c64
done

if [ "$STREAMS" -gt 0 ]; then
  start_baseline streams --ttft 3s --token-interval 100ms
  for bin in $CLIENTS; do
    run $bin "streams-$STREAMS" --profile "closed:c=$STREAMS" --max-requests "$STREAMS" --duration 2m --ttft-budget 10s --gap-budget 10s
  done
fi

# Medians per client and run (the middle of REPS values, each column
# sorted on its own).
med() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
echo "medians (peak KB, steady KB, requests):" | tee -a "$S"
grep -E '^(janus[a-z-]*|ref) [^ ]+: peak_kb' "$S" | sed -E 's/-[0-9]+:/:/' | awk '{print $1, $2, $4, $6, $8}' >"$OUT/rows.txt"
cut -d' ' -f1,2 "$OUT/rows.txt" | sort -u | while read -r who what; do
  rows=$(grep -F "$who $what " "$OUT/rows.txt" | grep "^$who ")
  echo "  $who $what peak $(echo "$rows" | cut -d' ' -f3 | med) steady $(echo "$rows" | cut -d' ' -f4 | med) requests $(echo "$rows" | cut -d' ' -f5 | med)"
done | tee -a "$S"
echo "loadavg after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$S"
