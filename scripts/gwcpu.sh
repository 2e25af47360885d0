#!/usr/bin/env bash
# CPU per relayed request of each process (issue 17 item 5): the instant
# upstream (`janus baseline --ttft 0 --token-interval 0`), the gateway and
# the load client (`janus bench load --no-stream --profile closed:c=64`),
# direct and through the gateway, twice each. The upstream's and the
# gateway's user+system time come from /proc/PID/stat around each run, the
# client's from /usr/bin/time; each is divided by the requests the run
# completed. docs/PERFORMANCE.md ("the gateway's CPU per request") uses
# these to bound what a gateway sharing the cores can reach.
#
# Usage: scripts/gwcpu.sh. Environment: JANUS (a built janus; default:
# build one), JANUS_B (another build: a second gateway run from it is
# measured as path "gateway-b", with the same upstream and client), OUT (default runs/gwcpu), DUR (default 3s). On a shared box
# run it under `chrt -r 20` (see scripts/gwbench.sh on why not -f).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-runs/gwcpu}
DUR=${DUR:-3s}
mkdir -p "$OUT"
if [ -z "${JANUS:-}" ]; then
  go build -o "$OUT/janus" . && JANUS="$OUT/janus"
fi
"$JANUS" baseline --listen 127.0.0.1:0 --keepalive 0 --ttft 0 --token-interval 0 >"$OUT/baseline.log" 2>&1 &
B=$!
G=
GB=
trap 'kill $B $G $GB 2>/dev/null || true' EXIT
# url LOG: the URL a janus server announced.
url() { for _ in $(seq 100); do grep -q "listening on" "$1" && break; sleep 0.1; done; grep -o "http://[0-9.:]*" "$1" | head -1; }
DIRECT=$(url "$OUT/baseline.log")/v1
"$JANUS" gateway --listen 127.0.0.1:0 --competitor "sim=${DIRECT%/v1},default" >"$OUT/gateway.log" 2>&1 &
G=$!
GATEWAY=$(url "$OUT/gateway.log")/v1
PATHS="direct gateway direct gateway"
if [ -n "${JANUS_B:-}" ]; then
  "$JANUS_B" gateway --listen 127.0.0.1:0 --competitor "sim=${DIRECT%/v1},default" >"$OUT/gateway-b.log" 2>&1 &
  GB=$!
  GATEWAY_B=$(url "$OUT/gateway-b.log")/v1
  PATHS="direct gateway gateway-b direct gateway gateway-b"
fi
ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
echo "gwcpu $(date -u +%FT%TZ) loadavg $(cut -d' ' -f1-3 /proc/loadavg) sched=$(chrt -p $$ | head -1 | sed 's/.*: //')"
for path in $PATHS; do
  base=$DIRECT gw=$G
  [ "$path" = gateway ] && base=$GATEWAY
  [ "$path" = gateway-b ] && base=$GATEWAY_B gw=$GB
  b0=$(ticks $B); g0=$(ticks $gw)
  /usr/bin/time -f "%U %S" -o "$OUT/time" "$JANUS" bench load --target "$base" --no-stream \
    --profile closed:c=64 --duration "$DUR" --no-selftest --out "$OUT/report.json" --format text >/dev/null 2>"$OUT/load.log"
  b1=$(ticks $B); g1=$(ticks $gw)
  n=$(tr -d ' \n' <"$OUT/report.json" | grep -o '"steps":\[{[^[]*' | grep -o '"requests":[0-9]*' | head -1 | cut -d: -f2)
  read -r cu cs <"$OUT/time"
  awk -v p="$path" -v n="$n" -v hz="$hz" -v b="$((b1 - b0))" -v g="$((g1 - g0))" -v cu="$cu" -v cs="$cs" 'BEGIN {
    printf "%-9s %6d requests | CPU µs per request: upstream %.1f gateway %.1f client %.1f\n", p, n, b/hz*1e6/n, g/hz*1e6/n, (cu+cs)*1e6/n }'
done
