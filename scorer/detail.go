package scorer

import (
	"strings"
	"unicode/utf8"

	"github.com/janus-bench/janus/bench/trace"
)

// The bounds of a TaskDetail. Everything in it came from the endpoint or
// from a (possibly generated) task, so each part is cut to a fixed size:
// a run of thousands of tasks keeps at most ~60 KB per task in memory and
// in the store, whatever the endpoint sent.
const (
	// MaxRequestExcerpt bounds the request's last user message (bytes).
	MaxRequestExcerpt = 2 << 10
	// MaxAnswerExcerpt bounds the answer (bytes).
	MaxAnswerExcerpt = 8 << 10
	// MaxReferenceExcerpt bounds the reference answer (bytes).
	MaxReferenceExcerpt = 2 << 10
	// MaxDetailEvents bounds the stream events kept for the timeline; the
	// rest are counted in EventsDropped.
	MaxDetailEvents = 2000
)

// TimelineKind maps a trace event kind onto the kinds a StreamEvent
// names: janus, error, unparsable and after-[DONE] items become other.
func TimelineKind(k trace.Kind) trace.Kind {
	switch k {
	case trace.KindContent, trace.KindReasoning, trace.KindToolCall, trace.KindKeepAlive, trace.KindUsage, trace.KindDone:
		return k
	}
	return trace.KindOther
}

// Excerpt returns at most max bytes of s, cut on a rune boundary, as valid
// UTF-8 (runs of bad bytes become U+FFFD), and whether anything was cut or
// replaced away. The result never shares s's memory, so an excerpt of a
// 16 MiB answer does not keep the answer alive.
func Excerpt(s string, max int) (string, bool) {
	if max <= 0 {
		return "", s != ""
	}
	cut := false
	if len(s) > max {
		s, cut = s[:runeCut(s, max)], true
	}
	if utf8.ValidString(s) {
		return strings.Clone(s), cut
	}
	s = strings.ToValidUTF8(s, "\uFFFD") // a new string; it may have grown
	if len(s) > max {
		s, cut = s[:runeCut(s, max)], true
	}
	return s, cut
}

// runeCut is the largest n' ≤ n at which s can be cut without splitting
// a rune (n < len(s)).
func runeCut(s string, n int) int {
	for i := n; i > n-utf8.UTFMax; i-- {
		if i <= 0 || utf8.RuneStart(s[i]) {
			return max(i, 0)
		}
	}
	return n // not UTF-8 there: ToValidUTF8 repairs the cut
}
