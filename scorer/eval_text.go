package scorer

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/suites"
)

// foldNFKC is fold with Unicode compatibility normalisation (NFKC: "ﬁ" is
// "fi", full-width "Ｐａｒｉｓ" is "Paris", "①" is "1") and full case
// folding ("Straße" matches "STRASSE") instead of lower-casing.
func foldNFKC(s string) string {
	s = norm.NFKC.String(strings.ToValidUTF8(s, "\uFFFD"))
	s = norm.NFKC.String(cases.Fold().String(s))
	return fold(s)
}

// canonicalText is the form a normalized check compares: foldNFKC, then
// dashes become spaces ("well-known" is "well known"), a "." or "," between
// two digits stays ("3.14" never becomes "314"), every other punctuation
// mark and backtick goes ("**Paris**!" is "paris", "don't" is "dont"), and
// whitespace runs collapse.
func canonicalText(s string) string {
	rs := []rune(foldNFKC(s))
	var b strings.Builder
	for i, r := range rs {
		switch {
		case unicode.Is(unicode.Pd, r):
			b.WriteRune(' ')
		case (r == '.' || r == ',') && i > 0 && i+1 < len(rs) && unicode.IsDigit(rs[i-1]) && unicode.IsDigit(rs[i+1]):
			b.WriteRune(r)
		case unicode.IsPunct(r) || r == '`':
		default:
			b.WriteRune(r)
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// --- normalized --------------------------------------------------------------

// normalizedCheck passes when canonicalText(answer) equals canonicalText of
// Value, or of one of Values: the whole answer is the expected answer up to
// case (full Unicode folding), Unicode compatibility forms (NFKC),
// whitespace and punctuation. It is exact's lenient sibling: "**Paris**!",
// "ＰＡＲＩＳ" and "paris." all pass `Paris`, but "Paris, France", "Pari"
// and, for `3.14`, "314" do not.
type normalizedCheck struct {
	want []string
}

func newNormalizedCheck(c suites.Check) (evaluator, error) {
	var raw []string
	if c.Value != nil {
		s, err := scalarString(c.Value)
		if err != nil {
			return nil, err
		}
		raw = append(raw, s)
	}
	raw = append(raw, c.Values...)
	if len(raw) == 0 {
		return nil, errors.New("no value or values")
	}
	n := normalizedCheck{}
	for _, r := range raw {
		w := canonicalText(r)
		if w == "" {
			return nil, fmt.Errorf("value %s is empty after normalisation, so an empty answer would pass", show(r))
		}
		n.want = append(n.want, w)
	}
	return n, nil
}

func (n normalizedCheck) evaluate(content string, _ []trace.ToolCall) Verdict {
	got := canonicalText(content)
	for _, w := range n.want {
		if got == w {
			return pass("answer is %s after normalisation", show(w))
		}
	}
	if len(n.want) == 1 {
		return fail("want %s, got %s after normalisation", show(n.want[0]), show(got))
	}
	quoted := make([]string, len(n.want))
	for i, w := range n.want {
		quoted[i] = show(w)
	}
	return fail("want one of %s, got %s after normalisation", strings.Join(quoted, ", "), show(got))
}

// --- contains ----------------------------------------------------------------

// containsCheck passes when the phrases in Values occur in the answer as
// whole words or phrases: every one of them by default, at least one with
// ModeAny. Matching is on foldNFKC forms (case-folded, NFKC, whitespace
// collapsed) with a word boundary wherever a phrase starts or ends with a
// letter, digit or underscore: "cat" is found in "A cat." but not in
// "concatenate", "42" not in "420".
type containsCheck struct {
	phrases []string
	any     bool
}

func newContainsCheck(c suites.Check) (evaluator, error) {
	if len(c.Values) == 0 {
		return nil, errors.New("no values")
	}
	cc := containsCheck{any: c.ModeAny}
	for _, v := range c.Values {
		p := foldNFKC(v)
		if p == "" {
			return nil, fmt.Errorf("value %s is empty, so it would be found in every answer", show(v))
		}
		cc.phrases = append(cc.phrases, p)
	}
	return cc, nil
}

func (c containsCheck) evaluate(content string, _ []trace.ToolCall) Verdict {
	hay := foldNFKC(content)
	var found, missing []string
	for _, p := range c.phrases {
		if containsPhrase(hay, p) {
			found = append(found, strconv.Quote(p))
		} else {
			missing = append(missing, strconv.Quote(p))
		}
	}
	switch {
	case c.any && len(found) > 0:
		return pass("answer mentions %s", found[0])
	case c.any:
		return fail("answer mentions none of %s", strings.Join(missing, ", "))
	case len(missing) == 0:
		return pass("answer mentions all %d phrases", len(c.phrases))
	}
	return fail("answer lacks %s", strings.Join(missing, ", "))
}
