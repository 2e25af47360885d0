package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
