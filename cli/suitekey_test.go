package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/janus-bench/janus/internal/suitegen"
	"github.com/janus-bench/janus/suites"
)

func TestParseSuiteKey(t *testing.T) {
	hexKey := strings.Repeat("ab", 32)
	cases := []struct {
		name string
		raw  string
		ok   bool
	}{
		{"hex", hexKey, true},
		{"hex with newline", hexKey + "\n", true},
		{"raw 32 bytes", strings.Repeat("k", 32), true},
		{"short hex", hexKey[:62], false},
		{"bad hex, 64 bytes", strings.Repeat("zz", 32), false},
		{"empty", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			k, err := parseSuiteKey([]byte(c.raw))
			if c.ok != (err == nil) || (c.ok && len(k) != 32) {
				t.Fatalf("key %d bytes, err %v; want ok=%v", len(k), err, c.ok)
			}
		})
	}
}

func TestEncryptSuiteFile(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "p.jsonl"), filepath.Join(dir, "p.jsonl.enc")
	tasks := `{"id":"p1","category":"quality/chat","messages":[{"role":"user","content":"Say blorp."}],"expect":{"checks":[{"type":"exact","value":"blorp"}]},"reference":{"content":"blorp"}}` + "\n"
	if err := os.WriteFile(in, []byte(tasks), 0o600); err != nil {
		t.Fatal(err)
	}
	key := bytes.Repeat([]byte{9}, 32)
	if err := encryptSuiteFile(in, out, key); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	if bytes.Contains(b, []byte("blorp")) {
		t.Fatal("the sealed file shows its answer")
	}
	if s, err := suites.LoadBytes(b, out, out, key); err != nil || len(s.Tasks) != 1 {
		t.Fatalf("reopen: %v", err)
	}
	if err := encryptSuiteFile(filepath.Join(dir, "missing.jsonl"), out, key); err == nil {
		t.Fatal("a missing input must fail")
	}
}

// suites generate writes the tasks a seed gives; a run with that seed
// loads the same suite, and cat-ing the JSONL files and sealing them makes
// a private suite.
func TestSuitesGenerate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "gen")
	if code, _, stderr := run(t, "suites", "generate", "--seed", "42", dir); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	s, err := suites.Load(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	want, err := suitegen.Fresh(42)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Tasks) != len(want.Tasks) || s.Version != suitegen.FreshVersion {
		t.Fatalf("%d tasks v%s, want %d v%s", len(s.Tasks), s.Version, len(want.Tasks), suitegen.FreshVersion)
	}
	if code, _, stderr := run(t, "suites", "generate", filepath.Join(t.TempDir(), "secret")); code != 0 || !strings.Contains(stderr, "seed ") {
		t.Fatalf("exit %d, stderr %q: want the drawn seed printed", code, stderr)
	}
}
