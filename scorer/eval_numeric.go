package scorer

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/suites"
)

// numTokenRe finds number candidates: an optional sign, digits with
// optional comma thousands groups ("1,815", "12,345,678"), an optional
// decimal part and exponent. The sign and the left boundary are checked in
// code (RE2 has no look-behind).
var numTokenRe = lazyRegexp(`[-+−]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|[-+−]?\.[0-9]+`)

// answerMarkerRe finds the phrases after which a model states its result:
// "answer is", "Answer:", "final answer =", "\boxed{". Markdown emphasis,
// "$" and "(" may sit between the marker and the number.
var answerMarkerRe = lazyRegexp(`(?i)(?:\b(?:final\s+answer|answer|result)\b(?:\s*(?:is|was|would\s+be|should\s+be|will\s+be)\b)?\s*[:=]?|\\boxed\{)[\s*_$(:=]*`)

// unitRe reads the unit right after a number: "%", a degree sign, or a run
// of letters optionally "/letters" and a power ("km", "km/h", "m²").
var unitRe = lazyRegexp(`^\s?(%|°\s?[A-Za-z]?|[\p{L}µ]+(?:/[\p{L}]+)?[²³]?)`)

// numericCheck passes when the answer's final number equals Value within
// tolerance. The number taken is the one right after the last answer
// marker ("the answer is 42", "Answer: 42", "\boxed{42}") when there is
// one, else the last number in the answer; so "The answer is 42, not 41"
// gives 42 and "Step 1 … Step 3: 42 apples" gives 42.
//
// Numbers may carry a sign (also U+2212 "−"), comma thousands groups
// ("1,815"), a decimal part and an exponent. A number glued to a letter or
// digit on its left ("x2", "H2O", "v1") is not a number, nor is a run
// whose comma groups do not end cleanly ("1,8150"). A "-" after a digit
// is a range or hyphen, not a sign ("3-5" gives 5). A decimal comma ("3,5")
// reads as two numbers.
//
// Tolerance is absolute and RelTolerance relative to Value; the answer
// passes if either allows it. With both 0 the allowance is 1e-9, absolute
// or relative, which absorbs float formatting only: "41" fails 42.
//
// With Units, the unit written right after the number ("3.5 km", "45%")
// must be one of them (case-insensitive), or absent: "3500 m" fails
// `units: [km]`. No conversion is done. Without Units, units are ignored.
type numericCheck struct {
	want, abs, rel float64
	units          []string
}

func newNumericCheck(c suites.Check) (evaluator, error) {
	want, err := numericValue(c.Value)
	if err != nil {
		return nil, err
	}
	for name, t := range map[string]float64{"tolerance": c.Tolerance, "rel_tolerance": c.RelTolerance} {
		if t < 0 || math.IsNaN(t) || math.IsInf(t, 0) {
			return nil, fmt.Errorf("%s %v must be a finite number ≥ 0", name, t)
		}
	}
	n := numericCheck{want: want, abs: c.Tolerance, rel: c.RelTolerance}
	for _, u := range c.Units {
		u = strings.TrimSpace(u)
		if u == "" {
			return nil, errors.New("units has an empty entry")
		}
		n.units = append(n.units, u)
	}
	return n, nil
}

// numericValue reads a check's expected number from YAML/JSON.
func numericValue(v any) (float64, error) {
	var f float64
	switch x := v.(type) {
	case float64:
		f = x
	case int:
		f = float64(x)
	case json.Number:
		g, err := x.Float64()
		if err != nil {
			return 0, fmt.Errorf("value %s is not a number", x)
		}
		f = g
	case string:
		g, ok := parseNumber(strings.TrimSpace(x))
		if !ok {
			return 0, fmt.Errorf("value %s is not a number", show(x))
		}
		f = g
	case nil:
		return 0, errors.New("no value")
	default:
		return 0, fmt.Errorf("value %v (%T) is not a number", v, v)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("value %v is not finite", f)
	}
	return f, nil
}

// parseNumber parses one number token as numTokenRe finds it.
func parseNumber(tok string) (float64, bool) {
	tok = strings.ReplaceAll(strings.ReplaceAll(tok, ",", ""), "−", "-")
	f, err := strconv.ParseFloat(tok, 64)
	return f, err == nil && !math.IsInf(f, 0) && !math.IsNaN(f)
}

// numberAt is one number found in an answer.
type numberAt struct {
	text       string
	value      float64
	start, end int
}

// findNumbers lists the numbers of s in order, applying the boundary and
// sign rules of numericCheck.
func findNumbers(s string) []numberAt {
	var out []numberAt
	for _, loc := range numTokenRe().FindAllStringIndex(s, -1) {
		start, end := loc[0], loc[1]
		tok := s[start:end]
		r, size := utf8.DecodeRuneInString(tok)
		signed := r == '-' || r == '+' || r == '−'
		if start > 0 {
			prev, _ := utf8.DecodeLastRuneInString(s[:start])
			if signed && (unicode.IsDigit(prev) || unicode.IsLetter(prev)) {
				// "3-5", "x-2": a hyphen, not a sign.
				start += size
				tok = tok[size:]
				prev, _ = utf8.DecodeLastRuneInString(s[:start])
			}
			if isWordRune(prev) || (prev == '.' && !signed) {
				continue // "x2", "H2O", "v1.2" read from the middle
			}
		}
		if next, _ := utf8.DecodeRuneInString(s[end:]); unicode.IsDigit(next) {
			continue // "1,8150": a malformed group, not 1815
		}
		v, ok := parseNumber(tok)
		if !ok {
			continue
		}
		out = append(out, numberAt{text: tok, value: v, start: start, end: end})
	}
	return out
}

// finalNumber picks the answer's number: the first one right after the
// last answer marker, else the last one.
func finalNumber(s string) (numberAt, string, bool) {
	nums := findNumbers(s)
	if len(nums) == 0 {
		return numberAt{}, "", false
	}
	markers := answerMarkerRe().FindAllStringIndex(s, -1)
	for i := len(markers) - 1; i >= 0; i-- {
		at := markers[i][1]
		for _, n := range nums {
			if n.start >= at && strings.TrimSpace(strings.TrimLeft(s[at:n.start], "*_$(+-−")) == "" {
				return n, "after " + strconv.Quote(strings.TrimSpace(s[markers[i][0]:markers[i][1]])), true
			}
		}
	}
	return nums[len(nums)-1], "final number", true
}

func (n numericCheck) evaluate(content string, _ []trace.ToolCall) Verdict {
	got, how, ok := finalNumber(content)
	if !ok {
		return fail("want %s, found no number in %s", fmtNum(n.want), show(content))
	}
	if len(n.units) > 0 {
		if m := unitRe().FindStringSubmatch(content[got.end:]); m != nil {
			u := strings.TrimSpace(m[1])
			known := false
			for _, w := range n.units {
				if strings.EqualFold(strings.ReplaceAll(u, " ", ""), strings.ReplaceAll(w, " ", "")) {
					known = true
					break
				}
			}
			if !known {
				return fail("want %s %s, got %s %s (%s)", fmtNum(n.want), n.units[0], got.text, u, how)
			}
		}
	}
	d := math.Abs(got.value - n.want)
	ok = d <= n.abs || d <= n.rel*math.Abs(n.want)
	if n.abs == 0 && n.rel == 0 {
		ok = d <= defaultNumberTolerance || d <= defaultNumberTolerance*math.Abs(n.want)
	}
	if ok {
		return pass("%s %s = %s", how, got.text, fmtNum(n.want))
	}
	return fail("want %s%s, got %s (%s)", fmtNum(n.want), n.tolText(), got.text, how)
}

// tolText describes the allowance for a failure reason.
func (n numericCheck) tolText() string {
	switch {
	case n.abs > 0 && n.rel > 0:
		return fmt.Sprintf(" ± max(%s, %s%%)", fmtNum(n.abs), fmtNum(n.rel*100))
	case n.abs > 0:
		return " ± " + fmtNum(n.abs)
	case n.rel > 0:
		return fmt.Sprintf(" ± %s%%", fmtNum(n.rel*100))
	}
	return ""
}
