// Package schemas embeds the published artefacts that code must agree with,
// such as the report JSON Schema, so that the schema users read is the very
// one every written report is validated against.
package schemas

import _ "embed"

// ReportSchemaV1 is the JSON Schema of janus.report/v1 (internal/schemas/report.schema.json).
//
//go:embed report.schema.json
var ReportSchemaV1 []byte

// SuiteSchemaV1 is the JSON Schema of a suite and its tasks
// (internal/schemas/suite.schema.json); `janus suites validate` checks every task
// against $defs/task.
//
//go:embed suite.schema.json
var SuiteSchemaV1 []byte
