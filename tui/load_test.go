package tui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/bench/load"
	janusapp "github.com/janus-bench/janus/internal/app"
	"github.com/janus-bench/janus/internal/loadapp"
	"github.com/janus-bench/janus/suites"
)

// simLoadMount runs real load runs against the reference sim as the
// embedded target, as janus's own mount does (cli, which imports this
// package).
var simLoadMount = loadapp.Mount{StartTarget: func(ctx context.Context, t loadapp.EmbeddedTarget) (string, func(context.Context) error, error) {
	return baseline.Start(ctx, "127.0.0.1:0", baseline.Config{Pace: baseline.Pace(t.Pace), Suites: []*suites.Suite{t.Suite},
		Logger: t.Logger, MaxConcurrency: t.MaxConcurrency})
}}

// goldenLoadReport is bench/load's golden JSON report: a two-step sweep,
// c=8 meeting the budgets (the knee) and c=16 not.
const goldenLoadReport = "../bench/load/testdata/report.json.golden"

func readGoldenLoad(t testing.TB) *load.Report {
	t.Helper()
	rep, err := load.ReadReport(goldenLoadReport)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// fakeLoadRun replays rep's steps through the hooks, as loadapp.Mount.Run calls
// them. With hold ≥ 0 it starts step hold and waits there until cancelled,
// then returns the steps before it as an interrupted run would.
func fakeLoadRun(rep *load.Report, hold int) LoadRunFunc {
	return func(ctx context.Context, o janusapp.LoadOptions) (*load.Report, error) {
		for i, s := range rep.Steps {
			o.OnStepStart(i, s.Step)
			if i == hold {
				<-ctx.Done()
				part := *rep
				part.Steps = rep.Steps[:i]
				part.Run.Status = "interrupted"
				part.Knee = nil
				if k := load.FindKnee(part.Steps); k >= 0 {
					s := part.Steps[k]
					part.Knee = &load.Knee{Index: k, Label: s.Label, Load: s.Step.Load(), Throughput: s.Throughput, Goodput: s.Goodput}
				}
				part.Path = "runs/20261123T120000Z-load-sim.json"
				return &part, bench.ErrInterrupted
			}
			o.OnStep(s)
		}
		done := *rep
		done.Path = "runs/20261123T120000Z-load-sim.json"
		return &done, nil
	}
}

// toLoadMode switches the set-up to a load run once the suite is loaded.
func toLoadMode(t *testing.T, tm *teatest.TestModel) {
	// Generating the fresh smoke suite takes seconds under -race on a
	// busy machine: a longer wait for it than for a key's effect.
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("(10 tasks)")) },
		teatest.WithDuration(90*time.Second), teatest.WithCheckInterval(5*time.Millisecond))
	tm.Send(keyMsg("up"))
	tm.Send(keyMsg("right"))
	waitFor(t, tm, "step time")
}

func TestLoadScreens(t *testing.T) {
	f := newFixture(t)
	rep := readGoldenLoad(t)
	cases := []struct {
		name  string
		hold  int // the step the fake run waits in; -1: none
		setup func(o *Options)
		steps func(t *testing.T, tm *teatest.TestModel)
	}{
		// A run that cannot start (unreachable target) says why, and esc
		// leads back.
		{"load_error", -1, func(o *Options) {
			o.LoadRun = func(context.Context, janusapp.LoadOptions) (*load.Report, error) {
				return nil, &bench.InputError{Op: "reach target http://127.0.0.1:9/v1", Err: errors.New("connection refused")}
			}
		}, func(t *testing.T, tm *teatest.TestModel) {
			toLoadMode(t, tm)
			tm.Send(keyMsg("enter"))
			waitFor(t, tm, "esc: back")
		}},
		// The set-up in load mode: profile, step time, streaming.
		{"setup_load", -1, nil, func(t *testing.T, tm *teatest.TestModel) {
			toLoadMode(t, tm)
		}},
		// A profile that does not parse: its error in place, and enter
		// does not start the run.
		{"setup_load_error", -1, nil, func(t *testing.T, tm *teatest.TestModel) {
			toLoadMode(t, tm)
			for _, k := range []string{"down", "down", "down", "down"} {
				tm.Send(keyMsg(k))
			}
			tm.Send(tea.KeyMsg{Type: tea.KeyCtrlU})
			tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("closed:c=0")})
			waitFor(t, tm, "must be an integer")
			tm.Send(keyMsg("enter"))
			tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(",")})
			waitFor(t, tm, "closed:c=0,")
		}},
		// The live screen with the first step done, the second running.
		{"load_live", 1, nil, func(t *testing.T, tm *teatest.TestModel) {
			toLoadMode(t, tm)
			tm.Send(keyMsg("enter"))
			waitFor(t, tm, "step 2/2")
		}},
		// The results of the finished sweep: the knee at c=8.
		{"load_results", -1, nil, func(t *testing.T, tm *teatest.TestModel) {
			toLoadMode(t, tm)
			tm.Send(keyMsg("enter"))
			waitFor(t, tm, "capacity: c=8")
		}},
		// q during a step stops the run; the steps so far are shown.
		{"load_stopped", 0, nil, func(t *testing.T, tm *teatest.TestModel) {
			toLoadMode(t, tm)
			tm.Send(keyMsg("enter"))
			waitFor(t, tm, "step 1/2")
			tm.Send(keyMsg("q"))
			waitFor(t, tm, "[interrupted]")
		}},
		// janus tui --load-report FILE: the golden report on the results screen.
		{"load_report", -1, func(o *Options) { o.LoadReport = goldenLoadReport }, func(t *testing.T, tm *teatest.TestModel) {
			waitFor(t, tm, "capacity: c=8")
		}},
		// A report that cannot be read says why.
		{"load_report_error", -1, func(o *Options) { o.LoadReport = filepath.Join("testdata", "no-such-report.json") }, func(t *testing.T, tm *teatest.TestModel) {
			waitFor(t, tm, "esc: back")
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, sz := range sizes {
				t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
					o := testOptions(t, f, newFixtureSource(f))
					o.LoadRun = fakeLoadRun(rep, c.hold)
					// The set-up offers the golden run's profile and budgets.
					o.LoadBase = janusapp.LoadOptions{Options: load.Options{Profile: rep.Run.Profile, Budgets: rep.Run.Budgets}}
					if c.setup != nil {
						c.setup(&o)
					}
					v := drawScreen(t, o, sz.w, sz.h, func(tm *teatest.TestModel) { c.steps(t, tm) })
					golden.RequireEqual(t, []byte(v))
				})
			}
		})
	}
}

// TestLoadReportShowsReport: every figure the results screen shows for
// --load-report comes from the file: the knee, each step's row, the
// harness line and the path.
func TestLoadReportShowsReport(t *testing.T) {
	f := newFixture(t)
	rep := readGoldenLoad(t)
	o := testOptions(t, f, newFixtureSource(f))
	o.LoadReport = goldenLoadReport
	v := drawScreen(t, o, 120, 40, func(tm *teatest.TestModel) { waitFor(t, tm, "capacity:") })
	checkLoadView(t, v, rep)
	if !strings.Contains(v, goldenLoadReport) {
		t.Errorf("the report's path is not shown:\n%s", v)
	}
}

// checkLoadView checks that the results view shows rep's knee and steps.
func checkLoadView(t *testing.T, v string, rep *load.Report) {
	t.Helper()
	want := "capacity: no step met the budgets"
	if rep.Knee != nil {
		want = fmt.Sprintf("capacity: %s, %s req/s, goodput %s/s", rep.Knee.Label, fmtRate(rep.Knee.Throughput), fmtRate(rep.Knee.Goodput))
	}
	if !strings.Contains(v, want) {
		t.Errorf("no %q in\n%s", want, v)
	}
	rows := 0
	for _, line := range strings.Split(v, "\n") {
		for i, s := range rep.Steps {
			f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(line), "◆"))
			if len(f) > 2 && f[0] == s.Label && f[1] == fmtRate(s.Throughput) && f[2] == fmtRate(s.Goodput) {
				rows++
				if knee := rep.Knee != nil && rep.Knee.Index == i; knee != strings.HasPrefix(line, "◆") {
					t.Errorf("step %s: knee mark %v, want %v: %q", s.Label, !knee, knee, line)
				}
			}
		}
	}
	if rows != len(rep.Steps) {
		t.Errorf("%d of %d step rows shown:\n%s", rows, len(rep.Steps), v)
	}
	if lag := fmt.Sprintf("sched lag p50/p99 %.3f/%.3f ms", rep.Harness.SchedLagP50Ms, rep.Harness.SchedLagP99Ms); !strings.Contains(v, lag) {
		t.Errorf("no %q in\n%s", lag, v)
	}
}

// TestLoadStart: janus tui --load PROFILE starts the run at once with the
// remembered set-up's other choices; the profile, and the step time when
// given, are the command line's.
func TestLoadStart(t *testing.T) {
	f := newFixture(t)
	rep := readGoldenLoad(t)
	cfg := t.TempDir()
	remembered := `{"suite":"janus-default","no_stream":true,"mode":"load","profile":"closed:c=3","load_duration":"2s"}`
	if err := os.WriteFile(filepath.Join(cfg, prefsFile), []byte(remembered), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		dur  time.Duration // --duration; 0: not given
		want time.Duration
	}{
		// --duration given: it wins over the remembered step time.
		{"duration given", 1500 * time.Millisecond, 1500 * time.Millisecond},
		// Not given: the remembered one.
		{"duration remembered", 0, 2 * time.Second},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := make(chan janusapp.LoadOptions, 1)
			o := testOptions(t, f, newFixtureSource(f))
			o.ConfigDir, o.Load, o.LoadDuration, o.OutDir = cfg, "closed:c=8,16", c.dur, "elsewhere"
			run := fakeLoadRun(rep, -1)
			o.LoadRun = func(ctx context.Context, lo janusapp.LoadOptions) (*load.Report, error) {
				got <- lo
				return run(ctx, lo)
			}
			v := drawScreen(t, o, 80, 24, func(tm *teatest.TestModel) { waitFor(t, tm, "capacity: c=8") })
			lo := <-got
			if lo.Profile != "closed:c=8,16" || lo.Duration != c.want || lo.OutDir != "elsewhere" || lo.Out != "" ||
				lo.Target != "" || lo.Suite != "janus-default" || !lo.NoStream || lo.Live == nil || lo.Stdout != nil {
				t.Errorf("load options %+v", lo)
			}
			if !strings.Contains(v, "load results") {
				t.Errorf("not on the results:\n%s", v)
			}
		})
	}
}

// TestRealLoadRun drives a real load run (closed:c=1,2, 300 ms a step,
// the embedded sim) from the set-up to the results, and checks that the
// screen shows the knee and steps of the report written to disk, where
// janus bench load would write it.
func TestRealLoadRun(t *testing.T) {
	t.Setenv("JANUS_SELFTEST_FILE", filepath.Join(t.TempDir(), "none.json"))
	out := filepath.Join(t.TempDir(), "runs")
	cfg := filepath.Join(t.TempDir(), "cfg")
	o := Options{NoColor: true, Tick: 20 * time.Millisecond, ConfigDir: cfg, OutDir: out, Store: "-", LoadDuration: 300 * time.Millisecond,
		LoadBase: janusapp.LoadOptions{Pace: janusapp.Pace{TTFT: 5 * time.Millisecond, PerToken: time.Millisecond}}, LoadRun: simLoadMount.Run}
	// Wide, so that a run that fails to start (the shared machine out of
	// ports, say) shows its whole error in the failure's last output.
	tm := teatest.NewTestModel(t, New(o, io.Discard), teatest.WithInitialTermSize(200, 40))
	toLoadMode(t, tm)
	for _, k := range []string{"down", "down", "down", "down"} {
		t.Run(k, func(t *testing.T) {
			tm.Send(keyMsg(k))
		})
	}
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlU})
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("closed:c=1,2")})
	waitFor(t, tm, "closed:c=1,2")
	tm.Send(keyMsg("enter"))
	waitFor(t, tm, "capacity:")
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(15*time.Second)).(Model)
	if fm.state != stateLoadResults || fm.loadRes == nil || fm.loadRes.rep == nil {
		t.Fatalf("not on the load results: state %d", fm.state)
	}
	shown := fm.loadRes.rep
	written, _ := filepath.Glob(filepath.Join(out, "*-load-*.json"))
	if len(written) != 1 || shown.Path != written[0] {
		t.Fatalf("reports written %v, shown %q", written, shown.Path)
	}
	rep, err := load.ReadReport(written[0])
	if err != nil {
		t.Fatal(err)
	}
	if rep.Run.Status != "completed" || len(rep.Steps) != 2 || rep.Steps[0].Requests == 0 || rep.Run.Profile != "closed:c=1,2" || rep.Run.DurationS != 0.3 {
		t.Fatalf("report on disk: %+v", rep.Run)
	}
	checkLoadView(t, fm.View(), rep)
	if b, err := os.ReadFile(filepath.Join(cfg, prefsFile)); err != nil || !strings.Contains(string(b), `"mode": "load"`) || !strings.Contains(string(b), `"profile": "closed:c=1,2"`) {
		t.Errorf("remembered set-up: %s %v", b, err)
	}
}

// TestRealLoadRunStopped: q mid-step stops a real run and shows the steps
// so far; Ctrl-C stops it and quits. Either way the report of the steps
// so far is written, marked interrupted.
func TestRealLoadRunStopped(t *testing.T) {
	t.Setenv("JANUS_SELFTEST_FILE", filepath.Join(t.TempDir(), "none.json"))
	cases := []struct {
		name string
		key  tea.KeyMsg
	}{
		// q: the results screen of the steps so far.
		{"q", keyMsg("q")},
		// Ctrl-C: the report is written, then the program ends.
		{"ctrl+c", tea.KeyMsg{Type: tea.KeyCtrlC}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "runs")
			o := Options{NoColor: true, Tick: -1, ConfigDir: "-", OutDir: out, Store: "-", Load: "closed:c=1,2", LoadDuration: time.Hour,
				LoadBase: janusapp.LoadOptions{Pace: janusapp.Pace{TTFT: 5 * time.Millisecond, PerToken: time.Millisecond}}, LoadRun: simLoadMount.Run}
			tm := teatest.NewTestModel(t, New(o, io.Discard), teatest.WithInitialTermSize(200, 30))
			waitFor(t, tm, "step 1/2")
			tm.Send(c.key)
			if c.name == "q" {
				waitFor(t, tm, "interrupted")
				if err := tm.Quit(); err != nil {
					t.Fatal(err)
				}
			}
			fm := tm.FinalModel(t, teatest.WithFinalTimeout(15*time.Second)).(Model)
			if fm.loadLive == nil || !fm.loadLive.finished {
				t.Fatal("the run did not finish before the program ended")
			}
			written, _ := filepath.Glob(filepath.Join(out, "*-load-*.json"))
			if len(written) != 1 {
				t.Fatalf("reports written: %v", written)
			}
			rep, err := load.ReadReport(written[0])
			if err != nil || rep.Run.Status != "interrupted" || len(rep.Steps) > 1 {
				t.Fatalf("report %+v, err %v", rep, err)
			}
			if c.name == "q" && (fm.state != stateLoadResults || !strings.Contains(fm.View(), "interrupted")) {
				t.Errorf("after q:\n%s", fm.View())
			}
		})
	}
}

// TestLoadScreensFit: the load screens draw at any size, down to a few
// cells, with no line wider nor more lines than the terminal.
func TestLoadScreensFit(t *testing.T) {
	f := newFixture(t)
	rep := readGoldenLoad(t)
	o := testOptions(t, f, newFixtureSource(f))
	o.LoadRun = fakeLoadRun(rep, 1)
	o.LoadBase = janusapp.LoadOptions{Options: load.Options{Profile: rep.Run.Profile, Budgets: rep.Run.Budgets}}
	tm := teatest.NewTestModel(t, New(o, io.Discard), teatest.WithInitialTermSize(80, 24))
	toLoadMode(t, tm)
	tm.Send(keyMsg("enter"))
	waitFor(t, tm, "step 2/2")
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(15*time.Second)).(Model)
	defer fm.shutdown()
	fm.loadRes = newLoadResults(fm.sh, rep, nil)
	for i, st := range []state{stateSetup, stateLoadLive, stateLoadResults} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			for _, sz := range []struct{ w, h int }{{64, 18}, {59, 30}, {40, 12}, {20, 6}, {200, 60}} {
				fm.state, fm.sh.w, fm.sh.h = st, sz.w, sz.h
				lines := strings.Split(fm.View(), "\n")
				if len(lines) > sz.h {
					t.Errorf("state %d: %d lines at %dx%d", st, len(lines), sz.w, sz.h)
				}
				for _, l := range lines {
					if n := len([]rune(l)); n > sz.w {
						t.Errorf("state %d: line %d columns wide at %dx%d: %q", st, n, sz.w, sz.h, l)
					}
				}
			}
		})
	}
	// Stacked below 60 columns: both charts are there.
	fm.state, fm.sh.w, fm.sh.h = stateLoadResults, 59, 60
	if v := fm.View(); !strings.Contains(v, "TTFT p99 ms vs req/s") || !strings.Contains(v, "goodput ● req/s ○") {
		t.Errorf("stacked charts at 59x60:\n%s", v)
	}
}

// TestLoadTickOfEarlierRunDropped: a tick still in flight from a run the
// user left (esc, then a new run within one tick) must not start a second
// tick chain on the new run.
func TestLoadTickOfEarlierRunDropped(t *testing.T) {
	sh := &shared{o: Options{Tick: time.Second, Now: time.Now}}
	l := newLoadLive(sh, janusapp.LoadOptions{Options: load.Options{Profile: "closed:c=1"}})
	l.ar = &activeLoad{}
	tests := []struct {
		name string
		run  *activeLoad
		want bool // a next tick is scheduled
	}{
		// The current run's tick schedules the next one.
		{"current run", l.ar, true},
		// An earlier run's tick is dropped.
		{"earlier run", &activeLoad{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := l.update(loadTickMsg{run: tt.run}) != nil; got != tt.want {
				t.Errorf("%s: next tick scheduled = %v, want %v", tt.name, got, tt.want)
			}
		})
	}
}
