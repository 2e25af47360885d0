package suites

import (
	"strings"
	"testing"
)

// TestToolResultFor checks the matching of scripted results.
func TestToolResultFor(t *testing.T) {
	tk := Task{ToolResults: []ToolResult{
		{Name: "convert", Arguments: map[string]any{"value": 3, "to": "mi"}, Content: "A"},
		{Name: "convert", Content: "B"},
	}}
	cases := []struct {
		name, args, want string
		ok               bool
	}{
		{"convert", `{"value":3,"to":"mi","from":"km"}`, "A", true}, // constraints met, extra argument ignored
		{"convert", `{"value":3.0,"to":"mi"}`, "A", true},           // 3 and 3.0 are the same JSON number
		{"convert", `{"value":4,"to":"mi"}`, "B", true},             // falls through to the unconstrained result
		{"convert", `not json`, "B", true},                          // unparsable arguments match only the unconstrained one
		{"weather", `{}`, `{"error":"no scripted result`, false},    // unknown tool
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := tk.ToolResultFor(c.name, c.args)
			if ok != c.ok || !strings.HasPrefix(got, c.want) {
				t.Errorf("%s(%s) = %q, %v; want %q, %v", c.name, c.args, got, ok, c.want, c.ok)
			}
		})
	}
}
