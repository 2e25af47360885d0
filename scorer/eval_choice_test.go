package scorer

import (
	"testing"

	"github.com/janus-bench/janus/suites"
)

func TestChoiceCheck(t *testing.T) {
	capitals := []string{"Berlin", "Paris", "Rome", "Madrid"}
	b := suites.Check{Type: CheckChoice, Values: capitals, Value: "B"}
	byText := suites.Check{Type: CheckChoice, Values: capitals, Value: "Paris"}
	reds := suites.Check{Type: CheckChoice, Values: []string{"red", "dark red", "blue"}, Value: "B"}
	runEvalCases(t, []evalCase{
		// true positives
		{"letter", b, "B", 1, "the whole answer is the letter"},
		{"bracketed letter", b, "(B)", 1, ""},
		{"lower-case letter", b, "b", 1, ""},
		{"bold letter", b, "**B**", 1, ""},
		{"letter and period", b, "B.", 1, ""},
		{"option text", b, "Paris", 1, "the whole answer is the option"},
		{"value given as text", byText, "B", 1, ""},
		{"the answer is (B)", b, "The answer is (B).", 1, `after "The answer is"`},
		{"the answer is B", b, "The answer is B", 1, ""},
		{"answer colon", b, "Answer: B) Paris", 1, ""},
		{"I choose", b, "I choose B.", 1, ""},
		{"final answer as text", b, "Final answer: Paris", 1, ""},
		{"letter and text agree", b, "B. Paris", 1, "the only option named"},
		{"final pattern settles two names", b, "(A) is tempting, but the answer is (B).", 1, ""},
		{"last final pattern wins", b, "The answer is (C). No wait, the answer is (B).", 1, ""},
		{"only option named in prose", b, "I think the capital is Paris.", 1, ""},
		{"longer option shadows shorter", reds, "It's dark red.", 1, ""},
		// true negatives
		{"wrong letter", b, "C", 0, `want B ("Paris"), picked C ("Rome")`},
		{"wrong final pattern", b, "The answer is (C).", 0, ""},
		{"empty", b, "", 0, "empty answer"},
		{"don't know", b, "I don't know.", 0, "names no option"},
		{"wrong option line", b, "A. Berlin", 0, ""},
		{"shorter option", reds, "It's red.", 0, ""},
		// adversarial near-misses
		{"B in a sentence that names C", b, "It could be (B), but (C) seems more likely.", 0, "names B and C"},
		{"two letters", b, "(B) or (C)", 0, ""},
		{"two option texts", b, "Either Paris or Rome.", 0, ""},
		{"final pattern picks the other", b, "(B) is tempting, but the answer is (C).", 0, ""},
		{"article is not option A", b, "The answer is a bit tricky.", 0, ""},
		{"letter out of range", b, "Answer: E", 0, ""},
		{"prompt echoed", b, "Which city is the capital of France? (A) Berlin (B) Paris (C) Rome (D) Madrid. Answer with the letter only.", 0, ""},
	})
	runSpecCases(t, []specCase{
		{"one option", suites.Check{Type: CheckChoice, Values: []string{"x"}, Value: "A"}, false, "at least 2"},
		{"letter out of range", suites.Check{Type: CheckChoice, Values: capitals, Value: "E"}, false, "neither a letter"},
		{"unknown text", suites.Check{Type: CheckChoice, Values: capitals, Value: "Tokyo"}, false, "neither a letter"},
		{"no value", suites.Check{Type: CheckChoice, Values: capitals}, false, "value"},
		{"duplicate options", suites.Check{Type: CheckChoice, Values: []string{"Paris", "paris!"}, Value: "A"}, false, "the same"},
		{"blank option", suites.Check{Type: CheckChoice, Values: []string{"Paris", "..."}, Value: "A"}, false, "empty"},
		{"ok", b, true, ""},
	})
}
