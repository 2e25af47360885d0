#!/usr/bin/env bash
# make test-stress: run the timing-sensitive packages -count=2 with the race
# detector while a busy loop spins on every core, the way a loaded CI
# machine (or six engineers on two cores) runs them. Bounded: only the
# packages whose tests wait on time, processes or streams, and a timeout.
# .ci/run runs it after make tour (docs/PERFORMANCE.md has the figures).
set -euo pipefail
GO="${GO:-go}"
PKGS="${STRESS_PKGS:-./bench/trace/ ./gateway/ ./bench/load/ ./baseline/}"
COUNT="${STRESS_COUNT:-2}"
hogs=()
cleanup() { for p in "${hogs[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
for _ in $(seq "$(nproc)"); do
  bash -c 'while :; do :; done' &
  hogs+=($!)
done
start=$(date +%s)
echo "test-stress: $(nproc) CPU hogs running; load average $(cut -d' ' -f1-3 /proc/loadavg); go test -race -count=$COUNT $PKGS" >&2
# shellcheck disable=SC2086
$GO test -race -count="$COUNT" -timeout "${STRESS_TIMEOUT:-30m}" $PKGS
# The CPU the tests used (build included), beside the wall time: on a
# quiet machine the wall time is about this CPU time over the share of
# the cores the hogs leave.
echo "test-stress: passed in $(( $(date +%s) - start )) s; load average $(cut -d' ' -f1-3 /proc/loadavg); CPU of go test (user, system):" >&2
times >&2
