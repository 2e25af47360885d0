package scorer

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/janus-bench/janus/suites"
)

// groundedDocs is a research task's corpus: the fact asked for (the river
// Asel) is in document 3 only.
var groundedDocs = map[string]string{
	"1": "The town of Veldmark holds its lantern festival every year in December.",
	"2": "Veldmark is best known for its weaving workshops.",
	"3": "Veldmark is a small town on the river Asel.",
	"4": "The emblem of Veldmark shows a falcon.",
}

func TestGroundedCheck(t *testing.T) {
	check := suites.Check{Type: CheckGrounded, Value: "Asel", Documents: groundedDocs}
	runEvalCases(t, []evalCase{
		{name: "short answer with its source", check: check, content: "Asel [3]", want: 1},
		{name: "sentence with its source", check: check, content: "Veldmark lies on the river Asel [3].", want: 1},
		{name: "citing label and trailing chatter", check: check, content: "According to source 3, the river Asel [source 3]. Hope this helps!", want: 1},
		{name: "lenticular brackets", check: check, content: "Asel【3】", want: 1},
		{name: "wrong source", check: check, content: "Asel [1]", want: 0, reason: "does not hold the fact"},
		{name: "every source cited", check: check, content: "Asel [1][2][3][4]", want: 0, reason: "does not hold the fact"},
		{name: "range of sources", check: check, content: "Asel [1-4]", want: 0, reason: "does not hold the fact"},
		{name: "fact shotgun, one claim each", check: check, content: "Asel [3]. December [1]. weaving [2]. falcon [4].", want: 0, reason: "claim 2"},
		{name: "fabricated source", check: check, content: "Asel [3][7]", want: 0, reason: "not one of the 4 documents"},
		{name: "template without the fact", check: check, content: "The answer is given in the sources [3].", want: 0, reason: "no cited claim states"},
		{name: "wrong fact from the right source", check: check, content: "Brenn [3]", want: 0, reason: "brenn"},
		{name: "hallucinated detail", check: check, content: "Asel, famous for dragons [3]", want: 0, reason: "dragons"},
		{name: "fact without a citation", check: check, content: "Asel", want: 0, reason: "cites no document"},
		{name: "fact after the last citation", check: check, content: "Veldmark [3] is on the Asel", want: 0, reason: "no cited claim states"},
		{name: "uncited fact shotgun after the citation", check: check, content: "Asel [3], or maybe December, weaving or a falcon", want: 0, reason: "december"},
		{name: "uncited chatter after the citation", check: check, content: "Asel [3]. Hope this helps!", want: 1},
		{name: "parenthesised year is not a citation", check: check, content: "Asel (2020)", want: 0, reason: "cites no document"},
	})
}

func TestGroundedSpec(t *testing.T) {
	cases := []struct {
		name  string
		check suites.Check
		err   string
	}{
		{"no value", suites.Check{Type: CheckGrounded, Documents: groundedDocs}, "no value"},
		{"no documents", suites.Check{Type: CheckGrounded, Value: "Asel"}, "no documents"},
		{"value in no document", suites.Check{Type: CheckGrounded, Value: "Brenn", Documents: groundedDocs}, "no document holds"},
		{"bracket in an id", suites.Check{Type: CheckGrounded, Value: "Asel", Documents: map[string]string{"[3]": "the river Asel"}}, "bracket"},
		{"ids differing in case", suites.Check{Type: CheckGrounded, Value: "Asel", Documents: map[string]string{"a": "the river Asel", "A": "x"}}, "twice"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := CheckSpec(c.check)
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Fatalf("CheckSpec = %v, want an error containing %q", err, c.err)
			}
		})
	}
}

// FuzzParseClaims: any text is cut into claims without panicking, every
// id is non-empty and a claim's text is part of the answer.
func FuzzParseClaims(f *testing.F) {
	for _, s := range []string{"Asel [3]", "a [1][2] b [1-4]; c 【2】", "[", "]][[", "x [source 2, ref 3]", "[1-999999]", "[\x00]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		claims, tail := parseClaims(s)
		if !strings.HasSuffix(s, tail) {
			t.Fatalf("tail %q is not the end of %q", tail, s)
		}
		for _, c := range claims {
			if !strings.Contains(s, c.text) {
				t.Fatalf("claim %q is not in the answer %q", c.text, s)
			}
			if len(c.ids) > 100*80 {
				t.Fatalf("%d ids from one answer", len(c.ids))
			}
			for _, id := range c.ids {
				if id == "" {
					t.Fatal("empty id")
				}
			}
		}
		if utf8.ValidString(s) {
			_ = groundedCheck{value: "x", raw: "x", docs: map[string]string{"1": "x"}, ids: map[string]string{"1": "1"}}.evaluate(s, nil)
		}
	})
}
