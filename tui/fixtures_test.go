package tui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/bench/report"
	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/internal/tokens"
	"github.com/janus-bench/janus/internal/wire"
	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/scorer"
	"github.com/janus-bench/janus/suites"
)

// fixture is a finished run of the real smoke suite built from synthetic
// traces with fixed timings, scored by the real evaluators, so every
// screen is deterministic.
type fixture struct {
	run     record.Run
	tasks   []suites.Task
	results []bench.Result
	rep     *record.Report
}

// fixedClock starts at a fixed instant and advances one second per call;
// only Update calls it, so the sequence is the same in every test run.
func fixedClock() func() time.Time {
	t := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return func() time.Time { t = t.Add(time.Second); return t }
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	s, err := suites.Load(context.Background(), "smoke")
	if err != nil {
		t.Fatalf("load smoke: %v", err)
	}
	f := &fixture{tasks: s.Tasks}
	f.run = record.Run{ID: "20260102T030405Z-0a1b2c", Status: record.RunCompleted,
		StartedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), FinishedAt: time.Date(2026, 1, 2, 3, 4, 17, 0, time.UTC),
		Target: "http://127.0.0.1:8080/v1", Model: "janus-sim", Concurrency: 4, Stream: true,
		Suite:   record.SuiteRef{Name: s.Name, Version: s.Version, SHA256: s.SHA256, Source: s.Source},
		Budgets: trace.DefaultBudgets(), TasksPlanned: len(s.Tasks), HarnessVersion: "test"}
	var tasks []record.TaskResult
	for i := range s.Tasks {
		tk := &s.Tasks[i]
		tr := synthTrace(i, tk)
		res := bench.Score(tk, tr, trace.DefaultBudgets())
		f.results = append(f.results, bench.Result{Task: res, Trace: tr})
		tasks = append(tasks, res)
	}
	f.rep = reportOf(f.run, tasks)
	return f
}

func reportOf(run record.Run, tasks []record.TaskResult) *record.Report {
	rep := &record.Report{SchemaVersion: record.SchemaVersion, Run: run, Weights: record.DefaultWeights(), Tasks: tasks}
	opts := scorer.Options{Model: run.Model}
	rep.Scores = scorer.ScoreWith(tasks, opts)
	rep.Scoring = report.NewScoring(opts.WithDefaults())
	report.Aggregate(rep)
	return rep
}

// synthTrace is the stream task i would get from a well-behaved target,
// with three twists: task 2 answers wrong, the streaming task sends a keep-alive
// mid-stream and then stalls 2.5 s (a gap_over_2s), the multimodal task fails
// with HTTP 500.
func synthTrace(i int, tk *suites.Task) *trace.Trace {
	ms := int64(time.Millisecond)
	tr := &trace.Trace{TaskID: tk.ID, Stream: true, WantUsage: true, Start: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		SentNs: 0, HeadersNs: 40 * ms, FirstByteNs: 41 * ms, FirstEventNs: 42 * ms, FirstReasoningNs: -1, FirstContentNs: -1,
		FirstTokenNs: -1, DoneNs: -1, EndNs: -1, Status: 200, ContentType: "text/event-stream", Model: "janus-sim"}
	if tk.Category == suites.CatMultimodal {
		tr.Status, tr.EndNs = 500, 45*ms
		tr.Err = &trace.Error{Class: trace.ErrHTTPStatus, Code: 500, Message: "upstream exploded"}
		return tr
	}
	at := int64(100+37*i) * ms
	add := func(k trace.Kind, text string) {
		tr.Events = append(tr.Events, trace.Event{Kind: k, AtNs: at, FirstByteNs: at, Bytes: 60 + len(text), Text: text})
	}
	if tk.Reference.ReasoningContent != "" || i == 1 {
		tr.FirstReasoningNs, tr.FirstTokenNs = at, at
		for _, w := range strings.Fields("let me think about this step by step") {
			add(trace.KindReasoning, w+" ")
			tr.Reasoning += w + " "
			at += int64(15+i) * ms
		}
	}
	answer := tk.Reference.Content
	if i == 2 {
		answer = "I don't know."
	}
	for _, c := range tk.Reference.ToolCalls {
		tr.ToolCalls = append(tr.ToolCalls, trace.ToolCall{ID: fmt.Sprintf("call_%d", i), Name: c.Name, Arguments: c.Arguments})
		if tr.FirstTokenNs < 0 {
			tr.FirstTokenNs = at
		}
		add(trace.KindToolCall, c.Arguments)
		at += 20 * ms
	}
	for j, w := range strings.Fields(answer) {
		if j == 3 && tk.Category == suites.CatStreaming {
			at += 1200 * ms // a keep-alive, then 2.5 s of silence
			add(trace.KindKeepAlive, "")
			at += 2500 * ms
		}
		if tr.FirstContentNs < 0 {
			tr.FirstContentNs = at
		}
		if tr.FirstTokenNs < 0 {
			tr.FirstTokenNs = at
		}
		sep := " "
		if j == 0 {
			sep = ""
		}
		add(trace.KindContent, sep+w)
		tr.Content += sep + w
		at += int64(20+3*i) * ms
	}
	n := tokens.Count(tr.Output())
	tr.Usage = &wire.Usage{PromptTokens: 20, CompletionTokens: n, TotalTokens: 20 + n}
	tr.UsageCount = 1
	add(trace.KindUsage, "")
	tr.DoneNs = at
	add(trace.KindDone, "")
	tr.FinishReason = "stop"
	if len(tr.ToolCalls) > 0 {
		tr.FinishReason = "tool_calls"
	}
	tr.EndNs = at + ms
	return tr
}

// replayRun is a RunFunc that plays the fixture through the real hooks
// (OnPlan, Gate, OnResult). With hold ≥ 0 it stops after that many
// results until its context ends, then returns the partial report as
// bench.Run does.
func (f *fixture) replayRun(hold int) RunFunc {
	return func(ctx context.Context, o bench.RunOptions) (*record.Report, error) {
		o.OnPlan(f.run, f.tasks)
		for i, r := range f.results {
			if i == hold {
				<-ctx.Done()
				run := f.run
				run.Status = record.RunInterrupted
				var done []record.TaskResult
				for _, x := range f.results[:i] {
					done = append(done, x.Task)
				}
				return reportOf(run, done), bench.ErrInterrupted
			}
			if err := o.Gate(ctx); err != nil {
				return nil, err
			}
			o.OnResult(r)
		}
		return f.rep, nil
	}
}

// fixtureSource is a Source over fixed rows and reports.
type fixtureSource struct {
	rows    []BoardRow
	arena   []ArenaRow
	reports map[string]*record.Report
	saved   []string
}

func (s *fixtureSource) Board(context.Context) ([]BoardRow, error) { return s.rows, nil }
func (s *fixtureSource) Arena(context.Context) ([]ArenaRow, error) { return s.arena, nil }
func (s *fixtureSource) Report(_ context.Context, id string) (*record.Report, error) {
	if r, ok := s.reports[id]; ok {
		return r, nil
	}
	return nil, fmt.Errorf("no run %s", id)
}
func (s *fixtureSource) Save(_ context.Context, rep *record.Report) error {
	s.saved = append(s.saved, rep.Run.ID)
	return nil
}

// newFixtureSource has eight competitors with overlapping intervals and
// two runs whose reports differ in one answer (for compare).
func newFixtureSource(f *fixture) *fixtureSource {
	src := &fixtureSource{reports: map[string]*record.Report{}}
	names := []string{"janus-baseline", "acme-large", "acme-small", "zeta-7b", "orca-mini", "kite", "falcon-x", "lumen"}
	for i, n := range names {
		c := 88 - 6.5*float64(i)
		row := BoardRow{Rank: i + 1, RankLo: i + 1, RankHi: i + 1, Competitor: n, Suite: "janus-default", SuiteVersion: "1.2.0",
			RunID: fmt.Sprintf("run-%02d", i), Composite: c, CompositeCI: Interval{c - 3, c + 3},
			Dims:       []float64{c + 4, c - 10, 70 - 3*float64(i), c + 2, 100 - 5*float64(i)},
			ParetoCost: i == 0 || i == 3, ParetoSpeed: i == 0 || i == 5, Baseline: i == 0}
		src.rows = append(src.rows, row)
		src.arena = append(src.arena, ArenaRow{Model: n, Elo: 1600 - 25*float64(i), BT: 1.2 - 0.3*float64(i),
			BTCI: Interval{1.0 - 0.3*float64(i), 1.4 - 0.3*float64(i)}, Votes: 400 - 30*i})
	}
	// CIs overlap in pairs: ranks 2–3, 2–3 and 5–6, 5–6.
	src.rows[1].RankLo, src.rows[1].RankHi, src.rows[2].RankLo, src.rows[2].RankHi = 2, 3, 2, 3
	src.rows[4].RankLo, src.rows[4].RankHi, src.rows[5].RankLo, src.rows[5].RankHi = 5, 6, 5, 6
	src.reports["run-00"] = f.rep
	worse := *f.rep
	worse.Tasks = append([]record.TaskResult(nil), f.rep.Tasks...)
	worse.Tasks[0].Score, worse.Tasks[0].Reason = 0, "wrong answer"
	run := f.run
	run.ID = "20260102T040000Z-0d0e0f"
	worse = *reportOf(run, worse.Tasks)
	src.reports["run-01"] = &worse
	return src
}
