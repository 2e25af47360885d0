package scorer

import (
	"strings"
	"testing"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/suites"
)

// TestToolShotgun is the tool-call penalty of issue 15: calls that match
// no required call cost 1/R of the score each, so emitting every
// candidate call scores below chance.
func TestToolShotgun(t *testing.T) {
	weather := suites.Check{Type: CheckToolCall, Name: "get_weather", Arguments: map[string]any{"city": "Oslo"}}
	calc := suites.Check{Type: CheckToolCall, Name: "calculator", Arguments: map[string]any{"a": 2.0, "b": 3.0, "op": "add"}}
	num := suites.Check{Type: "number", Value: 4.5}
	right := trace.ToolCall{Name: "get_weather", Arguments: `{"city":"Oslo"}`}
	rightCalc := trace.ToolCall{Name: "calculator", Arguments: `{"a":2,"b":3,"op":"add"}`}
	wrongArgs := trace.ToolCall{Name: "get_weather", Arguments: `{"city":"Lima"}`}
	unknown := trace.ToolCall{Name: "convert_units", Arguments: `{"value":1,"from":"km","to":"mi"}`}
	cases := []struct {
		name    string
		checks  []suites.Check
		content string
		calls   []trace.ToolCall
		want    float64
		reason  string
	}{
		{name: "exactly the right call", checks: []suites.Check{weather}, calls: []trace.ToolCall{right}, want: 1},
		{name: "shotgun of three candidates", checks: []suites.Check{weather}, calls: []trace.ToolCall{unknown, rightCalc, right}, want: 0, reason: "2 tool call(s) matching no required call"},
		{name: "shotgun of arguments", checks: []suites.Check{weather}, calls: []trace.ToolCall{wrongArgs, right}, want: 0, reason: "get_weather"},
		{name: "repeat of the matched call", checks: []suites.Check{weather}, calls: []trace.ToolCall{right, right}, want: 0, reason: "1 tool call(s)"},
		{name: "two required, both made", checks: []suites.Check{weather, calc}, calls: []trace.ToolCall{rightCalc, right}, want: 1},
		{name: "two required, both made, one extra", checks: []suites.Check{weather, calc}, calls: []trace.ToolCall{rightCalc, unknown, right}, want: 0.5, reason: "cost 0.5"},
		{name: "two required, one made, one extra", checks: []suites.Check{weather, calc}, calls: []trace.ToolCall{unknown, right}, want: 0},
		{name: "multi-turn: call and answer", checks: []suites.Check{weather, num}, content: "4.5", calls: []trace.ToolCall{right}, want: 1},
		{name: "multi-turn: shotgun then answer", checks: []suites.Check{weather, num}, content: "4.5", calls: []trace.ToolCall{right, wrongArgs}, want: 0},
		{name: "no call at all", checks: []suites.Check{weather}, want: 0},
		{name: "weighted mode is charged too", checks: []suites.Check{weather, num}, content: "4.5", calls: []trace.ToolCall{right, unknown}, want: 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tk := &suites.Task{ID: "t", Category: suites.CatTools, Expect: suites.Expect{Checks: c.checks}}
			if strings.HasPrefix(c.name, "weighted") {
				tk.Expect.Mode = ModeWeighted
			}
			v := EvaluateAnswer(tk, c.content, c.calls)
			if v.Score != c.want {
				t.Fatalf("score %v, want %v (%s)", v.Score, c.want, v.Reason)
			}
			if !strings.Contains(v.Reason, c.reason) {
				t.Errorf("reason %q lacks %q", v.Reason, c.reason)
			}
		})
	}
}
