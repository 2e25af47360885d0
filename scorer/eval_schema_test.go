package scorer

import (
	"testing"

	"github.com/janus-bench/janus/suites"
)

func TestJSONSchemaCheck(t *testing.T) {
	person := suites.Check{Type: CheckJSONSchema, Value: map[string]any{
		"type": "object",
		"properties": map[string]any{
			"name":  map[string]any{"type": "string", "minLength": 1.0},
			"born":  map[string]any{"type": "integer", "minimum": 1000.0},
			"email": map[string]any{"type": "string", "format": "email"},
			"tags":  map[string]any{"type": "array", "items": map[string]any{"$ref": "#/$defs/tag"}},
		},
		"required":             []any{"name", "born"},
		"additionalProperties": false,
		"$defs":                map[string]any{"tag": map[string]any{"enum": []any{"math", "poetry"}}},
	}}
	runEvalCases(t, []evalCase{
		// true positives
		{"valid", person, `{"name": "Ada", "born": 1815}`, 1, "matches the schema"},
		{"json fence", person, "```json\n{\"name\": \"Ada\", \"born\": 1815}\n```", 1, ""},
		{"bare fence", person, "```\n{\"name\": \"Ada\", \"born\": 1815}\n```", 1, ""},
		{"integer written as float", person, `{"name": "Ada", "born": 1815.0}`, 1, ""},
		{"optional fields", person, `{"name": "Ada", "born": 1815, "email": "ada@example.org", "tags": ["math"]}`, 1, ""},
		// true negatives
		{"missing required", person, `{"name": "Ada"}`, 0, "born"},
		{"wrong type", person, `{"name": "Ada", "born": "1815"}`, 0, "at /born"},
		{"extra key", person, `{"name": "Ada", "born": 1815, "died": 1852}`, 0, "died"},
		{"empty", person, "", 0, "not one JSON value"},
		{"don't know", person, "I don't know.", 0, ""},
		// adversarial near-misses
		{"prose around", person, `Sure! {"name": "Ada", "born": 1815}`, 0, ""},
		{"two values", person, `{"name": "Ada", "born": 1815} {"name": "Bob", "born": 1900}`, 0, ""},
		{"python fence", person, "```python\n{\"name\": \"Ada\", \"born\": 1815}\n```", 0, ""},
		{"format asserted", person, `{"name": "Ada", "born": 1815, "email": "ada at example"}`, 0, "email"},
		{"below minimum", person, `{"name": "Ada", "born": 999}`, 0, "/born"},
		{"fractional integer", person, `{"name": "Ada", "born": 1815.5}`, 0, ""},
		{"ref enum", person, `{"name": "Ada", "born": 1815, "tags": ["chess"]}`, 0, "/tags/0"},
		{"empty name", person, `{"name": "", "born": 1815}`, 0, ""},
	})
	runSpecCases(t, []specCase{
		{"no schema", suites.Check{Type: CheckJSONSchema}, false, "no value"},
		{"string schema", suites.Check{Type: CheckJSONSchema, Value: "object"}, false, "JSON Schema object"},
		{"invalid schema", suites.Check{Type: CheckJSONSchema, Value: map[string]any{"type": 5.0}}, false, "does not compile"},
		{"remote ref", suites.Check{Type: CheckJSONSchema, Value: map[string]any{"$ref": "https://example.com/s.json"}}, false, "does not compile"},
		{"ok", person, true, ""},
	})
}
