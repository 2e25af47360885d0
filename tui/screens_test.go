package tui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/record"
)

// sizes are the terminal sizes every screen is checked at.
var sizes = []struct{ w, h int }{{80, 24}, {120, 40}}

// testOptions are plain (no colour), clocked, tick-free options that
// remember nothing outside the test's temp dir.
func testOptions(t *testing.T, f *fixture, src Source) Options {
	return Options{NoColor: true, Now: fixedClock(), Tick: -1, ConfigDir: "-", OutDir: "runs", // the fixture runner writes nothing; a fixed path keeps the view stable
		Run: f.replayRun(-1), Source: src}
}

// waitFor waits until the program has drawn want.
func waitFor(t *testing.T, tm *teatest.TestModel, want string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(want)) },
		teatest.WithDuration(15*time.Second), teatest.WithCheckInterval(5*time.Millisecond))
}

func keyMsg(s string) tea.KeyMsg {
	switch s {
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	case "tab":
		return tea.KeyMsg{Type: tea.KeyTab}
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	case "up":
		return tea.KeyMsg{Type: tea.KeyUp}
	case " ":
		return tea.KeyMsg{Type: tea.KeySpace, Runes: []rune(" ")}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}
}

// drawScreen drives a real program through steps, quits it and returns the
// final model's view, which is what the golden files hold.
func drawScreen(t *testing.T, o Options, w, h int, steps func(tm *teatest.TestModel)) string {
	t.Helper()
	tm := teatest.NewTestModel(t, New(o, io.Discard), teatest.WithInitialTermSize(w, h))
	steps(tm)
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(15*time.Second)).(Model)
	v := fm.View()
	fm.shutdown()
	for i, l := range strings.Split(v, "\n") {
		if n := len([]rune(l)); n > w {
			t.Errorf("line %d is %d columns wide at %dx%d: %q", i, n, w, h, l)
		}
	}
	if n := strings.Count(v, "\n") + 1; n > h {
		t.Errorf("view is %d lines high at %dx%d", n, w, h)
	}
	return v
}

func TestScreens(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		name  string
		hold  int // fixture results before the runner waits; -1: all
		steps func(t *testing.T, tm *teatest.TestModel)
		run   RunFunc // instead of the fixture's
	}{
		// A run that cannot start (unreachable target) says why.
		{"live_error", -1, func(t *testing.T, tm *teatest.TestModel) {
			waitFor(t, tm, "(10 tasks)")
			tm.Send(keyMsg("enter"))
			waitFor(t, tm, "esc: back")
		}, func(ctx context.Context, o bench.RunOptions) (*record.Report, error) {
			return nil, &bench.InputError{Op: "reach target http://127.0.0.1:9/v1", Err: errors.New("connection refused")}
		}},
		// The set-up screen once the smoke suite's categories are loaded,
		// one of them chosen.
		{"setup", -1, func(t *testing.T, tm *teatest.TestModel) {
			waitFor(t, tm, "(10 tasks)")
			for _, k := range []string{"down", "down", "down", "right", " "} {
				tm.Send(keyMsg(k))
			}
			waitFor(t, tm, "1 selected")
		}, nil},
		// The live screen with seven of ten tasks in, one violation.
		{"live", 7, func(t *testing.T, tm *teatest.TestModel) {
			waitFor(t, tm, "(10 tasks)")
			tm.Send(keyMsg("enter"))
			waitFor(t, tm, "7/10")
		}, nil},
		// A paused run shows it is paused.
		{"live_paused", 3, func(t *testing.T, tm *teatest.TestModel) {
			waitFor(t, tm, "(10 tasks)")
			tm.Send(keyMsg("enter"))
			waitFor(t, tm, "3/10")
			tm.Send(keyMsg("p"))
			waitFor(t, tm, "paused")
		}, nil},
		// The results of the finished run.
		{"results", -1, func(t *testing.T, tm *teatest.TestModel) {
			waitFor(t, tm, "(10 tasks)")
			tm.Send(keyMsg("enter"))
			waitFor(t, tm, "worst tasks")
		}, nil},
		// `q` during a run stops it; the partial report is shown.
		{"results_stopped", 4, func(t *testing.T, tm *teatest.TestModel) {
			waitFor(t, tm, "(10 tasks)")
			tm.Send(keyMsg("enter"))
			waitFor(t, tm, "4/10")
			tm.Send(keyMsg("q"))
			waitFor(t, tm, "worst tasks")
		}, nil},
		// Task detail of the stalled stream: its timeline shows the
		// keep-alives inside the gap.
		{"task", -1, func(t *testing.T, tm *teatest.TestModel) {
			waitFor(t, tm, "(10 tasks)")
			tm.Send(keyMsg("enter"))
			waitFor(t, tm, "worst tasks")
			for i := 0; i < 3; i++ {
				tm.Send(keyMsg("down"))
			}
			tm.Send(keyMsg("enter"))
			waitFor(t, tm, "event timeline")
		}, nil},
		// Task detail of a think-then-answer task: the reasoning lane and text.
		{"task_reasoning", -1, func(t *testing.T, tm *teatest.TestModel) {
			waitFor(t, tm, "(10 tasks)")
			tm.Send(keyMsg("enter"))
			waitFor(t, tm, "worst tasks")
			for i := 0; i < 7; i++ {
				tm.Send(keyMsg("down"))
			}
			tm.Send(keyMsg("enter"))
			waitFor(t, tm, "reasoning")
		}, nil},
		// Task detail of a tool call.
		{"task_tools", -1, func(t *testing.T, tm *teatest.TestModel) {
			waitFor(t, tm, "(10 tasks)")
			tm.Send(keyMsg("enter"))
			waitFor(t, tm, "worst tasks")
			for i := 0; i < 8; i++ {
				tm.Send(keyMsg("down"))
			}
			tm.Send(keyMsg("enter"))
			waitFor(t, tm, "tool calls")
		}, nil},
		// The leaderboard with rank ranges and Pareto marks, two runs picked.
		{"leaderboard", -1, func(t *testing.T, tm *teatest.TestModel) {
			waitFor(t, tm, "(10 tasks)")
			tm.Send(keyMsg("L"))
			waitFor(t, tm, "lumen")
			tm.Send(keyMsg(" "))
			tm.Send(keyMsg("down"))
			tm.Send(keyMsg(" "))
			waitFor(t, tm, ">* 2–3")
		}, nil},
		// Sorted by speed, filtered to "a".
		{"leaderboard_sorted", -1, func(t *testing.T, tm *teatest.TestModel) {
			waitFor(t, tm, "(10 tasks)")
			tm.Send(keyMsg("L"))
			waitFor(t, tm, "lumen")
			for _, k := range []string{"s", "s", "s", "s", "/", "a", "c", "m", "e", "enter"} {
				tm.Send(keyMsg(k))
			}
			waitFor(t, tm, "sort speed")
		}, nil},
		// enter on a board row opens that stored run's results.
		{"board_open", -1, func(t *testing.T, tm *teatest.TestModel) {
			waitFor(t, tm, "(10 tasks)")
			tm.Send(keyMsg("L"))
			waitFor(t, tm, "lumen")
			tm.Send(keyMsg("enter"))
			waitFor(t, tm, "worst tasks")
		}, nil},
		// A stored run's task: no trace, but the prompt from the suite.
		{"board_open_task", -1, func(t *testing.T, tm *teatest.TestModel) {
			waitFor(t, tm, "(10 tasks)")
			tm.Send(keyMsg("L"))
			waitFor(t, tm, "lumen")
			tm.Send(keyMsg("enter"))
			waitFor(t, tm, "worst tasks")
			tm.Send(keyMsg("down"))
			tm.Send(keyMsg("enter"))
			waitFor(t, tm, "no trace kept")
		}, nil},
		// ? shows every key of the screen.
		{"help_full", -1, func(t *testing.T, tm *teatest.TestModel) {
			waitFor(t, tm, "(10 tasks)")
			tm.Send(keyMsg("L"))
			waitFor(t, tm, "lumen")
			tm.Send(keyMsg("?"))
			waitFor(t, tm, "esc")
		}, nil},
		// The arena tab.
		{"arena", -1, func(t *testing.T, tm *teatest.TestModel) {
			waitFor(t, tm, "(10 tasks)")
			tm.Send(keyMsg("L"))
			waitFor(t, tm, "lumen")
			tm.Send(keyMsg("tab"))
			waitFor(t, tm, "BT CI95")
		}, nil},
		// `c` on two picked runs: the paired comparison.
		{"compare", -1, func(t *testing.T, tm *teatest.TestModel) {
			waitFor(t, tm, "(10 tasks)")
			tm.Send(keyMsg("L"))
			waitFor(t, tm, "lumen")
			tm.Send(keyMsg(" "))
			tm.Send(keyMsg("down"))
			tm.Send(keyMsg(" "))
			tm.Send(keyMsg("c"))
			waitFor(t, tm, "compare ·")
		}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, sz := range sizes {
				t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
					o := testOptions(t, f, newFixtureSource(f))
					o.Run = f.replayRun(c.hold)
					if c.run != nil {
						o.Run = c.run
					}
					v := drawScreen(t, o, sz.w, sz.h, func(tm *teatest.TestModel) { c.steps(t, tm) })
					golden.RequireEqual(t, []byte(v))
				})
			}
		})
	}
}

// TestLeaderboardStart: janus leaderboard opens on the board; esc leads
// to the set-up screen.
func TestLeaderboardStart(t *testing.T) {
	f := newFixture(t)
	o := testOptions(t, f, newFixtureSource(f))
	o.Start = ScreenLeaderboard
	v := drawScreen(t, o, 80, 24, func(tm *teatest.TestModel) {
		waitFor(t, tm, "lumen")
		tm.Send(keyMsg("esc"))
		waitFor(t, tm, "set up a run")
	})
	if !strings.Contains(v, "set up a run") {
		t.Errorf("esc from the board:\n%s", v)
	}
}

// TestResize: every screen redraws to a new size without a line wider or
// a screen taller than the terminal.
func TestResize(t *testing.T) {
	f := newFixture(t)
	o := testOptions(t, f, newFixtureSource(f))
	tm := teatest.NewTestModel(t, New(o, io.Discard), teatest.WithInitialTermSize(120, 40))
	waitFor(t, tm, "(10 tasks)")
	tm.Send(keyMsg("enter"))
	waitFor(t, tm, "worst tasks")
	tm.Send(keyMsg("enter"))
	waitFor(t, tm, "event timeline")
	tm.Send(tea.WindowSizeMsg{Width: 64, Height: 18})
	waitFor(t, tm, "esc back")
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(15*time.Second)).(Model)
	for i, st := range []state{stateSetup, stateResults, stateTask, stateBoard} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			fm.state = st
			v := fm.View()
			lines := strings.Split(v, "\n")
			if len(lines) > 18 {
				t.Errorf("state %d: %d lines at 64x18", st, len(lines))
			}
			for _, l := range lines {
				if n := len([]rune(l)); n > 64 {
					t.Errorf("state %d: line %d columns wide at 64x18: %q", st, n, l)
				}
			}
		})
	}
}
