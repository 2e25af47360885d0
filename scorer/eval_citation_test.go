package scorer

import (
	"testing"

	"github.com/janus-bench/janus/suites"
)

func TestCitationCheck(t *testing.T) {
	three := suites.Check{Type: CheckCitation, Values: []string{"1", "2", "3"}}
	two := suites.Check{Type: CheckCitation, Values: []string{"1", "2", "3"}, Min: 2}
	urls := suites.Check{Type: CheckCitation, Values: []string{"https://example.org/a", "https://example.org/b"}}
	docs := suites.Check{Type: CheckCitation, Values: []string{"doc-a", "doc-b"}}
	runEvalCases(t, []evalCase{
		// true positives
		{"numbered", three, "Paris is the capital [1]. It has 2M people [2][3].", 1, "cites 3 of 3"},
		{"grouped", three, "Facts [1, 2, 3].", 1, ""},
		{"range", three, "Facts [1-3].", 1, ""},
		{"labelled", three, "Facts (source: 1; 2; 3).", 1, ""},
		{"footnotes", three, "A[^1], B[^2], C[^3].", 1, ""},
		{"enough of them", two, "As shown [1] and [3].", 1, "want ≥ 2"},
		{"a year in brackets is not a source", three, "Smith (2020) agrees [1][2][3].", 1, ""},
		{"urls", urls, "See https://example.org/a and https://example.org/b.", 1, ""},
		{"url forms", urls, "[A](https://EXAMPLE.org/a/) and <https://example.org/b>", 1, ""},
		{"named ids", docs, "Rivers flood (doc-a), cities grow [doc-b].", 1, ""},
		// true negatives
		{"no citations", three, "Paris is the capital of France.", 0, "cites 0 of 3"},
		{"not enough", two, "As shown [3].", 0, "not cited: 1, 2"},
		{"empty", three, "", 0, ""},
		{"don't know", urls, "I don't know.", 0, ""},
		// adversarial near-misses
		{"fabricated number", three, "[1][2][3][4]", 0, "[4], not among the given sources"},
		{"fabricated similar number", three, "Facts [1][2][3], see also [12].", 0, "[12]"},
		{"unbracketed numbers", three, "Sources 1, 2 and 3.", 0, ""},
		{"fabricated url", urls, "https://example.org/a https://example.org/b https://evil.example/a", 0, "evil.example"},
		{"url prefix is another url", urls, "https://example.org/a and https://example.org/bb", 0, ""},
		{"no scheme", urls, "example.org/a and example.org/b", 0, ""},
		{"ids not cited as citations", docs, "doc-a and doc-b say so", 0, ""},
	})
	runSpecCases(t, []specCase{
		{"no sources", suites.Check{Type: CheckCitation}, false, "no values"},
		{"min too high", suites.Check{Type: CheckCitation, Values: []string{"1"}, Min: 2}, false, "min 2"},
		{"negative min", suites.Check{Type: CheckCitation, Values: []string{"1"}, Min: -1}, false, "min"},
		{"duplicate", suites.Check{Type: CheckCitation, Values: []string{"1", "1"}}, false, "twice"},
		{"separator in id", suites.Check{Type: CheckCitation, Values: []string{"a,b"}}, false, "comma"},
		{"ok", urls, true, ""},
	})
}
