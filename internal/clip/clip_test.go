package clip

import (
	"testing"
	"unicode/utf8"
)

// TestCut: Bytes cuts at a rune boundary at or below n bytes, Runes at n
// runes; neither cuts what fits, and the mark comes only with a cut.
func TestCut(t *testing.T) {
	cases := []struct {
		name, s string
		cut     func(string, int, string) string
		n       int
		mark    string
		want    string
	}{
		{"bytes fits", "abc", Bytes, 3, Ellipsis, "abc"},
		{"bytes ascii cut", "abcdef", Bytes, 3, Ellipsis, "abc…"},
		{"bytes no mark", "abcdef", Bytes, 3, "", "abc"},
		{"bytes mid rune backs off", "aé", Bytes, 2, Ellipsis, "a…"},
		{"bytes on a boundary", "éa", Bytes, 2, "", "é"},
		{"bytes zero", "abc", Bytes, 0, Ellipsis, "…"},
		{"bytes negative", "abc", Bytes, -1, "", ""},
		{"runes fit though bytes do not", "ééé", Runes, 3, Ellipsis, "ééé"},
		{"runes cut", "éééé", Runes, 2, Ellipsis, "éé…"},
		{"runes no mark", "abcd", Runes, 1, "", "a"},
		{"runes zero", "ab", Runes, 0, "", ""},
		{"runes empty", "", Runes, 0, Ellipsis, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := c.cut(c.s, c.n, c.mark)
			if got != c.want || !utf8.ValidString(got) {
				t.Errorf("cut(%q, %d, %q) = %q, want %q", c.s, c.n, c.mark, got, c.want)
			}
		})
	}
}
