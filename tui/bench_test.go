package tui

import (
	"fmt"
	"io"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/suites"
)

// BenchmarkLiveUpdateView10k is one finished task arriving on the live
// screen (Update) and the frame drawn after it (View) with 10,000 tasks
// already in the feed, at 120×40. The budget is one 60 Hz frame, 16 ms.
func BenchmarkLiveUpdateView10k(b *testing.B) {
	const n = 10000
	f := newFixture(b)
	o := Options{NoColor: true, Tick: -1, ConfigDir: "-", Now: fixedClock(), Run: f.replayRun(-1)}
	m := New(o, io.Discard)
	var mm tea.Model = m
	mm, _ = mm.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m = mm.(Model)
	m.live = newLive(m.sh, bench.RunOptions{Suite: "smoke"})
	m.live.started = o.Now()
	// A run whose events nobody reads: Update's Cmds are not executed here.
	m.live.ar = &activeRun{ch: make(chan tea.Msg, 1), cancel: func() {}, pause: &pauser{}}
	m.state = stateLive
	tasks := make([]suites.Task, 0, n+b.N)
	results := make([]bench.Result, 0, n+b.N)
	for i := 0; i < n+b.N; i++ {
		r := f.results[i%len(f.results)]
		t := f.tasks[i%len(f.tasks)]
		t.ID = fmt.Sprintf("%s-%05d", t.ID, i)
		r.Task.ID = t.ID
		tasks, results = append(tasks, t), append(results, r)
	}
	mm, _ = m.Update(runStartedMsg{run: f.run, tasks: tasks})
	for _, r := range results[:n] {
		mm, _ = mm.Update(taskDoneMsg{res: r})
	}
	if got := len(mm.(Model).live.feed); got != n {
		b.Fatalf("feed has %d tasks, want %d", got, n)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		mm, _ = mm.Update(taskDoneMsg{res: results[n+i]})
		_ = mm.View()
	}
}
