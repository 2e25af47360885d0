package tui

import (
	"context"
	"io"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/janus-bench/janus/bench/load"
	"github.com/janus-bench/janus/bench/trace"
	janusapp "github.com/janus-bench/janus/internal/app"
)

// state is which screen is showing.
type state int

const (
	stateSetup state = iota
	stateLive
	stateResults
	stateTask
	stateBoard
	stateLoadLive
	stateLoadResults
)

// shared is the context every screen reads: options, styles, the terminal
// size and the root context for Cmds.
type shared struct {
	o    Options
	st   styles
	w, h int
	ctx  context.Context
	help help.Model
}

// Model is the root bubbletea model. Its state lives behind a pointer that
// the screens share: a screen's Update changes it and names the screen to
// show next.
type Model struct{ *app }

// app is the root's state: the screen showing and one sub-model per screen.
type app struct {
	sh    *shared
	state state
	back  state // where esc on the leaderboard returns to
	// fromBoard: the results on screen are a stored run opened from the
	// leaderboard, and esc returns there.
	fromBoard bool
	setup     *setupModel
	live      *liveModel
	results   *resultsModel
	task      *taskModel
	board     *boardModel
	loadLive  *loadLiveModel
	loadRes   *loadResultsModel
	// quitting: quit once the run in progress has written its report.
	quitting bool
}

// New builds the root model; out is where it draws (for colour detection).
func New(o Options, out io.Writer) Model {
	o.defaults()
	sh := &shared{o: o, st: newStyles(out, o.NoColor), w: 80, h: 24, ctx: context.Background()}
	sh.help = help.New()
	sh.help.Styles = sh.st.help
	m := Model{&app{sh: sh, setup: newSetup(sh), board: newBoard(sh)}}
	switch {
	case o.LoadReport != "":
		m.state, m.loadRes = stateLoadResults, newLoadResults(sh, nil, nil)
	case o.Load != "":
		m.state, m.loadLive = stateLoadLive, newLoadLive(sh, janusapp.LoadOptions{Options: load.Options{Profile: o.Load, Duration: o.LoadDuration}})
	case o.Start == ScreenLeaderboard:
		m.state, m.back = stateBoard, stateSetup
	}
	return m
}

// Init loads what the first screen needs.
func (m Model) Init() tea.Cmd {
	switch {
	case m.state == stateBoard:
		return tea.Batch(m.board.load(), m.setup.init())
	case m.state == stateLoadResults:
		return tea.Batch(readLoadReport(m.sh.o.LoadReport), m.setup.init())
	}
	// janus tui --load starts once the remembered set-up is read (in
	// Update, on prefsMsg), so that its target, model and suite apply.
	return m.setup.init()
}

// Update handles what concerns every screen (the terminal size, help,
// Ctrl-C), routes the answers of Cmds to the sub-model that asked (some of
// them are transitions: a finished run opens its results), and hands the
// rest to the screen showing, which returns the screen to show next.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if cmd, done := m.global(msg); done {
		return m, cmd
	}
	if cmd, done := m.route(msg); done {
		return m, cmd
	}
	next, cmd := m.current().Update(msg)
	m.state = next.id()
	return m, cmd
}

// global handles the terminal size and the keys every screen shares.
func (m Model) global(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.sh.w, m.sh.h = msg.Width, msg.Height
		m.sh.help.Width = msg.Width
		if m.task != nil {
			m.task.resize()
		}
		m.board.resize()
		return nil, true
	case tea.KeyMsg:
		typing := m.state == stateSetup && m.setup.editing() || m.board.editing()
		if key.Matches(msg, kMore) && !typing {
			m.sh.help.ShowAll = !m.sh.help.ShowAll
			return nil, true
		}
		if key.Matches(msg, kInterrupt) {
			return m.interrupt(), true
		}
	}
	return nil, false
}

// interrupt is Ctrl-C: a run in progress is stopped and the program quits
// once its report is written; otherwise it quits at once.
func (m Model) interrupt() tea.Cmd {
	switch {
	case m.live != nil && m.live.running():
		m.quitting = true
		m.live.stop()
		return nil
	case m.loadLive != nil && m.loadLive.running():
		m.quitting = true
		m.loadLive.stop()
		return nil
	}
	return tea.Quit
}

// route delivers the answers of Cmds to the sub-model that asked for them,
// whichever screen shows.
func (m Model) route(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case runStartedMsg, taskDoneMsg, liveTickMsg:
		if m.live == nil {
			return nil, true
		}
		return m.live.update(msg), true
	case runDoneMsg:
		return m.runDone(msg), true
	case runClosedMsg, loadClosedMsg:
		return nil, true
	case loadStepStartMsg, loadStepDoneMsg, loadTickMsg:
		if m.loadLive == nil {
			return nil, true
		}
		return m.loadLive.update(msg), true
	case loadDoneMsg:
		return m.loadDone(msg), true
	case loadReportMsg:
		if m.loadRes != nil {
			m.loadRes.rep, m.loadRes.err = msg.rep, msg.err
		}
		return nil, true
	case openRunMsg:
		return m.openRun(msg), true
	case boardMsg, arenaMsg, compareMsg, savedMsg:
		return m.board.update(msg), true
	case modelsMsg, suiteMsg:
		return m.setup.update(msg), true
	case prefsMsg:
		return m.prefsRead(msg), true
	}
	return nil, false
}

// runDone is the transition a finished bench run makes: to its results,
// saved to the board's source; or, after Ctrl-C, out once it is saved.
func (m Model) runDone(msg runDoneMsg) tea.Cmd {
	if m.live == nil {
		return nil
	}
	cmd := m.live.update(msg)
	save := m.board.saved(msg.rep)
	if m.live.recorded {
		save = m.board.reload(msg.rep)
	}
	if m.quitting { // Ctrl-C during the run: keep the partial run, then go
		return tea.Sequence(save, tea.Quit)
	}
	if msg.rep != nil {
		m.results = newResults(m.sh, msg.rep, m.live.traces, m.live.prompts, msg.err)
		m.state, m.fromBoard = stateResults, false
	}
	return tea.Batch(cmd, save)
}

// loadDone is the transition a finished load run makes: to its results,
// or out after Ctrl-C (its report is written).
func (m Model) loadDone(msg loadDoneMsg) tea.Cmd {
	if m.loadLive == nil {
		return nil
	}
	cmd := m.loadLive.update(msg)
	if m.quitting {
		return tea.Quit
	}
	if msg.rep != nil {
		m.loadRes = newLoadResults(m.sh, msg.rep, msg.err)
		m.state = stateLoadResults
	}
	return cmd
}

// openRun is the transition from the leaderboard to a stored run's results.
func (m Model) openRun(msg openRunMsg) tea.Cmd {
	cmd := m.board.update(msg)
	if msg.err == nil && m.state == stateBoard {
		m.results = newResults(m.sh, msg.rep, map[string]*trace.Trace{}, msg.prompts, nil)
		m.state, m.fromBoard = stateResults, true
	}
	return cmd
}

// prefsRead applies the remembered set-up; janus tui --load starts its run
// then, with the remembered target, model and suite.
func (m Model) prefsRead(msg prefsMsg) tea.Cmd {
	cmd := m.setup.update(msg)
	if m.state == stateLoadLive && m.loadLive.ar == nil {
		m.loadLive = newLoadLive(m.sh, m.setup.loadOptions())
		return tea.Batch(cmd, m.loadLive.start())
	}
	return cmd
}

// View draws the current screen, clipped to the terminal so that nothing
// wraps or scrolls at 80×24.
func (m Model) View() string {
	s := m.current()
	return fit(s.View(), m.sh.help.View(s.Keys()), m.sh.w, m.sh.h)
}

// fit clips body to w columns and to the lines the help leaves, and puts
// the help last.
func fit(body, help string, w, h int) string {
	helpLines := strings.Split(help, "\n")
	room := h - 1 - len(helpLines)
	lines := strings.Split(strings.TrimRight(body, "\n"), "\n")
	if room > 0 && len(lines) > room {
		lines = lines[:room]
	}
	for len(lines) < room {
		lines = append(lines, "")
	}
	lines = append(append(lines, ""), helpLines...)
	for i, l := range lines {
		lines[i] = ansi.Truncate(strings.TrimRight(l, " "), w, "…")
	}
	return strings.Join(lines, "\n")
}

// shutdown cancels a run that is still going (the program was killed).
func (m Model) shutdown() {
	if m.live != nil && m.live.running() {
		m.live.stop()
		m.live.drain()
	}
	if m.loadLive != nil && m.loadLive.running() {
		m.loadLive.stop()
		m.loadLive.drain()
	}
}
