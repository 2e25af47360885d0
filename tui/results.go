package tui

import (
	"fmt"
	"sort"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/record"
)

type resultsModel struct {
	sh      *shared
	rep     *record.Report
	err     error
	worst   []record.TaskResult
	cursor  int
	traces  map[string]*trace.Trace
	prompts map[string]string
}

func newResults(sh *shared, rep *record.Report, traces map[string]*trace.Trace, prompts map[string]string, err error) *resultsModel {
	r := &resultsModel{sh: sh, rep: rep, err: err, traces: traces, prompts: prompts}
	r.worst = append([]record.TaskResult(nil), rep.Tasks...)
	// Worst first: failed requests, then the lowest scores; ties by id so
	// the order never depends on completion order.
	sort.SliceStable(r.worst, func(i, j int) bool {
		a, b := r.worst[i], r.worst[j]
		if (a.Status != record.StatusOK) != (b.Status != record.StatusOK) {
			return a.Status != record.StatusOK
		}
		if a.Score != b.Score {
			return a.Score < b.Score
		}
		if len(a.Violations) != len(b.Violations) {
			return len(a.Violations) > len(b.Violations)
		}
		return a.ID < b.ID
	})
	return r
}

func (r *resultsModel) selected() *record.TaskResult {
	if r.cursor < len(r.worst) {
		return &r.worst[r.cursor]
	}
	return nil
}

func (r *resultsModel) update(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyMsg); ok {
		switch {
		case key.Matches(k, kUp):
			r.cursor = max(r.cursor-1, 0)
		case key.Matches(k, kDown):
			r.cursor = min(r.cursor+1, max(len(r.worst)-1, 0))
		case key.Matches(k, kHome):
			r.cursor = 0
		case key.Matches(k, kEnd):
			r.cursor = max(len(r.worst)-1, 0)
		}
	}
	return nil
}

func (r *resultsModel) view() string {
	st, w, h := r.sh.st, r.sh.w, r.sh.h
	rep := r.rep
	var b strings.Builder
	b.WriteString(st.title.Render("janus") + st.dim.Render(" · results · ") +
		fmt.Sprintf("%s@%s → %s  %s  %d/%d tasks", rep.Run.Suite.Name, rep.Run.Suite.Version, rep.Run.Model,
			st.warn.Render(rep.Run.Status), len(rep.Tasks), rep.Run.TasksPlanned) + "\n")
	if r.err != nil {
		b.WriteString(st.err.Render(r.err.Error()) + "\n")
	}
	bw := max(w-40, 10)
	for _, n := range record.WithComposite(rep.Scores.Names()) {
		d := struct {
			name string
			d    record.Score
		}{string(n), rep.Scores[n]}
		ci := "              "
		if d.d.CI95 != nil {
			ci = fmt.Sprintf("[%5.1f–%5.1f]", d.d.CI95[0], d.d.CI95[1])
		}
		name := st.label.Render(fmt.Sprintf("%-10s", d.name))
		if n == record.Composite {
			name = st.header.Render(fmt.Sprintf("%-10s", d.name))
		}
		if d.d.N == 0 { // nothing measured: no figure rather than a zero
			b.WriteString(fmt.Sprintf("%s %5s %s %s n=0\n", name, "–", strings.Repeat(" ", len(ci)), strings.Repeat(" ", bw)))
			continue
		}
		b.WriteString(fmt.Sprintf("%s %5.1f %s %s n=%d\n", name, d.d.Value, ci, ciBar(d.d.Value, d.d.CI95, bw), d.d.N))
	}

	// Per-category table, two columns when the terminal is wide.
	cats := make([]string, 0, len(rep.Categories))
	for c := range rep.Categories {
		cats = append(cats, c)
	}
	sort.Strings(cats)
	cell := func(c string) string {
		cs := rep.Categories[c]
		return fmt.Sprintf("%-18s %4d %4d %5.1f", pad(c, 18), cs.N, cs.Passed, cs.Score)
	}
	head := fmt.Sprintf("%-18s %4s %4s %5s", "category", "n", "pass", "score")
	perLine := 1
	if w >= 2*len(head)+4 {
		perLine = 2
	}
	b.WriteString("\n" + st.header.Render(strings.TrimRight(strings.Repeat(head+"    ", perLine), " ")) + "\n")
	for i := 0; i < len(cats); i += perLine {
		var cells []string
		for _, c := range cats[i:min(i+perLine, len(cats))] {
			cells = append(cells, cell(c))
		}
		b.WriteString(strings.Join(cells, "    ") + "\n")
	}

	// Worst tasks fill the rest; the cursor stays visible.
	b.WriteString("\n" + st.header.Render("worst tasks (enter: prompt, answer, timeline)") + "\n")
	used := strings.Count(b.String(), "\n")
	room := max(h-2-used, 1)
	from := 0
	if r.cursor >= room {
		from = r.cursor - room + 1
	}
	idW := max(w-56, 12)
	for i := from; i < min(from+room, len(r.worst)); i++ {
		t := r.worst[i]
		line := fmt.Sprintf("%s %s %s %4.2f %s", verdict(t), pad(t.ID, idW), pad(t.Category, 18), t.Score, t.Reason)
		if i == r.cursor {
			line = st.selected.Render(pad("> "+line, w-1))
		} else {
			line = "  " + line
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}
