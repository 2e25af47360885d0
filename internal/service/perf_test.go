package service

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/janus-bench/janus/internal/sqlstore/sqltest"
	"github.com/janus-bench/janus/leaderboard"
)

// The service's figures for docs/PERFORMANCE.md (`make bench`; not part
// of `make test`): API latency over 100k stored runs, queue throughput
// of empty jobs, and the service process's RSS idle and with 50 progress
// streams open.

const perfRuns = 100_000

// seedRuns stores n completed runs over 100 competitors and 2 suites in
// bulk (multi-row INSERTs in one transaction), then fills board_best as
// the store's migration 2 does.
func seedRuns(b *testing.B, db *sql.DB, postgres bool, n int) {
	b.Helper()
	ctx := context.Background()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	ph := func(i int) string {
		if postgres {
			return "$" + strconv.Itoa(i)
		}
		return "?"
	}
	now := time.Now().UTC()
	for c := 1; c <= 100; c++ {
		if _, err := tx.ExecContext(ctx, "INSERT INTO competitors (name, team, image, target_url, baseline, created_at) VALUES ("+
			ph(1)+", '', '', '', FALSE, "+ph(2)+")", fmt.Sprintf("comp-%03d", c), now); err != nil {
			b.Fatal(err)
		}
	}
	cols := "id, competitor_id, status, suite_name, suite_version, split, started_at, finished_at, heartbeat_at, composite, quality, speed, cost, streaming, multimodal, tasks, passed"
	const per, ncols = 500, 17
	for start := 0; start < n; start += per {
		var sb strings.Builder
		args := make([]any, 0, per*ncols)
		sb.WriteString("INSERT INTO runs (" + cols + ") VALUES ")
		for i := start; i < min(n, start+per); i++ {
			if i > start {
				sb.WriteByte(',')
			}
			sb.WriteByte('(')
			for k := 0; k < ncols; k++ {
				if k > 0 {
					sb.WriteByte(',')
				}
				sb.WriteString(ph(len(args) + k + 1))
			}
			sb.WriteByte(')')
			t := now.Add(-time.Duration(n-i) * time.Minute)
			score := float64(i%997) / 10
			args = append(args, fmt.Sprintf("run-%07d", i), int64(i%100+1), "completed", []string{"smoke", "janus-default"}[i%2], "1.0.0", "",
				t, t.Add(time.Minute), t, score, score, score, score, score, score, 10, 8)
		}
		if _, err := tx.ExecContext(ctx, sb.String(), args...); err != nil {
			b.Fatal(err)
		}
	}
	best := `suite_name, suite_version, split, competitor_id, id, model, finished_at, tasks, passed,
	composite, composite_lo, composite_hi, quality, quality_lo, quality_hi, speed, speed_lo, speed_hi,
	cost, cost_lo, cost_hi, streaming, streaming_lo, streaming_hi, multimodal, multimodal_lo, multimodal_hi, cost_per_correct`
	if _, err := tx.ExecContext(ctx, `INSERT INTO board_best (`+best+`) SELECT `+best+` FROM (SELECT `+best+`,
		ROW_NUMBER() OVER (PARTITION BY suite_name, suite_version, split, competitor_id ORDER BY composite DESC, finished_at DESC, id DESC) AS n
		FROM runs WHERE status = 'completed') r WHERE n = 1`); err != nil {
		b.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	// Statistics, as autovacuum (PostgreSQL) or a long-lived file would
	// have them; without, the planner guesses from an empty table.
	if _, err := db.ExecContext(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkAPILatency: p50/p99 of GET /leaderboard and GET /runs (first
// page of 100) with 100k runs stored, over 300 sequential requests each.
func BenchmarkAPILatency(b *testing.B) {
	for _, be := range sqltest.Backends(b) {
		b.Run(be.Name, func(b *testing.B) {
			dsn := be.DSN(b)
			s, err := New(context.Background(), Config{Store: dsn, Open: true, PublicRead: true, Logger: quietLogger()})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close(context.Background())
			db, _ := s.st.SQLDB()
			seedRuns(b, db, be.Name == "postgres", perfRuns)
			srv := newLoopbackServer(b, s.Handler())
			for _, path := range []string{"/api/v1/leaderboard", "/api/v1/runs", "/api/v1/runs?competitor=comp-042&suite=smoke"} {
				lat := make([]float64, 0, 300)
				b.ResetTimer()
				for range b.N {
					lat = lat[:0]
					for range 300 {
						t0 := time.Now()
						resp, err := http.Get(srv + path)
						if err != nil || resp.StatusCode != 200 {
							b.Fatalf("GET %s: %v %v", path, err, resp)
						}
						_, _ = bufio.NewReader(resp.Body).WriteTo(nopW{})
						resp.Body.Close()
						lat = append(lat, float64(time.Since(t0).Microseconds())/1000)
					}
				}
				slices.Sort(lat)
				// The reference: the same query as a direct store call.
				ref := make([]float64, 0, 300)
				for range 300 {
					t0 := time.Now()
					var err error
					switch {
					case strings.HasPrefix(path, "/api/v1/leaderboard"):
						_, err = s.st.Leaderboard(context.Background(), leaderboard.Query{})
					case strings.Contains(path, "competitor="):
						_, err = s.st.ListRuns(context.Background(), leaderboard.RunFilter{Competitor: "comp-042", Suite: "smoke", Limit: 101})
					default:
						_, err = s.st.ListRuns(context.Background(), leaderboard.RunFilter{Limit: 101})
					}
					if err != nil {
						b.Fatal(err)
					}
					ref = append(ref, float64(time.Since(t0).Microseconds())/1000)
				}
				slices.Sort(ref)
				b.Logf("%s %s: p50 %.2f ms, p99 %.2f ms; store call alone p50 %.2f ms, p99 %.2f ms (ratio p50 %.2f)", be.Name, path,
					lat[len(lat)/2], lat[len(lat)*99/100], ref[len(ref)/2], ref[len(ref)*99/100], lat[len(lat)/2]/ref[len(ref)/2])
			}
		})
	}
}

type nopW struct{}

func (nopW) Write(p []byte) (int, error) { return len(p), nil }

type noopArgs struct{}

func (noopArgs) Kind() string { return "janus_bench_noop" }

type noopWorker struct {
	river.WorkerDefaults[noopArgs]
	wg *sync.WaitGroup
}

func (w *noopWorker) Work(context.Context, *river.Job[noopArgs]) error { w.wg.Done(); return nil }

// BenchmarkQueueThroughput: empty jobs per second through River on the
// store's database, 2,000 jobs inserted up front, 20 worker slots.
func BenchmarkQueueThroughput(b *testing.B) {
	for _, be := range sqltest.Backends(b) {
		b.Run(be.Name, func(b *testing.B) {
			dsn := be.DSN(b)
			s, err := New(context.Background(), Config{Store: dsn, Logger: quietLogger()})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close(context.Background())
			const jobs = 2000
			var wg sync.WaitGroup
			work := river.NewWorkers()
			river.AddWorker(work, &noopWorker{wg: &wg})
			q, err := newQueue(context.Background(), s.st, queueConfig{DSN: dsn, Workers: 20, RescueAfter: time.Minute, RunTimeout: time.Hour,
				Logger: quietLogger(), work: work})
			if err != nil {
				b.Fatal(err)
			}
			for range b.N {
				wg.Add(jobs)
				params := make([]river.InsertManyParams, jobs)
				for i := range params {
					params[i] = river.InsertManyParams{Args: noopArgs{}}
				}
				switch rq := q.(type) {
				case *riverQueue[pgxTx]:
					_, err = rq.c.InsertMany(context.Background(), params)
				case *riverQueue[sqlTx]:
					_, err = rq.c.InsertMany(context.Background(), params)
				}
				if err != nil {
					b.Fatal(err)
				}
				t0 := time.Now()
				if err := q.start(context.Background()); err != nil {
					b.Fatal(err)
				}
				wg.Wait()
				el := time.Since(t0)
				b.ReportMetric(jobs/el.Seconds(), "jobs/s")
				b.Logf("%s: %d empty jobs in %s: %.0f jobs/s", be.Name, jobs, el, jobs/el.Seconds())
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				_ = q.stop(ctx)
				cancel()
			}
		})
	}
}

// BenchmarkServiceRSS: the RSS of a `janus serve`-like child process
// (this test binary serving) idle, and with 50 progress streams open on a
// queued run.
func BenchmarkServiceRSS(b *testing.B) {
	for range b.N {
		dsn := b.TempDir() + "/j.db"
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), serveEnv+"="+dsn)
		out, _ := cmd.StdoutPipe()
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
		addr, err := bufio.NewReader(out).ReadString('\n')
		if err != nil {
			b.Fatal(err)
		}
		base := "http://" + strings.TrimSpace(addr)
		// A benchmark of real RSS: the server process must settle in real
		// time (no synctest across processes).
		time.Sleep(2 * time.Second)
		idle := rssKB(b, cmd.Process.Pid)
		cl := &Client{Base: base}
		r, err := cl.Submit(context.Background(), SubmitRequest{Limit: 1})
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		var opened sync.WaitGroup
		for range 50 {
			opened.Add(1)
			go func() {
				once := sync.OnceFunc(opened.Done)
				defer once()
				_, _ = cl.Watch(ctx, r.ID, func(Event) { once() })
			}()
		}
		opened.Wait()
		// As above: real RSS of another process, after real time.
		time.Sleep(3 * time.Second)
		watched := rssKB(b, cmd.Process.Pid)
		cancel()
		b.ReportMetric(float64(idle)/1024, "idle-MB")
		b.ReportMetric(float64(watched)/1024, "50sse-MB")
		b.Logf("RSS idle %.1f MB, with 50 SSE watchers %.1f MB", float64(idle)/1024, float64(watched)/1024)
	}
}

func rssKB(b *testing.B, pid int) int {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, l := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return n
		}
	}
	b.Fatal("no VmRSS")
	return 0
}
