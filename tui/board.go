package tui

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/suites"
)

// Messages the leaderboard's Cmds answer with.
type (
	boardMsg struct {
		rows []BoardRow
		err  error
	}
	arenaMsg struct {
		rows []ArenaRow
		err  error
	}
	compareMsg struct {
		title, text string
		err         error
	}
	savedMsg struct {
		runID string
		err   error
	}
	// openRunMsg carries a stored run's report for the results screen.
	openRunMsg struct {
		rep     *record.Report
		prompts map[string]string
		err     error
	}
)

// sortCols are the columns `s` cycles through.
func sortCols() []string { return append([]string{"rank", "competitor", "composite"}, dimNames()...) }

// dimLabel is a dimension's column head: at most five characters.
func dimLabel(name string) string {
	if l, ok := map[string]string{"quality": "qual", "streaming": "strm", "multimodal": "mm"}[name]; ok {
		return l
	}
	return name[:min(len(name), 5)]
}

type boardModel struct {
	sh       *shared
	rows     []BoardRow
	view_    []BoardRow // rows after filter and sort
	arena    []ArenaRow
	err      error
	arenaErr error
	loaded   bool
	tab      int // 0 leaderboard, 1 arena
	sortCol  int
	reverse  bool
	filter   textinput.Model
	typing   bool
	cursor   int
	picked   []string // run ids selected for compare, in order
	status   string
	cmp      *viewport.Model
	cmpTitle string
}

func newBoard(sh *shared) *boardModel {
	f := textinput.New()
	f.Prompt = "/"
	f.CharLimit = 64
	return &boardModel{sh: sh, filter: f}
}

func (b *boardModel) editing() bool { return b.typing }

// resize fits an open comparison to the terminal.
func (b *boardModel) resize() {
	if b.cmp != nil {
		b.cmp.Width, b.cmp.Height = b.sh.w, max(b.sh.h-3, 3)
	}
}
func (b *boardModel) comparing() bool { return b.cmp != nil }

// load reads the board and the arena ratings, each in its own Cmd.
func (b *boardModel) load() tea.Cmd {
	src, ctx := b.sh.o.Source, b.sh.ctx
	if src == nil {
		return func() tea.Msg { return boardMsg{} }
	}
	return tea.Batch(
		func() tea.Msg { rows, err := src.Board(ctx); return boardMsg{rows: rows, err: err} },
		func() tea.Msg { rows, err := src.Arena(ctx); return arenaMsg{rows: rows, err: err} },
	)
}

// saved stores a TUI-driven run and reloads the board.
func (b *boardModel) saved(rep *record.Report) tea.Cmd {
	src, ctx := b.sh.o.Source, b.sh.ctx
	if src == nil || b.sh.o.NoSave || rep == nil {
		return nil
	}
	return func() tea.Msg { return savedMsg{runID: rep.Run.ID, err: src.Save(ctx, rep)} }
}

// reload refreshes the board after a run the source recorded itself.
func (b *boardModel) reload(rep *record.Report) tea.Cmd {
	if b.sh.o.Source == nil || rep == nil {
		return nil
	}
	return func() tea.Msg { return savedMsg{runID: rep.Run.ID} }
}

// open loads a stored run's report.
func (b *boardModel) open(runID string) tea.Cmd {
	src, ctx := b.sh.o.Source, b.sh.ctx
	return func() tea.Msg {
		rep, err := src.Report(ctx, runID)
		if err != nil {
			return openRunMsg{err: fmt.Errorf("open run %s: %w", runID, err)}
		}
		// The prompts come from the suite when the very same version is at
		// hand (a report keeps no prompts).
		prompts := map[string]string{}
		if su, err := suites.Load(ctx, rep.Run.Suite.Name); err == nil && su.SHA256 == rep.Run.Suite.SHA256 {
			for _, t := range su.Tasks {
				prompts[t.ID] = promptOf(t)
			}
		}
		return openRunMsg{rep: rep, prompts: prompts}
	}
}

func (b *boardModel) compare(a, c string) tea.Cmd {
	src, ctx := b.sh.o.Source, b.sh.ctx
	return func() tea.Msg {
		base, err := src.Report(ctx, a)
		if err != nil {
			return compareMsg{err: fmt.Errorf("load run %s: %w", a, err)}
		}
		next, err := src.Report(ctx, c)
		if err != nil {
			return compareMsg{err: fmt.Errorf("load run %s: %w", c, err)}
		}
		cmp, err := bench.Compare(base, next, bench.CompareOptions{})
		if err != nil {
			return compareMsg{err: err}
		}
		var buf bytes.Buffer
		if err := bench.CompareText(cmp)(&buf); err != nil {
			return compareMsg{err: err}
		}
		return compareMsg{title: a + " → " + c, text: buf.String()}
	}
}

func (b *boardModel) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case boardMsg:
		b.rows, b.err, b.loaded = msg.rows, msg.err, true
		b.refresh()
		return nil
	case arenaMsg:
		b.arena, b.arenaErr = msg.rows, msg.err
		return nil
	case savedMsg:
		if msg.err != nil {
			b.status = "not saved: " + msg.err.Error()
			b.sh.o.Logger.Warn("save run", "run", msg.runID, "err", msg.err)
			return nil
		}
		b.status = "saved run " + msg.runID
		return b.load()
	case openRunMsg:
		if msg.err != nil {
			b.status = msg.err.Error()
		} else {
			b.status = ""
		}
		return nil
	case compareMsg:
		if msg.err != nil {
			b.status = "compare: " + msg.err.Error()
			return nil
		}
		vp := viewport.New(b.sh.w, max(b.sh.h-3, 3))
		vp.SetContent(msg.text)
		b.cmp, b.cmpTitle = &vp, msg.title
		return nil
	case tea.KeyMsg:
		return b.key(msg)
	}
	return nil
}

func (b *boardModel) key(k tea.KeyMsg) tea.Cmd {
	if cmd, done := b.modalKey(k); done {
		return cmd
	}
	n := len(b.view_)
	if b.tab == 1 {
		n = len(b.arena)
	}
	switch {
	case key.Matches(k, kTab):
		b.tab = 1 - b.tab
		b.cursor = 0
	case key.Matches(k, kUp):
		b.cursor = max(b.cursor-1, 0)
	case key.Matches(k, kDown):
		b.cursor = min(b.cursor+1, max(n-1, 0))
	case key.Matches(k, kSort):
		b.sortCol = (b.sortCol + 1) % len(sortCols())
		b.refresh()
	case key.Matches(k, kReverse):
		b.reverse = !b.reverse
		b.refresh()
	case key.Matches(k, kFilter):
		b.typing = true
		return b.filter.Focus()
	case key.Matches(k, kSelect):
		b.pick()
	case key.Matches(k, kOpen):
		if b.tab == 0 && b.cursor < len(b.view_) {
			b.status = "opening…"
			return b.open(b.view_[b.cursor].RunID)
		}
	case key.Matches(k, kCompare):
		if len(b.picked) != 2 {
			b.status = "select two runs with space, then c"
			return nil
		}
		b.status = "comparing…"
		return b.compare(b.picked[0], b.picked[1])
	}
	return nil
}

// modalKey handles a key while a comparison is open (esc closes it, the
// rest scroll it) or the filter is being typed (enter keeps it, esc
// clears it); done is false when neither is.
func (b *boardModel) modalKey(k tea.KeyMsg) (cmd tea.Cmd, done bool) {
	switch {
	case b.cmp != nil && key.Matches(k, kBack):
		b.cmp = nil
	case b.cmp != nil:
		vp, cmd := b.cmp.Update(k)
		b.cmp = &vp
		return cmd, true
	case b.typing && key.Matches(k, kEnter, kBack):
		b.typing = false
		b.filter.Blur()
		if key.Matches(k, kBack) {
			b.filter.SetValue("")
		}
		b.refresh()
	case b.typing:
		b.filter, cmd = b.filter.Update(k)
		b.refresh()
		return cmd, true
	default:
		return nil, false
	}
	return nil, true
}

// pick picks the run under the cursor for a comparison, or drops it;
// picking a third drops the first.
func (b *boardModel) pick() {
	if b.tab != 0 || b.cursor >= len(b.view_) {
		return
	}
	id := b.view_[b.cursor].RunID
	if i := slices.Index(b.picked, id); i >= 0 {
		b.picked = slices.Delete(b.picked, i, i+1)
		return
	}
	b.picked = append(b.picked, id)
	if len(b.picked) > 2 {
		b.picked = b.picked[1:]
	}
}

// refresh applies the filter and the sort.
func (b *boardModel) refresh() {
	q := strings.ToLower(strings.TrimSpace(b.filter.Value()))
	b.view_ = b.view_[:0]
	for _, r := range b.rows {
		if q == "" || strings.Contains(strings.ToLower(r.Competitor+" "+r.Suite+"@"+r.SuiteVersion), q) {
			b.view_ = append(b.view_, r)
		}
	}
	key := func(r BoardRow) float64 {
		switch c := sortCols()[b.sortCol]; c {
		case "rank":
			return float64(r.Rank)
		case "composite":
			return -r.Composite
		default:
			if i := slices.Index(dimNames(), c); i >= 0 && i < len(r.Dims) {
				return -r.Dims[i]
			}
			return 0
		}
	}
	less := func(x, y BoardRow) bool {
		if sortCols()[b.sortCol] != "competitor" && key(x) != key(y) {
			return key(x) < key(y)
		}
		return x.Competitor < y.Competitor
	}
	sort.SliceStable(b.view_, func(i, j int) bool {
		if b.reverse {
			return less(b.view_[j], b.view_[i])
		}
		return less(b.view_[i], b.view_[j])
	})
	b.cursor = min(b.cursor, max(len(b.view_)-1, 0))
}

func (b *boardModel) view() string {
	st := b.sh.st
	if b.cmp != nil {
		return st.title.Render("janus") + st.dim.Render(" · compare · ") + b.cmpTitle + st.dim.Render("  (esc: back)") + "\n" + b.cmp.View()
	}
	var s strings.Builder
	s.WriteString(b.titleLine())
	if b.status != "" {
		s.WriteString(st.warn.Render(b.status) + "\n")
	}
	if b.tab == 1 {
		s.WriteString(b.arenaView())
		return s.String()
	}
	switch {
	case b.sh.o.Source == nil:
		s.WriteString(st.dim.Render("no run store: runs are not being saved") + "\n")
	case b.err != nil:
		s.WriteString(st.err.Render("leaderboard: "+b.err.Error()) + "\n")
	case !b.loaded:
		s.WriteString(st.dim.Render("loading…") + "\n")
	case len(b.view_) == 0:
		s.WriteString(st.dim.Render("no completed runs yet (run one from set-up)") + "\n")
	default:
		b.table(&s)
	}
	return s.String()
}

// titleLine is the tabs, the sort and the filter.
func (b *boardModel) titleLine() string {
	st := b.sh.st
	tabs := []string{"leaderboard", "arena"}
	for i, t := range tabs {
		if i == b.tab {
			tabs[i] = st.tabOn.Render("[" + t + "]")
		} else {
			tabs[i] = st.tab.Render(" " + t + " ")
		}
	}
	line := st.title.Render("janus") + st.dim.Render(" · ") + strings.Join(tabs, " ")
	if b.tab == 0 {
		dir := "↓"
		if b.reverse {
			dir = "↑"
		}
		line += st.dim.Render(fmt.Sprintf("  sort %s%s", sortCols()[b.sortCol], dir))
	}
	if b.typing || b.filter.Value() != "" {
		line += "  " + b.filter.View()
	}
	return line + "\n"
}

// suiteWidth is the suite column's width: none when one suite version is
// on screen (the usual case: it is said once above the table and its
// column goes to the names).
func (b *boardModel) suiteWidth() int {
	first := b.view_[0].Suite + "@" + b.view_[0].SuiteVersion
	for _, r := range b.view_ {
		if r.Suite+"@"+r.SuiteVersion != first {
			if b.sh.w >= 110 {
				return 20
			}
			return 12
		}
	}
	return 0
}

// table draws the board's rows that fit, the cursor's in view.
func (b *boardModel) table(s *strings.Builder) {
	st, w, h := b.sh.st, b.sh.w, b.sh.h
	suiteW := b.suiteWidth()
	if suiteW == 0 {
		s.WriteString(st.dim.Render("suite ") + b.view_[0].Suite + "@" + b.view_[0].SuiteVersion + "\n")
	}
	// 28 columns of rank, composite and Pareto marks, 6 per dimension.
	compW := max(w-28-6*len(dimNames())-suiteW, 12)
	suiteHdr := ""
	if suiteW > 0 {
		suiteHdr = pad("suite", suiteW) + " "
	}
	dimHdr := ""
	for _, n := range dimNames() {
		dimHdr += fmt.Sprintf(" %5s", dimLabel(n))
	}
	s.WriteString(st.header.Render(fmt.Sprintf("   %-5s %s %s%-12s%s %s",
		"rank", pad("competitor", compW), suiteHdr, "composite", dimHdr, "par")) + "\n")
	room := max(h-4-strings.Count(s.String(), "\n"), 1)
	from := 0
	if b.cursor >= room {
		from = b.cursor - room + 1
	}
	for i := from; i < min(from+room, len(b.view_)); i++ {
		line := b.rowLine(i, compW, suiteW)
		if i == b.cursor {
			line = st.selected.Render(line)
		}
		s.WriteString(line + "\n")
	}
	s.WriteString(st.dim.Render("2–3: rank range (CIs overlap) · par: $ quality/cost, ⚡ quality/speed frontier · * picked") + "\n")
}

// rowLine is row i of the board as text.
func (b *boardModel) rowLine(i, compW, suiteW int) string {
	r := b.view_[i]
	rank := fmt.Sprint(r.Rank)
	if r.RankLo != r.RankHi && r.RankHi > 0 {
		rank = fmt.Sprintf("%d–%d", r.RankLo, r.RankHi)
	}
	comp := fmt.Sprintf("%5.1f", r.Composite)
	if r.CompositeCI != (Interval{}) {
		comp += fmt.Sprintf(" ±%.1f", (r.CompositeCI.Hi-r.CompositeCI.Lo)/2)
	}
	var pareto []string
	if r.ParetoCost {
		pareto = append(pareto, "$")
	}
	if r.ParetoSpeed {
		pareto = append(pareto, "⚡")
	}
	name := r.Competitor
	if r.Baseline {
		name += " (b)"
	}
	// The cursor and the picks are marked in text too, for --no-color.
	mark := " "
	if i == b.cursor {
		mark = ">"
	}
	if slices.Contains(b.picked, r.RunID) {
		mark += "*"
	} else {
		mark += " "
	}
	suite := ""
	if suiteW > 0 {
		suite = pad(r.Suite+"@"+r.SuiteVersion, suiteW) + " "
	}
	dims := ""
	for _, v := range r.Dims {
		dims += fmt.Sprintf(" %5.1f", v)
	}
	return fmt.Sprintf("%s %-5s %s %s%-12s%s %s", mark, rank, pad(name, compW), suite, comp, dims, strings.Join(pareto, " "))
}

func (b *boardModel) arenaView() string {
	st := b.sh.st
	var s strings.Builder
	switch {
	case b.arenaErr != nil:
		s.WriteString(st.err.Render("arena: "+b.arenaErr.Error()) + "\n")
		return s.String()
	case len(b.arena) == 0:
		s.WriteString(st.dim.Render("no arena votes yet") + "\n")
		return s.String()
	}
	nameW := max(b.sh.w-52, 12)
	s.WriteString(st.header.Render(fmt.Sprintf("  %-4s %s %7s %7s %-17s %6s", "#", pad("model", nameW), "Elo", "BT", "BT CI95", "votes")) + "\n")
	room := max(b.sh.h-5, 1)
	from := 0
	if b.cursor >= room {
		from = b.cursor - room + 1
	}
	for i := from; i < min(from+room, len(b.arena)); i++ {
		a := b.arena[i]
		cur := " "
		if i == b.cursor {
			cur = ">"
		}
		line := fmt.Sprintf("%s %-4d %s %7.1f %7.1f [%6.1f, %6.1f] %6d", cur, i+1, pad(a.Model, nameW), a.Elo, a.BT, a.BTCI.Lo, a.BTCI.Hi, a.Votes)
		if i == b.cursor {
			line = st.selected.Render(line)
		}
		s.WriteString(line + "\n")
	}
	return s.String()
}
