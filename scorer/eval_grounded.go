package scorer

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/suites"
)

// groundedCiteRe is a citation group the grounded check reads: square or
// lenticular brackets ("[3]", "[1, 2]", "[source 2]", "【2】").
// Parentheses are left out: "(2020)" is a year more often than a source.
var groundedCiteRe = lazyRegexp(`\[([^\[\]\n]{1,80})\]|【([^【】\n]{1,80})】`)

// maxGroundedAnswer bounds the answer text the grounded check reads; a
// research answer is a sentence or a paragraph, not a book.
const maxGroundedAnswer = 64 << 10

// groundedStopwords are words a claim may use without a source saying
// them: function words and the vocabulary of citing ("according to
// source 3, the answer is").
var groundedStopwords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a an the and or but of in on at to for from by with as is are was were be been
		it its this that these those there here which who whom whose what when where why how
		answer answers source sources document documents doc docs ref refs reference references
		according based per says say said states stated shows shown show given see cited cite citation
		found find in into held holds hold has have had do does did so thus hence yes no
		lies lie located situated called named known`) {
		m[w] = true
	}
	return m
}()

// groundedCheck grades an answer on what its cited documents say, not on
// its shape (issue 15: a fixed "X [n]" template a regex can fill passed
// the old research checks). The answer is cut into claims, each the text
// before a citation group back to the previous group; a group right after
// another cites for the same claim. It passes when all of:
//
//   - every cited id is one of Documents (else: a fabricated citation);
//   - Value, the fact asked for, is stated in a claim that cites a document
//     holding Value (as a whole word or phrase, case-insensitively);
//   - every cited document holds Value: a citation of a document that does
//     not say the fact is padding ("Asel [1][2][3][4]") or the wrong source;
//   - the content words of a cited claim (words that are not function
//     words or citing vocabulary, see groundedStopwords) occur in the
//     documents that claim cites, bar one in four (rounded, (n+1)/4) for
//     paraphrase: a claim that adds what no cited source says ("Asel,
//     famous for dragons [3]") is unsupported.
//
// Text after the last citation cites nothing: it may be chatter, but it
// may not carry a word that only an uncited document says (a fact from
// another source, smuggled in without a citation), and Value must be in a
// cited claim anyway.
type groundedCheck struct {
	value string // folded
	raw   string
	docs  map[string]string // folded id → folded text
	ids   map[string]string // folded id → id as given
}

func newGroundedCheck(c suites.Check) (evaluator, error) {
	if c.Value == nil {
		return nil, errors.New("no value (the fact the answer must state)")
	}
	raw, err := scalarString(c.Value)
	if err != nil {
		return nil, fmt.Errorf("value: %w", err)
	}
	g := groundedCheck{value: fold(raw), raw: raw, docs: map[string]string{}, ids: map[string]string{}}
	if g.value == "" {
		return nil, errors.New("value is empty")
	}
	if len(c.Documents) == 0 {
		return nil, errors.New("no documents (the sources the answer may cite)")
	}
	holders := 0
	for id, text := range c.Documents {
		k := strings.ToLower(strings.TrimSpace(id))
		if k == "" || strings.ContainsAny(k, "[]【】,;") {
			return nil, fmt.Errorf("document id %s is empty or holds a bracket, comma or semicolon", show(id))
		}
		if _, dup := g.docs[k]; dup {
			return nil, fmt.Errorf("document id %s is listed twice (ids compare case-insensitively)", show(id))
		}
		g.docs[k], g.ids[k] = fold(text), id
		if containsPhrase(g.docs[k], g.value) {
			holders++
		}
	}
	if holders == 0 {
		return nil, fmt.Errorf("no document holds the value %s, so no answer could pass", show(raw))
	}
	return g, nil
}

// groundedClaim is one claim of an answer and the ids it cites.
type groundedClaim struct {
	text string
	ids  []string
}

// parseClaims cuts an answer into claims at its citation groups; tail is
// the text after the last group.
func parseClaims(content string) (claims []groundedClaim, tail string) {
	var out []groundedClaim
	last := 0
	for _, m := range groundedCiteRe().FindAllStringSubmatchIndex(content, -1) {
		text := content[last:m[0]]
		var group string
		if m[2] >= 0 {
			group = content[m[2]:m[3]]
		} else {
			group = content[m[4]:m[5]]
		}
		ids := groupIDs(group)
		last = m[1]
		if strings.TrimSpace(text) == "" && len(out) > 0 {
			out[len(out)-1].ids = append(out[len(out)-1].ids, ids...)
			continue
		}
		out = append(out, groundedClaim{text: text, ids: ids})
	}
	return out, content[last:]
}

// groupIDs lists a citation group's ids, lower-cased, labels dropped and
// numeric ranges expanded (at most 100 a range).
func groupIDs(group string) []string {
	var out []string
	for _, item := range strings.FieldsFunc(group, func(r rune) bool { return r == ',' || r == ';' }) {
		item = strings.ToLower(strings.TrimSpace(citeLabelRe().ReplaceAllString(strings.TrimSpace(item), "")))
		if item == "" {
			continue
		}
		if r := citeRangeRe().FindStringSubmatch(item); r != nil {
			lo, _ := strconv.Atoi(r[1])
			hi, _ := strconv.Atoi(r[2])
			if lo <= hi && hi-lo < 100 {
				for k := lo; k <= hi; k++ {
					out = append(out, strconv.Itoa(k))
				}
				continue
			}
		}
		out = append(out, item)
	}
	return out
}

// contentWords are a text's words that carry a claim: letters and digits
// runs, folded, minus groundedStopwords.
func contentWords(s string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(fold(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if !groundedStopwords[w] {
			out = append(out, w)
		}
	}
	return out
}

func (g groundedCheck) evaluate(content string, _ []trace.ToolCall) Verdict {
	if len(content) > maxGroundedAnswer {
		content = content[:maxGroundedAnswer]
	}
	claims, tail := parseClaims(content)
	if len(claims) == 0 {
		return fail("answer cites no document")
	}
	stated := false
	cited := map[string]bool{}
	for i, c := range claims {
		label := fmt.Sprintf("claim %d %s", i+1, show(strings.TrimSpace(c.text)))
		words := map[string]bool{}
		for _, id := range c.ids {
			doc, ok := g.docs[id]
			if !ok {
				return fail("%s cites [%s], which is not one of the %d documents", label, id, len(g.docs))
			}
			if !containsPhrase(doc, g.value) {
				return fail("%s cites [%s], which does not hold the fact asked for", label, g.ids[id])
			}
			for _, w := range contentWords(doc) {
				words[w], cited[w] = true, true
			}
		}
		var unsupported []string
		for _, w := range contentWords(c.text) {
			if !words[w] {
				unsupported = append(unsupported, w)
			}
		}
		if n := len(contentWords(c.text)); len(unsupported) > (n+1)/4 {
			sort.Strings(unsupported)
			return fail("%s says %s, which no document it cites says", label, strings.Join(dedupe(unsupported), ", "))
		}
		if containsPhrase(fold(c.text), g.value) {
			stated = true
		}
	}
	if !stated {
		return fail("no cited claim states %s", show(g.raw))
	}
	if w := g.smuggled(tail, cited); w != "" {
		return fail("the text after the last citation says %s, which only a document the answer does not cite says", show(w))
	}
	return pass("answer states %s citing only documents that hold it", show(g.raw))
}

// smuggled is the first word of the uncited tail that one of the task's
// documents says but none of the cited ones does: a fact from another
// source slipped in without its citation ("Asel [3], or December").
// Chatter ("hope this helps") is in no document and passes.
func (g groundedCheck) smuggled(tail string, cited map[string]bool) string {
	words := contentWords(tail)
	if len(words) == 0 {
		return ""
	}
	inDocs := map[string]bool{}
	for _, doc := range g.docs {
		for _, w := range contentWords(doc) {
			inDocs[w] = true
		}
	}
	for _, w := range words {
		if inDocs[w] && !cited[w] {
			return w
		}
	}
	return ""
}
