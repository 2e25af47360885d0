package scorer

import (
	"context"
	"slices"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/suites"
)

func TestNormalize(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Paris", "paris"},                                // lower case
		{"  Paris \n", "paris"},                           // trimmed
		{"New   York\tCity", "new york city"},             // whitespace runs collapsed
		{`"Paris"`, "paris"},                              // double quotes stripped
		{"`Paris`", "paris"},                              // backticks stripped
		{"'Paris'", "paris"},                              // single quotes stripped
		{"“Paris”", "paris"},                              // typographic quotes stripped
		{"Paris.", "paris"},                               // one closing period dropped
		{"Paris!", "paris"},                               // one closing exclamation dropped
		{"Paris...", "paris..."},                          // an ellipsis is not a closing period
		{"Paris!!", "paris!!"},                            // nor is a run of exclamations
		{`"Paris."`, "paris"},                             // period inside quotes
		{`"Paris".`, "paris"},                             // period outside quotes
		{"Pa\u200bris", "paris"},                          // zero-width space dropped
		{"\ufeffParis", "paris"},                          // BOM dropped
		{"Paris\u00a0France", "paris france"},             // non-breaking space is whitespace
		{".", ""},                                         // a lone period normalises away
		{`"`, `"`},                                        // a lone quote has no partner
		{"", ""},                                          // empty stays empty
		{"The capital is Paris.", "the capital is paris"}, // sentence kept whole
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			if got := normalize(c.in); got != c.want {
				t.Errorf("normalize(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"Paris", `"Paris."`, "a  b\t c", "...", "'\"x\"'.", "\xff\xfe", "İ", "Ⱥ", "K", "``` ```", "“ ”"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := normalize(s)
		if again := normalize(n); again != n {
			t.Fatalf("not idempotent: normalize(%q) = %q, normalize of that = %q", s, n, again)
		}
	})
}

// task builds a one-check task.
func task(c suites.Check) *suites.Task {
	return &suites.Task{ID: "t", Category: suites.CatChat, Expect: suites.Expect{Checks: []suites.Check{c}}}
}

func TestChecks(t *testing.T) {
	weather := suites.Check{Type: CheckToolCall, Name: "get_weather", Arguments: map[string]any{"city": "Berlin"}}
	cases := []struct {
		name    string
		check   suites.Check
		content string
		calls   []trace.ToolCall
		want    float64
	}{
		// exact
		{"exact plain", suites.Check{Type: "exact", Value: "Paris"}, "Paris", nil, 1},
		{"exact case and period", suites.Check{Type: "exact", Value: "Paris"}, " paris. ", nil, 1},
		{"exact quoted", suites.Check{Type: "exact", Value: "Paris"}, "**Paris**", nil, 0}, // markdown bold is not a quote
		{"exact sentence is not substring", suites.Check{Type: "exact", Value: "Paris"}, "The capital is Paris", nil, 0},
		{"exact prefix", suites.Check{Type: "exact", Value: "Paris"}, "Pari", nil, 0},
		{"exact numeric value", suites.Check{Type: "exact", Value: 42.0}, "42", nil, 1},             // YAML number compared as text
		{"exact one letter vs letter", suites.Check{Type: "exact", Value: "a"}, "a banana", nil, 0}, // the PoC's substring bug
		// one_of
		{"one_of second", suites.Check{Type: "one_of", Values: []string{"USA", "United States"}}, "united states.", nil, 1},
		{"one_of none", suites.Check{Type: "one_of", Values: []string{"USA", "United States"}}, "America", nil, 0},
		{"one_of substring", suites.Check{Type: "one_of", Values: []string{"USA"}}, "USA!!! USA", nil, 0},
		// number
		{"number int", suites.Check{Type: "number", Value: 5.0}, "5", nil, 1},
		{"number trailing period", suites.Check{Type: "number", Value: 5.0}, "5.", nil, 1},
		{"number decimal equal", suites.Check{Type: "number", Value: 5.0}, "5.000", nil, 1},
		{"number signed", suites.Check{Type: "number", Value: -2.5}, "-2.5", nil, 1},
		{"number with unit", suites.Check{Type: "number", Value: 5.0}, "5 apples", nil, 0},
		{"number in equation", suites.Check{Type: "number", Value: 5.0}, "x = 5", nil, 0},
		{"number thousands separator", suites.Check{Type: "number", Value: 1815.0}, "1,815", nil, 0},
		{"number exponent", suites.Check{Type: "number", Value: 1000.0}, "1e3", nil, 0},
		{"number wrong", suites.Check{Type: "number", Value: 5.0}, "6", nil, 0},
		{"number float noise", suites.Check{Type: "number", Value: 0.3}, "0.30000000000000004", nil, 1},
		{"number tolerance in", suites.Check{Type: "number", Value: 3.14159, Tolerance: 0.01}, "3.14", nil, 1},
		{"number tolerance out", suites.Check{Type: "number", Value: 3.14159, Tolerance: 0.001}, "3.14", nil, 0},
		{"number string value", suites.Check{Type: "number", Value: "12"}, "12", nil, 1},
		// regex
		{"regex anchored match", suites.Check{Type: "regex", Pattern: `^\s*def f\(\):`}, "def f(): pass", nil, 1},
		{"regex anchored miss", suites.Check{Type: "regex", Pattern: `^def f$`}, "sure: def f", nil, 0},
		{"regex case-sensitive", suites.Check{Type: "regex", Pattern: `^OK$`}, "ok", nil, 0},
		{"regex invalid", suites.Check{Type: "regex", Pattern: `([`}, "anything", nil, 0},
		// json
		{"json equal", suites.Check{Type: "json", Value: map[string]any{"name": "Ada", "born": 1815.0}}, `{"born": 1815, "name": "Ada"}`, nil, 1},
		{"json float form", suites.Check{Type: "json", Value: map[string]any{"born": 1815.0}}, `{"born": 1815.0}`, nil, 1},
		{"json exponent form", suites.Check{Type: "json", Value: map[string]any{"born": 1815.0}}, `{"born": 1.815e3}`, nil, 1},
		{"json fenced", suites.Check{Type: "json", Value: map[string]any{"a": 1.0}}, "```json\n{\"a\": 1}\n```", nil, 1},
		{"json bare fence", suites.Check{Type: "json", Value: map[string]any{"a": 1.0}}, "```\n{\"a\": 1}\n```", nil, 1},
		{"json python fence", suites.Check{Type: "json", Value: map[string]any{"a": 1.0}}, "```python\n{\"a\": 1}\n```", nil, 0},
		{"json extra key", suites.Check{Type: "json", Value: map[string]any{"a": 1.0}}, `{"a": 1, "b": 2}`, nil, 0},
		{"json string not number", suites.Check{Type: "json", Value: map[string]any{"born": 1815.0}}, `{"born": "1815"}`, nil, 0},
		{"json prose around", suites.Check{Type: "json", Value: map[string]any{"a": 1.0}}, `Here it is: {"a": 1}`, nil, 0},
		{"json trailing data", suites.Check{Type: "json", Value: map[string]any{"a": 1.0}}, `{"a": 1} {"a": 1}`, nil, 0},
		{"json array order", suites.Check{Type: "json", Value: []any{1.0, 2.0}}, `[2, 1]`, nil, 0},
		{"json case of string", suites.Check{Type: "json", Value: map[string]any{"name": "Ada"}}, `{"name": "ada"}`, nil, 0},
		// tool_call
		{"tool_call match", weather, "", []trace.ToolCall{{Name: "get_weather", Arguments: `{"city":"Berlin"}`}}, 1},
		{"tool_call extra args ok", weather, "", []trace.ToolCall{{Name: "get_weather", Arguments: `{"city":"Berlin","unit":"c"}`}}, 1},
		{"tool_call second call after a wrong one", weather, "", []trace.ToolCall{{Name: "lookup", Arguments: `{}`}, {Name: "get_weather", Arguments: `{"city":"Berlin"}`}}, 0},
		{"tool_call wrong city", weather, "", []trace.ToolCall{{Name: "get_weather", Arguments: `{"city":"Munich"}`}}, 0},
		{"tool_call case-sensitive", weather, "", []trace.ToolCall{{Name: "get_weather", Arguments: `{"city":"berlin"}`}}, 0},
		{"tool_call missing arg", weather, "", []trace.ToolCall{{Name: "get_weather", Arguments: `{}`}}, 0},
		{"tool_call bad json", weather, "", []trace.ToolCall{{Name: "get_weather", Arguments: `{"city":`}}, 0},
		{"tool_call wrong name", weather, "", []trace.ToolCall{{Name: "get_forecast", Arguments: `{"city":"Berlin"}`}}, 0},
		{"tool_call content only", weather, `get_weather({"city":"Berlin"})`, nil, 0},
		{"tool_call number arg", suites.Check{Type: "tool_call", Name: "f", Arguments: map[string]any{"n": 3.0}}, "", []trace.ToolCall{{Name: "f", Arguments: `{"n":3.0}`}}, 1},
		{"tool_call no args wanted", suites.Check{Type: "tool_call", Name: "f"}, "", []trace.ToolCall{{Name: "f"}}, 1},
		// contains_all
		{"contains_all present", suites.Check{Type: "contains_all", Values: []string{"Paris", "Seine river"}}, "Paris lies on the Seine  River.", nil, 1},
		{"contains_all one missing", suites.Check{Type: "contains_all", Values: []string{"Paris", "Loire"}}, "Paris lies on the Seine.", nil, 0},
		{"contains_all word boundary", suites.Check{Type: "contains_all", Values: []string{"cat"}}, "concatenate", nil, 0},
		{"contains_all later occurrence", suites.Check{Type: "contains_all", Values: []string{"cat"}}, "concatenate the cat", nil, 1},
		{"contains_all symbol edge", suites.Check{Type: "contains_all", Values: []string{"C++"}}, "I like c++.", nil, 1},
		{"contains_all unicode boundary", suites.Check{Type: "contains_all", Values: []string{"été"}}, "l'été", nil, 1},
		{"contains_all unicode glued", suites.Check{Type: "contains_all", Values: []string{"té"}}, "l'été", nil, 0},
		// unknown type
		{"unknown type", suites.Check{Type: "substring", Value: "Paris"}, "Paris", nil, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := EvaluateAnswer(task(c.check), c.content, c.calls)
			if v.Score != c.want {
				t.Errorf("score %v, want %v (reason %q)", v.Score, c.want, v.Reason)
			}
			if v.Reason == "" {
				t.Error("empty reason")
			}
		})
	}
}

func TestSpecErrors(t *testing.T) {
	cases := []struct {
		name       string
		check      suites.Check
		wantReason string
	}{
		{"unknown type named", suites.Check{Type: "fuzzy"}, `unknown check type "fuzzy"`},        // typo in a suite
		{"regex compile error", suites.Check{Type: "regex", Pattern: `a(`}, "missing closing )"}, // RE2's own message
		{"empty regex", suites.Check{Type: "regex"}, "no pattern"},                               // would match everything
		{"exact empty value", suites.Check{Type: "exact", Value: " . "}, "empty"},                // would pass empty answers
		{"exact no value", suites.Check{Type: "exact"}, "no value"},                              // forgotten value
		{"number not number", suites.Check{Type: "number", Value: "five"}, "not a number"},       // bad value
		{"number negative tol", suites.Check{Type: "number", Value: 1.0, Tolerance: -1}, "tolerance"},
		{"one_of no values", suites.Check{Type: "one_of"}, "no values"},
		{"tool_call no name", suites.Check{Type: "tool_call"}, "no name"},
		{"contains_all blank", suites.Check{Type: "contains_all", Values: []string{" "}}, "empty"},
		{"json no value", suites.Check{Type: "json"}, "no value"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := EvaluateAnswer(task(c.check), "Paris", nil)
			if v.Score != 0 || !strings.Contains(v.Reason, c.wantReason) {
				t.Errorf("got %+v, want score 0 and reason containing %q", v, c.wantReason)
			}
		})
	}
}

func TestModes(t *testing.T) {
	paris := suites.Check{Type: "exact", Value: "Paris"}
	lyon := suites.Check{Type: "exact", Value: "Lyon"}
	re := suites.Check{Type: "regex", Pattern: `^[A-Z]`}
	cases := []struct {
		name   string
		expect suites.Expect
		answer string
		want   float64
		reason string
	}{
		{"all default passes", suites.Expect{Checks: []suites.Check{paris, re}}, "Paris", 1, "all 2 checks passed"},
		{"all one fails", suites.Expect{Mode: "all", Checks: []suites.Check{paris, re}}, "paris", 0, "check 2 (regex)"},
		{"all lists every failure", suites.Expect{Mode: "all", Checks: []suites.Check{paris, lyon}}, "Nice", 0, "check 1 (exact): want \"paris\", got \"nice\"; check 2 (exact)"},
		{"any one passes", suites.Expect{Mode: "any", Checks: []suites.Check{lyon, paris}}, "Paris", 1, "check 2 (exact)"},
		{"any none passes", suites.Expect{Mode: "any", Checks: []suites.Check{lyon, paris}}, "Nice", 0, "no check passed"},
		{"weighted default weights", suites.Expect{Mode: "weighted", Checks: []suites.Check{paris, re}}, "paris", 0.5, "weighted 0.500"},
		{"weighted explicit", suites.Expect{Mode: "weighted", Checks: []suites.Check{{Type: "exact", Value: "Paris", Weight: 3}, re}}, "paris", 0.75, "check 2 (regex)"},
		{"weighted all pass", suites.Expect{Mode: "weighted", Checks: []suites.Check{paris, re}}, "Paris", 1, "all 2 checks passed"},
		{"unknown mode", suites.Expect{Mode: "most", Checks: []suites.Check{paris}}, "Paris", 0, `unknown expect mode "most"`},
		{"no checks", suites.Expect{}, "Paris", 0, "no checks"},
		{"any with broken sibling", suites.Expect{Mode: "any", Checks: []suites.Check{paris, {Type: "regex", Pattern: "("}}}, "Paris", 0, "check 2: invalid regex"},
		{"negative weight", suites.Expect{Mode: "weighted", Checks: []suites.Check{{Type: "exact", Value: "Paris", Weight: -1}}}, "Paris", 0, "weight"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := EvaluateAnswer(&suites.Task{Expect: c.expect}, c.answer, nil)
			if v.Score != c.want || !strings.Contains(v.Reason, c.reason) {
				t.Errorf("got %+v, want score %v and reason containing %q", v, c.want, c.reason)
			}
		})
	}
}

func TestEvaluateTrace(t *testing.T) {
	tk := task(suites.Check{Type: "exact", Value: "Paris"})
	// The answer is the content; reasoning that found it does not count.
	if v := Evaluate(tk, &trace.Trace{Reasoning: "Paris", Content: "I don't know"}); v.Score != 0 {
		t.Errorf("reasoning counted: %+v", v)
	}
	if v := Evaluate(tk, &trace.Trace{Reasoning: "hmm", Content: "Paris"}); v.Score != 1 {
		t.Errorf("content not counted: %+v", v)
	}
	if v := Evaluate(tk, nil); v.Score != 0 {
		t.Errorf("nil trace: %+v", v)
	}
	if v := EvaluateAnswer(nil, "Paris", nil); v.Score != 0 {
		t.Errorf("nil task: %+v", v)
	}
}

func TestKnownCheckTypes(t *testing.T) {
	want := []string{"artifact", "choice", "citation", "code", "contains", "contains_all", "exact", "grounded", "json",
		"json_schema", "judge", "normalized", "number", "numeric", "one_of", "refusal", "regex", "streaming", "tool_call"}
	if got := KnownCheckTypes(); !slices.Equal(got, want) {
		t.Errorf("KnownCheckTypes() = %v, want %v", got, want)
	}
}

func loadSmoke(t *testing.T) *suites.Suite {
	t.Helper()
	s, err := suites.Load(context.Background(), "smoke")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func refCalls(r suites.Reference) []trace.ToolCall {
	var out []trace.ToolCall
	for _, c := range r.ToolCalls {
		out = append(out, trace.ToolCall{Name: c.Name, Arguments: c.Arguments})
	}
	return out
}

// TestSmokeReferences proves each smoke reference passes its own task and
// no other: the checks are specific enough that one right answer is not a
// right answer to anything else.
func TestSmokeReferences(t *testing.T) {
	s := loadSmoke(t)
	if len(s.Tasks) != 10 {
		t.Fatalf("smoke has %d tasks, want 10", len(s.Tasks))
	}
	for i := range s.Tasks {
		own := &s.Tasks[i]
		for _, c := range own.Expect.Checks {
			if !slices.Contains(KnownCheckTypes(), c.Type) {
				t.Errorf("%s: check type %q unknown", own.ID, c.Type)
			}
		}
		for j := range s.Tasks {
			other := &s.Tasks[j]
			v := EvaluateReference(own, other.Reference)
			if i == j && v.Score != 1 {
				t.Errorf("%s: own reference scores %v: %s", own.ID, v.Score, v.Reason)
			}
			if i != j && v.Score >= 0.5 {
				t.Errorf("%s: reference of %s scores %v: %s", own.ID, other.ID, v.Score, v.Reason)
			}
		}
	}
}

// TestSmokeJunkAnswers is the regression test for the PoC's substring
// scoring: non-answers, echoes and single letters must fail every task.
func TestSmokeJunkAnswers(t *testing.T) {
	s := loadSmoke(t)
	junk := []string{
		"",              // empty answer
		"   \n",         // whitespace only
		"I don't know",  // refusal
		"I don't know.", // refusal with period
		"I'm not sure, maybe Paris, red, OK, 5, or 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20?", // hedge naming every answer
		`{"error": "unknown"}`,       // JSON but wrong
		"def is_even(n):\n    pass",  // code-shaped but wrong
		"get_weather(city='Berlin')", // tool call written as text
	}
	for c := 'a'; c <= 'z'; c++ { // every one-letter answer
		junk = append(junk, string(c), strings.ToUpper(string(c)))
	}
	for i := range s.Tasks {
		tk := &s.Tasks[i]
		answers := append([]string(nil), junk...)
		for _, m := range tk.Messages { // the task's own prompt echoed back
			answers = append(answers, promptText(m))
		}
		for _, a := range answers {
			if v := EvaluateReference(tk, suites.Reference{Content: a}); v.Score != 0 {
				t.Errorf("%s: junk answer %q scores %v: %s", tk.ID, a, v.Score, v.Reason)
			}
		}
	}
}

func promptText(m openai.ChatCompletionMessage) string {
	if m.Content != "" {
		return m.Content
	}
	var parts []string
	for _, p := range m.MultiContent {
		if p.Type == openai.ChatMessagePartTypeText {
			parts = append(parts, p.Text)
		}
	}
	return strings.Join(parts, " ")
}
