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

failed=()
start=$SECONDS
for t in "${targets[@]}"; do
  dir=${t% *}; name=${t#* }
  t0=$SECONDS
  if out=$("$GO" test -run '^$' -fuzz "^${name}\$" -fuzztime "$per" "./$dir" 2>&1); then
    echo "ok   $dir $name ($((SECONDS - t0)) s)"
  else
    echo "FAIL $dir $name ($((SECONDS - t0)) s)"
    echo "$out" | tail -40
    failed+=("$dir $name")
  fi
done
echo "fuzz-short: $n targets in $((SECONDS - start)) s"
if [ "${#failed[@]}" -gt 0 ]; then
  printf 'fuzz-short: failed: %s\n' "${failed[@]}" >&2
  exit 1
fi
