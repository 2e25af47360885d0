package scorer

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/suites"
)

// choiceWholeRe is an answer that is nothing but a letter: "B", "b", "(B)",
// "B.", "B)", "**B**", "[B]".
var choiceWholeRe = lazyRegexp(`^[*_]*[(\[]?[*_]*([A-Za-z])[*_]*[)\]]?[.:)]?[*_]*$`)

// choiceMarkerRe finds the phrases after which a model states its pick.
// What follows the marker is read by pickAfter.
var choiceMarkerRe = lazyRegexp(`(?i)\b(?:final\s+answer|correct\s+(?:answer|option|choice)|the\s+answer|answer|my\s+(?:answer|choice|pick)|i\s+(?:choose|pick|select)|i(?:'d|\s+would)\s+(?:choose|pick|select)|i'll\s+(?:choose|pick|go\s+with))\b(?:\s*(?:is|would\s+be|should\s+be|must\s+be)\b)?[\s:=*_]*`)

// choiceAfterLetterRe reads a letter right after a marker: bracketed in any
// case, or a bare capital ("the answer is a bit tricky" names no option).
var choiceAfterLetterRe = lazyRegexp(`^(?:[(\[]([A-Za-z])[)\]]|([A-Z]))(?:[^A-Za-z0-9]|$)`)

// choiceMentionRe finds formatted letter mentions anywhere: "(B)", "[B]",
// "option B", "choice b", "**B**", and "B." / "B)" / "B:" at the start of a
// line. A bare letter in running text ("A cat", "I think") is not one.
var choiceMentionRe = lazyRegexp(`(?im)(?:[(\[]([A-Za-z])[)\]]|\b(?:option|choice)\s+([A-Za-z])\b|\*\*([A-Za-z])\*\*|^[\s>*-]*([A-Z])[.):](?:\s|$))`)

// choiceCheck passes when the answer picks the correct option of a
// multiple-choice question and no other. Values are the options in order,
// lettered A, B, C…; Value is the correct one, as its letter or its text.
//
// The pick is read, in this order, from:
//  1. the whole answer being a letter ("B", "(b)", "B.", "**B**") or one
//     option's text (compared as the normalized check does);
//  2. otherwise the last final-answer phrase ("the answer is (B)",
//     "Answer: B", "I choose C", "final answer: Paris") followed by a
//     letter (bracketed, or a bare capital) or an option's text;
//  3. otherwise the options the answer mentions: formatted letters ("(B)",
//     "[B]", "option B", "**B**", "B." starting a line) and option texts as
//     whole words (a longer option containing a shorter one wins). Exactly
//     one distinct option must be mentioned: "(B) or maybe (C)" picks
//     nothing, and so fails, however the right one is among them.
type choiceCheck struct {
	options []string // canonicalText of each option
	raw     []string
	want    int
}

func newChoiceCheck(c suites.Check) (evaluator, error) {
	if len(c.Values) < 2 {
		return nil, fmt.Errorf("values must list at least 2 options, got %d", len(c.Values))
	}
	if len(c.Values) > 26 {
		return nil, fmt.Errorf("values list %d options, more than the 26 letters", len(c.Values))
	}
	ch := choiceCheck{want: -1, raw: c.Values}
	seen := map[string]int{}
	for i, v := range c.Values {
		o := canonicalText(v)
		if o == "" {
			return nil, fmt.Errorf("option %c %s is empty after normalisation", 'A'+i, show(v))
		}
		if j, dup := seen[o]; dup {
			return nil, fmt.Errorf("options %c and %c are the same after normalisation", 'A'+j, 'A'+i)
		}
		seen[o] = i
		ch.options = append(ch.options, o)
	}
	s, err := scalarString(c.Value)
	if err != nil {
		return nil, fmt.Errorf("value (the correct option): %w", err)
	}
	s = strings.TrimSpace(s)
	if m := choiceWholeRe().FindStringSubmatch(s); m != nil && len(s) <= 5 {
		if i := letterIndex(m[1]); i >= 0 && i < len(ch.options) {
			ch.want = i
		}
	}
	if ch.want < 0 {
		if i, ok := seen[canonicalText(s)]; ok {
			ch.want = i
		}
	}
	if ch.want < 0 {
		return nil, fmt.Errorf("value %s is neither a letter A–%c nor one of the options", show(s), 'A'+len(ch.options)-1)
	}
	return ch, nil
}

// letterIndex maps "B" or "b" to 1; anything else to -1.
func letterIndex(s string) int {
	if len(s) != 1 {
		return -1
	}
	r := s[0] | 0x20
	if r < 'a' || r > 'z' {
		return -1
	}
	return int(r - 'a')
}

func (ch choiceCheck) label(i int) string {
	return fmt.Sprintf("%c (%s)", 'A'+i, show(ch.raw[i]))
}

func (ch choiceCheck) evaluate(content string, _ []trace.ToolCall) Verdict {
	got, how, err := ch.pick(content)
	if err != nil {
		return fail("want %s: %v", ch.label(ch.want), err)
	}
	if got == ch.want {
		return pass("picked %s (%s)", ch.label(got), how)
	}
	return fail("want %s, picked %s (%s)", ch.label(ch.want), ch.label(got), how)
}

// pick finds the option the answer chose and says how.
func (ch choiceCheck) pick(content string) (int, string, error) {
	t := strings.TrimSpace(content)
	if t == "" {
		return 0, "", errors.New("empty answer")
	}
	if m := choiceWholeRe().FindStringSubmatch(t); m != nil {
		if i := letterIndex(m[1]); i >= 0 && i < len(ch.options) {
			return i, "the whole answer is the letter", nil
		}
	}
	whole := canonicalText(t)
	for i, o := range ch.options {
		if whole == o {
			return i, "the whole answer is the option", nil
		}
	}
	markers := choiceMarkerRe().FindAllStringIndex(t, -1)
	for k := len(markers) - 1; k >= 0; k-- {
		if i, ok := ch.pickAfter(t[markers[k][1]:]); ok {
			return i, "after " + show(strings.TrimSpace(t[markers[k][0]:markers[k][1]])), nil
		}
	}
	mentioned := ch.mentions(t)
	switch len(mentioned) {
	case 0:
		return 0, "", errors.New("the answer names no option")
	case 1:
		return mentioned[0], "the only option named", nil
	}
	names := make([]string, len(mentioned))
	for k, i := range mentioned {
		names[k] = string(rune('A' + i))
	}
	last := len(names) - 1
	list := strings.Join(names[:last], ", ") + " and " + names[last]
	return 0, "", fmt.Errorf("the answer names %s and no final-answer phrase picks one", list)
}

// pickAfter reads the option right after a final-answer marker: a letter,
// or the text of an option (the longest that fits).
func (ch choiceCheck) pickAfter(rest string) (int, bool) {
	if m := choiceAfterLetterRe().FindStringSubmatch(rest); m != nil {
		l := m[1] + m[2]
		if i := letterIndex(l); i >= 0 && i < len(ch.options) {
			return i, true
		}
	}
	head := canonicalText(firstSentence(rest))
	best, bestLen := -1, 0
	for i, o := range ch.options {
		if strings.HasPrefix(head, o) && (len(head) == len(o) || head[len(o)] == ' ') && len(o) > bestLen {
			best, bestLen = i, len(o)
		}
	}
	return best, best >= 0
}

// firstSentence cuts s at the first line break or sentence end (". ", "!",
// "?"), so an option text is only read where the pick is stated.
func firstSentence(s string) string {
	if i := strings.IndexAny(s, "\n!?;"); i >= 0 {
		s = s[:i]
	}
	if i := strings.Index(s, ". "); i >= 0 {
		s = s[:i]
	}
	return s
}

// mentions lists, sorted, the distinct options the answer names by a
// formatted letter or by text.
func (ch choiceCheck) mentions(t string) []int {
	set := map[int]bool{}
	for _, m := range choiceMentionRe().FindAllStringSubmatch(t, -1) {
		l := m[1] + m[2] + m[3] + m[4]
		if i := letterIndex(l); i >= 0 && i < len(ch.options) {
			set[i] = true
		}
	}
	hay := canonicalText(t)
	var byText []int
	for i, o := range ch.options {
		if containsPhrase(hay, o) {
			byText = append(byText, i)
		}
	}
	for _, i := range byText {
		shadowed := false
		for _, j := range byText {
			if j != i && len(ch.options[j]) > len(ch.options[i]) && containsPhrase(ch.options[j], ch.options[i]) {
				shadowed = true
				break
			}
		}
		if !shadowed {
			set[i] = true
		}
	}
	out := make([]int, 0, len(set))
	for i := range set {
		out = append(out, i)
	}
	sort.Ints(out)
	return out
}
