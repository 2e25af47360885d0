package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/record"
)

type taskModel struct {
	sh     *shared
	t      record.TaskResult
	tr     *trace.Trace
	prompt string
	vp     viewport.Model
}

func newTask(sh *shared, t record.TaskResult, tr *trace.Trace, prompt string) *taskModel {
	m := &taskModel{sh: sh, t: t, tr: tr, prompt: prompt}
	m.resize()
	return m
}

// resize rebuilds the content for the terminal width (the timeline's time
// axis spans it).
func (m *taskModel) resize() {
	m.vp = viewport.New(m.sh.w, max(m.sh.h-3, 3))
	m.vp.SetContent(m.content())
}

func (m *taskModel) update(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	m.vp, cmd = m.vp.Update(msg)
	return cmd
}

func (m *taskModel) view() string {
	st := m.sh.st
	pct := ""
	if m.vp.TotalLineCount() > m.vp.Height {
		pct = st.dim.Render(fmt.Sprintf("  %3.0f%%", m.vp.ScrollPercent()*100))
	}
	return st.title.Render("janus") + st.dim.Render(" · task · ") + m.t.ID + pct + "\n" + m.vp.View()
}

func (m *taskModel) content() string {
	st, w := m.sh.st, m.sh.w
	t := m.t
	var b strings.Builder
	sec := func(name string) { b.WriteString("\n" + st.header.Render(name) + "\n") }
	text := func(s string) {
		if strings.TrimSpace(s) == "" {
			b.WriteString(st.dim.Render("  (none)") + "\n")
			return
		}
		b.WriteString(ansi.Wrap(strings.TrimRight(s, "\n"), max(w-2, 10), " ") + "\n")
	}
	b.WriteString(fmt.Sprintf("%s %s  status %s  score %.2f\n", verdict(t), t.Category, t.Status, t.Score))
	b.WriteString(ansi.Wrap(st.label.Render("evaluator ")+t.Reason, max(w-1, 10), " ") + "\n")
	mm := t.Metrics
	b.WriteString(fmt.Sprintf("ttft %s · e2e %s · max gap %s · %d tokens · %d events · %d keep-alives\n",
		fmtMs(ptrOr(mm.TTFTMs)), fmtMs(ptrOr(mm.E2EMs)), fmtMs(ptrOr(mm.MaxGapMs)), mm.OutputTokens, mm.Events, mm.Keepalives))
	if t.Error != nil {
		b.WriteString(ansi.Wrap(st.err.Render("error "+t.Error.Error()), max(w-1, 10), " ") + "\n")
	}
	for _, v := range t.Violations {
		b.WriteString(ansi.Wrap(st.warn.Render("violation "+v.Code+": "+v.Detail), max(w-1, 10), " ") + "\n")
	}
	sec("event timeline")
	if m.tr == nil {
		b.WriteString(st.dim.Render("  (no trace kept for this task: it was loaded from a report)") + "\n")
	} else {
		b.WriteString(timeline(m.tr, w))
	}
	sec("prompt")
	text(m.prompt)
	if m.tr != nil {
		if m.tr.Reasoning != "" {
			sec("reasoning")
			text(m.tr.Reasoning)
		}
		sec("response")
		text(m.tr.Content)
		if len(m.tr.ToolCalls) > 0 {
			sec("tool calls")
			for _, c := range m.tr.ToolCalls {
				text(c.Name + "(" + c.Arguments + ")")
			}
		}
	}
	return b.String()
}

func ptrOr(p *float64) float64 {
	if p == nil {
		return nanF
	}
	return *p
}

// timelineRows are the lanes of the event timeline and the mark each uses.
var timelineRows = []struct {
	name  string
	mark  rune
	kinds []trace.Kind
}{
	{"reasoning", '▒', []trace.Kind{trace.KindReasoning}},
	{"content", '█', []trace.Kind{trace.KindContent}},
	{"tool call", '▓', []trace.Kind{trace.KindToolCall}},
	{"keep-alive", '·', []trace.Kind{trace.KindKeepAlive}},
	{"other", '|', []trace.Kind{trace.KindUsage, trace.KindDone, trace.KindJanus, trace.KindOther}},
	{"error", 'x', []trace.Kind{trace.KindError, trace.KindUnparsable, trace.KindAfterDone}},
}

// timeline draws one lane per event kind on a shared time axis from the
// request's send to its end; the first token is marked on the axis.
func timeline(tr *trace.Trace, w int) string {
	const labelW = 11
	cols := max(w-labelW-2, 10)
	end := tr.EndNs
	for _, e := range tr.Events {
		end = max(end, e.AtNs)
	}
	if end <= 0 {
		return "  (no events)\n"
	}
	col := func(ns int64) int { return min(int(float64(max(ns, 0))/float64(end)*float64(cols-1)), cols-1) }
	var b strings.Builder
	for _, row := range timelineRows {
		lane := []rune(strings.Repeat(" ", cols))
		n := 0
		for _, e := range tr.Events {
			for _, k := range row.kinds {
				if e.Kind == k {
					lane[col(e.AtNs)] = row.mark
					n++
				}
			}
		}
		if n == 0 && row.name != "content" {
			continue
		}
		b.WriteString(fmt.Sprintf("%-*s│%s│\n", labelW-1, row.name, string(lane)))
	}
	axis := []rune(strings.Repeat("─", cols))
	if tr.FirstTokenNs >= 0 {
		axis[col(tr.FirstTokenNs)] = '┴'
	}
	b.WriteString(fmt.Sprintf("%-*s└%s┘\n", labelW-1, "", string(axis)))
	left, right := "0", fmtMs(float64(end)/1e6)
	mid := ""
	if tr.FirstTokenNs >= 0 {
		mid = "┴ first token " + fmtMs(float64(tr.FirstTokenNs)/1e6)
	}
	gap := max(cols+2-len([]rune(left))-len([]rune(right))-len([]rune(mid)), 2)
	b.WriteString(strings.Repeat(" ", labelW-1) + left + strings.Repeat(" ", gap/2) + mid + strings.Repeat(" ", gap-gap/2) + right + "\n")
	return b.String()
}
