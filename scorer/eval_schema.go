package scorer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/suites"
)

// schemaResource is the name a check's schema is compiled under; "$ref"s
// inside it may point at its own "#/$defs/…", never at the network or the
// file system.
const schemaResource = "janus-check.schema.json"

// schemaPrinter renders schema errors in English.
var schemaPrinter = message.NewPrinter(language.English)

// jsonSchemaCheck passes when the answer, after removing one surrounding
// ```json (or bare ```) fence, is exactly one JSON value that validates
// against the JSON Schema in Value (draft 2020-12 unless the schema's
// "$schema" says otherwise; "format" is asserted, so "email" or "date-time"
// must really be one). Prose around the JSON, a second value, or JSON
// inside a ```python fence fail. It is how a task checks response_format:
// give the same schema the request sends.
type jsonSchemaCheck struct {
	schema *jsonschema.Schema
}

func newJSONSchemaCheck(c suites.Check) (evaluator, error) {
	switch c.Value.(type) {
	case map[string]any, bool:
	case nil:
		return nil, errors.New("no value (the schema)")
	default:
		return nil, fmt.Errorf("value must be a JSON Schema object, got %T", c.Value)
	}
	raw, err := json.Marshal(c.Value)
	if err != nil {
		return nil, fmt.Errorf("encode schema: %w", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("decode schema: %w", err)
	}
	comp := jsonschema.NewCompiler()
	comp.AssertFormat()
	if err := comp.AddResource(schemaResource, doc); err != nil {
		return nil, fmt.Errorf("load schema: %w", err)
	}
	sch, err := comp.Compile(schemaResource)
	if err != nil {
		return nil, fmt.Errorf("schema does not compile: %s", flatten(err.Error(), 200))
	}
	return jsonSchemaCheck{schema: sch}, nil
}

func (j jsonSchemaCheck) evaluate(content string, _ []trace.ToolCall) Verdict {
	v, err := decodeJSON(stripFence(content))
	if err != nil {
		return fail("answer is not one JSON value (%v): %s", err, show(content))
	}
	if err := j.schema.Validate(v); err != nil {
		return fail("answer %s does not match the schema: %s", compact(v), schemaProblem(err))
	}
	return pass("answer matches the schema")
}

// schemaProblem says in one line where and how an instance broke the
// schema: the deepest causes, which name the offending value's location.
func schemaProblem(err error) string {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return flatten(err.Error(), 200)
	}
	var leaves []string
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			loc := "/" + strings.Join(e.InstanceLocation, "/")
			leaves = append(leaves, fmt.Sprintf("at %s: %s", loc, flatten(e.ErrorKind.LocalizedString(schemaPrinter), 120)))
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	if len(leaves) > 3 {
		leaves = append(leaves[:3], fmt.Sprintf("and %d more", len(leaves)-3))
	}
	return strings.Join(leaves, "; ")
}

// flatten makes s one line of at most n runes.
func flatten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		s = string(r[:n]) + "…"
	}
	return s
}
