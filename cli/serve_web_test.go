package cli

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestServeDemo is the README's one command: `janus serve --demo` fills a
// temporary store with the sim's calibrated competitors and serves the web
// leaderboard with them.
func TestServeDemo(t *testing.T) {
	t.Setenv("JANUS_STORE", "") // the demo's store must be its own
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, []string{"janus", "serve", "--demo", "--listen", "127.0.0.1:0", "--workers", "0"}, io.Discard, pw)
		pw.Close()
	}()
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "janus serve: listening on "); ok {
				addr <- a
			}
		}
	}()
	var base string
	select {
	case base = <-addr:
	case err := <-done:
		t.Fatalf("serve --demo ended before listening: %v", err)
	}
	resp, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"sim-oracle", "sim-slow", "sim-noisy", "Pareto"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("the demo leaderboard lacks %q", want)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve --demo: %v", err)
	}
}
