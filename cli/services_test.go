package cli

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/janus-bench/janus/internal/sessions"
)

// TestSessionsNeedsSecret: no secret, no service — a usage error (exit 2)
// saying how to make one; gen-secret prints one that parses.
func TestSessionsNeedsSecret(t *testing.T) {
	t.Setenv(sessions.EnvSecret, "")
	err := Run(context.Background(), []string{"janus", "sessions", "--store", filepath.Join(t.TempDir(), "s.db")}, io.Discard, io.Discard)
	if ExitCode(err) != ExitUsage || !strings.Contains(err.Error(), "gen-secret") {
		t.Fatalf("sessions without a secret: %v (exit %d)", err, ExitCode(err))
	}
	var out strings.Builder
	if err := Run(context.Background(), []string{"janus", "sessions", "gen-secret"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if _, err := sessions.ParseSecret(out.String()); err != nil {
		t.Fatalf("gen-secret printed %q: %v", out.String(), err)
	}
}

// TestMemoryFlags: a model URL without a model is a usage error.
func TestMemoryFlags(t *testing.T) {
	err := Run(context.Background(), []string{"janus", "memory", "--store", filepath.Join(t.TempDir(), "m.db"), "--llm-url", "http://127.0.0.1:1/v1"}, io.Discard, io.Discard)
	if ExitCode(err) != ExitUsage || !strings.Contains(err.Error(), "--llm-model") {
		t.Fatalf("got %v (exit %d)", err, ExitCode(err))
	}
}
