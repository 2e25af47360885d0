package tui

import (
	"errors"
	"fmt"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/bench/load"
	"github.com/janus-bench/janus/bench/trace"
	janusapp "github.com/janus-bench/janus/internal/app"
)

// loadLiveModel is the screen of a load run in progress: the step running
// and its progress, live counters, the finished steps and their curves.
type loadLiveModel struct {
	sh    *shared
	opts  janusapp.LoadOptions
	steps []load.Step // the profile's, for "step 2/4" before the run says
	ar    *activeLoad

	cur      int // the step running; -1 before the first
	curStep  load.Step
	stepAt   time.Time
	now      time.Time
	base     load.LiveSnapshot // the counters at the step's start
	snap     load.LiveSnapshot
	done     []load.StepSummary
	stopping bool
	finished bool
	rep      *load.Report
	err      error
}

// newLoadLive prepares a run of o; o.Live is made if missing, so the
// screen always has counters to read.
func newLoadLive(sh *shared, o janusapp.LoadOptions) *loadLiveModel {
	if o.Live == nil {
		o.Live = load.NewLive()
	}
	steps, _ := load.ParseProfile(o.Profile) // a bad profile is the run's error to report
	return &loadLiveModel{sh: sh, opts: o, steps: steps, cur: -1}
}

func (l *loadLiveModel) start() tea.Cmd {
	l.now = l.sh.o.Now()
	l.ar = startLoad(l.sh.ctx, l.sh.o.LoadRun, l.opts)
	return tea.Batch(l.ar.next(), l.tick())
}

func (l *loadLiveModel) tick() tea.Cmd {
	if l.sh.o.Tick < 0 {
		return nil
	}
	ar := l.ar
	return tea.Tick(l.sh.o.Tick, func(time.Time) tea.Msg { return loadTickMsg{run: ar} })
}

func (l *loadLiveModel) running() bool { return l.ar != nil && !l.finished }

// stop cancels the run; the load run (loadapp.Mount.Run) writes the report of the steps so far
// and the screen moves on when loadDoneMsg arrives.
func (l *loadLiveModel) stop() {
	if l.running() {
		l.stopping = true
		l.ar.cancel()
	}
}

// drain waits for the runner after the program has stopped reading.
func (l *loadLiveModel) drain() {
	for range l.ar.ch {
	}
}

func (l *loadLiveModel) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case loadStepStartMsg:
		l.cur, l.curStep, l.base = msg.i, msg.step, msg.base
		l.now = l.sh.o.Now()
		l.stepAt = l.now
		l.snap = l.opts.Live.Snapshot()
		return l.ar.next()
	case loadStepDoneMsg:
		l.done = append(l.done, msg.sum)
		l.now = l.sh.o.Now()
		l.snap = l.opts.Live.Snapshot()
		return l.ar.next()
	case loadDoneMsg:
		l.finished, l.rep, l.err = true, msg.rep, msg.err
		l.now = l.sh.o.Now()
		l.snap = l.opts.Live.Snapshot()
		return l.ar.next()
	case loadTickMsg:
		if l.finished || msg.run != l.ar {
			return nil
		}
		l.now = l.sh.o.Now()
		l.snap = l.opts.Live.Snapshot()
		return l.tick()
	}
	return nil
}

// failed reports a run that ended in an error other than being stopped.
func (l *loadLiveModel) failed() bool {
	return l.finished && l.err != nil && !errors.Is(l.err, bench.ErrInterrupted)
}

func (l *loadLiveModel) view() string {
	st, w, h := l.sh.st, l.sh.w, l.sh.h
	var b strings.Builder
	state := "running"
	switch {
	case l.finished && l.stopping && l.rep == nil: // stopped before it had a report to write
		state = "stopped"
	case l.failed():
		state = "failed"
	case l.finished:
		state = "finished"
	case l.stopping:
		state = "stopping…"
	}
	target := l.opts.Target
	if target == "" {
		target = "embedded target"
	}
	b.WriteString(st.title.Render("janus") + st.dim.Render(" · load run · ") + l.opts.Profile + st.dim.Render(" → ") + target + "  " + st.warn.Render("["+state+"]") + "\n")
	if state == "stopped" {
		b.WriteString(st.dim.Render("stopped before the first step; esc: back to set-up") + "\n")
		return b.String()
	}
	if l.failed() {
		b.WriteString(st.err.Render("error: "+l.err.Error()) + "\n" + st.dim.Render("esc: back to set-up") + "\n")
		if len(l.done) == 0 {
			return b.String()
		}
	}

	// The step running and how far through its time it is.
	total := max(len(l.steps), l.cur+1)
	stepDur := l.opts.Warmup + l.opts.Duration
	switch {
	case l.cur < 0 && !l.finished:
		b.WriteString(st.dim.Render("starting: target, model, prompts…") + "\n")
	case l.cur >= 0 && len(l.done) > l.cur && !l.finished:
		what := "writing the report…"
		if l.opts.Selftest && !l.stopping {
			what = "measuring the harness's timing error (selftest)…"
		}
		b.WriteString(fmt.Sprintf("steps %d/%d done · %s", len(l.done), total, st.dim.Render(what)) + "\n")
	case l.cur >= 0:
		el := l.now.Sub(l.stepAt)
		frac := 0.0
		if stepDur > 0 {
			frac = min(float64(el)/float64(stepDur), 1)
		}
		if len(l.done) > l.cur { // the step is over
			frac, el = 1, stepDur
		}
		head := fmt.Sprintf("step %d/%d %-11s ", l.cur+1, total, l.stepLabel())
		tail := fmt.Sprintf(" %s / %s", fmtStepTime(min(el, stepDur), stepDur), fmtStepTime(stepDur, stepDur))
		b.WriteString(head + bar(frac, max(w-len([]rune(head))-len([]rune(tail))-1, 10)) + tail + "\n")
	default:
		b.WriteString("\n")
	}

	// This step's counters so far (warmup included, as they are live).
	d := l.snap.Since(l.base)
	el := l.now.Sub(l.stepAt).Seconds()
	goodRate := "–"
	if l.cur >= 0 && el > 0 {
		goodRate = fmtRate(float64(d.Good)/el) + "/s"
	}
	b.WriteString(fmt.Sprintf("in flight %d  requests %d  errors %d  violations %d  passed %d  good %d %s\n",
		d.Inflight, d.Requests, d.Errors, d.Violating, d.Passed, d.Good, st.dim.Render(goodRate)))

	// Finished steps, then the curves in what is left.
	knee := load.FindKnee(l.done)
	room := h - 2 - strings.Count(b.String(), "\n")
	rows := min(len(l.done), max(room-1-1-8, 1)) // header, the blank line, 8 lines of chart
	b.WriteString("\n" + strings.Join(stepsTable(st, l.done, knee, rows), "\n") + "\n")
	room = h - 2 - strings.Count(b.String(), "\n") - 1
	if charts := loadCharts(st, l.done, knee, l.budget(), w, min(room, maxChartLines)); len(charts) > 0 {
		b.WriteString("\n" + strings.Join(charts, "\n") + "\n")
	}
	return b.String()
}

// fmtStepTime prints d as m:ss, or in seconds with a decimal when the
// step is shorter than a minute (a 1.5 s step would read 0:02).
func fmtStepTime(d, step time.Duration) string {
	if step < time.Minute {
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	return fmtDur(d)
}

// stepLabel names the step running.
func (l *loadLiveModel) stepLabel() string {
	if l.cur < 0 {
		return ""
	}
	return l.curStep.Label()
}

// budget is the TTFT budget the run judges by (the engine's default when
// none was given).
func (l *loadLiveModel) budget() float64 {
	if b := l.opts.Budgets.TTFTMs; b > 0 {
		return b
	}
	return trace.DefaultBudgets().TTFTMs
}
