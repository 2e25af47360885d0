#!/usr/bin/env bash
# make test-stress: run the timing-sensitive packages -count=2 with the race
# detector while a busy loop spins on every core, the way a loaded CI
# machine (or six engineers on two cores) runs them. Bounded: only the
# packages whose tests wait on time or processes, and a timeout.
set -euo pipefail
GO="${GO:-go}"
PKGS="${STRESS_PKGS:-. ./baseline/ ./bench/ ./bench/load/ ./bench/trace/ ./scorer/ ./tui/ ./gateway/}"
COUNT="${STRESS_COUNT:-2}"
hogs=()
cleanup() { for p in "${hogs[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
for _ in $(seq "$(nproc)"); do
  bash -c 'while :; do :; done' &
  hogs+=($!)
done
start=$(date +%s)
echo "test-stress: $(nproc) CPU hogs running; go test -race -count=$COUNT $PKGS" >&2
# shellcheck disable=SC2086
$GO test -race -count="$COUNT" -timeout "${STRESS_TIMEOUT:-40m}" $PKGS
echo "test-stress: passed in $(( $(date +%s) - start )) s" >&2
