package bench

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/baseline/reference"
	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/internal/suitegen"
	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/suites"
)

// quickPace keeps the embedded target fast in tests; no assertion depends
// on it.
var quickPace = baseline.Pace{TTFT: time.Millisecond, PerToken: time.Millisecond}

// quickStart is the embedded reference target at quickPace, as the
// application builds it (baseline/reference.Starter).
var quickStart = reference.Starter(baseline.Config{Pace: quickPace})

// fastPace is quickPace with 0.1 ms per token, for the runs of the whole
// generated suite.
var fastPace = baseline.Pace{TTFT: time.Millisecond, PerToken: 100 * time.Microsecond}

func readValid(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read report: %v", err)
	}
	if err := record.Validate(b); err != nil {
		t.Fatalf("report %s invalid: %v", path, err)
	}
	return b
}

func TestRunEmbeddedTarget(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r.json")
	var stdout bytes.Buffer
	var seen int
	rep, err := Run(context.Background(), RunOptions{Evaluator: testEval, Out: out, Start: quickStart, Stdout: &stdout,
		OnResult: func(Result) { seen++ }})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	readValid(t, out)
	if _, err := os.Stat(out + ".partial.jsonl"); !os.IsNotExist(err) {
		t.Errorf("partial file left behind after a completed run: %v", err)
	}
	if rep.Run.Status != record.RunCompleted || len(rep.Tasks) != smokeTasks || seen != smokeTasks {
		t.Fatalf("status %s, %d tasks, %d results seen; want completed, %d, %d", rep.Run.Status, len(rep.Tasks), seen, smokeTasks, smokeTasks)
	}
	// The sim answers every smoke task with its reference: full quality,
	// and no contract violations at this pace.
	for _, tk := range rep.Tasks {
		if tk.Status != record.StatusOK || tk.Score != 1 || len(tk.Violations) != 0 {
			t.Errorf("task %s: status %s score %v violations %v reason %q", tk.ID, tk.Status, tk.Score, tk.Violations, tk.Reason)
		}
	}
	if rep.Scores[record.Quality].Value != 100 || rep.Scores[record.Multimodal].Value != 100 {
		t.Errorf("quality %v multimodal %v, want 100", rep.Scores[record.Quality].Value, rep.Scores[record.Multimodal].Value)
	}
	// Each task keeps its detail for the web page: the request, and the
	// stream's every event (the sim streams fewer than the cap); the sim
	// answers a text task with its reference.
	same := 0
	for _, tk := range rep.Tasks {
		d := tk.Detail
		if d == nil || d.Request == "" || len(d.Events) == 0 || len(d.Events) < tk.Metrics.Events || d.EventsDropped != 0 {
			t.Fatalf("task %s: detail %+v (metrics count %d events)", tk.ID, d, tk.Metrics.Events)
		}
		if d.Reference != "" && d.Answer == d.Reference {
			same++
		}
	}
	if same == 0 {
		t.Error("no task's answer equals its reference")
	}
	if !rep.Run.EmbeddedTarget || rep.Run.Suite.Name != "smoke" || len(rep.Run.Suite.SHA256) != 64 {
		t.Errorf("run block: %+v", rep.Run)
	}
	if !bytes.Contains(stdout.Bytes(), []byte("composite")) {
		t.Errorf("text summary lacks the composite:\n%s", stdout.String())
	}
}

func TestRunStallingTargetIsCut(t *testing.T) {
	// A target that sends headers and then nothing, forever.
	stall := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/models" {
			w.Write([]byte(`{"object":"list","data":[{"id":"stall","object":"model"}]}`))
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer stall.Close()
	out := filepath.Join(t.TempDir(), "r.json")
	rep, err := Run(context.Background(), RunOptions{Evaluator: testEval, Target: stall.URL + "/v1", Out: out, Limit: 3,
		Concurrency: 3, Timeout: 300 * time.Millisecond, TTFTTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	readValid(t, out)
	if len(rep.Tasks) != 3 {
		t.Fatalf("%d tasks, want 3", len(rep.Tasks))
	}
	for _, tk := range rep.Tasks {
		if tk.Status != record.StatusTimeout || tk.Score != 0 {
			t.Errorf("task %s: status %s score %v, want timeout 0", tk.ID, tk.Status, tk.Score)
		}
	}
	if rep.Violations["timeout"] != 3 || rep.Scores[record.Composite].Value > 20 {
		t.Errorf("timeouts %d composite %v", rep.Violations["timeout"], rep.Scores[record.Composite].Value)
	}
}

// TestRunNamesShapeNotes runs against a target whose usage chunk a
// gateway rewrote (merged into the finish chunk, created 0, model ""):
// the run names the notes on every task and counts them, as probe and
// conform would, and scores the answers as it would without them.
func TestRunNamesShapeNotes(t *testing.T) {
	rewritten := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/models" {
			w.Write([]byte(`{"object":"list","data":[{"id":"m","object":"model"}]}`))
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, `data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"}}]}`+"\n\n"+
			`data: {"id":"c","object":"chat.completion.chunk","created":0,"model":"","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":1,"total_tokens":10}}`+"\n\n"+
			"data: [DONE]\n\n")
	}))
	defer rewritten.Close()
	out := filepath.Join(t.TempDir(), "r.json")
	rep, err := Run(context.Background(), RunOptions{Evaluator: testEval, Target: rewritten.URL + "/v1", Out: out, Limit: 3, Concurrency: 3})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	readValid(t, out)
	want := []string{trace.ShapeUsageMerged, trace.ShapeUsageCreatedZero, trace.ShapeUsageModelEmpty}
	for _, tk := range rep.Tasks {
		if !slices.Equal(tk.Shape, want) {
			t.Errorf("task %s: shape %v, want %v", tk.ID, tk.Shape, want)
		}
	}
	for _, n := range want {
		if rep.Shape[n] != len(rep.Tasks) || len(rep.Tasks) != 3 {
			t.Errorf("report shape %v over %d tasks, want each note on all 3", rep.Shape, len(rep.Tasks))
		}
	}
}

func TestRunInterruptAndResume(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "r.json")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := 0
	// Cancel after the third task finishes, as Ctrl-C would.
	_, err := Run(ctx, RunOptions{Evaluator: testEval, Out: out, Start: quickStart, Concurrency: 1,
		OnResult: func(Result) {
			n++
			if n == 3 {
				cancel()
			}
		}})
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("err = %v, want ErrInterrupted", err)
	}
	if b := readValid(t, out); !bytes.Contains(b, []byte(`"status": "interrupted"`)) {
		t.Fatalf("interrupted report lacks its status")
	}
	hdr, done, err := ReadPartial(out + ".partial.jsonl")
	// Exactly the three collected before the cancel: a task the worker
	// finished meanwhile (the result channel lets it run ahead) is left
	// to the resume.
	if err != nil || len(done) != 3 {
		t.Fatalf("partial: %d tasks, err %v; want 3", len(done), err)
	}
	var resumed []string
	rep, err := Run(context.Background(), RunOptions{Evaluator: testEval, Out: out, Start: quickStart, Concurrency: 2, Resume: true,
		OnResult: func(r Result) { resumed = append(resumed, r.Task.ID) }})
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	readValid(t, out)
	if rep.Run.ID != hdr.ID || rep.Run.Status != record.RunCompleted || len(rep.Tasks) != smokeTasks {
		t.Fatalf("resumed report: id %s (want %s) status %s tasks %d", rep.Run.ID, hdr.ID, rep.Run.Status, len(rep.Tasks))
	}
	if len(resumed) != smokeTasks-len(done) {
		t.Fatalf("resume ran %d tasks, want %d", len(resumed), smokeTasks-len(done))
	}
	for _, id := range resumed {
		for _, d := range done {
			if d.ID == id {
				t.Errorf("task %s ran twice", id)
			}
		}
	}
}

func TestResumeRefusesADifferentRun(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "r.json")
	ctx, cancel := context.WithCancel(context.Background())
	_, _ = Run(ctx, RunOptions{Evaluator: testEval, Out: out, Start: quickStart, Concurrency: 1, OnResult: func(Result) { cancel() }})
	_, err := Run(context.Background(), RunOptions{Evaluator: testEval, Out: out, Start: quickStart, Resume: true, Seed: 7})
	var ie *InputError
	if !errors.As(err, &ie) {
		t.Fatalf("err = %v, want an InputError naming the difference", err)
	}
}

func TestRunUnreachableTarget(t *testing.T) {
	// A port nothing listens on: the listener is closed before the run.
	ln := httptest.NewServer(http.NotFoundHandler())
	url := ln.URL
	ln.Close()
	_, err := Run(context.Background(), RunOptions{Evaluator: testEval, Target: url + "/v1", Out: filepath.Join(t.TempDir(), "r.json")})
	var ie *InputError
	if !errors.As(err, &ie) {
		t.Fatalf("err = %v, want InputError", err)
	}
}

func TestRunUnknownSuite(t *testing.T) {
	_, err := Run(context.Background(), RunOptions{Evaluator: testEval, Suite: "no-such-suite", Out: filepath.Join(t.TempDir(), "r.json")})
	var ie *InputError
	if !errors.As(err, &ie) {
		t.Fatalf("err = %v, want InputError", err)
	}
}

func TestRunDefaultSuiteAgainstOracle(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r.json")
	rep, err := Run(context.Background(), RunOptions{Evaluator: testEval, Suite: "janus-default", Out: out, Concurrency: 16,
		Start: reference.Starter(baseline.Config{Pace: fastPace})})
	if err != nil {
		t.Fatal(err)
	}
	readValid(t, out)
	if len(rep.Tasks) < 200 || rep.Scores[record.Quality].Value < 99 || rep.Scores[record.Multimodal].Value < 99 {
		t.Fatalf("janus-default vs oracle: %d tasks, quality %.1f, multimodal %.1f", len(rep.Tasks), rep.Scores[record.Quality].Value, rep.Scores[record.Multimodal].Value)
	}
}

func TestRunSeveralSuitesAndSplit(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r.json")
	rep, err := Run(context.Background(), RunOptions{Evaluator: testEval, Suite: "smoke@stored, janus-default", Splits: []string{"private"}, Out: out,
		Concurrency: 8, Start: reference.Starter(baseline.Config{Pace: fastPace})})
	if err != nil {
		t.Fatal(err)
	}
	readValid(t, out)
	// the stored smoke has no private tasks; janus-default holds out every fifth.
	def, err := suitegen.Fresh(rep.Run.Seed) // janus-default is generated from the run's seed
	if err != nil {
		t.Fatal(err)
	}
	want := len(suites.FilterSplit(def.Tasks, []string{"private"}))
	if rep.Run.Suite.Name != "smoke+janus-default" || len(rep.Tasks) != want || want == 0 || rep.Run.SeedPolicy != record.SeedFresh {
		t.Fatalf("suite %s, %d tasks; want smoke+janus-default, %d", rep.Run.Suite.Name, len(rep.Tasks), want)
	}
	if _, err := Run(context.Background(), RunOptions{Evaluator: testEval, Splits: []string{"nope"}, Out: out}); err == nil {
		t.Fatal("a split with no tasks must be an input error")
	}
}

func TestRunDefaultSuiteAgainstWrongAnswers(t *testing.T) {
	// The sim's noisy profile with share 1 answers every task wrongly:
	// quality must collapse (issue: ≤ 10), while speed does not care.
	rep, err := Run(context.Background(), RunOptions{Evaluator: testEval, Suite: "janus-default", Out: filepath.Join(t.TempDir(), "r.json"), Concurrency: 16,
		Start: reference.Starter(baseline.Config{Pace: fastPace, Profile: baseline.ProfileNoisy, NoisyShare: 1})})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Scores[record.Quality].Value > 10 || rep.Scores[record.Multimodal].Value > 10 {
		t.Fatalf("all-wrong sim scored quality %.1f, multimodal %.1f; want ≤ 10", rep.Scores[record.Quality].Value, rep.Scores[record.Multimodal].Value)
	}
}

// smokeTasks is the size of smoke: the stored file (smoke@stored) and a
// generated draw (one task per stratum) alike.
const smokeTasks = 10

func TestRunPlanAndGateHooks(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r.json")
	var planned, gated, seen int
	release := make(chan struct{})
	// The stored smoke: a fresh run adds canaries, which the gate is asked
	// for too but OnResult never sees, so the count below would not hold.
	opts := RunOptions{Evaluator: testEval, Suite: DefaultSuite + StoredSuffix, Out: out, Start: quickStart, Concurrency: 2,
		OnPlan: func(run record.Run, todo []suites.Task) { planned = len(todo) },
		Gate: func(ctx context.Context) error {
			gated++
			if gated == 3 { // a paused run: nothing more is dispatched until released
				select {
				case <-release:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			return nil
		},
		OnResult: func(Result) {
			seen++
			if seen == 2 {
				close(release)
			}
		}}
	rep, err := Run(context.Background(), opts)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	// OnPlan sees every smoke task, the gate is asked once per task, and
	// the pause at the third held nothing back for good.
	if planned != smokeTasks || gated != smokeTasks || seen != smokeTasks || len(rep.Tasks) != smokeTasks {
		t.Fatalf("planned %d gated %d seen %d tasks %d; want %d each", planned, gated, seen, len(rep.Tasks), smokeTasks)
	}
}

// The engine picks no report directory: a run names its report with Out or
// with ReportPath, which it calls once with the model it discovered; a
// resume needs Out, since which run to continue is the caller's to find.
func TestRunReportPathIsTheCallers(t *testing.T) {
	for _, c := range []struct {
		name string
		o    RunOptions
	}{
		{"neither Out nor ReportPath", RunOptions{Evaluator: testEval, Start: quickStart}},
		{"resume without Out", RunOptions{Evaluator: testEval, Start: quickStart, Resume: true, ReportPath: func(string) string { return "r.json" }}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Run(t.Context(), c.o)
			var ie *InputError
			if !errors.As(err, &ie) || !errors.Is(err, errNoReportPath) {
				t.Fatalf("err = %v, want an InputError for the missing report path", err)
			}
		})
	}
	out := filepath.Join(t.TempDir(), "named.json")
	var asked []string
	rep, err := Run(t.Context(), RunOptions{Evaluator: testEval, Start: quickStart, Suite: "smoke@stored", Limit: 1,
		ReportPath: func(model string) string { asked = append(asked, model); return out }})
	if err != nil {
		t.Fatal(err)
	}
	if len(asked) != 1 || asked[0] != rep.Run.Model || asked[0] == "" {
		t.Errorf("ReportPath asked for %q, want once for the discovered model %q", asked, rep.Run.Model)
	}
	if _, err := os.Stat(out); err != nil {
		t.Errorf("report not written where ReportPath said: %v", err)
	}
}
