package tui

import (
	"context"
	"io"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/janus-bench/janus/bench/load"
	"github.com/janus-bench/janus/bench/trace"
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

// Model is the root bubbletea model.
type Model struct {
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
	m := Model{sh: sh, setup: newSetup(sh), board: newBoard(sh)}
	switch {
	case o.LoadReport != "":
		m.state, m.loadRes = stateLoadResults, newLoadResults(sh, nil, nil)
	case o.Load != "":
		m.state, m.loadLive = stateLoadLive, newLoadLive(sh, load.Options{Profile: o.Load, Duration: o.LoadDuration})
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

// Update routes a message to the screen it belongs to.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.sh.w, m.sh.h = msg.Width, msg.Height
		m.sh.help.Width = msg.Width
		if m.task != nil {
			m.task.resize()
		}
		m.board.resize()
		return m, nil
	case tea.KeyMsg:
		if msg.String() == "?" && (m.state != stateSetup || !m.setup.editing()) && !m.board.editing() {
			m.sh.help.ShowAll = !m.sh.help.ShowAll
			return m, nil
		}
		if msg.String() == "ctrl+c" {
			if m.live != nil && m.live.running() {
				m.quitting = true
				m.live.stop()
				return m, nil
			}
			if m.loadLive != nil && m.loadLive.running() {
				m.quitting = true
				m.loadLive.stop()
				return m, nil
			}
			return m, tea.Quit
		}
	case runStartedMsg, taskDoneMsg, liveTickMsg:
		if m.live == nil {
			return m, nil
		}
		return m, m.live.update(msg)
	case runDoneMsg:
		if m.live == nil {
			return m, nil
		}
		cmd := m.live.update(msg)
		save := m.board.saved(msg.rep)
		if m.live.recorded {
			save = m.board.reload(msg.rep)
		}
		if m.quitting { // Ctrl-C during the run: keep the partial run, then go
			return m, tea.Sequence(save, tea.Quit)
		}
		if msg.rep != nil {
			m.results = newResults(m.sh, msg.rep, m.live.traces, m.live.prompts, msg.err)
			m.state, m.fromBoard = stateResults, false
		}
		return m, tea.Batch(cmd, save)
	case runClosedMsg, loadClosedMsg:
		return m, nil
	case loadStepStartMsg, loadStepDoneMsg, loadTickMsg:
		if m.loadLive == nil {
			return m, nil
		}
		return m, m.loadLive.update(msg)
	case loadDoneMsg:
		if m.loadLive == nil {
			return m, nil
		}
		cmd := m.loadLive.update(msg)
		if m.quitting { // Ctrl-C during the run: its report is written, go
			return m, tea.Quit
		}
		if msg.rep != nil {
			m.loadRes = newLoadResults(m.sh, msg.rep, msg.err)
			m.state = stateLoadResults
		}
		return m, cmd
	case loadReportMsg:
		if m.loadRes != nil {
			m.loadRes.rep, m.loadRes.err = msg.rep, msg.err
		}
		return m, nil
	case openRunMsg:
		cmd := m.board.update(msg)
		if msg.err == nil && m.state == stateBoard {
			m.results = newResults(m.sh, msg.rep, map[string]*trace.Trace{}, msg.prompts, nil)
			m.state, m.fromBoard = stateResults, true
		}
		return m, cmd
	case boardMsg, arenaMsg, compareMsg, savedMsg:
		return m, m.board.update(msg)
	case modelsMsg, suiteMsg:
		return m, m.setup.update(msg)
	case prefsMsg:
		cmd := m.setup.update(msg)
		if m.state == stateLoadLive && m.loadLive.ar == nil { // janus tui --load
			m.loadLive = newLoadLive(m.sh, m.setup.loadOptions())
			return m, tea.Batch(cmd, m.loadLive.start())
		}
		return m, cmd
	}

	switch m.state {
	case stateSetup:
		if k, ok := msg.(tea.KeyMsg); ok {
			switch s := k.String(); {
			case s == "q" && !m.setup.editing():
				return m, tea.Quit
			case s == "L" && !m.setup.editing():
				m.state, m.back = stateBoard, stateSetup
				return m, m.board.load()
			case s == "enter" && m.setup.loadMode: // also from the profile field
				if !m.setup.ready() {
					return m, nil // the profile's error is on screen
				}
				m.loadLive = newLoadLive(m.sh, m.setup.loadOptions())
				m.state = stateLoadLive
				return m, tea.Batch(m.setup.remember(), m.loadLive.start())
			case s == "enter": // also from the URL field
				opts := m.setup.runOptions()
				m.live = newLive(m.sh, opts)
				m.state = stateLive
				return m, tea.Batch(m.setup.remember(), m.live.start())
			}
		}
		return m, m.setup.update(msg)
	case stateLive:
		if k, ok := msg.(tea.KeyMsg); ok && (k.String() == "q" || k.String() == "esc") {
			if !m.live.running() { // the run failed to start: back to set-up
				m.state = stateSetup
				return m, nil
			}
			if k.String() == "q" {
				m.live.stop()
			}
			return m, nil
		}
		return m, m.live.update(msg)
	case stateLoadLive:
		if k, ok := msg.(tea.KeyMsg); ok && (k.String() == "q" || k.String() == "esc") {
			if !m.loadLive.running() { // it failed, or never started
				m.state = stateSetup
				return m, nil
			}
			if k.String() == "q" {
				m.loadLive.stop()
			}
		}
		return m, nil
	case stateLoadResults:
		if k, ok := msg.(tea.KeyMsg); ok {
			switch k.String() {
			case "q":
				return m, tea.Quit
			case "esc":
				m.state = stateSetup
				return m, nil
			case "L":
				m.state, m.back = stateBoard, stateLoadResults
				return m, m.board.load()
			}
		}
		return m, nil
	case stateResults:
		if k, ok := msg.(tea.KeyMsg); ok {
			switch k.String() {
			case "q":
				return m, tea.Quit
			case "esc":
				m.state = stateSetup
				if m.fromBoard {
					m.state = stateBoard
				}
				return m, nil
			case "L":
				m.state, m.back = stateBoard, stateResults
				return m, m.board.load()
			case "enter":
				if tr := m.results.selected(); tr != nil {
					m.task = newTask(m.sh, *tr, m.results.traces[tr.ID], m.results.prompts[tr.ID])
					m.state = stateTask
				}
				return m, nil
			}
		}
		return m, m.results.update(msg)
	case stateTask:
		if k, ok := msg.(tea.KeyMsg); ok {
			switch k.String() {
			case "q":
				return m, tea.Quit
			case "esc":
				m.state = stateResults
				return m, nil
			}
		}
		return m, m.task.update(msg)
	case stateBoard:
		if k, ok := msg.(tea.KeyMsg); ok && !m.board.editing() {
			switch k.String() {
			case "q":
				return m, tea.Quit
			case "esc":
				if m.board.comparing() {
					break
				}
				m.state = m.back
				if m.state == stateResults && m.results == nil {
					m.state = stateSetup
				}
				return m, nil
			}
		}
		return m, m.board.update(msg)
	}
	return m, nil
}

// View draws the current screen, clipped to the terminal so that nothing
// wraps or scrolls at 80×24.
func (m Model) View() string {
	var body string
	var keys keyMap
	switch m.state {
	case stateSetup:
		body, keys = m.setup.view(), setupKeys
		if m.setup.loadMode {
			keys = setupLoadKeys
		}
	case stateLive:
		body, keys = m.live.view(), liveKeys
	case stateResults:
		body, keys = m.results.view(), resultsKeys
	case stateTask:
		body, keys = m.task.view(), taskKeys
	case stateBoard:
		body, keys = m.board.view(), boardKeys
	case stateLoadLive:
		body, keys = m.loadLive.view(), loadLiveKeys
	case stateLoadResults:
		body, keys = m.loadRes.view(), loadResultsKeys
	}
	helpLine := m.sh.help.View(keys)
	return fit(body, helpLine, m.sh.w, m.sh.h)
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
