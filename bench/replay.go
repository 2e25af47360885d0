package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/janus-bench/janus/bench/report"
	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/pricing"
	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/scorer"
	"github.com/janus-bench/janus/suites"
)

// recordingSuffix ends the name of every file `--record` writes.
const recordingSuffix = ".sse.jsonl"

// ReplayOptions configure `janus bench replay`. Zero values mean the
// defaults of `janus bench run`.
type ReplayOptions struct {
	// Dir holds the <task>.sse.jsonl recordings of one run.
	Dir    string
	Suite  string
	Loader suites.Loader
	// Seed is the recorded run's seed: janus-default is generated from it
	// (a fresh run's report names it in run.seed).
	Seed uint64
	// Budgets are the streaming contract's limits (default 2 s / 2 s).
	Budgets trace.Budgets
	Weights record.Weights
	Targets record.Targets
	// Prices price tokens for targets that report no cost (default
	// pricing.DefaultPrices), as `bench run --prices` does.
	Prices *pricing.Prices
	// Model is what the run asked for, for the report and the price
	// table; empty means the model the target named in its answers.
	Model string
	// Evaluator grades the recorded answers (judge, code runner); nil:
	// neither (judge and code checks score 0). A replay fetches no
	// artifact: no target is there to ask.
	Evaluator *scorer.Evaluator
	// Out, if set, receives the replayed report as JSON.
	Out    string
	Logger *slog.Logger
}

// RecordingError is a recording file that cannot be read back.
type RecordingError struct {
	Path string
	Line int
	Err  error
}

func (e *RecordingError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("recording %s:%d: %v", e.Path, e.Line, e.Err)
	}
	return fmt.Sprintf("recording %s: %v", e.Path, e.Err)
}

func (e *RecordingError) Unwrap() error { return e.Err }

// ReadRecording parses one `--record` file into a trace.Recording. A file
// without an end line (recorded by an older janus, or cut short) is read
// as far as it goes; the request is then assumed to have streamed with
// usage asked for, as `janus bench run` does by default.
func ReadRecording(path string) (*trace.Recording, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &RecordingError{Path: path, Err: err}
	}
	defer f.Close()
	rec := &trace.Recording{Stream: true, WantUsage: true, SentNs: -1, HeadersNs: -1, EndNs: -1}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	line := 0
	for sc.Scan() {
		line++
		raw := bytes.TrimSpace(sc.Bytes())
		if len(raw) == 0 {
			continue
		}
		if rec.Ended {
			return nil, &RecordingError{Path: path, Line: line, Err: errors.New("data after the end line")}
		}
		var l recordLine
		if err := json.Unmarshal(raw, &l); err != nil {
			return nil, &RecordingError{Path: path, Line: line, Err: err}
		}
		switch {
		case l.End != nil:
			rec.Ended, rec.EndNs, rec.Err = true, l.AtNs, l.End.Error
			rec.SentNs, rec.Stream, rec.WantUsage = l.End.SentNs, l.End.Stream, l.End.WantUsage
			rec.PromptTokens = l.End.PromptTokens
		case l.Status != 0:
			if rec.Status != 0 {
				return nil, &RecordingError{Path: path, Line: line, Err: errors.New("a second response head")}
			}
			rec.Status, rec.Header, rec.HeadersNs = l.Status, l.Headers, l.AtNs
		default:
			if rec.Status == 0 {
				return nil, &RecordingError{Path: path, Line: line, Err: errors.New("body bytes before the response head")}
			}
			rec.Reads = append(rec.Reads, trace.Read{AtNs: l.AtNs, Data: l.Data})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, &RecordingError{Path: path, Err: err}
	}
	return rec, nil
}

// Replay re-parses a recorded run: every task's raw SSE bytes go through
// the live parser again with their original read times (trace.Replay), and
// the rebuilt traces are scored against the suite's tasks as `janus bench
// run` scores them. A run can so be audited after the fact, and an old run
// re-read by a newer parser or evaluator. The report is validated against
// the published schema before it is returned.
func Replay(ctx context.Context, o ReplayOptions) (*record.Report, error) {
	replayDefaults(&o)
	if o.Seed == 0 {
		// The run recorded its seed: a generated suite is made again from it.
		meta, err := loadRecordingMeta(o.Dir)
		if err != nil {
			return nil, &InputError{Op: "replay", Err: err}
		}
		o.Seed = meta.Seed
	}
	suite, err := replaySuite(ctx, o)
	if err != nil {
		return nil, &InputError{Op: "load suite", Err: err}
	}
	files, err := recordingFiles(o.Dir)
	if err != nil {
		return nil, err
	}
	started := time.Now().UTC()
	tasks, model, err := replayTasks(ctx, suite, o.Seed, files, o.Budgets, o.Evaluator.WithFetch(nil), o.Logger)
	if err != nil {
		return nil, err
	}
	if o.Model != "" {
		model = o.Model
	}
	if len(tasks) == 0 {
		return nil, &InputError{Op: "replay", Err: fmt.Errorf("no recording in %s belongs to a task of suite %s", o.Dir, suite.Name)}
	}
	rep, err := replayReport(suite, tasks, model, o, started)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := record.JSON(rep)(&buf); err != nil {
		return nil, err
	}
	if err := record.Validate(buf.Bytes()); err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	if o.Out != "" {
		if err := record.WriteAtomic(o.Out, func(w io.Writer) error { _, err := w.Write(buf.Bytes()); return err }); err != nil {
			return rep, fmt.Errorf("replay: write report: %w", err)
		}
	}
	return rep, nil
}

// replayDefaults fills the options Replay may be given unset.
func replayDefaults(o *ReplayOptions) {
	if o.Loader == nil {
		o.Loader = suites.DefaultLoader{}
	}
	if o.Suite == "" {
		o.Suite = DefaultSuite
	}
	scoringDefaults(&o.Budgets, &o.Weights, &o.Targets)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// recordingFiles maps the safe task name of every recording in dir to its
// path; a directory without recordings is bad input.
func recordingFiles(dir string) (map[string]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, &InputError{Op: "replay", Err: err}
	}
	files := map[string]string{} // safe task name → path
	for _, e := range entries {
		if e.Type().IsRegular() && strings.HasSuffix(e.Name(), recordingSuffix) {
			files[strings.TrimSuffix(e.Name(), recordingSuffix)] = filepath.Join(dir, e.Name())
		}
	}
	if len(files) == 0 {
		return nil, &InputError{Op: "replay", Err: fmt.Errorf("%s holds no *%s recordings (a run records them when given a record directory)", dir, recordingSuffix)}
	}
	return files, nil
}

// replayTasks re-parses and scores the recording of every suite task that
// has one, in the run's seeded order; model is the first one a trace named.
// Recordings of tasks the suite lacks are logged and skipped.
func replayTasks(ctx context.Context, suite *suites.Suite, seed uint64, files map[string]string, budgets trace.Budgets, ev *scorer.Evaluator, logger *slog.Logger) (tasks []record.TaskResult, model string, err error) {
	client := &trace.Client{}
	used := map[string]bool{}
	// In the run's order: a run with a seed (every fresh run) shuffled its
	// tasks with it, and the scores' intervals follow the task order.
	ordered := suites.Select(suite.Tasks, seed, 0)
	for i := range ordered {
		if err := ctx.Err(); err != nil {
			return nil, "", fmt.Errorf("replay: %w", err)
		}
		t := &ordered[i]
		name := safeName(t.ID)
		path, ok := files[name]
		if !ok || used[name] {
			continue
		}
		used[name] = true
		tr, err := replayTask(client, t.ID, path, files, used)
		if err != nil {
			return nil, "", err
		}
		if tr.Err != nil && tr.Err.Class == trace.ErrCancelled {
			logger.Info("skipping a task the run cancelled", "task", t.ID)
			continue // `bench run` left it out of its report too
		}
		if t.Memory != nil {
			if tr.Decoy, err = replayMemory(client, t, files, used); err != nil {
				return nil, "", &InputError{Op: "replay", Err: err}
			}
		}
		if model == "" {
			model = tr.Model
		}
		res := ScoreWith(t, tr, budgets, ev)
		res.Detail = Detail(t, tr)
		tasks = append(tasks, res)
	}
	var unknown []string
	for name := range files {
		if !used[name] {
			unknown = append(unknown, name)
		}
	}
	sort.Strings(unknown)
	if len(unknown) > 0 {
		logger.Warn("recordings of tasks the suite does not have were skipped", "suite", suite.Name, "tasks", strings.Join(unknown, ","))
	}
	return tasks, model, nil
}

// replayTask rebuilds one task's trace from its recording at path, with
// the follow-up turns of a multi-turn task recorded beside it; used marks
// the recordings read.
func replayTask(client *trace.Client, id, path string, files map[string]string, used map[string]bool) (*trace.Trace, error) {
	rec, err := ReadRecording(path)
	if err != nil {
		return nil, &InputError{Op: "replay", Err: err}
	}
	tr := client.Replay(rec)
	tr.TaskID = id
	if tr.Err != nil && tr.Err.Class == trace.ErrCancelled {
		return tr, nil
	}
	// A multi-turn task's follow-up requests were recorded beside it.
	for turn := 2; ; turn++ {
		tn := safeName(fmt.Sprintf("%s.turn%d", id, turn))
		tp, ok := files[tn]
		if !ok {
			break
		}
		used[tn] = true
		trec, err := ReadRecording(tp)
		if err != nil {
			return nil, &InputError{Op: "replay", Err: err}
		}
		nt := client.Replay(trec)
		nt.TaskID = id
		tr.Turns = append(tr.Turns, nt)
	}
	return tr, nil
}

// replayReport assembles and scores the replayed run's report the way
// `bench run` scores: the suite's category weights, the price table, the
// model the target named.
func replayReport(suite *suites.Suite, tasks []record.TaskResult, model string, o ReplayOptions, started time.Time) (*record.Report, error) {
	abs, _ := filepath.Abs(o.Dir)
	rep := &record.Report{SchemaVersion: record.SchemaVersion, Weights: o.Weights, Tasks: tasks}
	rep.Run = record.Run{
		ID: "replay-" + newRunID(), Status: record.RunCompleted, StartedAt: started,
		Target: "replay:" + abs, Model: model,
		Suite:       record.SuiteRef{Name: suite.Name, Version: suite.Version, SHA256: suite.SHA256, Source: suite.Source},
		Concurrency: 1, Stream: true, Budgets: o.Budgets, TasksPlanned: len(tasks), HarnessVersion: HarnessVersion(),
		Host: record.Host{OS: runtime.GOOS, Arch: runtime.GOARCH, CPUs: runtime.NumCPU(), GoVersion: runtime.Version()},
	}
	for _, t := range tasks {
		if !t.Stream {
			rep.Run.Stream = false
		}
	}
	sopts := scorer.Options{Weights: o.Weights, Targets: o.Targets, Prices: o.Prices, Model: model,
		CategoryWeights: scorer.QualityCategoryWeights(suite.Weights)}
	// The recordings carry the run's harness lateness: take out the noise
	// the run took out (docs/SCORING.md).
	noise, err := loadTimingNoise(o.Dir)
	if err != nil {
		return nil, &InputError{Op: "replay", Err: err}
	}
	sopts.TimingNoiseMs = noise
	rep.Scores = scorer.ScoreWith(rep.Tasks, sopts)
	rep.Scoring = report.NewScoring(sopts)
	report.Aggregate(rep)
	rep.Run.FinishedAt = time.Now().UTC()
	return rep, nil
}

// IsRecordingDir reports whether path is a directory holding `--record`
// files, so that `janus score` can take either a report or a recorded run.
func IsRecordingDir(path string) bool {
	st, err := os.Stat(path)
	if err != nil || !st.IsDir() {
		return false
	}
	m, _ := fs.Glob(os.DirFS(path), "*"+recordingSuffix)
	return len(m) > 0
}

// replaySuite is the suite a recorded run ran: a generated suite
// (janus-default, smoke) made from the run's seed (its tasks were not the
// stored ones), else as loaded.
func replaySuite(ctx context.Context, o ReplayOptions) (*suites.Suite, error) {
	if generate, ok := generated(o.Loader, o.Suite); ok {
		if o.Seed == 0 {
			return nil, fmt.Errorf("%s is generated per run: give the recorded run's seed (its report's run.seed), or use %s%s for the stored example",
				o.Suite, o.Suite, StoredSuffix)
		}
		return generate(o.Seed)
	}
	return o.Loader.Load(ctx, strings.TrimSuffix(o.Suite, StoredSuffix))
}

// replayMemory marks a memory task's earlier conversations' recordings
// used (they are not scored) and replays its decoy user's answer, nil
// when none was recorded (the task then scores 0, as it did live).
func replayMemory(client *trace.Client, t *suites.Task, files map[string]string, used map[string]bool) (*trace.Trace, error) {
	for _, pre := range []string{".tell", ".decoy.tell"} {
		for i := 1; ; i++ {
			n := safeName(fmt.Sprintf("%s%s%d", t.ID, pre, i))
			if _, ok := files[n]; !ok {
				break
			}
			used[n] = true
		}
	}
	n := safeName(t.ID + ".decoy")
	p, ok := files[n]
	if !ok {
		return nil, nil
	}
	used[n] = true
	rec, err := ReadRecording(p)
	if err != nil {
		return nil, err
	}
	tr := client.Replay(rec)
	tr.TaskID = t.ID
	return tr, nil
}
