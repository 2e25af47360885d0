package record

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/janus-bench/janus/internal/schemas"
)

var (
	schemaOnce sync.Once
	schema     *jsonschema.Schema
	schemaErr  error
)

func compiled() (*jsonschema.Schema, error) {
	schemaOnce.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemas.ReportSchemaV1))
		if err != nil {
			schemaErr = fmt.Errorf("parse report schema: %w", err)
			return
		}
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		if err := c.AddResource("report.schema.json", doc); err != nil {
			schemaErr = fmt.Errorf("load report schema: %w", err)
			return
		}
		schema, schemaErr = c.Compile("report.schema.json")
	})
	return schema, schemaErr
}

// ValidationError lists where a report breaks the published schema.
type ValidationError struct{ Detail string }

func (e *ValidationError) Error() string { return "report does not match janus.report/v1: " + e.Detail }

// Validate checks a JSON report against the published schema
// (internal/schemas/report.schema.json).
func Validate(b []byte) error {
	s, err := compiled()
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return &ValidationError{Detail: "not JSON: " + err.Error()}
	}
	if err := s.Validate(inst); err != nil {
		var ve *jsonschema.ValidationError
		if errors.As(err, &ve) {
			return &ValidationError{Detail: describe(ve)}
		}
		return &ValidationError{Detail: err.Error()}
	}
	return nil
}

// maxProblems is how many schema violations an error lists.
const maxProblems = 5

// describe lists the leaf violations as "at JSON-PATH: what", without the
// schema's internal URL (which names no file a user has).
func describe(ve *jsonschema.ValidationError) string {
	p := message.NewPrinter(language.English)
	var leaves []string
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			loc := "/" + strings.Join(e.InstanceLocation, "/")
			leaves = append(leaves, fmt.Sprintf("at %s: %s", loc, e.ErrorKind.LocalizedString(p)))
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	more := ""
	if len(leaves) > maxProblems {
		more = fmt.Sprintf("; and %d more", len(leaves)-maxProblems)
		leaves = leaves[:maxProblems]
	}
	return strings.Join(leaves, "; ") + more
}
