#!/usr/bin/env bash
# make tour: run the README's "A 60-second tour" top to bottom in a fresh
# clone, as a newcomer would, and fail on the first command that fails.
#
# The commands are read from README.md itself (every `go run .` line of the
# tour section, continuation lines joined), so the tour cannot drift from
# what the README says. Only how they are run differs where a person would
# act: `go run .` is one prebuilt binary (the same code, compiled once);
# servers (`baseline --listen`) are started, awaited until they print
# "listening on", and stopped; `up` gets a pseudo-terminal and a `q`; "your
# own endpoint" at 127.0.0.1:8000 is a reference baseline serving
# my-model; my-competitor:latest is the baseline image (`make image`).
# Steps that need Docker fail without it (CI starts an engine).
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
GO="${GO:-go}"
work="$(mktemp -d "${TMPDIR:-/tmp}/janus-tour.XXXXXX")"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  if [ "${TOUR_KEEP:-}" = "" ]; then rm -rf "$work"; else echo "tour: kept $work" >&2; fi
}
trap cleanup EXIT
start=$(date +%s)
say() { printf '\ntour [%3ds]: %s\n' "$(( $(date +%s) - start ))" "$*" >&2; }

say "fresh clone of $src into $work/janus"
git clone -q "$src" "$work/janus"
cd "$work/janus"
# A private store, config and selftest file: the tour leaves nothing behind.
export XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config" XDG_STATE_HOME="$work/state"
export JANUS_SELFTEST_FILE="$work/selftest.json" KEY="" OPENAI_BASE_URL="" OPENAI_API_KEY="" JANUS_STORE=""
export CI="${CI:-true}"

say "build (go run . compiles the same code once per command; the tour compiles once)"
CGO_ENABLED=0 "$GO" build -trimpath -o bin/janus .
bin="$PWD/bin/janus"

# The tour's commands, in README order.
mapfile -t steps < <(awk '
  /^## A 60-second tour/ {on=1; next}
  on && /^## / {exit}
  on && /^```/ {next}
  on {
    line=$0
    if (cont != "") { sub(/^[ \t]+/, "", line); cont = cont " " line } else if (line ~ /^go run \. /) { cont = line } else { next }
    if (cont ~ /\\$/) { sub(/[ \t]*\\$/, "", cont); next }
    sub(/[ \t]+#.*$/, "", cont); print cont; cont=""
  }' README.md)
[ "${#steps[@]}" -ge 10 ] || { echo "tour: found only ${#steps[@]} commands in the README's tour" >&2; exit 1; }

# wait_listening FILE PID: wait for a server's "listening on" line.
wait_listening() {
  for _ in $(seq 600); do
    grep -q "listening on" "$1" 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || { cat "$1" >&2; return 1; }
    sleep 0.1
  done
  echo "tour: no 'listening on' from the server in 60 s" >&2; cat "$1" >&2; return 1
}

needs_endpoint=1
needs_image=1
for cmd in "${steps[@]}"; do
  run="${cmd/go run ./$bin}"
  if [[ "$cmd" == *127.0.0.1:8000* && $needs_endpoint == 1 ]]; then
    say "your own endpoint: a reference baseline serving my-model on 127.0.0.1:8000"
    "$bin" baseline --listen 127.0.0.1:8000 --models my-model >"$work/endpoint.log" 2>&1 &
    pids+=($!)
    wait_listening "$work/endpoint.log" $!
    needs_endpoint=0
  fi
  if [[ "$cmd" == *--image* && $needs_image == 1 ]]; then
    say "my-competitor:latest: the baseline image (make image)"
    make -s image >/dev/null
    docker tag janus-baseline:latest my-competitor:latest
    needs_image=0
  fi
  say "$cmd"
  case "$cmd" in
    *" baseline --listen"*)
      # exec: $! is the server itself, so the kill below stops it.
      eval "exec $run" >"$work/server.log" 2>&1 &
      p=$!; pids+=($p)
      wait_listening "$work/server.log" $p
      grep "listening on" "$work/server.log" >&2
      kill "$p"; wait "$p" 2>/dev/null || true
      ;;
    "go run . up"*)
      # The TUI needs a terminal: give it one, let it draw, then quit.
      (sleep 8; printf q) | script -qfec "$run" /dev/null >"$work/up.log" 2>&1
      ;;
    *)
      eval "$run"
      ;;
  esac
done
say "the README tour ran top to bottom: ${#steps[@]} commands, $(( $(date +%s) - start )) s"
