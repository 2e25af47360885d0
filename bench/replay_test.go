package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/record"
)

// startSim serves the baseline sim under a profile for one test.
func startSim(t *testing.T, cfg baseline.Config) string {
	t.Helper()
	url, stop, err := baseline.Start(context.Background(), "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatalf("start sim: %v", err)
	}
	t.Cleanup(func() {
		// A connection the client dialled but never used keeps a graceful
		// shutdown waiting 5 s; the test has nothing in flight by now.
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_ = stop(ctx)
	})
	return url
}

// TestReplayReproducesTheRun records runs against targets that behave
// well and badly, replays the recordings, and requires every task record
// (score, verdict, violations, every metric to the nanosecond, error) and
// every score to come out identical.
func TestReplayReproducesTheRun(t *testing.T) {
	prof := func(name string) func(t *testing.T) RunOptions {
		return func(t *testing.T) RunOptions {
			return RunOptions{Evaluator: testEval, Target: startSim(t, baseline.Config{Pace: quickPace, Profile: name, TimeScale: 0.02})}
		}
	}
	cases := []struct {
		name string
		opts func(t *testing.T) RunOptions
	}{
		// The embedded target: a clean run.
		{"embedded oracle", func(*testing.T) RunOptions { return RunOptions{Evaluator: testEval, Start: quickStart} }},
		// A non-JSON data line and no [DONE]: the end of each stream is the
		// recorded end, not a [DONE].
		{"broken-sse", prof(baseline.ProfileBrokenSSE)},
		// A 60 ms silent gap mid-stream, no keep-alives.
		{"stall", prof(baseline.ProfileStall)},
		// No usage chunk: a missing_usage violation on every task.
		{"no-usage", prof(baseline.ProfileNoUsage)},
		// Every token in one burst at the end.
		{"buffered", prof(baseline.ProfileBuffered)},
		// Non-streamed answers: one JSON body per task.
		{"no stream", func(*testing.T) RunOptions { return RunOptions{Evaluator: testEval, Start: quickStart, NoStream: true} }},
		// Every request refused with HTTP 429: the error body is replayed.
		{"http 429", func(t *testing.T) RunOptions {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusTooManyRequests)
				w.Write([]byte(`{"error":{"message":"slow down","type":"rate_limit"}}`))
			}))
			t.Cleanup(srv.Close)
			return RunOptions{Evaluator: testEval, Target: srv.URL + "/v1", Model: "m"}
		}},
		// A stream the total timeout cuts: the timeout comes from the
		// recorded end, since bytes cannot say why they stopped.
		{"total timeout", func(t *testing.T) RunOptions {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				w.WriteHeader(200)
				for r.Context().Err() == nil {
					w.Write([]byte(`data: {"choices":[{"index":0,"delta":{"content":"x"}}]}` + "\n\n"))
					w.(http.Flusher).Flush()
					// Real pacing until the client leaves: the stream is read
					// over loopback TCP, which a synctest bubble cannot host.
					time.Sleep(5 * time.Millisecond)
				}
			}))
			t.Cleanup(srv.Close)
			return RunOptions{Evaluator: testEval, Target: srv.URL + "/v1", Model: "m", Timeout: 80 * time.Millisecond, Limit: 2}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			o := tc.opts(t)
			o.Out, o.RecordDir, o.Concurrency = filepath.Join(dir, "run.json"), filepath.Join(dir, "rec"), 8
			// The shipped smoke: a generated chart task names an artifact URL
			// on the run's target, which a replay has no target to fetch.
			o.Suite = DefaultSuite + StoredSuffix
			orig, err := Run(context.Background(), o)
			var te *TargetError
			if err != nil && !(tc.name == "http 429" && errors.As(err, &te) && orig != nil) {
				t.Fatalf("Run: %v", err) // every request refused alike is a target error, with its report
			}
			out := filepath.Join(dir, "replay.json")
			rep, err := Replay(context.Background(), ReplayOptions{Evaluator: testEval, Dir: o.RecordDir, Suite: o.Suite, Out: out})
			if err != nil {
				t.Fatalf("Replay: %v", err)
			}
			if b, err := os.ReadFile(out); err != nil {
				t.Fatalf("replay report not written: %v", err)
			} else if err := record.Validate(b); err != nil {
				t.Fatalf("replay report invalid: %v", err)
			}
			if len(rep.Tasks) != len(orig.Tasks) {
				t.Fatalf("replayed %d tasks, the run had %d", len(rep.Tasks), len(orig.Tasks))
			}
			for i := range orig.Tasks {
				a, _ := json.Marshal(orig.Tasks[i])
				b, _ := json.Marshal(rep.Tasks[i])
				if !bytes.Equal(a, b) {
					t.Errorf("task %s differs after replay:\nrun    %s\nreplay %s", orig.Tasks[i].ID, a, b)
				}
			}
			a, _ := json.Marshal(orig.Scores)
			b, _ := json.Marshal(rep.Scores)
			if !bytes.Equal(a, b) {
				t.Errorf("scores differ after replay:\nrun    %s\nreplay %s", a, b)
			}
		})
	}
}

// TestReplayTTFTIsTheRecordedRead checks the timing claim directly: the
// replayed TTFT is the recorded time of the read that carried the first
// token, minus the recorded send time, to the nanosecond.
func TestReplayTTFTIsTheRecordedRead(t *testing.T) {
	dir := t.TempDir()
	rec := filepath.Join(dir, "rec")
	orig, err := Run(context.Background(), RunOptions{Evaluator: testEval, Start: quickStart, Out: filepath.Join(dir, "r.json"), RecordDir: rec})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	for _, tk := range orig.Tasks {
		r, err := ReadRecording(filepath.Join(rec, safeName(tk.ID)+recordingSuffix))
		if err != nil {
			t.Fatalf("ReadRecording: %v", err)
		}
		if !r.Ended || r.SentNs < 0 || len(r.Reads) == 0 {
			t.Fatalf("task %s: recording lacks its end, send time or reads: %+v", tk.ID, r)
		}
		tr := trace.FromRecording(r)
		found := false
		for _, rd := range r.Reads {
			if rd.AtNs == tr.FirstTokenNs {
				found = true
			}
		}
		if !found {
			t.Errorf("task %s: first token at %d ns is not a recorded read time", tk.ID, tr.FirstTokenNs)
		}
		want := float64(tr.FirstTokenNs-r.SentNs) / 1e6
		if tk.Metrics.TTFTMs == nil || *tk.Metrics.TTFTMs != want {
			t.Errorf("task %s: run TTFT %v ms, replay gives %v ms", tk.ID, tk.Metrics.TTFTMs, want)
		}
	}
}

// TestReadRecordingRejectsDamage covers the ways a recording can be
// malformed; each is named in the error.
func TestReadRecordingRejectsDamage(t *testing.T) {
	cases := []struct {
		name, body, want string
	}{
		// Body bytes with no response head before them.
		{"body first", `{"at_ns":5,"data":"eA=="}`, "before the response head"},
		// Two heads in one file.
		{"two heads", `{"at_ns":1,"status":200}` + "\n" + `{"at_ns":2,"status":200}`, "second response head"},
		// Anything after the end line.
		{"after end", `{"at_ns":1,"status":200}` + "\n" + `{"at_ns":3,"end":{"sent_ns":0,"stream":true,"want_usage":true}}` + "\n" + `{"at_ns":4,"data":"eA=="}`, "after the end"},
		// Not JSON at all.
		{"not json", `at_ns=1`, "invalid character"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "x"+recordingSuffix)
			if err := os.WriteFile(p, []byte(tc.body+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := ReadRecording(p)
			var re *RecordingError
			if !errors.As(err, &re) || !bytes.Contains([]byte(err.Error()), []byte(tc.want)) {
				t.Fatalf("err = %v, want a RecordingError mentioning %q", err, tc.want)
			}
		})
	}
}
