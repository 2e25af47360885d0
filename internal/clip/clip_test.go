package clip

import (
	"testing"
	"unicode/utf8"
)

// TestBytes: no cut when s fits, a cut at a rune boundary below n
// otherwise, the mark only on a cut.
func TestBytes(t *testing.T) {
	cases := []struct {
		name, s string
		n       int
		mark    string
		want    string
	}{
		{"fits", "abc", 3, Ellipsis, "abc"},
		{"ascii cut", "abcdef", 3, Ellipsis, "abc…"},
		{"no mark", "abcdef", 3, "", "abc"},
		{"mid rune backs off", "aé", 2, Ellipsis, "a…"},
		{"on a boundary", "éa", 2, "", "é"},
		{"zero", "abc", 0, Ellipsis, "…"},
		{"negative", "abc", -1, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Bytes(c.s, c.n, c.mark)
			if got != c.want || !utf8.ValidString(got) {
				t.Errorf("Bytes(%q, %d, %q) = %q, want %q", c.s, c.n, c.mark, got, c.want)
			}
		})
	}
}

// TestRunes: the count is of runes, not bytes.
func TestRunes(t *testing.T) {
	cases := []struct {
		name, s string
		n       int
		mark    string
		want    string
	}{
		{"fits in runes not bytes", "ééé", 3, Ellipsis, "ééé"},
		{"cut", "éééé", 2, Ellipsis, "éé…"},
		{"no mark", "abcd", 1, "", "a"},
		{"zero", "ab", 0, "", ""},
		{"empty", "", 0, Ellipsis, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Runes(c.s, c.n, c.mark); got != c.want {
				t.Errorf("Runes(%q, %d, %q) = %q, want %q", c.s, c.n, c.mark, got, c.want)
			}
		})
	}
}
