package cli

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestAPIKeyFile: --api-key-file sends the file's first line as the bearer
// token (the key is on no command line), and a missing or empty file is a
// usage error.
func TestAPIKeyFile(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization"))
		mu.Unlock()
		http.Error(w, `{"error":{"message":"no"}}`, http.StatusUnauthorized)
	}))
	defer ts.Close()
	dir := t.TempDir()
	keyFile, empty := filepath.Join(dir, "key"), filepath.Join(dir, "empty")
	if err := os.WriteFile(keyFile, []byte("sk-from-file\nignored\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(empty, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("JANUS_API_KEY", "sk-from-env")
	run(t, "bench", "probe", "--target", ts.URL+"/v1", "--model", "m", "--api-key-file", keyFile)
	mu.Lock()
	got := strings.Join(seen, ",")
	mu.Unlock()
	if !strings.Contains(got, "Bearer sk-from-file") || strings.Contains(got, "sk-from-env") {
		t.Errorf("Authorization headers %q, want the file's key only", got)
	}
	for _, f := range []string{empty, filepath.Join(dir, "missing")} {
		t.Run(f, func(t *testing.T) {
			if code, _, stderr := run(t, "bench", "probe", "--target", ts.URL+"/v1", "--model", "m", "--api-key-file", f); code != 2 || !strings.Contains(stderr, "--api-key-file") {
				t.Errorf("--api-key-file %s: exit %d %q, want a usage error", f, code, stderr)
			}
		})
	}
}
