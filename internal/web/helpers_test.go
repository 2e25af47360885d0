package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/janus-bench/janus/bench/report"
	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/internal/service"
	"github.com/janus-bench/janus/internal/wire"
	"github.com/janus-bench/janus/leaderboard"
	"github.com/janus-bench/janus/record"
)

// browser is the one headless Chromium of this test binary; nil when
// Chromium is not installed (and CI is not set).
var browser context.Context

func TestMain(m *testing.M) {
	code := func() int {
		path := chromiumPath()
		if path == "" {
			if os.Getenv("CI") == "true" {
				fmt.Fprintln(os.Stderr, "web tests: chromium not found (install it: apt-get install -y chromium)")
				return 1
			}
			return m.Run() // browser tests skip themselves
		}
		opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
			chromedp.DisableGPU, chromedp.WindowSize(1280, 900))
		actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
		defer cancel()
		bctx, bcancel := chromedp.NewContext(actx)
		defer bcancel()
		if err := chromedp.Do(bctx); err != nil {
			fmt.Fprintln(os.Stderr, "web tests: start chromium:", err)
			return 1
		}
		browser = bctx
		return m.Run()
	}()
	os.Exit(code)
}

func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// site is a scoring service with the pages mounted, on a fresh SQLite
// store, without workers.
type site struct {
	srv *service.Server
	st  *leaderboard.Store
	web *Web
	url string
}

func newSite(t testing.TB, publicRead bool) *site {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	srv, err := service.New(ctx, service.Config{Store: filepath.Join(t.TempDir(), "janus.db"), PublicRead: publicRead,
		PollInterval: 20 * time.Millisecond, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	w, err := Mount(srv, Options{PublicRead: publicRead, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		hs.Close()
		srv.Close(context.Background())
	})
	return &site{srv: srv, st: srv.Store(), web: w, url: hs.URL}
}

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// run describes a synthetic stored run.
type run struct {
	id, competitor                  string
	composite, quality, speed, cost float64
	tasks                           []record.TaskResult
}

func task(id string, score float64, ttft float64, itls []float64) record.TaskResult {
	e2e := ttft
	for _, g := range itls {
		e2e += g
	}
	e2e += 5
	maxGap := 0.0
	for _, g := range itls {
		maxGap = max(maxGap, g)
	}
	usd := 0.001
	return record.TaskResult{ID: id, Category: "quality/chat", Status: record.StatusOK, Score: score, Reason: "reason of " + id,
		Stream: true, Metrics: trace.Metrics{TTFTMs: &ttft, E2EMs: &e2e, MaxGapMs: &maxGap, OutputTokens: len(itls) + 1, Events: len(itls) + 3},
		ITLs: itls, Violations: []trace.Violation{}, Budgets: trace.DefaultBudgets(),
		Usage: &wire.Usage{PromptTokens: 3, CompletionTokens: 5, TotalTokens: 8, CostUSD: &usd}}
}

// withDetail gives a task the stored detail a run since TaskDetail
// keeps: a keep-alive before the first token, one content event per
// gap, usage and [DONE]; the answer differs from the reference in its
// second line.
func withDetail(tr record.TaskResult) record.TaskResult {
	at := *tr.Metrics.TTFTMs
	evs := []record.StreamEvent{{Kind: trace.KindKeepAlive, AtMs: at / 2}, {Kind: trace.KindContent, AtMs: at}}
	for _, g := range tr.ITLs {
		at += g
		evs = append(evs, record.StreamEvent{Kind: trace.KindContent, AtMs: at})
	}
	evs = append(evs, record.StreamEvent{Kind: trace.KindUsage, AtMs: at + 1}, record.StreamEvent{Kind: trace.KindDone, AtMs: at + 2})
	tr.Detail = &record.TaskDetail{Request: "What is the capital of France?", Answer: "The capital\nis Lyon.\nThat is all.",
		Reference: "The capital\nis Paris.\nThat is all.", Events: evs, EventsDropped: 4}
	return tr
}

func (r run) report(i int) *record.Report {
	at := t0.Add(time.Duration(i) * time.Minute)
	rep := &record.Report{SchemaVersion: record.SchemaVersion, Weights: record.DefaultWeights(),
		Run: record.Run{ID: r.id, Status: record.RunCompleted, StartedAt: at, FinishedAt: at.Add(time.Minute),
			Target: "http://127.0.0.1:8081/v1", Model: "m-" + r.competitor,
			Suite:       record.SuiteRef{Name: "smoke", Version: "1.0.0", SHA256: strings.Repeat("ab", 32), Source: "builtin:smoke"},
			Concurrency: 4, Stream: true, Budgets: trace.DefaultBudgets(), TasksPlanned: len(r.tasks), HarnessVersion: "test",
			Host: record.Host{OS: "linux", Arch: "amd64", CPUs: 2, GoVersion: "go1.26"}},
		Tasks: r.tasks}
	dim := func(v float64) record.Score {
		return record.Score{Value: v, N: len(r.tasks), CI95: &[2]float64{v - 2, v + 2}}
	}
	rep.Scores = record.Scores{record.Composite: dim(r.composite), record.Quality: dim(r.quality), record.Speed: dim(r.speed), record.Cost: dim(r.cost),
		record.Streaming: dim(60), record.Multimodal: dim(70)}
	report.Aggregate(rep)
	return rep
}

func (s *site) save(t testing.TB, runs ...run) {
	t.Helper()
	for i, r := range runs {
		if len(r.tasks) == 0 {
			r.tasks = []record.TaskResult{withDetail(task("t1", 1, 100, []float64{10, 20})), task("t2", 0.5, 120, []float64{30})}
		}
		if _, err := s.st.SaveReport(context.Background(), r.report(i), leaderboard.Competitor{Name: r.competitor}); err != nil {
			t.Fatal(err)
		}
	}
}

// tab is a browser tab of one test; it collects the page's console
// errors, warnings and uncaught exceptions (a CSP violation is one).
type tab struct {
	ctx  context.Context
	mu   sync.Mutex
	msgs []string
}

func newTab(t *testing.T) *tab {
	t.Helper()
	if browser == nil {
		t.Skip("chromium is not installed (set CI=true to make this a failure)")
	}
	ctx, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	tb := &tab{ctx: ctx}
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException || m.Type == chromedp.ConsoleWarning {
				tb.mu.Lock()
				tb.msgs = append(tb.msgs, m.String()+" ("+m.URL+")")
				tb.mu.Unlock()
			}
		}
	}()
	return tb
}

// noErrors fails the test for every console message collected so far.
func (tb *tab) noErrors(t *testing.T) {
	t.Helper()
	tb.mu.Lock()
	defer tb.mu.Unlock()
	for _, m := range tb.msgs {
		t.Errorf("browser console: %s", m)
	}
	tb.msgs = nil
}

// clear forgets the messages collected so far.
func (tb *tab) clear() {
	tb.mu.Lock()
	tb.msgs = nil
	tb.mu.Unlock()
}

// do runs actions with a bound on their time.
func (tb *tab) do(t *testing.T, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatal(err)
	}
}

// eval evaluates a JavaScript expression.
func eval[T any](t *testing.T, tb *tab, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 15*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}
