package scorer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/suites"
)

// Expect modes, as suites spell them in expect.mode. They are named so
// suite tooling and the scorer cannot drift apart on a spelling.
const (
	ModeAll      = "all"
	ModeAny      = "any"
	ModeWeighted = "weighted"
)

// Check types, as suites spell them in expect.checks[].type; exported so
// suite tooling can refer to them rather than repeat string literals.
const (
	CheckExact       = "exact"
	CheckOneOf       = "one_of"
	CheckNumber      = "number"
	CheckRegex       = "regex"
	CheckJSON        = "json"
	CheckToolCall    = "tool_call"
	CheckContainsAll = "contains_all"
	CheckNormalized  = "normalized"
	CheckContains    = "contains"
	CheckNumeric     = "numeric"
	CheckChoice      = "choice"
	CheckJSONSchema  = "json_schema"
	CheckCode        = "code"
	CheckRefusal     = "refusal"
	CheckCitation    = "citation"
	CheckStreaming   = "streaming"
	CheckArtifact    = "artifact"
	CheckJudge       = "judge"
	CheckGrounded    = "grounded"
)

// defaultNumberTolerance absorbs float formatting noise ("0.30000000000000004")
// without letting a different answer through.
const defaultNumberTolerance = 1e-9

// evaluator judges one answer against one check. Every implementation
// returns 1 (pass) or 0 (fail) with a reason that says what was expected
// and what was seen, so a report reader can audit the verdict.
type evaluator interface {
	evaluate(content string, toolCalls []trace.ToolCall) Verdict
}

// traceEvaluator is an evaluator that judges what only a live trace shows
// (stream timing, artifacts). Evaluate hands it the trace; given none
// (EvaluateAnswer, as suite validation calls it) it reports judged=false
// with a reason, and its verdict is left out of the task's combination.
type traceEvaluator interface {
	evaluator
	evaluateTrace(content string, toolCalls []trace.ToolCall, t *trace.Trace) (v Verdict, judged bool)
}

// checkBuilders maps a check type to the function that validates its spec
// and builds its evaluator. A spec error (missing value, bad pattern) is
// the suite's fault, and is reported as such rather than as a wrong answer.
var checkBuilders = map[string]func(suites.Check) (evaluator, error){
	CheckExact:       newExactCheck,
	CheckOneOf:       newOneOfCheck,
	CheckNumber:      newNumberCheck,
	CheckRegex:       newRegexCheck,
	CheckJSON:        newJSONCheck,
	CheckToolCall:    newToolCallCheck,
	CheckContainsAll: newContainsAllCheck,
	CheckNormalized:  newNormalizedCheck,
	CheckContains:    newContainsCheck,
	CheckNumeric:     newNumericCheck,
	CheckChoice:      newChoiceCheck,
	CheckJSONSchema:  newJSONSchemaCheck,
	CheckCode:        newCodeCheck,
	CheckRefusal:     newRefusalCheck,
	CheckCitation:    newCitationCheck,
	CheckStreaming:   newStreamingCheck,
	CheckArtifact:    newArtifactCheck,
	CheckJudge:       newJudgeCheck,
	CheckGrounded:    newGroundedCheck,
}

// KnownCheckTypes lists the check types the scorer understands, sorted, so
// suite validation can reject a typo before a run rather than score every
// answer of that task 0.
func KnownCheckTypes() []string {
	out := make([]string, 0, len(checkBuilders))
	for k := range checkBuilders {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func hasCheck(task *suites.Task, typ string) bool {
	for _, c := range task.Expect.Checks {
		if c.Type == typ {
			return true
		}
	}
	return false
}

// evaluate is Evaluate and EvaluateAnswer: tr is nil when there is no
// trace.
func (e *Evaluator) evaluate(task *suites.Task, content string, toolCalls []trace.ToolCall, tr *trace.Trace) Verdict {
	if task == nil {
		return Verdict{Score: 0, Reason: "no task"}
	}
	checks := task.Expect.Checks
	if len(checks) == 0 {
		return Verdict{Score: 0, Reason: "task has no checks"}
	}
	mode := task.Expect.Mode
	if mode == "" {
		mode = ModeAll
	}
	if mode != ModeAll && mode != ModeAny && mode != ModeWeighted {
		return Verdict{Score: 0, Reason: fmt.Sprintf("unknown expect mode %q", mode)}
	}
	evs := make([]evaluator, len(checks))
	weights := make([]float64, len(checks))
	for i, c := range checks {
		build, ok := checkBuilders[c.Type]
		if !ok {
			return Verdict{Score: 0, Reason: specLabel(i, len(checks)) + fmt.Sprintf("unknown check type %q", c.Type)}
		}
		ev, err := build(c)
		if err != nil {
			return Verdict{Score: 0, Reason: specLabel(i, len(checks)) + "invalid " + c.Type + " check: " + err.Error()}
		}
		w := c.Weight
		if w < 0 || math.IsNaN(w) || math.IsInf(w, 0) {
			return Verdict{Score: 0, Reason: specLabel(i, len(checks)) + fmt.Sprintf("invalid %s check: weight %v must be a finite number ≥ 0", c.Type, w)}
		}
		if w == 0 {
			w = 1
		}
		if b, ok := ev.(binder); ok {
			if ev, err = b.bind(e); err != nil {
				return Verdict{Score: 0, Reason: specLabel(i, len(checks)) + "invalid " + c.Type + " check: " + err.Error()}
			}
		}
		evs[i], weights[i] = ev, w
	}
	verdicts := make([]Verdict, 0, len(checks))
	judgedWeights := make([]float64, 0, len(checks))
	var unjudged []string
	for i, ev := range evs {
		var v Verdict
		if te, ok := ev.(traceEvaluator); ok {
			var judged bool
			if v, judged = te.evaluateTrace(content, toolCalls, tr); !judged {
				unjudged = append(unjudged, checkLabel(i, len(checks), checks[i])+v.Reason)
				continue
			}
		} else {
			v = ev.evaluate(content, toolCalls)
		}
		v.Score = clamp01(v.Score)
		v.Reason = checkLabel(i, len(checks), checks[i]) + v.Reason
		verdicts = append(verdicts, v)
		judgedWeights = append(judgedWeights, weights[i])
	}
	if len(verdicts) == 0 {
		return Verdict{Score: 0, Reason: "no check could be judged: " + strings.Join(unjudged, "; ")}
	}
	return penalizeExtraCalls(evs, toolCalls, combine(mode, verdicts, judgedWeights))
}

// penalizeExtraCalls charges a task with tool_call checks for the calls
// that match none of them, so emitting every candidate call (the "tool
// shotgun") cannot collect the one that is right for free. Calls are
// assigned one-to-one to the task's R required calls, in the order they
// were made: a call takes the first still-unmatched required call whose
// name and arguments it satisfies. Every call left over (an unknown tool,
// wrong arguments, a repeat of a call already matched) costs 1/R of the
// task's score, floored at 0. A one-call task answered with the right call
// and one wrong one therefore scores 0, as a shotgun of K ≥ 2 candidates
// does, which is below chance (1/K) for any K.
func penalizeExtraCalls(evs []evaluator, calls []trace.ToolCall, v Verdict) Verdict {
	var req []toolCallCheck
	for _, ev := range evs {
		if t, ok := ev.(toolCallCheck); ok {
			req = append(req, t)
		}
	}
	if len(req) == 0 || len(calls) == 0 {
		return v
	}
	taken := make([]bool, len(req))
	var extra []string
	for _, c := range calls {
		matched := false
		for i, t := range req {
			if !taken[i] && t.matches(c) {
				taken[i], matched = true, true
				break
			}
		}
		if !matched {
			extra = append(extra, c.Name)
		}
	}
	if len(extra) == 0 {
		return v
	}
	penalty := float64(len(extra)) / float64(len(req))
	score := math.Max(0, v.Score-penalty)
	return Verdict{Score: score, Reason: fmt.Sprintf("%s; %d tool call(s) matching no required call (%s) cost %.3g",
		v.Reason, len(extra), strings.Join(extra, ", "), v.Score-score)}
}

// checkLabel prefixes a reason with the check it came from: the type
// alone for a single check, its 1-based position too when there are more.
func checkLabel(i, n int, c suites.Check) string {
	if n == 1 {
		return c.Type + ": "
	}
	return fmt.Sprintf("check %d (%s): ", i+1, c.Type)
}

// specLabel names the broken check of a multi-check task.
func specLabel(i, n int) string {
	if n == 1 {
		return ""
	}
	return fmt.Sprintf("check %d: ", i+1)
}

// combine folds per-check verdicts into the task's verdict.
func combine(mode string, vs []Verdict, weights []float64) Verdict {
	var failing []string
	for _, v := range vs {
		if v.Score < 1 {
			failing = append(failing, v.Reason)
		}
	}
	switch mode {
	case ModeAny:
		best := 0
		for i, v := range vs {
			if v.Score > vs[best].Score {
				best = i
			}
		}
		if vs[best].Score >= 1 {
			return Verdict{Score: vs[best].Score, Reason: vs[best].Reason}
		}
		return Verdict{Score: vs[best].Score, Reason: "no check passed: " + strings.Join(failing, "; ")}
	case ModeWeighted:
		var num, den float64
		for i, v := range vs {
			num += weights[i] * v.Score
			den += weights[i]
		}
		s := clamp01(num / den)
		if len(failing) == 0 {
			return Verdict{Score: s, Reason: passReason(vs)}
		}
		return Verdict{Score: s, Reason: fmt.Sprintf("weighted %.3f; failed %s", s, strings.Join(failing, "; "))}
	default: // ModeAll
		s := 1.0
		for _, v := range vs {
			s = math.Min(s, v.Score)
		}
		if len(failing) == 0 {
			return Verdict{Score: s, Reason: passReason(vs)}
		}
		return Verdict{Score: s, Reason: "failed " + strings.Join(failing, "; ")}
	}
}

func passReason(vs []Verdict) string {
	if len(vs) == 1 {
		return vs[0].Reason
	}
	return fmt.Sprintf("all %d checks passed", len(vs))
}

func pass(format string, args ...any) Verdict {
	return Verdict{Score: 1, Reason: fmt.Sprintf(format, args...)}
}

func fail(format string, args ...any) Verdict {
	return Verdict{Score: 0, Reason: fmt.Sprintf(format, args...)}
}

// --- normalisation ---------------------------------------------------------

// quotePairs are the opening and closing marks stripped from around an
// answer: models wrap one-word answers in them without meaning anything.
var quotePairs = [][2]string{
	{`"`, `"`}, {"'", "'"}, {"`", "`"}, {"“", "”"}, {"‘", "’"}, {"«", "»"},
}

// normalize is the canonical form exact-style checks compare: lower case,
// format characters (zero-width space, BOM) dropped, whitespace runs
// collapsed to one space and trimmed, surrounding quotes or backticks
// stripped, and one trailing "." or "!" dropped unless it is part of a run
// ("..." stays). The steps repeat until nothing changes, which makes
// normalize idempotent ("\"Paris.\"." and "Paris" both become "paris").
func normalize(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	for range len(s) + 2 {
		next := normalizeOnce(s)
		if next == s {
			return s
		}
		s = next
	}
	return s
}

func normalizeOnce(s string) string {
	s = strings.ToLower(s)
	s = strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	for _, q := range quotePairs {
		if len(s) >= len(q[0])+len(q[1]) && strings.HasPrefix(s, q[0]) && strings.HasSuffix(s, q[1]) {
			s = strings.TrimSpace(s[len(q[0]) : len(s)-len(q[1])])
			break
		}
	}
	if n := len(s); n > 0 && (s[n-1] == '.' || s[n-1] == '!') {
		if n == 1 || (s[n-2] != '.' && s[n-2] != '!') {
			s = strings.TrimSpace(s[:n-1])
		}
	}
	return s
}

// fold is the lighter canonical form phrase search uses: lower case,
// format characters dropped, whitespace collapsed. Punctuation stays, since
// it is what separates words.
func fold(s string) string {
	s = strings.ToLower(strings.ToValidUTF8(s, "\uFFFD"))
	s = strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// show quotes a seen answer for a reason, cut so a long answer does not
// swamp the report.
func show(s string) string {
	const max = 80
	if utf8.RuneCountInString(s) > max {
		r := []rune(s)
		s = string(r[:max]) + "…"
	}
	return strconv.Quote(s)
}

// scalarString turns a YAML/JSON scalar check value into the string an
// exact-style check compares, so `value: 5` and `value: "5"` mean the same.
func scalarString(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case json.Number:
		return x.String(), nil
	case int:
		return strconv.Itoa(x), nil
	case bool:
		return strconv.FormatBool(x), nil
	case nil:
		return "", errors.New("no value")
	}
	return "", fmt.Errorf("value %v (%T) is not a string or number", v, v)
}

// --- exact -----------------------------------------------------------------

// exactCheck passes when normalize(answer) == normalize(Value): the whole
// answer is the expected answer, give or take case, whitespace,
// surrounding quotes and one closing "." or "!". Containing the answer is
// not enough: "The capital is Paris" fails `exact: Paris`.
type exactCheck struct {
	want string
}

func newExactCheck(c suites.Check) (evaluator, error) {
	s, err := scalarString(c.Value)
	if err != nil {
		return nil, err
	}
	want := normalize(s)
	if want == "" {
		return nil, errors.New("value is empty after normalisation, so an empty answer would pass")
	}
	return exactCheck{want: want}, nil
}

func (e exactCheck) evaluate(content string, _ []trace.ToolCall) Verdict {
	got := normalize(content)
	if got == e.want {
		return pass("answer is %s", show(e.want))
	}
	return fail("want %s, got %s", show(e.want), show(got))
}

// --- one_of ----------------------------------------------------------------

// oneOfCheck passes when normalize(answer) equals normalize(v) for some v
// in Values: exact with accepted alternatives ("USA", "United States").
type oneOfCheck struct {
	want []string
}

func newOneOfCheck(c suites.Check) (evaluator, error) {
	if len(c.Values) == 0 {
		return nil, errors.New("no values")
	}
	var want []string
	for _, v := range c.Values {
		n := normalize(v)
		if n == "" {
			return nil, fmt.Errorf("value %s is empty after normalisation, so an empty answer would pass", show(v))
		}
		want = append(want, n)
	}
	return oneOfCheck{want: want}, nil
}

func (o oneOfCheck) evaluate(content string, _ []trace.ToolCall) Verdict {
	got := normalize(content)
	for _, w := range o.want {
		if got == w {
			return pass("answer is %s", show(w))
		}
	}
	quoted := make([]string, len(o.want))
	for i, w := range o.want {
		quoted[i] = show(w)
	}
	return fail("want one of %s, got %s", strings.Join(quoted, ", "), show(got))
}

// --- number ----------------------------------------------------------------

// numberRe is the only number syntax an answer may use: an optional sign,
// digits, an optional decimal part. No thousands separators, exponents,
// units or words, so "5 apples", "x = 5" and "1,815" all fail.
var numberRe = lazyRegexp(`^[+-]?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)$`)

// numberCheck passes when the whole normalised answer is one number (see
// numberRe; a closing period is allowed because normalisation drops it)
// equal to Value. With Tolerance 0 the allowance is 1e-9, absolute or
// relative to Value, which absorbs float formatting only; an explicit
// Tolerance is an absolute allowance (|answer − Value| ≤ Tolerance), the
// reading least likely to surprise a suite author writing "± 0.01".
type numberCheck struct {
	want, tol float64
}

func newNumberCheck(c suites.Check) (evaluator, error) {
	var want float64
	switch x := c.Value.(type) {
	case float64:
		want = x
	case int:
		want = float64(x)
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return nil, fmt.Errorf("value %s is not a number", x)
		}
		want = f
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil {
			return nil, fmt.Errorf("value %s is not a number", show(x))
		}
		want = f
	case nil:
		return nil, errors.New("no value")
	default:
		return nil, fmt.Errorf("value %v (%T) is not a number", c.Value, c.Value)
	}
	if math.IsNaN(want) || math.IsInf(want, 0) {
		return nil, fmt.Errorf("value %v is not finite", want)
	}
	if c.Tolerance < 0 || math.IsNaN(c.Tolerance) || math.IsInf(c.Tolerance, 0) {
		return nil, fmt.Errorf("tolerance %v must be a finite number ≥ 0", c.Tolerance)
	}
	return numberCheck{want: want, tol: c.Tolerance}, nil
}

func (n numberCheck) evaluate(content string, _ []trace.ToolCall) Verdict {
	got := normalize(content)
	if !numberRe().MatchString(got) {
		return fail("want the number %s alone, got %s", fmtNum(n.want), show(got))
	}
	f, err := strconv.ParseFloat(got, 64)
	if err != nil {
		return fail("want the number %s, got %s (%v)", fmtNum(n.want), show(got), err)
	}
	d := math.Abs(f - n.want)
	ok := d <= n.tol
	if n.tol == 0 {
		ok = d <= defaultNumberTolerance || d <= defaultNumberTolerance*math.Abs(n.want)
	}
	if ok {
		return pass("answer is %s", fmtNum(n.want))
	}
	return fail("want %s, got %s", fmtNum(n.want), got)
}

func fmtNum(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// --- regex -----------------------------------------------------------------

// regexCheck passes when the Go RE2 Pattern matches the raw answer
// (regexp.MatchString: unanchored and case-sensitive unless the pattern
// says otherwise). A pattern meant to cover the whole answer anchors itself
// with ^…$; the raw answer is used so a pattern can see case and layout.
type regexCheck struct {
	re *regexp.Regexp
}

func newRegexCheck(c suites.Check) (evaluator, error) {
	if c.Pattern == "" {
		return nil, errors.New("no pattern (an empty pattern matches every answer)")
	}
	if re, ok := regexCache.Load(c.Pattern); ok {
		return regexCheck{re: re.(*regexp.Regexp)}, nil
	}
	re, err := regexp.Compile(c.Pattern)
	if err != nil {
		return nil, fmt.Errorf("pattern does not compile: %v", err)
	}
	// A pattern compiled per answer was a tenth of a load run's
	// allocations; a Regexp is safe for concurrent use, so one compiled
	// copy serves every answer. The bound only matters for a caller that
	// makes up patterns; suites have a few.
	if regexCached.Add(1) <= regexCacheMax {
		regexCache.Store(c.Pattern, re)
	}
	return regexCheck{re: re}, nil
}

const regexCacheMax = 4096

// regexCache is a pure cache of compiled patterns (a pattern compiles to
// the same Regexp whoever asks), so it is shared by every Evaluator: it
// holds no client and no state that changes a verdict.
var (
	regexCache  sync.Map // pattern → *regexp.Regexp
	regexCached atomic.Int64
)

func (r regexCheck) evaluate(content string, _ []trace.ToolCall) Verdict {
	if r.re.MatchString(content) {
		return pass("answer matches %s", r.re)
	}
	return fail("answer %s does not match %s", show(content), r.re)
}

// --- json ------------------------------------------------------------------

// jsonCheck passes when the answer, after removing one surrounding
// ```json (or bare ```) fence, is a single JSON value deep-equal to Value:
// objects have exactly the same keys (extra keys fail), arrays the same
// elements in order, numbers are equal as exact decimals (1815 ==
// 1815.0 == 1.815e3), strings are compared exactly.
type jsonCheck struct {
	want any
}

func newJSONCheck(c suites.Check) (evaluator, error) {
	if c.Value == nil {
		return nil, errors.New("no value")
	}
	want, err := reencode(c.Value)
	if err != nil {
		return nil, fmt.Errorf("value: %v", err)
	}
	return jsonCheck{want: want}, nil
}

func (j jsonCheck) evaluate(content string, _ []trace.ToolCall) Verdict {
	got, err := decodeJSON(stripFence(content))
	if err != nil {
		return fail("answer is not valid JSON (%v): %s", err, show(content))
	}
	if jsonEqual(got, j.want) {
		return pass("answer equals %s", compact(j.want))
	}
	return fail("want %s, got %s", compact(j.want), compact(got))
}

// stripFence removes one Markdown code fence around s when its language is
// json or absent.
func stripFence(s string) string {
	t := strings.TrimSpace(s)
	if !strings.HasPrefix(t, "```") || !strings.HasSuffix(t, "```") || len(t) < 6 {
		return s
	}
	nl := strings.IndexByte(t, '\n')
	if nl < 0 || nl+1 > len(t)-3 {
		return s
	}
	lang := strings.TrimSpace(t[3:nl])
	if lang != "" && !strings.EqualFold(lang, "json") {
		return s
	}
	return t[nl+1 : len(t)-3]
}

// decodeJSON decodes exactly one JSON value, keeping numbers as
// json.Number so they compare exactly.
func decodeJSON(s string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("data after the JSON value")
	}
	return v, nil
}

// reencode turns a check value decoded with float64 numbers into the
// json.Number form answers are decoded to.
func reencode(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return decodeJSON(string(b))
}

// jsonEqual is deep equality with numbers compared as exact decimals.
func jsonEqual(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, xv := range x {
			yv, ok := y[k]
			if !ok || !jsonEqual(xv, yv) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !jsonEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		return numbersEqual(x, y)
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case nil:
		return b == nil
	}
	return false
}

func numbersEqual(a, b json.Number) bool {
	if a == b {
		return true
	}
	ra, ok1 := new(big.Rat).SetString(string(a))
	rb, ok2 := new(big.Rat).SetString(string(b))
	return ok1 && ok2 && ra.Cmp(rb) == 0
}

// compact renders a decoded JSON value for a reason (keys sorted by
// encoding/json), cut to a readable length.
func compact(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	s := strings.TrimSpace(buf.String())
	if utf8.RuneCountInString(s) > 120 {
		s = string([]rune(s)[:120]) + "…"
	}
	return s
}

// --- tool_call ---------------------------------------------------------------

// toolCallCheck passes when some tool call in the answer has exactly Name
// and JSON-object arguments containing every key of Arguments with an
// equal value (strings case-sensitive, numbers as exact decimals, nested
// values deep-equal). Extra argument keys are allowed: optional parameters
// are the model's business. Text content never satisfies it, however well
// it describes the call. Calls that satisfy none of a task's tool_call
// checks are charged at task level (penalizeExtraCalls).
type toolCallCheck struct {
	name string
	args map[string]any
	keys []string
}

func newToolCallCheck(c suites.Check) (evaluator, error) {
	if c.Name == "" {
		return nil, errors.New("no name")
	}
	t := toolCallCheck{name: c.Name, args: map[string]any{}}
	if len(c.Arguments) > 0 {
		v, err := reencode(c.Arguments)
		if err != nil {
			return nil, fmt.Errorf("arguments: %v", err)
		}
		t.args = v.(map[string]any)
	}
	for k := range t.args {
		t.keys = append(t.keys, k)
	}
	sort.Strings(t.keys)
	return t, nil
}

func (t toolCallCheck) evaluate(_ string, calls []trace.ToolCall) Verdict {
	var names []string
	var mismatch string
	for _, c := range calls {
		names = append(names, c.Name)
		if c.Name != t.name {
			continue
		}
		raw := strings.TrimSpace(c.Arguments)
		if raw == "" {
			raw = "{}"
		}
		v, err := decodeJSON(raw)
		got, ok := v.(map[string]any)
		if err != nil || !ok {
			if mismatch == "" {
				mismatch = fmt.Sprintf("%s arguments are not a JSON object: %s", t.name, show(c.Arguments))
			}
			continue
		}
		bad := t.firstMismatch(got)
		if bad == "" {
			return pass("called %s with %s", t.name, compact(t.args))
		}
		if mismatch == "" {
			mismatch = fmt.Sprintf("%s called with %s: %s", t.name, compact(got), bad)
		}
	}
	if mismatch != "" {
		return fail("%s", mismatch)
	}
	if len(names) == 0 {
		return fail("no tool call (want %s)", t.name)
	}
	return fail("no call to %s (called %s)", t.name, strings.Join(names, ", "))
}

// matches reports whether one call satisfies the check.
func (t toolCallCheck) matches(c trace.ToolCall) bool {
	if c.Name != t.name {
		return false
	}
	raw := strings.TrimSpace(c.Arguments)
	if raw == "" {
		raw = "{}"
	}
	v, err := decodeJSON(raw)
	got, ok := v.(map[string]any)
	return err == nil && ok && t.firstMismatch(got) == ""
}

func (t toolCallCheck) firstMismatch(got map[string]any) string {
	for _, k := range t.keys {
		gv, ok := got[k]
		if !ok {
			return fmt.Sprintf("missing argument %q", k)
		}
		if !jsonEqual(gv, t.args[k]) {
			return fmt.Sprintf("argument %q is %s, want %s", k, compact(gv), compact(t.args[k]))
		}
	}
	return ""
}

// --- contains_all ------------------------------------------------------------

// containsAllCheck passes when every phrase in Values occurs in the answer
// as a whole word or phrase: case-insensitive, whitespace runs collapsed,
// and not glued to a letter, digit or underscore on either side ("cat"
// is found in "a cat." but not in "concatenate"). It is meant for longer
// answers that must mention key facts, not for short answers.
type containsAllCheck struct {
	phrases []string
}

func newContainsAllCheck(c suites.Check) (evaluator, error) {
	if len(c.Values) == 0 {
		return nil, errors.New("no values")
	}
	var ps []string
	for _, v := range c.Values {
		p := fold(v)
		if p == "" {
			return nil, fmt.Errorf("value %s is empty, so it would be found in every answer", show(v))
		}
		ps = append(ps, p)
	}
	return containsAllCheck{phrases: ps}, nil
}

func (c containsAllCheck) evaluate(content string, _ []trace.ToolCall) Verdict {
	hay := fold(content)
	var missing []string
	for _, p := range c.phrases {
		if !containsPhrase(hay, p) {
			missing = append(missing, strconv.Quote(p))
		}
	}
	if len(missing) == 0 {
		return pass("answer mentions all %d phrases", len(c.phrases))
	}
	return fail("answer lacks %s", strings.Join(missing, ", "))
}

func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// containsPhrase reports whether needle occurs in hay with a word boundary
// at each end where the needle itself starts or ends with a word rune
// ("c++" needs no boundary after its "+").
func containsPhrase(hay, needle string) bool {
	first, _ := utf8.DecodeRuneInString(needle)
	last, _ := utf8.DecodeLastRuneInString(needle)
	for from := 0; from <= len(hay); {
		i := strings.Index(hay[from:], needle)
		if i < 0 {
			return false
		}
		start := from + i
		end := start + len(needle)
		okStart, okEnd := true, true
		if isWordRune(first) && start > 0 {
			r, _ := utf8.DecodeLastRuneInString(hay[:start])
			okStart = !isWordRune(r)
		}
		if isWordRune(last) && end < len(hay) {
			r, _ := utf8.DecodeRuneInString(hay[end:])
			okEnd = !isWordRune(r)
		}
		if okStart && okEnd {
			return true
		}
		_, size := utf8.DecodeRuneInString(hay[start:])
		from = start + size
	}
	return false
}

func clamp01(x float64) float64 {
	switch {
	case math.IsNaN(x), x < 0:
		return 0
	case x > 1:
		return 1
	}
	return x
}

// lazyRegexp is a pattern compiled on first use, once. The checks'
// patterns are compiled by the checks that run, not by the package's init
// in every program that links the scorer: the lean load client runs a
// suite's few check kinds, and a compiled pattern is heap its soft memory
// limit is sized to (docs/PERFORMANCE.md, issue 17 item 8 fifth pass).
func lazyRegexp(pattern string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(pattern) })
}
