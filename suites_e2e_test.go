package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSuitesCommands(t *testing.T) {
	dir := t.TempDir()
	// Every shipped suite, janus-default's 253 tasks included: each code
	// reference runs in the sandbox, minutes under make test's load.
	if r := janusWithin(t, 6*time.Minute, dir, "suites", "validate"); r.code != 0 || !strings.Contains(r.stdout, "ok  smoke@") {
		t.Fatalf("validate shipped suites: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := janus(t, dir, "suites", "show", "smoke"); r.code != 0 || !strings.Contains(r.stdout, "multimodal") {
		t.Fatalf("show smoke: exit %d\n%s", r.code, r.stdout)
	}
	// A suite whose reference fails its own check: exit 2, file:line and task named.
	bad := filepath.Join(dir, "bad")
	os.MkdirAll(bad, 0o755)
	os.WriteFile(filepath.Join(bad, "suite.yaml"), []byte("name: bad\nversion: 1.0.0\n"), 0o644)
	os.WriteFile(filepath.Join(bad, "tasks.yaml"), []byte(`- id: sum
  category: quality/reasoning
  messages: [{role: user, content: "2+2? number only"}]
  expect: {checks: [{type: number, value: 4}]}
  reference: {content: "5"}
`), 0o644)
	r := janus(t, dir, "suites", "validate", bad)
	if r.code != 2 || !strings.Contains(r.stderr, "tasks.yaml:1: task sum: reference scores 0.000") {
		t.Fatalf("broken suite: exit %d\n%s", r.code, r.stderr)
	}
	// Bad YAML: exit 2 with the line.
	os.WriteFile(filepath.Join(bad, "tasks.yaml"), []byte("- id: x\n  category: [oops\n"), 0o644)
	if r := janus(t, dir, "suites", "validate", bad); r.code != 2 || !strings.Contains(r.stderr, "tasks.yaml:") {
		t.Fatalf("bad yaml: exit %d\n%s", r.code, r.stderr)
	}
}
