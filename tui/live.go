package tui

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/scorer"
	"github.com/janus-bench/janus/suites"
)

// liveTickMsg refreshes the elapsed time while no task finishes.
type liveTickMsg time.Time

// sparkKeep is how many recent values the sparklines keep.
const sparkKeep = 256

type counter struct{ pass, fail int }

// feedItem is one finished task as the feed shows it.
type feedItem struct {
	id, cat, verdict string
	score, ttft      float64
	viols            []string
}

type liveModel struct {
	sh   *shared
	opts bench.RunOptions
	ar   *activeRun

	run      record.Run
	total    int
	done     int
	started  time.Time
	now      time.Time
	cats     map[string]*counter
	ttft     []float64
	gap      []float64
	feed     []feedItem
	viols    []string
	nViols   int
	outTok   int
	paused   bool
	stopping bool
	// recorded: the source records the run as it goes (no Save after).
	recorded bool
	finished bool
	err      error

	// What the results and task screens need later.
	traces  map[string]*trace.Trace
	prompts map[string]string
}

func newLive(sh *shared, o bench.RunOptions) *liveModel {
	return &liveModel{sh: sh, opts: o, cats: map[string]*counter{}, traces: map[string]*trace.Trace{}, prompts: map[string]string{}}
}

func (l *liveModel) start() tea.Cmd {
	l.started = l.sh.o.Now()
	l.now = l.started
	run := l.sh.o.Run
	if rec, ok := l.sh.o.Source.(Recorder); ok && !l.sh.o.NoSave {
		run, l.recorded = rec.Record(run), true
	}
	l.ar = startRun(l.sh.ctx, run, l.opts)
	return tea.Batch(l.ar.next(), l.tick())
}

func (l *liveModel) tick() tea.Cmd {
	if l.sh.o.Tick < 0 {
		return nil
	}
	return tea.Tick(l.sh.o.Tick, func(t time.Time) tea.Msg { return liveTickMsg(t) })
}

func (l *liveModel) running() bool { return l.ar != nil && !l.finished }

// stop cancels the run; bench writes the partial report and the screen
// moves on when runDoneMsg arrives.
func (l *liveModel) stop() {
	if l.running() {
		l.stopping = true
		l.ar.pause.set(false)
		l.ar.cancel()
	}
}

// drain waits for the runner to finish after the program has stopped
// reading its events.
func (l *liveModel) drain() {
	for range l.ar.ch {
	}
}

func (l *liveModel) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case runStartedMsg:
		l.run, l.total = msg.run, len(msg.tasks)
		for _, t := range msg.tasks {
			l.prompts[t.ID] = promptOf(t)
			if l.cats[t.Category] == nil {
				l.cats[t.Category] = &counter{}
			}
		}
		return l.ar.next()
	case taskDoneMsg:
		l.now = l.sh.o.Now()
		l.add(msg.res)
		return l.ar.next()
	case runDoneMsg:
		l.now = l.sh.o.Now()
		l.finished, l.err = true, msg.err
		return l.ar.next()
	case liveTickMsg:
		if l.finished {
			return nil
		}
		l.now = l.sh.o.Now()
		return l.tick()
	case tea.KeyMsg:
		if key.Matches(msg, kPause) && l.running() && !l.stopping {
			l.paused = !l.paused
			l.ar.pause.set(l.paused)
		}
	}
	return nil
}

// add folds one finished task into the counters; O(1) apart from the
// task's own violations, so a 10,000-task run stays smooth.
func (l *liveModel) add(r bench.Result) {
	t := r.Task
	l.done++
	l.traces[t.ID] = r.Trace
	c := l.cats[t.Category]
	if c == nil {
		c = &counter{}
		l.cats[t.Category] = c
	}
	it := feedItem{id: t.ID, cat: t.Category, score: t.Score, ttft: math.NaN(), verdict: verdict(t)}
	if scorer.Passed(t) {
		c.pass++
	} else {
		c.fail++
	}
	if v := t.Metrics.TTFTMs; v != nil {
		it.ttft = *v
		l.ttft = keepLast(append(l.ttft, *v))
	}
	if v := t.Metrics.MaxGapMs; v != nil {
		l.gap = keepLast(append(l.gap, *v))
	}
	l.outTok += t.Metrics.OutputTokens
	for _, v := range t.Violations {
		it.viols = append(it.viols, v.Code)
		l.nViols++
		l.viols = append(l.viols, t.ID+": "+v.Code+" "+v.Detail)
	}
	if len(l.viols) > 2*sparkKeep {
		l.viols = append([]string(nil), l.viols[len(l.viols)-sparkKeep:]...)
	}
	l.feed = append(l.feed, it)
}

func keepLast(v []float64) []float64 {
	if len(v) > 2*sparkKeep {
		return append([]float64(nil), v[len(v)-sparkKeep:]...)
	}
	return v
}

// verdict is the feed's mark: ✓ passed, ✗ answered wrong, ! failed request.
func verdict(t record.TaskResult) string {
	switch {
	case t.Status != record.StatusOK:
		return "!"
	case scorer.Passed(t):
		return "✓"
	}
	return "✗"
}

// promptOf is the last user message of a task, as text.
func promptOf(t suites.Task) string {
	for i := len(t.Messages) - 1; i >= 0; i-- {
		m := t.Messages[i]
		if m.Role != "user" {
			continue
		}
		if m.Content != "" {
			return m.Content
		}
		var parts []string
		for _, p := range m.MultiContent {
			switch {
			case p.Text != "":
				parts = append(parts, p.Text)
			case p.ImageURL != nil:
				parts = append(parts, "[image]")
			}
		}
		return strings.Join(parts, " ")
	}
	return ""
}

func (l *liveModel) view() string {
	var b strings.Builder
	b.WriteString(l.header())
	if l.finished && l.err != nil && !l.stopping && l.run.ID == "" {
		return b.String() // it never started: nothing else to show
	}
	b.WriteString(l.progress())
	l.categories(&b)
	// Violations as they occur: the latest two (more on a tall terminal).
	st, w, h := l.sh.st, l.sh.w, l.sh.h
	nv := 2
	if h >= 36 {
		nv = 5
	}
	b.WriteString(st.header.Render(fmt.Sprintf("violations (%d)", l.nViols)) + "\n")
	for _, v := range tail(l.viols, nv) {
		b.WriteString(st.warn.Render("  "+v) + "\n")
	}
	// The feed fills what is left, newest last.
	used := strings.Count(b.String(), "\n")
	room := h - 2 - used - 1
	b.WriteString(st.header.Render("finished tasks") + "\n")
	if room > 0 {
		from := max(len(l.feed)-room, 0)
		for _, it := range l.feed[from:] {
			b.WriteString(l.feedLine(it, w) + "\n")
		}
	}
	return b.String()
}

// header is the title line with the run's state, and its error if it
// failed.
func (l *liveModel) header() string {
	st := l.sh.st
	state := "running"
	switch {
	case l.finished && l.err != nil && !l.stopping:
		state = "failed"
	case l.finished:
		state = "finished"
	case l.stopping:
		state = "stopping…"
	case l.paused:
		state = "paused (no new tasks)"
	}
	target := l.run.Target
	if l.run.EmbeddedTarget {
		target = "embedded"
	}
	title := fmt.Sprintf("%s@%s → %s (%s)", l.run.Suite.Name, l.run.Suite.Version, l.run.Model, target)
	if l.run.ID == "" {
		title = "starting " + l.opts.Suite + "…"
	}
	h := st.title.Render("janus") + st.dim.Render(" · live · ") + title + "  " + st.warn.Render("["+state+"]") + "\n"
	if l.finished && l.err != nil && !l.stopping {
		h += st.err.Render("error: "+l.err.Error()) + "\n" + st.dim.Render("esc: back to set-up") + "\n"
	}
	return h
}

// progress is the bar with ETA, the throughput line and the sparklines.
func (l *liveModel) progress() string {
	st, w := l.sh.st, l.sh.w
	var b strings.Builder
	elapsed := l.now.Sub(l.started)
	frac, eta := 0.0, "–"
	if l.total > 0 {
		frac = float64(l.done) / float64(l.total)
	}
	if l.done > 0 && l.done < l.total {
		eta = fmtDur(time.Duration(float64(elapsed) / float64(l.done) * float64(l.total-l.done)))
	}
	stats := fmt.Sprintf(" %d/%d %3.0f%%  %s  ETA %s", l.done, l.total, frac*100, fmtDur(elapsed), eta)
	b.WriteString(bar(frac, max(w-len([]rune(stats))-1, 10)) + stats + "\n")
	tps, tokps := 0.0, 0.0
	if s := elapsed.Seconds(); s > 0 {
		tps, tokps = float64(l.done)/s, float64(l.outTok)/s
	}
	b.WriteString(fmt.Sprintf("throughput %.1f tasks/s · %.0f tok/s · concurrency %d · violations %d\n", tps, tokps, l.run.Concurrency, l.nViols))
	sw := max(w-34, 8)
	b.WriteString(st.label.Render("TTFT    ") + spark(l.ttft, sw) + fmt.Sprintf(" p50 %-7s last %s\n", fmtMs(median(tail(l.ttft, sw))), fmtMs(last(l.ttft))))
	b.WriteString(st.label.Render("max gap ") + spark(l.gap, sw) + fmt.Sprintf(" p50 %-7s last %s\n", fmtMs(median(tail(l.gap, sw))), fmtMs(last(l.gap))))
	return b.String()
}

// categories draws each category's pass/fail counts, two or three to a
// line.
func (l *liveModel) categories(b *strings.Builder) {
	st, w := l.sh.st, l.sh.w
	names := make([]string, 0, len(l.cats))
	for c := range l.cats {
		names = append(names, c)
	}
	sort.Strings(names)
	// Counters as wide as the total needs, so that three categories fit
	// on a line of 80 in runs of up to 999 tasks.
	digits := len(fmt.Sprint(max(l.total, 1)))
	colW := 17 + 1 + 2*digits + 1 + 2
	perLine := max((w+2)/colW, 1) // the last cell needs no gap after it
	b.WriteString(st.header.Render("category pass/fail") + "\n")
	for i := 0; i < len(names); i += perLine {
		var cells []string
		for _, n := range names[i:min(i+perLine, len(names))] {
			c := l.cats[n]
			cells = append(cells, pad(n, 17)+" "+st.pass.Render(fmt.Sprintf("%*d", digits, c.pass))+"/"+st.fail.Render(fmt.Sprintf("%-*d", digits, c.fail)))
		}
		b.WriteString(strings.Join(cells, "  ") + "\n")
	}
}

func (l *liveModel) feedLine(it feedItem, w int) string {
	st := l.sh.st
	mark := st.pass.Render(it.verdict)
	if it.verdict != "✓" {
		mark = st.fail.Render(it.verdict)
	}
	idW := max(w-52, 12)
	line := fmt.Sprintf("%s %s %s %4.2f  ttft %-7s", mark, pad(it.id, idW), pad(it.cat, 18), it.score, fmtMs(it.ttft))
	if len(it.viols) > 0 {
		line += " " + st.warn.Render(strings.Join(it.viols, ","))
	}
	return line
}

func tail[T any](v []T, n int) []T {
	if len(v) > n {
		return v[len(v)-n:]
	}
	return v
}

func last(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	return v[len(v)-1]
}
