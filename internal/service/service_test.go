package service

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/internal/sqlstore/sqltest"
	"github.com/janus-bench/janus/leaderboard"
	"github.com/janus-bench/janus/record"
)

// A run submitted over the API runs on the in-process worker, streams its
// progress, lands on the leaderboard, and scores as `janus bench run`
// scores the same target with the same seed.
func TestSubmitWatchLeaderboard(t *testing.T) {
	for _, b := range sqltest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			dsn := b.DSN(t)
			target := startSim(t, baseline.Unpaced())
			s, cl := startServer(t, Config{Store: dsn, Workers: 2, AllowTargets: []string{"127.0.0.1"}, PublicRead: true, Open: true,
				PollInterval: 20 * time.Millisecond, WorkDir: t.TempDir()})
			ctx := t.Context()
			r, err := cl.Submit(ctx, SubmitRequest{Target: target.URL, Suite: "smoke", Seed: 7, Limit: 6, Competitor: "sim-a"})
			if err != nil {
				t.Fatal(err)
			}
			if r.State != leaderboard.StatusQueued || r.TasksPlanned != 6 {
				t.Fatalf("submitted run: state %s, %d tasks planned", r.State, r.TasksPlanned)
			}
			var tasks, states int
			last, err := cl.Watch(ctx, r.ID, func(ev Event) {
				switch ev.Type {
				case "task":
					tasks++
				case "state":
					states++
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			if last.Run.State != leaderboard.StatusCompleted || tasks != 6 || states == 0 {
				t.Fatalf("watch: final %s (%s), %d task events, %d state events", last.Run.State, last.Run.Reason, tasks, states)
			}
			d := waitDone(t, s.st, r.ID, time.Minute)
			exactlyOnce(t, d)
			board, err := cl.Leaderboard(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(board.Rows) != 1 || board.Rows[0].RunID != r.ID {
				t.Fatalf("leaderboard rows %+v, want the run %s", board.Rows, r.ID)
			}
			// The same engine: a CLI run of the same target and seed.
			cli, err := bench.Run(ctx, bench.RunOptions{Target: target.URL, Suite: "smoke", Seed: 7, Limit: 6, Out: t.TempDir() + "/r.json"})
			if err != nil {
				t.Fatal(err)
			}
			var api struct {
				Tasks []struct {
					ID    string  `json:"id"`
					Score float64 `json:"score"`
				} `json:"tasks"`
			}
			getJSON(t, cl.Base+"/api/v1/runs/"+r.ID+"/report", &api)
			if len(api.Tasks) != len(cli.Tasks) {
				t.Fatalf("API report has %d tasks, CLI %d", len(api.Tasks), len(cli.Tasks))
			}
			for i := range api.Tasks {
				if api.Tasks[i].ID != cli.Tasks[i].ID || api.Tasks[i].Score != cli.Tasks[i].Score {
					t.Errorf("task %d: API %+v, CLI %s %.2f", i, api.Tasks[i], cli.Tasks[i].ID, cli.Tasks[i].Score)
				}
			}
			if d.Report.Scores[record.Quality].Value != cli.Scores[record.Quality].Value {
				t.Errorf("quality: API %.2f, CLI %.2f", d.Report.Scores[record.Quality].Value, cli.Scores[record.Quality].Value)
			}
		})
	}
}

func getJSON(t *testing.T, u string, v any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", u, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

// Bad input gets a 4xx naming the field, and nothing is stored or queued.
func TestBadInputQueuesNothing(t *testing.T) {
	target := startSim(t, baseline.Unpaced())
	s, cl := startServer(t, Config{Store: t.TempDir() + "/j.db", Workers: 0, AllowTargets: []string{"127.0.0.1"}, Open: true})
	cases := []struct {
		name, body string
		status     int
		param      string
	}{
		{"unknown field", `{"suit":"smoke"}`, 400, "$.suit"},
		{"wrong type", `{"limit":"ten"}`, 400, "$.limit"},
		{"nested wrong type", `{"categories":"chat"}`, 400, "$.categories"},
		{"not an object", `[1,2]`, 400, "$"},
		{"trailing data", `{} {}`, 400, "$"},
		{"unknown suite", `{"suite":"nope"}`, 422, "$.suite"},
		{"suite path refused", `{"suite":"/etc"}`, 422, "$.suite"},
		{"no task selected", `{"categories":["none"]}`, 422, "$.categories"},
		{"negative limit", `{"limit":-1}`, 400, "$.limit"},
		{"concurrency too high", `{"concurrency":1000}`, 400, "$.concurrency"},
		{"target and image", `{"target":"` + target.URL + `","image":"x"}`, 400, "$.image"},
		{"private address", `{"target":"http://10.1.2.3/v1"}`, 422, "$.target"},
		{"metadata address", `{"target":"http://169.254.169.254/latest"}`, 422, "$.target"},
		{"metadata name", `{"target":"http://metadata.google.internal/v1"}`, 422, "$.target"},
		{"credentials in URL", `{"target":"http://u:p@example.com/v1"}`, 422, "$.target"},
		{"not http", `{"target":"file:///etc/passwd"}`, 422, "$.target"},
		{"unreachable", `{"target":"http://127.0.0.1:1/v1"}`, 422, "$.target"},
		{"image that does not exist", `{"image":"janus-no-such-image:0"}`, 422, "$.image"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, err := http.Post(cl.Base+"/api/v1/runs", "application/json", bytes.NewReader([]byte(c.body)))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var eb struct {
				Error struct {
					Message string  `json:"message"`
					Param   *string `json:"param"`
				} `json:"error"`
			}
			_ = json.NewDecoder(resp.Body).Decode(&eb)
			if resp.StatusCode != c.status || eb.Error.Param == nil || *eb.Error.Param != c.param {
				t.Errorf("%s → %d param %v (%s); want %d %s", c.body, resp.StatusCode, eb.Error.Param, eb.Error.Message, c.status, c.param)
			}
		})
	}
	runs, err := s.st.ListRuns(t.Context(), leaderboard.RunFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 0 {
		t.Errorf("%d runs stored after bad input", len(runs))
	}
	db, _ := s.st.SQLDB()
	var jobs int
	if err := db.QueryRow("SELECT COUNT(*) FROM river_job").Scan(&jobs); err != nil || jobs != 0 {
		t.Errorf("%d queue jobs after bad input (%v)", jobs, err)
	}
	// A body over the limit is refused before it is read whole.
	big := bytes.Repeat([]byte(" "), 2<<20)
	resp, err := http.Post(cl.Base+"/api/v1/runs", "application/json", bytes.NewReader(append(big, '{', '}')))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("2 MiB body: %d, want 413", resp.StatusCode)
	}
}

// DELETE cancels a queued run at once and a running one at its worker's
// next lease renewal; both end cancelled with a reason.
func TestCancel(t *testing.T) {
	for _, b := range sqltest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			dsn := b.DSN(t)
			target := startSim(t, baseline.Pace{TTFT: 300 * time.Millisecond, PerToken: 5 * time.Millisecond})
			cfg := childConfig(dsn, 1)
			cfg.Open, cfg.WorkDir = true, t.TempDir()
			s, cl := startServer(t, cfg)
			ctx := t.Context()
			running, err := cl.Submit(ctx, SubmitRequest{Target: target.URL, Suite: "smoke", Concurrency: 1})
			if err != nil {
				t.Fatal(err)
			}
			queued, err := cl.Submit(ctx, SubmitRequest{Target: target.URL, Suite: "smoke", Concurrency: 1})
			if err != nil {
				t.Fatal(err)
			}
			// Wait for the first run's first task, then cancel both.
			if _, err := cl.Watch(ctx, running.ID, func(ev Event) {
				if ev.Type == "task" && ev.Done == 1 {
					for _, id := range []string{queued.ID, running.ID} {
						if _, err := cl.Cancel(ctx, id); err != nil {
							t.Errorf("cancel %s: %v", id, err)
						}
					}
				}
			}); err != nil {
				t.Fatal(err)
			}
			for _, id := range []string{running.ID, queued.ID} {
				d := waitDone(t, s.st, id, time.Minute)
				if d.Status != leaderboard.StatusCancelled || d.Note == "" {
					t.Errorf("run %s: %s (%q), want cancelled with a reason", id, d.Status, d.Note)
				}
				if len(d.Tasks) >= d.TasksPlanned {
					t.Errorf("run %s: all %d tasks ran although cancelled", id, len(d.Tasks))
				}
			}
		})
	}
}

// A restart loses no queued run: runs queued while no worker ran, and a
// run stored without its queue job (a crash between the two writes), are
// executed by the next process.
func TestRestartKeepsQueued(t *testing.T) {
	for _, b := range sqltest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			dsn := b.DSN(t)
			target := startSim(t, baseline.Unpaced())
			cfg := Config{Store: dsn, AllowTargets: []string{"127.0.0.1"}, Open: true, WorkDir: t.TempDir(), Logger: quietLogger(), Reference: testReference}
			s1, err := New(t.Context(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			cl := &Client{}
			var ids []string
			hs := httptestServer(t, s1)
			cl.Base = hs
			for range 2 {
				r, err := cl.Submit(t.Context(), SubmitRequest{Target: target.URL, Limit: 2})
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, r.ID)
			}
			// A run stored queued with no job.
			qr, spec, e := s1.validateSubmit(t.Context(), caller{admin: true}, SubmitRequest{Target: target.URL, Limit: 2})
			if e != nil {
				t.Fatal(e)
			}
			qr.ID, qr.Spec = newRunID(), mustJSON(spec)
			if err := s1.st.QueueRun(t.Context(), qr); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, qr.ID)
			if err := s1.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			cfg.Workers = 2
			s2, err := New(t.Context(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := s2.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			defer s2.Close(context.Background())
			for _, id := range ids {
				d := waitDone(t, s2.st, id, time.Minute)
				if d.Status != leaderboard.StatusCompleted {
					t.Errorf("run %s: %s %s", id, d.Status, d.Note)
				}
				exactlyOnce(t, d)
			}
		})
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
