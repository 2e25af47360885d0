package scorer

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/janus-bench/janus/bench/trace"
)

func TestExcerpt(t *testing.T) {
	for _, c := range []struct {
		name, in string
		max      int
		want     string
		cut      bool
	}{
		{"short", "hello", 8, "hello", false},
		{"exact", "hello", 5, "hello", false},
		{"cut", "hello world", 5, "hello", true},
		{"rune boundary", "a€b", 3, "a", true}, // € is 3 bytes: a cut at 3 would split it
		{"rune fits", "a€b", 4, "a€", true},
		{"bad bytes repaired", "a\xffb", 8, "a\uFFFDb", false},
		{"repair grows past max", "\xff\xff-\xff", 4, "\uFFFD-", true},
		{"tiny max inside rune", "€€", 2, "", true},
		{"zero max", "x", 0, "", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, cut := Excerpt(c.in, c.max)
			if got != c.want || cut != c.cut {
				t.Fatalf("Excerpt(%q, %d) = %q, %v; want %q, %v", c.in, c.max, got, cut, c.want, c.cut)
			}
		})
	}
}

// FuzzExcerpt: whatever the endpoint sent, an excerpt is valid UTF-8
// within its bound, and an uncut valid text is kept whole.
func FuzzExcerpt(f *testing.F) {
	f.Add("héllo wörld", 4)
	f.Add("\xff\xfe€\x80", 3)
	f.Fuzz(func(t *testing.T, s string, max int) {
		max = max % 64
		got, cut := Excerpt(s, max)
		if len(got) > max && max >= 0 || !utf8.ValidString(got) {
			t.Fatalf("Excerpt(%q, %d) = %q: over the bound or not UTF-8", s, max, got)
		}
		if !cut && utf8.ValidString(s) && got != s {
			t.Fatalf("Excerpt(%q, %d) = %q, not cut but changed", s, max, got)
		}
		if cut && utf8.ValidString(s) && !strings.HasPrefix(s, got) {
			t.Fatalf("Excerpt(%q, %d) = %q is not a prefix", s, max, got)
		}
	})
}

func TestTimelineKind(t *testing.T) {
	for k, want := range map[trace.Kind]trace.Kind{trace.KindContent: trace.KindContent, trace.KindKeepAlive: trace.KindKeepAlive,
		trace.KindDone: trace.KindDone, trace.KindJanus: trace.KindOther, trace.KindUnparsable: trace.KindOther, trace.KindAfterDone: trace.KindOther} {
		if got := TimelineKind(k); got != want {
			t.Errorf("TimelineKind(%s) = %s, want %s", k, got, want)
		}
	}
}
