#!/usr/bin/env bash
# fuzz-short: run EVERY Fuzz* target in the module for a short time each,
# so a broken fuzz target cannot sit unnoticed (issue 25). Targets are
# discovered, not listed: any `func FuzzXxx(f *testing.F)` in a *_test.go
# file under the module counts, including ones added later.
#
# The time per target is FUZZ_BUDGET (default 150 s) shared evenly among
# the targets, clamped to [FUZZ_MIN, FUZZ_MAX] (default 5 s and 20 s);
# FUZZTIME overrides it outright (e.g. FUZZTIME=2s for a smoke run).
# Compiling with fuzz instrumentation comes on top of that: the first
# package pays most of it, later ones reuse the build cache.
#
# Exit status: 0 when every target ran clean, 1 when any failed (all are
# still run; the failing ones are listed at the end, their crashers are in
# the package's testdata/fuzz/ as go test writes them).
set -uo pipefail
cd "$(dirname "$0")/.."
GO="${GO:-go}"

# "dir name" per target, sorted; vendored and hidden trees skipped.
mapfile -t targets < <(
  grep -rE --include='*_test.go' -o '^func Fuzz[A-Za-z0-9_]+\(' . \
    | grep -v -e '/vendor/' -e '/\.' \
    | sed -E 's|^\./||; s|^(.*)/[^/]*_test\.go:func (Fuzz[A-Za-z0-9_]+)\($|\1 \2|; s|^[^/ ]*_test\.go:func (Fuzz[A-Za-z0-9_]+)\($|. \1|' \
    | sort -u
)
n=${#targets[@]}
if [ "$n" -eq 0 ]; then
  echo "fuzz-short: no Fuzz targets found" >&2
  exit 1
fi

if [ -n "${FUZZTIME:-}" ]; then
  per="$FUZZTIME"
else
  budget="${FUZZ_BUDGET:-150}"; min="${FUZZ_MIN:-5}"; max="${FUZZ_MAX:-20}"
  secs=$(( budget / n ))
  [ "$secs" -lt "$min" ] && secs=$min
  [ "$secs" -gt "$max" ] && secs=$max
  per="${secs}s"
fi
echo "fuzz-short: $n targets, $per each"

# corpus lists the inputs go test has written for a target (crashers).
corpus() { ls "$1/testdata/fuzz/$2" 2>/dev/null | sort; }

# fuzz1 runs one target. Go 1.26's fuzz coordinator can end a clean run
# with a bare "context deadline exceeded" when -fuzztime elapses while a
# worker is mid-input (go.dev/issue/75804, fixed in Go 1.27): no crasher is
# written. Such a run is tried once more; a failure that wrote a crasher,
# or any other failure, counts.
fuzz1() {
  local dir=$1 name=$2 before out
  for attempt in 1 2; do
    before=$(corpus "$dir" "$name")
    if out=$("$GO" test -run '^$' -fuzz "^${name}\$" -fuzztime "$per" "./$dir" 2>&1); then
      return 0
    fi
    if [ "$(corpus "$dir" "$name")" != "$before" ] || ! grep -q '^    context deadline exceeded$' <<<"$out"; then
      break
    fi
    echo "note $dir $name: deadline race of Go's fuzz coordinator (go.dev/issue/75804), no crasher; attempt $attempt" >&2
  done
  echo "$out" | tail -40
  return 1
}

failed=()
start=$SECONDS
for t in "${targets[@]}"; do
  dir=${t% *}; name=${t#* }
  t0=$SECONDS
  if fuzz1 "$dir" "$name" >/tmp/fuzz-short-$$.out; then
    echo "ok   $dir $name ($((SECONDS - t0)) s)"
  else
    echo "FAIL $dir $name ($((SECONDS - t0)) s)"
    cat /tmp/fuzz-short-$$.out
    failed+=("$dir $name")
  fi
done
rm -f /tmp/fuzz-short-$$.out
echo "fuzz-short: $n targets in $((SECONDS - start)) s"
if [ "${#failed[@]}" -gt 0 ]; then
  printf 'fuzz-short: failed: %s\n' "${failed[@]}" >&2
  exit 1
fi
