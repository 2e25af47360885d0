// Package reference starts the embedded reference target: the baseline
// sim on a loopback port, with a memory service beside it when a run has
// memory tasks. The engine (bench, conform) knows only a base URL; the
// application builds a start func here (Starter) from its flags and hands
// it down, so the engine never links the sim, its thread stores or the
// memory service.
package reference

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/internal/memory"
	"github.com/janus-bench/janus/internal/suitegen"
	"github.com/janus-bench/janus/suites"
)

// StartFunc starts the reference target for a run of suite (nil: a probe
// or a conformance check, which the sim answers with its embedded smoke
// suite) with a memory service when memory is set, and returns its base
// URL (ending in /v1) and a stop func. It is assignable to
// bench.StartTarget.
type StartFunc = func(ctx context.Context, suite *suites.Suite, memory bool) (url string, stop func(), err error)

// Starter is the start func of the reference target configured as cfg
// (pace, profile, noisy share, keep-alive, logger). Its Suites are the
// run's own suite (the reference target is handed the answers on purpose,
// an external target gets nothing but the prompts), or, for the memorizer
// profile, only what the repository holds (RepositorySuites).
func Starter(cfg baseline.Config) StartFunc {
	return func(ctx context.Context, suite *suites.Suite, memory bool) (string, func(), error) {
		c := cfg
		if suite != nil {
			known, err := answers(ctx, c.Profile, suite)
			if err != nil {
				return "", nil, err
			}
			c.Suites = known
		}
		if memory {
			return StartWithMemory(ctx, c, time.Second)
		}
		return Start(ctx, c, time.Second)
	}
}

// answers are the suites the reference target is given for a run of suite.
func answers(ctx context.Context, profile string, suite *suites.Suite) ([]*suites.Suite, error) {
	if profile == baseline.ProfileMemorizer {
		return RepositorySuites(ctx)
	}
	return []*suites.Suite{suite}, nil
}

// Start boots the sim as cfg in-process on a loopback port and returns its
// base URL and a stop func that shuts it down within grace: the caller's
// own connections are done by then, and a connection that was dialled but
// never used would otherwise hold a graceful shutdown for its full
// timeout.
func Start(ctx context.Context, cfg baseline.Config, grace time.Duration) (string, func(), error) {
	url, stop, err := baseline.Start(ctx, "127.0.0.1:0", cfg)
	if err != nil {
		return "", nil, fmt.Errorf("start embedded reference target: %w", err)
	}
	return url, func() {
		sctx, cancel := context.WithTimeout(context.Background(), grace)
		defer cancel()
		_ = stop(sctx)
	}, nil
}

// memoryInFlight lets every memory task of a run extract at once: an
// extraction the reference target skipped would fail a task it can pass.
const memoryInFlight = 256

// StartWithMemory is Start with a memory service beside the reference
// target, in-process on its own loopback port, storing in a SQLite file in
// a temporary directory removed at stop, so memory tasks are passed the
// honest way: the target extracts each conversation into the service and
// recalls from it in the next (its sim has no answer for a memory task).
// The target is also the service's extraction model: the sim answers
// extraction requests itself, deterministically. Every run has a service
// of its own, so nothing is remembered between runs.
func StartWithMemory(ctx context.Context, cfg baseline.Config, grace time.Duration) (string, func(), error) {
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
	cfg.MemoryURL, cfg.MemoryMaxInFlight = "http://"+ln.Addr().String(), memoryInFlight
	url, stop, err := Start(ctx, cfg, grace)
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

// RepositorySuites is every answer in the repository: each built-in
// suite's files and janus-default generated from suitegen.DefaultSeed. It is
// what a competitor that memorised the repository knows (the memorizer
// sim profile is given these, never the run's suite).
func RepositorySuites(ctx context.Context) ([]*suites.Suite, error) {
	var out []*suites.Suite
	for _, name := range suites.Builtin() {
		s, err := suites.Load(ctx, name)
		if err != nil {
			return nil, fmt.Errorf("load repository suites: %w", err)
		}
		out = append(out, s)
	}
	s, err := suitegen.Fresh(suitegen.DefaultSeed)
	if err != nil {
		return nil, fmt.Errorf("load repository suites: %w", err)
	}
	return append(out, s), nil
}
