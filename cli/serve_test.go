package cli

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/baseline/reference"
	"github.com/janus-bench/janus/internal/service"
)

// The README's path: a service, `runs submit --server`, `runs watch`
// (progress then the final scores) and `leaderboard --server` listing the
// run.
func TestRunsSubmitWatchLeaderboardServer(t *testing.T) {
	s, err := service.New(t.Context(), service.Config{Store: t.TempDir() + "/j.db", Workers: 1, Open: true, PublicRead: true,
		WorkDir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Reference: reference.Starter(baseline.Config{})})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s.Handler())
	defer hs.Close()
	defer s.Close(context.Background())
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	var out, errb bytes.Buffer
	if err := Run(ctx, []string{"janus", "runs", "submit", "--server", hs.URL, "--suite", "smoke", "--limit", "3"}, &out, &errb); err != nil {
		t.Fatalf("submit: %v\n%s", err, errb.String())
	}
	id := strings.TrimSpace(out.String())
	out.Reset()
	errb.Reset()
	if err := Run(ctx, []string{"janus", "runs", "watch", "--server", hs.URL, id}, &out, &errb); err != nil {
		t.Fatalf("watch: %v\n%s", err, errb.String())
	}
	if !strings.Contains(out.String(), "run "+id+" completed") || !strings.Contains(out.String(), "composite") ||
		!strings.Contains(errb.String(), "[3/3]") {
		t.Fatalf("watch printed:\n%s\nprogress:\n%s", out.String(), errb.String())
	}
	out.Reset()
	if err := Run(ctx, []string{"janus", "leaderboard", "--server", hs.URL}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), id) {
		t.Fatalf("leaderboard --server lacks the run:\n%s", out.String())
	}
	// A bad submission is a usage error naming the field.
	err = Run(ctx, []string{"janus", "runs", "submit", "--server", hs.URL, "--suite", "nope"}, &out, &errb)
	if ExitCode(err) != ExitUsage || !strings.Contains(err.Error(), "$.suite") {
		t.Fatalf("bad suite: %v (exit %d)", err, ExitCode(err))
	}
}
