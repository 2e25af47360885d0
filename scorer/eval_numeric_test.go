package scorer

import (
	"math"
	"testing"

	"github.com/janus-bench/janus/suites"
)

func TestNumericCheck(t *testing.T) {
	n42 := suites.Check{Type: CheckNumeric, Value: 42.0}
	year := suites.Check{Type: CheckNumeric, Value: 1815.0}
	km := suites.Check{Type: CheckNumeric, Value: 3.5, Units: []string{"km", "kilometres", "kilometers"}}
	pi := suites.Check{Type: CheckNumeric, Value: 3.14159, Tolerance: 0.01}
	rel := suites.Check{Type: CheckNumeric, Value: 1000.0, RelTolerance: 0.01}
	runEvalCases(t, []evalCase{
		// true positives
		{"bare", n42, "42", 1, "final number 42 = 42"},
		{"sentence", n42, "The answer is 42.", 1, `after "answer is"`},
		{"marker beats a later number", n42, "The answer is 42, not 41.", 1, ""},
		{"markdown marker", n42, "**Answer:** 42", 1, ""},
		{"boxed", n42, `so \boxed{42}`, 1, ""},
		{"result marker", n42, "Step 1: 20 + 22.\nStep 2: result = 42", 1, ""},
		{"final number after working", n42, "After 3 steps we get 42 apples", 1, ""},
		{"thousands separator", year, "Ada was born in 1,815", 1, ""},
		{"decimal form", year, "1815.0", 1, ""},
		{"exponent", year, "1.815e3", 1, ""},
		{"unicode minus", suites.Check{Type: CheckNumeric, Value: -2.5}, "The result is −2.5", 1, ""},
		{"range end", suites.Check{Type: CheckNumeric, Value: 5.0}, "pages 3-5", 1, ""},
		{"percent", suites.Check{Type: CheckNumeric, Value: 45.0}, "45%", 1, ""},
		{"float noise", suites.Check{Type: CheckNumeric, Value: 0.3}, "0.30000000000000004", 1, ""},
		{"string value", suites.Check{Type: CheckNumeric, Value: "1,815"}, "1815", 1, ""},
		{"unit", km, "It is about 3.5 km away.", 1, ""},
		{"unit spelled out", km, "3.5 kilometers.", 1, ""},
		{"unit glued", km, "3.5km", 1, ""},
		{"no unit written", km, "3.5", 1, ""},
		{"absolute tolerance", pi, "π ≈ 3.14", 1, ""},
		{"relative tolerance", rel, "about 995", 1, ""},
		{"number after a word-glued token", suites.Check{Type: CheckNumeric, Value: 18.0}, "H2O weighs 18", 1, ""},
		// true negatives
		{"wrong", n42, "41", 0, "want 42, got 41"},
		{"empty", n42, "", 0, "no number"},
		{"don't know", n42, "I don't know.", 0, "no number"},
		{"wrong unit", km, "3500 m", 0, "want 3.5 km, got 3500 m"},
		{"other unit", km, "3.5 miles", 0, ""},
		{"outside absolute tolerance", pi, "3.1", 0, "± 0.01"},
		{"outside relative tolerance", rel, "989", 0, "± 1%"},
		// adversarial near-misses
		{"off by one in a sentence", n42, "The answer is 41.", 0, ""},
		{"close decimal", n42, "42.5", 0, ""},
		{"hedge ends on the wrong number", n42, "42, or maybe 41", 0, ""},
		{"final number is a step count", n42, "42 (computed in 2 steps)", 0, "got 2"},
		{"too many digits", year, "18150", 0, ""},
		{"malformed group", year, "1,8150", 0, "no number"},
		{"digit inside a word", suites.Check{Type: CheckNumeric, Value: 2.0}, "H2O", 0, "no number"},
		{"version string", suites.Check{Type: CheckNumeric, Value: 2.0}, "v1.2", 0, ""},
		{"hyphen is not a sign", suites.Check{Type: CheckNumeric, Value: -5.0}, "pages 3-5", 0, ""},
	})
	runSpecCases(t, []specCase{
		{"no value", suites.Check{Type: CheckNumeric}, false, "no value"},
		{"not a number", suites.Check{Type: CheckNumeric, Value: "forty"}, false, "not a number"},
		{"not finite", suites.Check{Type: CheckNumeric, Value: math.Inf(1)}, false, "finite"},
		{"negative tolerance", suites.Check{Type: CheckNumeric, Value: 1.0, Tolerance: -1}, false, "tolerance"},
		{"NaN relative tolerance", suites.Check{Type: CheckNumeric, Value: 1.0, RelTolerance: math.NaN()}, false, "rel_tolerance"},
		{"blank unit", suites.Check{Type: CheckNumeric, Value: 1.0, Units: []string{" "}}, false, "units"},
		{"ok", km, true, ""},
	})
}
