#!/usr/bin/env bash
# Gateway overhead against an instant upstream, side by side (issue 17
# item 5), and the load client's own RSS (item 8), for docs/PERFORMANCE.md.
#
# One `janus baseline --ttft 0 --token-interval 0` (the instant upstream)
# and one `janus gateway` in front of it, each in its own process on
# 127.0.0.1. Then, REPS times, direct and through the gateway in turn (so
# drifting machine load hits both alike):
#   - non-stream closed loop c=64: `janus bench load --no-stream` and
#     `vegeta attack -rate 0 -max-workers 64` (throughput);
#   - streams at c=1 and c=100: `janus bench load` (TTFT p50). At c=100
#     the instant upstream saturates a core, so a closed loop's TTFT is
#     its queueing time, 100 / throughput (Little's law): it measures the
#     stream throughput, not the latency a gateway adds;
#   - 100 streams held open at once (c=100 "held"): a second upstream with
#     the same instant first token but HELD_INTERVAL (default 20ms)
#     between tokens, so that 100 concurrent streams use a fraction of a
#     core, and its own gateway: TTFT p50 there is the latency a gateway
#     adds with 100 streams open, without queueing.
# Every janus report also gives the load client's peak RSS.
#
# Usage: scripts/gwbench.sh. Environment: OUT (default runs/gwbench),
# JANUS (a built janus; default: build one), VEGETA (default: install
# v12.13.0 from the Go module proxy), JANUS_B (another janus build: a
# second gateway, run from it on the same core, is measured as path
# "gateway-b" in every repetition, so that two builds of the gateway are
# compared in the same run with the same load clients), HELD_INTERVAL
# (token interval of the held-streams upstream), REPS (default 5), DUR (per run,
# default 5s), GW_GLOBAL (janus flags before "gateway", e.g.
# "--log-level info" to measure with the access log on), GW_ARGS (extra
# gateway flags), PIN (empty: every process may run on every core; "split":
# the gateway alone on core 1 (taskset -c 1), the upstream and every load
# client on core 0, in the direct runs as well, so the two paths get the
# same CPU for client and upstream and the gateway's own cost shows as
# what one core can relay, as on a machine of its own). On a shared box,
# run the script under `chrt -r 20`: every process it starts inherits
# SCHED_RR and preempts other users' (SCHED_OTHER) work. Not `chrt -f`:
# under SCHED_FIFO, which never time-slices equal priorities, the
# gateway got no CPU for minutes while vegeta and the upstream each held
# a core (docs/PERFORMANCE.md, 2026-12-07 03:44Z). Figures land in
# $OUT/summary.txt; docs/PERFORMANCE.md ("Issue 17 items 5 and 8") says how
# to read them.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-runs/gwbench}
GO=${GO:-go}
REPS=${REPS:-5}
DUR=${DUR:-5s}
mkdir -p "$OUT/bin"
OUT=$(cd "$OUT" && pwd)
ulimit -n "$(ulimit -Hn)" || true
if [ -z "${JANUS:-}" ]; then
  $GO build -o "$OUT/bin/janus" . && JANUS="$OUT/bin/janus"
fi
if [ -z "${VEGETA:-}" ]; then
  GOBIN="$OUT/bin" $GO install github.com/tsenart/vegeta/v12@v12.13.0 && VEGETA="$OUT/bin/vegeta"
fi

GW_PIN=(); CL_PIN=()
case ${PIN:-} in
  "") ;;
  split) GW_PIN=(taskset -c 1); CL_PIN=(taskset -c 0) ;;
  *) echo "PIN must be empty or split, not $PIN" >&2; exit 2 ;;
esac

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# serve NAME PATTERN PIN... -- ARGS...: start a janus server (under the
# PIN command, if any), wait for its URL.
serve() {
  local name=$1 pat=$2; shift 2
  local pin=()
  while [ "$1" != -- ]; do pin+=("$1"); shift; done
  shift
  "${pin[@]}" "${SERVE_BIN:-$JANUS}" "$@" >"$OUT/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 200); do
    URL=$(grep -o "$pat" "$OUT/$name.log" | head -1 | sed 's/^.* on //' || true)
    [ -n "$URL" ] && return 0
    sleep 0.1
  done
  echo "$name did not start" >&2; cat "$OUT/$name.log" >&2; exit 1
}
serve baseline "listening on http://[0-9.:]*/v1" "${CL_PIN[@]}" -- baseline --listen 127.0.0.1:0 --keepalive 0 --ttft 0 --token-interval 0
DIRECT=$URL
serve baseline-held "listening on http://[0-9.:]*/v1" "${CL_PIN[@]}" -- baseline --listen 127.0.0.1:0 --keepalive 0 --ttft 0 \
  --token-interval "${HELD_INTERVAL:-20ms}"
HELD=$URL
# gateway NAME UPSTREAM: start a gateway (from $SERVE_BIN or $JANUS) in front
# of UPSTREAM; its base URL ends up in GW.
gateway() {
  serve "$1" "listening on http://[0-9.:]*" "${GW_PIN[@]}" -- ${GW_GLOBAL:-} gateway --listen 127.0.0.1:0 \
    --competitor "sim=${2%/v1},default" ${GW_ARGS:-}
  GW=${URL%/}/v1
  case $GW in */v1/v1) GW=${GW%/v1} ;; esac
}
gateway gateway "$DIRECT"; GATEWAY=$GW
gateway gateway-held "$HELD"; GATEWAY_HELD=$GW
PATHS="direct gateway"
if [ -n "${JANUS_B:-}" ]; then
  SERVE_BIN=$JANUS_B gateway gateway-b "$DIRECT"; GATEWAY_B=$GW
  SERVE_BIN=$JANUS_B gateway gateway-b-held "$HELD"; GATEWAY_B_HELD=$GW
  PATHS="direct gateway gateway-b"
fi

json_num() { grep -o "\"$2\": *[0-9.e+-]*" "$1" | head -1 | sed 's/.*: *//'; }
# ttft_p50 FILE: the first step's TTFT p50 (ms) of a janus load report.
ttft_p50() { tr -d ' \n' <"$1" | grep -o '"ttft_ms":{"n":[0-9]*,"mean":[0-9.e+-]*,"p50":[0-9.e+-]*' | head -1 | sed 's/.*"p50"://'; }
S="$OUT/summary.txt"
echo "gwbench $(date -u +%FT%TZ) $(nproc) cpus loadavg $(cut -d' ' -f1-3 /proc/loadavg) $($GO version) pin=${PIN:-none} sched=$(chrt -p $$ | head -1 | sed 's/.*: //') direct=$DIRECT gateway=$GATEWAY" | tee "$S"
BODY="$OUT/body.json"
printf '%s' '{"model":"janus-baseline-sim","messages":[{"role":"user","content":"What is the capital of France?"}],"max_tokens":16,"stream":false}' >"$BODY"

for rep in $(seq "$REPS"); do
  for path in $PATHS; do
    base=$DIRECT; [ $path = gateway ] && base=$GATEWAY; [ $path = gateway-b ] && base=$GATEWAY_B
    held=$HELD; [ $path = gateway ] && held=$GATEWAY_HELD; [ $path = gateway-b ] && held=$GATEWAY_B_HELD
    f="$OUT/$path-$rep"
    printf 'POST %s/chat/completions\nContent-Type: application/json\n@%s\n' "$base" "$BODY" >"$f.targets"
    "${CL_PIN[@]}" "$VEGETA" attack -targets "$f.targets" -rate 0 -max-workers 64 -workers 64 -duration "$DUR" -timeout 10s >"$f.vegeta.bin"
    "$VEGETA" report -type json <"$f.vegeta.bin" >"$f.vegeta.json"
    "${CL_PIN[@]}" "$JANUS" bench load --target "$base" --no-stream --profile closed:c=64 --duration "$DUR" --no-selftest \
      --out "$f.ns64.json" --format text >/dev/null 2>"$f.ns64.log"
    for c in 1 100; do
      "${CL_PIN[@]}" "$JANUS" bench load --target "$base" --profile "closed:c=$c" --duration "$DUR" --no-selftest \
        --out "$f.s$c.json" --format text >/dev/null 2>"$f.s$c.log"
    done
    "${CL_PIN[@]}" "$JANUS" bench load --target "$held" --profile closed:c=100 --warmup 1s --duration "$DUR" --no-selftest \
      --out "$f.h100.json" --format text >/dev/null 2>"$f.h100.log"
    printf 'rep %s %-9s load %s | vegeta c=64 %8.1f/s | janus non-stream c=64 %8.1f/s rss %s MB | stream c=1 ttft p50 %s ms rss %s MB | c=100 ttft p50 %s ms rss %s MB | held c=100 ttft p50 %s ms, %s streams/s\n' \
      "$rep" "$path" "$(cut -d' ' -f1 /proc/loadavg)" "$(json_num "$f.vegeta.json" throughput)" \
      "$(json_num "$f.ns64.json" throughput_rps)" "$(json_num "$f.ns64.json" rss_peak_mb)" \
      "$(ttft_p50 "$f.s1.json")" "$(json_num "$f.s1.json" rss_peak_mb)" \
      "$(ttft_p50 "$f.s100.json")" "$(json_num "$f.s100.json" rss_peak_mb)" \
      "$(ttft_p50 "$f.h100.json")" "$(json_num "$f.h100.json" throughput_rps)" | tee -a "$S"
  done
done
