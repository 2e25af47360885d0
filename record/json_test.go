package record

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestReadWriteRoundTrip reads a stored run's report and writes it back:
// the bytes are the file's (field names and order are the schema's), and
// the write leaves no temporary file beside it.
func TestReadWriteRoundTrip(t *testing.T) {
	src := filepath.Join("..", "bench", "report", "testdata", "smoke-run.json")
	in, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Read(src)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "sub", "r.json")
	if err := Write(out, r); err != nil {
		t.Fatalf("Write: %v", err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(bytes.TrimSpace(got), bytes.TrimSpace(in)) {
		t.Errorf("written report differs from the one read (%d vs %d bytes)", len(got), len(in))
	}
	entries, err := os.ReadDir(filepath.Dir(out))
	if err != nil || len(entries) != 1 {
		t.Errorf("the write left %d entries (%v), want the report alone", len(entries), err)
	}
}

// TestParseRejects: a file that only looks like a report is refused with
// the schema's reasons.
func TestParseRejects(t *testing.T) {
	cases := []struct{ name, body string }{
		{"not json", "nope"},
		{"no schema version", `{"run": {}}`},
		{"wrong types", `{"schema_version": "janus.report/v1", "run": 5}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.body))
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Errorf("Parse(%q) = %v, want a *ValidationError", c.body, err)
			}
		})
	}
}
