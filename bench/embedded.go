package bench

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/memory"
	"github.com/janus-bench/janus/suites"
)

// startEmbedded boots the reference target in-process (its Config.Suites
// are the run's own suite, generated tasks included: the reference target
// is handed the answers by the harness on purpose, an external target gets
// nothing but the prompts) on a loopback port
// and returns its base URL and a stop func that shuts it down within 1 s:
// the caller's own connections are done by then, and a connection that was
// dialled but never used would otherwise hold a graceful shutdown for its
// full timeout.
func startEmbedded(ctx context.Context, cfg baseline.Config) (string, func(), error) {
	url, stop, err := baseline.Start(ctx, "127.0.0.1:0", cfg)
	if err != nil {
		return "", nil, fmt.Errorf("start embedded reference target: %w", err)
	}
	return url, func() {
		sctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = stop(sctx)
	}, nil
}

// embeddedMemoryInFlight lets every memory task of a run extract at once:
// an extraction the reference target skipped would fail a task it can
// pass.
const embeddedMemoryInFlight = 256

// startEmbeddedWithMemory is startEmbedded with a memory service beside
// the reference target, in-process on its own loopback port, storing in a
// SQLite file in a temporary directory removed at stop, so memory tasks
// are passed the honest way: the target extracts each conversation into
// the service and recalls from it in the next (its sim has no answer for
// a memory task). The target is also the service's extraction model: the
// sim answers extraction requests itself, deterministically. Every run
// has a service of its own, so nothing is remembered between runs.
func startEmbeddedWithMemory(ctx context.Context, cfg baseline.Config) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("start embedded memory service: %w", err)
	}
	dir, err := os.MkdirTemp("", "janus-memory-")
	if err != nil {
		ln.Close()
		return "", nil, fmt.Errorf("start embedded memory service: %w", err)
	}
	cleanup := func() { ln.Close(); os.RemoveAll(dir) }
	cfg.MemoryURL, cfg.MemoryMaxInFlight = "http://"+ln.Addr().String(), embeddedMemoryInFlight
	url, stop, err := startEmbedded(ctx, cfg)
	if err != nil {
		cleanup()
		return "", nil, err
	}
	svc, err := memory.New(ctx, memory.Config{DSN: filepath.Join(dir, "memory.db"), LLMURL: url, LLMModel: "sim",
		RatePerMinute: -1, Logger: cfg.Logger})
	if err != nil {
		stop()
		cleanup()
		return "", nil, fmt.Errorf("start embedded memory service: %w", err)
	}
	srv := &http.Server{Handler: svc.Handler(), ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ln) }()
	return url, func() {
		stop()
		_ = srv.Close()
		<-done
		_ = svc.Close()
		_ = os.RemoveAll(dir)
	}, nil
}

// hasMemoryTasks reports whether any task is a memory task.
func hasMemoryTasks(tasks []suites.Task) bool {
	for i := range tasks {
		if tasks[i].Memory != nil {
			return true
		}
	}
	return false
}
