package leaderboard

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver to create per-test databases

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/internal/sqlstore/sqltest"
	"github.com/janus-bench/janus/internal/wire"
	"github.com/janus-bench/janus/record"
)

// forEachBackend runs fn as a subtest on every backend with a fresh store.
func forEachBackend(t *testing.T, fn func(t *testing.T, s *Store, dsn string)) {
	for _, b := range sqltest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			dsn := b.DSN(t)
			s, err := Open(t.Context(), dsn)
			if err != nil {
				t.Fatalf("open %s: %v", b.Name, err)
			}
			t.Cleanup(func() { s.Close() })
			fn(t, s, dsn)
		})
	}
}

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// task makes a task result; cost < 0 means no usage figures.
func task(id, cat string, score, cost float64) record.TaskResult {
	ttft, e2e := 100+score*10, 400+score*50
	tr := record.TaskResult{ID: id, Category: cat, Status: record.StatusOK, Score: score, Reason: "r " + id, Stream: true,
		Metrics: trace.Metrics{TTFTMs: &ttft, E2EMs: &e2e, OutputTokens: 5}, Violations: []trace.Violation{},
		Budgets: trace.DefaultBudgets()}
	if cost >= 0 {
		tr.Usage = &wire.Usage{PromptTokens: 3, CompletionTokens: 5, TotalTokens: 8, CostUSD: &cost}
	}
	return tr
}

// spec describes a synthetic report.
type spec struct {
	id, model, suite, version string
	splits                    []string
	status                    string // report status; "" completed
	composite, half           float64
	quality, speed            float64
	cost                      float64 // per task; <0 none
	nTasks, nPass             int
	at                        time.Time
}

func mkReport(sp spec) *record.Report {
	if sp.suite == "" {
		sp.suite = "smoke"
	}
	if sp.version == "" {
		sp.version = "1.0.0"
	}
	if sp.status == "" {
		sp.status = record.RunCompleted
	}
	if sp.at.IsZero() {
		sp.at = t0
	}
	if sp.nTasks == 0 {
		sp.nTasks = 4
		sp.nPass = 3
	}
	r := &record.Report{SchemaVersion: record.SchemaVersion, Weights: record.DefaultWeights(),
		Run: record.Run{ID: sp.id, Status: sp.status, StartedAt: sp.at, FinishedAt: sp.at.Add(time.Minute),
			Target: "http://127.0.0.1:8081/v1", Model: sp.model,
			Suite:       record.SuiteRef{Name: sp.suite, Version: sp.version, SHA256: strings.Repeat("ab", 32), Source: "builtin:" + sp.suite},
			Concurrency: 4, Stream: true, Budgets: trace.DefaultBudgets(), TasksPlanned: sp.nTasks, HarnessVersion: "test",
			Splits: sp.splits, Host: record.Host{OS: "linux", Arch: "amd64", CPUs: 2, GoVersion: "go1.26"}},
	}
	for i := range sp.nTasks {
		s := 0.0
		if i < sp.nPass {
			s = 1
		}
		r.Tasks = append(r.Tasks, task(fmt.Sprintf("t%03d", i), "quality/chat", s, sp.cost))
	}
	dim := func(v float64) record.Score {
		d := record.Score{Value: v, N: sp.nTasks}
		if sp.half > 0 {
			d.CI95 = &[2]float64{v - sp.half, v + sp.half}
		}
		return d
	}
	r.Scores = record.Scores{record.Composite: dim(sp.composite), record.Quality: dim(sp.quality), record.Speed: dim(sp.speed),
		record.Cost: dim(50), record.Streaming: dim(60), record.Multimodal: dim(70)}
	return r
}

// orphans counts task rows without a run and board rows without a run.
func orphans(t testing.TB, s *Store) int64 {
	t.Helper()
	var n, m int64
	if err := s.db.Raw("SELECT COUNT(*) FROM task_results t LEFT JOIN runs r ON r.id = t.run_id WHERE r.id IS NULL").Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	if err := s.db.Raw("SELECT COUNT(*) FROM board_best b LEFT JOIN runs r ON r.id = b.id WHERE r.id IS NULL OR r.status <> 'completed'").Scan(&m).Error; err != nil {
		t.Fatal(err)
	}
	return n + m
}

// simVotes draws n votes between random pairs of competitors with
// log-strengths beta (Bradley-Terry), deterministically from seed.
func simVotes(beta []float64, n int, seed uint64) []Vote {
	rng := rand.New(rand.NewPCG(seed, 7))
	votes := make([]Vote, n)
	for k := range n {
		i := rng.IntN(len(beta))
		j := rng.IntN(len(beta) - 1)
		if j >= i {
			j++
		}
		w := WinnerB
		if rng.Float64() < sigmoid(beta[i]-beta[j]) {
			w = WinnerA
		}
		votes[k] = Vote{ID: fmt.Sprintf("v%07d", k), PromptID: fmt.Sprintf("p%d", k%97), CompetitorA: fmt.Sprintf("m%02d", i),
			CompetitorB: fmt.Sprintf("m%02d", j), Winner: w, Voter: "h", CreatedAt: t0, VotedAt: t0.Add(time.Duration(k) * time.Second)}
	}
	return votes
}

// sigmoid is the logistic function as stats computes it (the fit lives
// there now), so the simulated votes are the ones the tests were written
// against.
func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}
