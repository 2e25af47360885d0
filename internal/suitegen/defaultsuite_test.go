package suitegen

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// defaultFiles generates the default suite once for every test that reads
// it: generating it (images and all, under -race) costs seconds, and the
// generator is deterministic, so a second run would prove nothing new
// (TestSameSeedSameBytes covers determinism).
var defaultFiles = sync.OnceValue(DefaultSuiteFiles)

// The committed suite files must be exactly what the generator writes, so
// nobody edits a generated task by hand and the hash stays reproducible.
func TestCommittedDefaultSuiteIsGenerated(t *testing.T) {
	dir := filepath.Join("..", "..", "suites", "builtin", "janus-default")
	files := defaultFiles()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(files) {
		t.Errorf("%s has %d files, the generator writes %d", dir, len(entries), len(files))
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s differs from the generator's output (run `go generate ./suites/`): %v", name, err)
		}
	}
}

func TestDefaultSuiteShape(t *testing.T) {
	files := defaultFiles()
	total := 0
	for name, b := range files {
		if name == "suite.yaml" {
			continue
		}
		n := bytes.Count(b, []byte("\n"))
		total += n
		// Every dimension category has at least 30 tasks; research (15),
		// code (20) and memory (5) count towards quality with chat and
		// reasoning.
		if n < 30 && name != "research.jsonl" && name != "code.jsonl" && name != "memory.jsonl" {
			t.Errorf("%s has %d tasks, want ≥30", name, n)
		}
	}
	if total < 200 {
		t.Errorf("%d tasks, want ≥200", total)
	}
}
