package service

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/baseline/reference"
	"github.com/janus-bench/janus/internal/sqlstore/sqltest"
	"github.com/janus-bench/janus/internal/wire"
	"github.com/janus-bench/janus/leaderboard"
	"github.com/janus-bench/janus/suites"
)

// Child-process mode: the durability tests re-exec this test binary as a
// `janus worker` on a store (a real process they can SIGKILL).
const childEnv = "JANUS_SERVICE_TEST_WORKER"

func TestMain(m *testing.M) {
	if dsn := os.Getenv(childEnv); dsn != "" {
		os.Exit(runChild(dsn))
	}
	if dsn := os.Getenv(serveEnv); dsn != "" {
		os.Exit(runServeChild(dsn))
	}
	os.Exit(m.Run())
}

func runChild(dsn string) int {
	ctx, stop := signalContext()
	defer stop()
	workers, _ := strconv.Atoi(os.Getenv(childEnv + "_SLOTS"))
	cfg := childConfig(dsn, max(workers, 1))
	if lease, err := time.ParseDuration(os.Getenv(childEnv + "_LEASE")); err == nil {
		// A test with no kill in it: a lease long enough that a worker slowed
		// by a loaded machine is never mistaken for a dead one.
		cfg.LeaseTTL, cfg.RescueAfter = lease, lease+lease/2
	}
	s, err := New(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	if err := s.Work(ctx, 5*time.Second); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	return 0
}

// testReference is the embedded reference target as `janus serve`
// builds it (the baseline competitor's runs measure it).
var testReference = reference.Starter(baseline.Config{})

// childConfig is the config of test workers: loopback allowed, short
// leases and rescue so a killed worker's run moves on within the test.
func childConfig(dsn string, workers int) Config {
	return Config{Store: dsn, Workers: workers, AllowTargets: []string{"127.0.0.0/8"}, PublicRead: true, Reference: testReference,
		LeaseTTL: 2 * time.Second, RescueAfter: 3 * time.Second, PollInterval: 50 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: childLevel()}))}
}

// startChild starts a worker process on dsn; its log goes to the test log.
func startChild(t *testing.T, dsn string, slots int) *exec.Cmd {
	t.Helper()
	return startChildLease(t, dsn, slots, 0)
}

// startChildLease is startChild with a run lease of lease (0: the short
// default of childConfig, for tests that kill workers).
func startChildLease(t *testing.T, dsn string, slots int, lease time.Duration) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+dsn, childEnv+"_SLOTS="+strconv.Itoa(slots), "TMPDIR="+t.TempDir())
	if lease > 0 {
		cmd.Env = append(cmd.Env, childEnv+"_LEASE="+lease.String())
	}
	cmd.Stderr = &testWriter{t: t}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatalf("start worker: %v", err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			_ = cmd.Wait()
		}
	})
	return cmd
}

type testWriter struct{ t *testing.T }

func (w *testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

// postgresDSN is a fresh PostgreSQL store for one test (the test skips
// without a server, unless CI is set).
func postgresDSN(t testing.TB) string {
	for _, b := range sqltest.Backends(t) {
		if b.Name == "postgres" {
			return b.DSN(t)
		}
	}
	t.Fatal("sqltest has no postgres backend")
	return ""
}

// sim is the reference sim competitor on loopback behind a proxy that
// counts chat requests (what the competitor was asked, whoever asked).
type sim struct {
	URL   string
	chats atomic.Int64
	// warmups counts apart the requests that open with no prompt of the
	// suite given to expect: a run's unmarked warm-ups, which a resumed
	// run (a snoozed or rescued job) sends again without running a task.
	// Until expect is called every request counts as a chat.
	warmups atomic.Int64
	mu      sync.Mutex
	prompts map[string]bool
}

// expect tells the sim the suite the runs it serves are drawn from, so it
// can tell their tasks' requests (a conversation opening as one of its
// tasks does) from the warm-ups, which wear no mark.
func (s *sim) expect(suite *suites.Suite) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.prompts = map[string]bool{}
	for _, t := range suite.Tasks {
		s.prompts[openingKey(t.Messages)] = true
	}
}

// openingKey is a conversation's messages up to its first user message:
// what every turn of a task repeats, and what tells two tasks apart (a
// system prompt alone does not: several tasks share one).
func openingKey(msgs []openai.ChatCompletionMessage) string {
	var b strings.Builder
	for _, m := range msgs {
		b.WriteString(m.Role + ":" + wire.TextOf(m) + "\n")
		if m.Role == openai.ChatMessageRoleUser {
			break
		}
	}
	return b.String()
}

// isTask reports whether a chat request body opens as a task of the
// expected suite (always, when none is expected).
func (s *sim) isTask(body []byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.prompts == nil {
		return true
	}
	var req struct {
		Messages []openai.ChatCompletionMessage `json:"messages"`
	}
	if json.Unmarshal(body, &req) != nil || len(req.Messages) == 0 {
		return false
	}
	return s.prompts[openingKey(req.Messages)]
}

func startSim(t *testing.T, pace baseline.Pace) *sim {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	u, stop, err := baseline.Start(ctx, "127.0.0.1:0", baseline.Config{Pace: pace})
	if err != nil {
		t.Fatal(err)
	}
	up, _ := url.Parse(strings.TrimSuffix(u, "/v1"))
	px := httputil.NewSingleHostReverseProxy(up)
	px.FlushInterval = -1
	s := &sim{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/chat/completions") {
			body, _ := io.ReadAll(io.LimitReader(r.Body, 32<<20))
			r.Body = io.NopCloser(bytes.NewReader(body))
			if s.isTask(body) {
				s.chats.Add(1)
			} else {
				s.warmups.Add(1)
			}
		}
		px.ServeHTTP(w, r)
	}))
	s.URL = srv.URL + "/v1"
	t.Cleanup(func() {
		srv.Close()
		sctx, c := context.WithTimeout(context.Background(), 2*time.Second)
		defer c()
		_ = stop(sctx)
		cancel()
	})
	return s
}

// startServer runs a Server on an httptest listener.
func startServer(t *testing.T, cfg Config) (*Server, *Client) {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = quietLogger()
	}
	if cfg.Reference == nil {
		cfg.Reference = testReference
	}
	s, err := New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		hs.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = s.Close(ctx)
	})
	return s, &Client{Base: hs.URL}
}

// waitState polls the store until the run reaches a terminal state.
func waitDone(t *testing.T, st *leaderboard.Store, id string, within time.Duration) *leaderboard.RunDetail {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		d, err := st.GetRun(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if terminal(d.Status) {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("run %s still %s after %s (%d tasks)", id, d.Status, within, len(d.Tasks))
		}
		// Polled (bounded): runs are driven by workers in other goroutines
		// or processes against real HTTP targets, outside any synctest
		// bubble; the store is the only place the end shows.
		time.Sleep(100 * time.Millisecond)
	}
}

// exactlyOnce checks a run has every planned task once.
func exactlyOnce(t *testing.T, d *leaderboard.RunDetail) {
	t.Helper()
	seen := map[string]int{}
	for _, x := range d.Tasks {
		seen[x.ID]++
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("run %s: task %s stored %d times", d.ID, id, n)
		}
	}
	if len(seen) != d.TasksPlanned || d.Report == nil || len(d.Report.Tasks) != d.TasksPlanned {
		t.Errorf("run %s: %d distinct tasks stored, %d planned (report: %v)", d.ID, len(seen), d.TasksPlanned, d.Report != nil)
	}
}

// httptestServer serves s's handler without starting its workers.
func httptestServer(t *testing.T, s *Server) string {
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(hs.Close)
	return hs.URL
}

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// childLevel is the workers' log level: JANUS_SERVICE_TEST_LOG=debug for
// more.
func childLevel() slog.Level {
	var l slog.Level = slog.LevelWarn
	_ = l.UnmarshalText([]byte(os.Getenv("JANUS_SERVICE_TEST_LOG")))
	return l
}

// serveEnv makes the test binary an API-only service on a loopback port
// (printed on stdout), for the RSS benchmark.
const serveEnv = "JANUS_SERVICE_TEST_SERVE"

func runServeChild(dsn string) int {
	ctx, stop := signalContext()
	defer stop()
	s, err := New(ctx, Config{Store: dsn, Open: true, PublicRead: true, Logger: quietLogger()})
	if err != nil {
		fmt.Fprintln(os.Stderr, "serve child:", err)
		return 1
	}
	err = s.ListenAndServe(ctx, ServeOptions{Listen: "127.0.0.1:0", Ready: func(addr string) { fmt.Println(addr) }})
	if err != nil {
		fmt.Fprintln(os.Stderr, "serve child:", err)
		return 1
	}
	return 0
}

func newLoopbackServer(t testing.TB, h http.Handler) string {
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	return hs.URL
}
