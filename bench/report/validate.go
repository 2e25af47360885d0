package report

import (
	"bytes"
	"fmt"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/janus-bench/janus/docs"
)

var (
	schemaOnce sync.Once
	schema     *jsonschema.Schema
	schemaErr  error
)

func compiled() (*jsonschema.Schema, error) {
	schemaOnce.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(docs.ReportSchemaV1))
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
// (docs/report.schema.json).
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
		return &ValidationError{Detail: err.Error()}
	}
	return nil
}
