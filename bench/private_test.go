package bench

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/suites"
)

const privateSuite = `{"id":"p1","category":"quality/chat","messages":[{"role":"user","content":"Say blorp."}],"expect":{"checks":[{"type":"exact","value":"blorp"}]},"reference":{"content":"blorp"}}
{"id":"p2","category":"quality/chat","messages":[{"role":"user","content":"Say florp."}],"expect":{"checks":[{"type":"exact","value":"florp"}]},"reference":{"content":"florp"}}
`

func TestPrivateSuiteFromURLAndFile(t *testing.T) {
	key := bytes.Repeat([]byte{3}, 32)
	sealed, err := suites.Encrypt([]byte(privateSuite), key)
	if err != nil {
		t.Fatal(err)
	}
	want, err := suites.LoadBytes([]byte(privateSuite), "private.jsonl", "x", nil)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/private.jsonl.enc", func(w http.ResponseWriter, r *http.Request) { w.Write(sealed) })
	mux.HandleFunc("/plain/private.jsonl", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(privateSuite)) })
	mux.HandleFunc("/moved.jsonl", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://169.254.169.254/latest.jsonl", http.StatusFound)
	})
	mux.HandleFunc("/huge.jsonl", func(w http.ResponseWriter, r *http.Request) {
		chunk := bytes.Repeat([]byte(" "), 1<<20)
		for range maxSuiteBytes>>20 + 2 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	file := filepath.Join(t.TempDir(), "private.jsonl.enc")
	if err := os.WriteFile(file, sealed, 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, suite string
		key         []byte
		errHas      string
	}{
		{"encrypted URL", srv.URL + "/private.jsonl.enc?token=secret", key, ""},
		{"plain URL", srv.URL + "/plain/private.jsonl", nil, ""},
		{"encrypted file", file, key, ""},
		{"wrong key", file, bytes.Repeat([]byte{4}, 32), "does not decrypt"},
		{"no key", srv.URL + "/private.jsonl.enc", nil, "encrypted"},
		{"redirect refused", srv.URL + "/moved.jsonl", nil, "redirected"},
		{"size cap", srv.URL + "/huge.jsonl", nil, "larger than"},
		{"not found", srv.URL + "/nope.jsonl", nil, "404"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep, err := Run(t.Context(), RunOptions{Evaluator: testEval, Suite: c.suite, SuiteKey: c.key, Start: quickStart, Out: filepath.Join(t.TempDir(), "r.json")})
			if c.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), c.errHas) {
					t.Fatalf("err = %v, want one saying %q", err, c.errHas)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if rep.Run.Suite.SHA256 != want.SHA256 || len(rep.Tasks) != 2 || rep.Scores[record.Quality].Value < 99 {
				t.Fatalf("suite %+v, %d tasks, quality %.1f", rep.Run.Suite, len(rep.Tasks), rep.Scores[record.Quality].Value)
			}
			if strings.Contains(rep.Run.Suite.Source, "secret") {
				t.Fatalf("report source %q keeps the URL's query", rep.Run.Suite.Source)
			}
		})
	}
}
