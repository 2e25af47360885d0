package tui

import (
	"errors"
	"fmt"
	"strings"

	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/bench/load"
)

// loadResultsModel shows a finished load run: the knee, the steps, the
// curves, the harness's own overhead and where the report is. It opens
// after a run driven from the TUI and for janus tui --load-report.
type loadResultsModel struct {
	sh  *shared
	rep *load.Report // nil while a report file is read, or when it failed
	err error
}

func newLoadResults(sh *shared, rep *load.Report, err error) *loadResultsModel {
	return &loadResultsModel{sh: sh, rep: rep, err: err}
}

func (r *loadResultsModel) view() string {
	st, w, h := r.sh.st, r.sh.w, r.sh.h
	var b strings.Builder
	rep := r.rep
	if rep == nil {
		b.WriteString(st.title.Render("janus") + st.dim.Render(" · load results") + "\n")
		if r.err != nil {
			b.WriteString(st.err.Render("error: "+r.err.Error()) + "\n" + st.dim.Render("esc: back to set-up") + "\n")
		} else {
			b.WriteString(st.dim.Render("reading the report…") + "\n")
		}
		return b.String()
	}
	target := rep.Run.Target
	if rep.Run.EmbeddedTarget {
		target = "embedded reference target"
	}
	// The status before the names, which can be long enough to be cut.
	b.WriteString(st.title.Render("janus") + st.dim.Render(" · load results ") + st.warn.Render("["+rep.Run.Status+"]") +
		st.dim.Render(" · ") + fmt.Sprintf("%s · %gs/step · %s", rep.Run.Profile, rep.Run.DurationS, rep.Run.Model) + "\n")
	if r.err != nil && !errors.Is(r.err, bench.ErrInterrupted) {
		b.WriteString(st.err.Render("error: "+r.err.Error()) + "\n")
	}
	b.WriteString(st.dim.Render(fmt.Sprintf("target %s · budgets ttft p99 %s, max gap %s", target, fmtMs(rep.Run.Budgets.TTFTMs), fmtMs(rep.Run.Budgets.GapMs))) + "\n")
	knee := -1
	if rep.Knee != nil {
		knee = rep.Knee.Index
	}
	b.WriteString(capacityLine(st, rep.Steps, knee) + "\n")

	// The footer: the harness's overhead and the report's path.
	hv := rep.Harness
	timing := "timing error not measured"
	if hv.TimingMeasured {
		timing = fmt.Sprintf("timing err p99 %.2f ms", hv.TimingErrP99Ms)
	}
	foot := []string{
		st.label.Render("harness ") + fmt.Sprintf("sched lag p50/p99 %.3f/%.3f ms · %s · cpu %.0f%%", hv.SchedLagP50Ms, hv.SchedLagP99Ms, timing, 100*hv.CPUShare),
	}
	if rep.Path != "" {
		foot = append(foot, st.label.Render("report  ")+rep.Path)
	}

	room := h - 2 - strings.Count(b.String(), "\n") - len(foot)
	rows := min(len(rep.Steps), max(room-1-1-8, 1)) // header, the blank line, 8 lines of chart
	b.WriteString(strings.Join(stepsTable(st, rep.Steps, knee, rows), "\n") + "\n")
	room = h - 2 - strings.Count(b.String(), "\n") - len(foot) - 1
	if charts := loadCharts(st, rep.Steps, knee, rep.Run.Budgets.TTFTMs, w, min(room, maxChartLines)); len(charts) > 0 {
		b.WriteString("\n" + strings.Join(charts, "\n") + "\n")
	}
	b.WriteString(strings.Join(foot, "\n") + "\n")
	return b.String()
}
