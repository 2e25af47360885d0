package tui

import (
	"context"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/janus-bench/janus/bench/load"
	janusapp "github.com/janus-bench/janus/internal/app"
)

// Messages from a load run in progress, one per Cmd.
type (
	// loadStepStartMsg: step i is about to be sent; base is the live
	// counters before it, so that the screen shows the step's own.
	loadStepStartMsg struct {
		i    int
		step load.Step
		base load.LiveSnapshot
	}
	loadStepDoneMsg struct{ sum load.StepSummary }
	loadDoneMsg     struct {
		rep *load.Report
		err error
	}
	// loadClosedMsg says the event channel is drained.
	loadClosedMsg struct{}
	// loadTickMsg refreshes the live counters and the step's progress of
	// run; a tick of an earlier run (esc and a new run within one tick)
	// is dropped, or the new run would get two tick chains.
	loadTickMsg struct{ run *activeLoad }
	// loadReportMsg carries a finished report read from a file.
	loadReportMsg struct {
		rep *load.Report
		err error
	}
)

// activeLoad is one load run driven by the TUI: the load run (Options.LoadRun) calls its hooks
// from its own goroutine, which write to ch, and the model reads one
// event per Cmd. A step sends two events, so the buffer only fills if the
// screen stops reading (the program has quit), and drain empties it.
type activeLoad struct {
	ch     chan tea.Msg
	cancel context.CancelFunc
}

// startLoad starts run in a goroutine; o.Live must be set (the screen
// reads its snapshots).
func startLoad(ctx context.Context, run LoadRunFunc, o janusapp.LoadOptions) *activeLoad {
	ctx, cancel := context.WithCancel(ctx)
	al := &activeLoad{ch: make(chan tea.Msg, 64), cancel: cancel}
	live := o.Live
	o.OnStepStart = func(i int, s load.Step) { al.ch <- loadStepStartMsg{i: i, step: s, base: live.Snapshot()} }
	o.OnStep = func(s load.StepSummary) { al.ch <- loadStepDoneMsg{sum: s} }
	go func() {
		defer close(al.ch)
		rep, err := run(ctx, o)
		al.ch <- loadDoneMsg{rep: rep, err: err}
	}()
	return al
}

// next reads one event.
func (al *activeLoad) next() tea.Cmd {
	return func() tea.Msg {
		m, ok := <-al.ch
		if !ok {
			return loadClosedMsg{}
		}
		return m
	}
}

// readLoadReport reads a finished report in a Cmd (janus tui --load-report).
func readLoadReport(path string) tea.Cmd {
	return func() tea.Msg {
		rep, err := load.ReadReport(path)
		return loadReportMsg{rep: rep, err: err}
	}
}
