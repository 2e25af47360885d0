package cli

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/internal/app"
)

// The engine's errors name no flag; bench run adds its own to the ones a
// user fixes with a flag.
func TestAfterBenchRunNamesTheJudgeFlags(t *testing.T) {
	err := afterBenchRun(nil, &bench.InputError{Op: "check suite", Err: &bench.JudgeNeededError{Suite: "s", Tasks: 1, File: "t.yaml", Line: 1, TaskID: "a"}}, nil)
	var ie *bench.InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "pass --judge URL --judge-model MODEL") {
		t.Fatalf("err = %v, want the input error with the judge flags", err)
	}
}

// bench run's default report path is the application's: a new run names
// runs/<UTC time>-<model>.json when the engine knows the model, a resume
// continues the newest partial run under runs/, and --out wins over both.
func TestDefaultReportPath(t *testing.T) {
	t.Chdir(t.TempDir())
	at := time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)
	now := func() time.Time { return at }
	o := bench.RunOptions{}
	if err := defaultReportPath(&o, now); err != nil || o.Out != "" || o.ReportPath == nil {
		t.Fatalf("new run: out %q, ReportPath set %v, err %v", o.Out, o.ReportPath != nil, err)
	}
	if got, want := o.ReportPath("m/1"), app.ReportPath(app.DefaultOutDir, at, "m/1"); got != want {
		t.Errorf("new run's report %s, want %s", got, want)
	}
	o = bench.RunOptions{Resume: true}
	var ie *bench.InputError
	if err := defaultReportPath(&o, now); !errors.As(err, &ie) {
		t.Fatalf("resume with no partial run: err = %v, want an input error", err)
	}
	partial := app.ReportPath(app.DefaultOutDir, at, "m") + ".partial.jsonl"
	if err := os.MkdirAll(filepath.Dir(partial), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(partial, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := defaultReportPath(&o, now); err != nil || o.Out != strings.TrimSuffix(partial, ".partial.jsonl") {
		t.Fatalf("resume: out %q, err %v; want the partial run's report", o.Out, err)
	}
	o = bench.RunOptions{Out: "mine.json", Resume: true}
	if err := defaultReportPath(&o, now); err != nil || o.Out != "mine.json" || o.ReportPath != nil {
		t.Errorf("--out: out %q, ReportPath set %v, err %v", o.Out, o.ReportPath != nil, err)
	}
}
