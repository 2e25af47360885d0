package scorer

import (
	"testing"

	"github.com/janus-bench/janus/suites"
)

func TestCanonicalText(t *testing.T) {
	cases := []struct{ in, want string }{
		{"**Paris**!", "paris"},
		{"ＰＡＲＩＳ", "paris"},           // full-width forms (NFKC)
		{"ﬁsh", "fish"},              // ligature (NFKC)
		{"cafe\u0301", "café"},       // decomposed accent composed (NFKC)
		{"Straße", "strasse"},        // full case folding
		{"well-known", "well known"}, // dashes separate words
		{"3.14", "3.14"},             // a decimal point stays
		{"1,815", "1,815"},           // a thousands comma stays
		{"U.S.A.", "usa"},            // other punctuation goes
		{"don't", "dont"},
		{"C++", "c++"}, // symbols stay
		{"`x`", "x"},
		{"a\u200bb  \t c", "ab c"},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			if got := canonicalText(c.in); got != c.want {
				t.Errorf("canonicalText(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func TestNormalizedCheck(t *testing.T) {
	paris := suites.Check{Type: CheckNormalized, Value: "Paris"}
	pi := suites.Check{Type: CheckNormalized, Value: "3.14"}
	usa := suites.Check{Type: CheckNormalized, Values: []string{"USA", "United States"}}
	runEvalCases(t, []evalCase{
		// true positives
		{"plain", paris, "Paris", 1, `answer is "paris"`},
		{"case and period", paris, "  paris. ", 1, ""},
		{"markdown and bang", paris, "**Paris**!", 1, ""},
		{"full-width", paris, "ＰＡＲＩＳ", 1, ""},
		{"backticks", paris, "`Paris`", 1, ""},
		{"zero-width space", paris, "Pa\u200bris", 1, ""},
		{"trailing period after decimal", pi, "3.14.", 1, ""},
		{"alternative", usa, "United States.", 1, ""},
		{"dotted abbreviation", usa, "U.S.A.", 1, ""},
		{"full case folding", suites.Check{Type: CheckNormalized, Value: "Straße"}, "STRASSE", 1, ""},
		{"ligature", suites.Check{Type: CheckNormalized, Value: "fish"}, "ﬁsh", 1, ""},
		{"dash is a space", suites.Check{Type: CheckNormalized, Value: "well-known"}, "well known", 1, ""},
		{"numeric value", suites.Check{Type: CheckNormalized, Value: 42.0}, "42.", 1, ""},
		// true negatives
		{"sentence", paris, "The capital is Paris", 0, `want "paris"`},
		{"empty", paris, "", 0, ""},
		{"don't know", paris, "I don't know.", 0, ""},
		{"extra words", paris, "Paris, France", 0, ""},
		{"alternative in sentence", usa, "the United States", 0, "want one of"},
		// adversarial near-misses
		{"prefix", paris, "Pari", 0, ""},
		{"longer word", paris, "Parisian", 0, ""},
		{"decimal point is not punctuation", pi, "314", 0, ""},
		{"decimal comma differs", pi, "3,14", 0, ""},
		{"symbol kept", suites.Check{Type: CheckNormalized, Value: "C++"}, "C", 0, ""},
		{"joined words", suites.Check{Type: CheckNormalized, Value: "well-known"}, "wellknown", 0, ""},
	})
	runSpecCases(t, []specCase{
		{"no value", suites.Check{Type: CheckNormalized}, false, "no value"},
		{"punctuation only", suites.Check{Type: CheckNormalized, Value: "!!!"}, false, "empty after normalisation"},
		{"empty alternative", suites.Check{Type: CheckNormalized, Values: []string{"a", " . "}}, false, "empty"},
		{"map value", suites.Check{Type: CheckNormalized, Value: map[string]any{"a": 1.0}}, false, ""},
		{"values only", usa, true, ""},
	})
}

func TestContainsCheck(t *testing.T) {
	all := suites.Check{Type: CheckContains, Values: []string{"Paris", "France"}}
	anyOf := suites.Check{Type: CheckContains, Values: []string{"Paris", "Lyon"}, ModeAny: true}
	n42 := suites.Check{Type: CheckContains, Values: []string{"42"}}
	runEvalCases(t, []evalCase{
		// true positives
		{"all present", all, "Paris is the capital of France.", 1, "all 2 phrases"},
		{"case-insensitive", all, "PARIS, FRANCE", 1, ""},
		{"any: one present", anyOf, "I'd go to Lyon.", 1, `"lyon"`},
		{"any: both present", anyOf, "Paris or Lyon", 1, ""},
		{"full-width answer", suites.Check{Type: CheckContains, Values: []string{"Ada"}}, "ＡＤＡ Lovelace", 1, ""},
		{"number with punctuation", n42, "It is 42.", 1, ""},
		{"phrase across whitespace", suites.Check{Type: CheckContains, Values: []string{"New York"}}, "New\n  York City", 1, ""},
		// true negatives
		{"one missing", all, "Paris is lovely.", 0, `lacks "france"`},
		{"any: none", anyOf, "Marseille", 0, "none of"},
		{"empty", all, "", 0, ""},
		{"don't know", anyOf, "I don't know.", 0, ""},
		// adversarial near-misses
		{"inside a longer word", all, "Parisian France", 0, `lacks "paris"`},
		{"any: inside a longer word", anyOf, "Lyonnais cuisine", 0, ""},
		{"digits glued", n42, "The answer is 420", 0, ""},
		{"substring of word", suites.Check{Type: CheckContains, Values: []string{"cat"}}, "concatenate", 0, ""},
	})
	runSpecCases(t, []specCase{
		{"no values", suites.Check{Type: CheckContains}, false, "no values"},
		{"blank value", suites.Check{Type: CheckContains, Values: []string{"a", "  "}}, false, "empty"},
		{"ok", all, true, ""},
	})
}
