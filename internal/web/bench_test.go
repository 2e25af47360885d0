package web

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/janus-bench/janus/internal/service"
	"github.com/janus-bench/janus/leaderboard"
	"github.com/janus-bench/janus/record"
)

const (
	benchCompetitors = 1000
	benchRunsEach    = 100 // 100k runs
	benchFixtureRev  = 1
)

// BenchmarkLeaderboardPage renders GET / (the whole board: 1000
// competitors, the first 100 rows drawn, both Pareto charts) over a SQLite
// store of 100k runs, timing the handler alone (server time).
func BenchmarkLeaderboardPage(b *testing.B) {
	path := pageFixture(b)
	log := slog.New(slog.DiscardHandler)
	srv, err := service.New(b.Context(), service.Config{Store: path, PublicRead: true, Logger: log})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close(context.Background())
	w, err := New(srv, Options{PublicRead: true, Logger: log})
	if err != nil {
		b.Fatal(err)
	}
	h := w.Handler()
	serve := func() int {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/?sort=quality", nil))
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), "competitor-") {
			b.Fatalf("GET /: %d", rec.Code)
		}
		return rec.Body.Len()
	}
	serve() // warm the page cache and the templates
	n, c0 := 0, cpuTime()
	for b.Loop() {
		n = serve()
	}
	// CPU time beside wall time: on a shared machine the wall time
	// includes waiting for a core.
	b.ReportMetric(float64(cpuTime()-c0)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(n)/1024, "KiB/page")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// pageFixture builds (once, cached in the temp dir) a store of 100k
// completed runs with one timed task each.
func pageFixture(b *testing.B) string {
	b.Helper()
	path := filepath.Join(os.TempDir(), fmt.Sprintf("janus-web-bench-s%d-f%d.db", leaderboard.SchemaVersion(), benchFixtureRev))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	tmp := path + ".building"
	for _, p := range []string{tmp, tmp + "-wal", tmp + "-shm"} {
		os.Remove(p)
	}
	start := time.Now()
	if err := buildPageFixture(b.Context(), tmp); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	b.Logf("built fixture %s in %s", path, time.Since(start).Round(time.Millisecond))
	return path
}

func buildPageFixture(ctx context.Context, path string) error {
	st, err := leaderboard.Open(ctx, path)
	if err != nil {
		return err
	}
	defer st.Close()
	db, err := st.SQLDB()
	if err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range benchCompetitors {
		if _, err := tx.ExecContext(ctx, `INSERT INTO competitors (id, name, team, image, target_url, baseline, created_at) VALUES (?,?,?,?,?,?,?)`,
			i+1, fmt.Sprintf("competitor-%04d", i), "team", "", "http://127.0.0.1/v1", i%50 == 0, t0); err != nil {
			return err
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	run, err := tx.PrepareContext(ctx, `INSERT INTO runs (id, competitor_id, status, model, suite_name, suite_version, split,
		started_at, finished_at, heartbeat_at, composite, composite_lo, composite_hi, quality, quality_lo, quality_hi,
		speed, speed_lo, speed_hi, cost, cost_lo, cost_hi, streaming, streaming_lo, streaming_hi, multimodal, multimodal_lo, multimodal_hi,
		tasks, passed, cost_usd, cost_per_correct) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`)
	if err != nil {
		return err
	}
	task, err := tx.PrepareContext(ctx, `INSERT INTO task_results (run_id, task_id, seq, category, status, score, ttft_ms, result_json)
		VALUES (?,?,?,?,?,?,?,?)`)
	if err != nil {
		return err
	}
	for i := range benchCompetitors * benchRunsEach {
		v := func() []any { x := 100 * rng.Float64(); return []any{x, x - 2, x + 2} }
		at := t0.Add(time.Duration(i) * time.Second)
		args := []any{fmt.Sprintf("run-%07d", i), i%benchCompetitors + 1, leaderboard.StatusCompleted, "m", "smoke", "1.0.0", "", at, at.Add(time.Minute), at}
		for range 6 {
			args = append(args, v()...)
		}
		args = append(args, 10, 8, 0.01, 0.001+rng.Float64()/100)
		if _, err := run.ExecContext(ctx, args...); err != nil {
			return err
		}
		if _, err := task.ExecContext(ctx, fmt.Sprintf("run-%07d", i), "t1", 0, "quality/chat", "ok", 1.0, 50+500*rng.Float64(), "{}"); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO board_best (`+bestCols+`) SELECT `+bestCols+` FROM (
		SELECT `+bestCols+`, ROW_NUMBER() OVER (PARTITION BY suite_name, suite_version, split, competitor_id
			ORDER BY composite DESC, finished_at DESC, id DESC) AS n
		FROM runs WHERE status = 'completed' AND composite IS NOT NULL) ranked WHERE n = 1`); err != nil {
		return fmt.Errorf("board_best: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	return err
}

// bestCols are board_best's columns (leaderboard/migrate.go).
const bestCols = `suite_name, suite_version, split, competitor_id, id, model, finished_at, tasks, passed,
	composite, composite_lo, composite_hi, quality, quality_lo, quality_hi, speed, speed_lo, speed_hi,
	cost, cost_lo, cost_hi, streaming, streaming_lo, streaming_hi, multimodal, multimodal_lo, multimodal_hi,
	cost_per_correct`

// BenchmarkRunPages renders a task page and a run page of a stored run
// of 250 tasks, each with a full detail (300 stream events, a 2 KiB
// answer): the task page reads its one task, the run page the run without
// the details, so neither pays for decoding every task's detail.
func BenchmarkRunPages(b *testing.B) {
	s := newSite(b, true)
	tasks := make([]record.TaskResult, 250)
	for i := range tasks {
		itls := make([]float64, 299)
		for j := range itls {
			itls[j] = 10 + float64(j%7)
		}
		tr := withDetail(task(fmt.Sprintf("t%03d", i), 1, 100, itls))
		tr.Detail.Answer = strings.Repeat("an answer line of some length\n", 70)
		tasks[i] = tr
	}
	s.save(b, run{id: "big", competitor: "c", composite: 50, quality: 50, speed: 50, cost: 50, tasks: tasks})
	h := s.web.Handler()
	for _, c := range []struct{ name, path, want string }{
		{"task", "/runs/big/tasks/t123", `id="diff"`},
		{"run", "/runs/big", "t249"},
	} {
		b.Run(c.name, func(b *testing.B) {
			serve := func() int {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest("GET", c.path, nil))
				if rec.Code != 200 || !strings.Contains(rec.Body.String(), c.want) {
					b.Fatalf("GET %s: %d", c.path, rec.Code)
				}
				return rec.Body.Len()
			}
			serve()
			n, c0 := 0, cpuTime()
			for b.Loop() {
				n = serve()
			}
			b.ReportMetric(float64(cpuTime()-c0)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
			b.ReportMetric(float64(n)/1024, "KiB/page")
		})
	}
}
