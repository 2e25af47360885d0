// Package clip shortens text for messages, logs and evidence without
// splitting a UTF-8 sequence: one place for the cut every package made
// its own copy of.
package clip

import "unicode/utf8"

// Ellipsis is the mark most callers put where they cut.
const Ellipsis = "…"

// Bytes returns s cut to at most n bytes on a rune boundary, with mark
// appended when it cut (so the result may be up to len(mark) longer than
// n). A valid s stays valid UTF-8.
func Bytes(s string, n int, mark string) string {
	if len(s) <= n {
		return s
	}
	n = max(n, 0)
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + mark
}

// Runes returns s cut to at most n runes, with mark appended when it cut.
func Runes(s string, n int, mark string) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i, k := 0, 0
	for i = range s {
		if k == max(n, 0) {
			break
		}
		k++
	}
	return s[:i] + mark
}
