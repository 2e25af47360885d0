#!/usr/bin/env bash
# The load client's peak RSS (docs/PERFORMANCE.md, "The load client's RSS"):
# janus bench load and the lean janus-load (cmd/janus-load), each against
# `janus baseline` in its own process, for one stream (closed:c=1), for
# non-stream c=64 and for 5,000 concurrent streams. Each client's peak RSS
# is /usr/bin/time's %M (VmHWM) and the report's rss_peak_mb; each run also
# writes a heap profile (--memprofile) read with go tool pprof -top.
#
# Usage: scripts/loadrss.sh   Environment: OUT (default runs/loadrss),
# RT (a prefix for the measured load clients, e.g. "chrt -r 20" on a shared
# machine; the target runs at normal priority), DUR (per small run, default
# 3s), STREAMS (default 5000; 0 skips). Every client run is killed after
# LIMIT (default 150 s): a real-time process that spins must not hold the
# machine.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-runs/loadrss}
GO=${GO:-go}
RT=${RT:-}
DUR=${DUR:-3s}
STREAMS=${STREAMS:-5000}
LIMIT=${LIMIT:-150}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
ulimit -n "$(ulimit -Hn)" || true

CGO_ENABLED=0 $GO build -trimpath -o "$OUT/janus" .
CGO_ENABLED=0 $GO build -trimpath -o "$OUT/janus-load" ./cmd/janus-load

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

# run BIN NAME ARGS...: one bench load; prints its figures.
run() {
  local bin=$1 name=$2; shift 2
  local f="$OUT/$(basename "$bin")-$name"
  /usr/bin/time -o "$f.time" -f "%M" timeout -s KILL "$LIMIT" $RT "$OUT/$bin" bench load --target "$BASE" --no-selftest \
    --memprofile "$f.heap" --out "$f.json" --format json "$@" >/dev/null 2>"$f.log" || true
  echo "$(basename "$bin") $name: time %M $(tail -1 "$f.time") KB, rss_peak_mb $(json_num "$f.json" rss_peak_mb), requests $(json_num "$f.json" requests), ok $(json_num "$f.json" ok), passed $(json_num "$f.json" passed), throughput $(json_num "$f.json" throughput_rps)/s" | tee -a "$S"
}

S="$OUT/summary.txt"
echo "loadrss $(date -u +%FT%TZ) $(uname -srm) $(nproc) cpus loadavg $(cut -d' ' -f1-3 /proc/loadavg) rt='$RT' $($GO version)" | tee "$S"
ls -l "$OUT/janus" "$OUT/janus-load" | awk '{print $5, $9}' | tee -a "$S"
for bin in janus janus-load; do
  /usr/bin/time -o "$OUT/$bin-idle.time" -f "%M" "$OUT/$bin" bench load --profile bad >/dev/null 2>&1 || true
  echo "$bin idle (usage error): $(tail -1 "$OUT/$bin-idle.time") KB" | tee -a "$S"
done

start_baseline unpaced --ttft 0 --token-interval 0
for bin in janus janus-load; do
  run $bin stream-c1 --profile closed:c=1 --duration "$DUR"
  run $bin nostream-c64 --profile closed:c=64 --no-stream --duration "$DUR"
done

if [ "$STREAMS" -gt 0 ]; then
  start_baseline streams --ttft 3s --token-interval 100ms
  for bin in janus janus-load; do
    run $bin "streams-$STREAMS" --profile "closed:c=$STREAMS" --max-requests "$STREAMS" --duration 2m --ttft-budget 10s --gap-budget 10s
  done
fi
echo "loadavg after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$S"
