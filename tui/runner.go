package tui

import (
	"context"
	"sync"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/suites"
)

// Messages from a run in progress, one per Cmd.
type (
	runStartedMsg struct {
		run   record.Run
		tasks []suites.Task
	}
	taskDoneMsg struct{ res bench.Result }
	runDoneMsg  struct {
		rep *record.Report
		err error
	}
	// runClosedMsg says the event channel is drained.
	runClosedMsg struct{}
)

// activeRun is one benchmark run driven by the TUI: the runner writes its
// events to ch from its own goroutine and the model reads them one Cmd at
// a time.
type activeRun struct {
	ch     chan tea.Msg
	cancel context.CancelFunc
	pause  *pauser
}

// startRun starts run in a goroutine. The buffer bounds how far the runner
// may get ahead of the screen; beyond it OnResult waits, which only delays
// the next task's scoring, never a measurement.
func startRun(ctx context.Context, run RunFunc, o bench.RunOptions) *activeRun {
	ctx, cancel := context.WithCancel(ctx)
	ar := &activeRun{ch: make(chan tea.Msg, 256), cancel: cancel, pause: &pauser{}}
	o.OnPlan = func(r record.Run, todo []suites.Task) { ar.ch <- runStartedMsg{run: r, tasks: todo} }
	o.OnResult = func(r bench.Result) { ar.ch <- taskDoneMsg{res: r} }
	o.Gate = ar.pause.wait
	go func() {
		defer close(ar.ch)
		rep, err := run(ctx, o)
		ar.ch <- runDoneMsg{rep: rep, err: err}
	}()
	return ar
}

// next reads one event.
func (ar *activeRun) next() tea.Cmd {
	return func() tea.Msg {
		m, ok := <-ar.ch
		if !ok {
			return runClosedMsg{}
		}
		return m
	}
}

// pauser holds the dispatcher while paused; requests in flight go on.
type pauser struct {
	mu     sync.Mutex
	paused bool
	resume chan struct{}
}

func (p *pauser) set(paused bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if paused == p.paused {
		return
	}
	p.paused = paused
	if paused {
		p.resume = make(chan struct{})
	} else {
		close(p.resume)
	}
}

func (p *pauser) wait(ctx context.Context) error {
	p.mu.Lock()
	ch, paused := p.resume, p.paused
	p.mu.Unlock()
	if !paused {
		return ctx.Err()
	}
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
