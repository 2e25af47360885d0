package tui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// screen is one screen as the root model drives it. Update handles a
// message while the screen shows and returns the screen to show next:
// itself, or another one it has set up (a key that changes screens does
// so at once, so that the next key typed lands on the new screen). The
// answers of Cmds that change screens (a run finished, a stored run read)
// are transition messages the root handles (Model.route).
type screen interface {
	Update(msg tea.Msg) (screen, tea.Cmd)
	View() string
	// Keys are the bindings the help line shows; Update matches keys
	// against the same values.
	Keys() keyMap
	id() state
}

// current is the screen showing.
func (a *app) current() screen { return a.screenOf(a.state) }

// screenOf is the screen that shows in state st.
func (a *app) screenOf(st state) screen {
	switch st {
	case stateLive:
		return liveScreen{a}
	case stateResults:
		return resultsScreen{a}
	case stateTask:
		return taskScreen{a}
	case stateBoard:
		return boardScreen{a}
	case stateLoadLive:
		return loadLiveScreen{a}
	case stateLoadResults:
		return loadResultsScreen{a}
	}
	return setupScreen{a}
}

// showSetup, showBoard… are the transitions the screens make.
func (a *app) showSetup() (screen, tea.Cmd) { return setupScreen{a}, nil }

// showBoard opens the leaderboard, which esc leaves for back.
func (a *app) showBoard(back state) (screen, tea.Cmd) {
	a.back = back
	return boardScreen{a}, a.board.load()
}

// keyOf is msg as a key press, if it is one.
func keyOf(msg tea.Msg) (tea.KeyMsg, bool) {
	k, ok := msg.(tea.KeyMsg)
	return k, ok
}

// setupScreen sets up a bench or a load run.
type setupScreen struct{ *app }

func (s setupScreen) id() state { return stateSetup }

func (s setupScreen) View() string { return s.setup.view() }

func (s setupScreen) Keys() keyMap {
	if s.setup.loadMode {
		return setupLoadKeys()
	}
	return setupKeys()
}

func (s setupScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	k, ok := keyOf(msg)
	typing := s.setup.editing()
	switch {
	case !ok:
	case key.Matches(k, kQuit) && !typing:
		return s, tea.Quit
	case key.Matches(k, kBoard) && !typing:
		return s.showBoard(stateSetup)
	case key.Matches(k, kRun) && s.setup.loadMode: // also from the profile field
		if !s.setup.ready() {
			return s, nil // the profile's error is on screen
		}
		s.loadLive = newLoadLive(s.sh, s.setup.loadOptions())
		return loadLiveScreen(s), tea.Batch(s.setup.remember(), s.loadLive.start())
	case key.Matches(k, kRun): // also from the URL field
		s.live = newLive(s.sh, s.setup.runOptions())
		return liveScreen(s), tea.Batch(s.setup.remember(), s.live.start())
	}
	return s, s.setup.update(msg)
}

// liveScreen watches a bench run.
type liveScreen struct{ *app }

func (s liveScreen) id() state    { return stateLive }
func (s liveScreen) View() string { return s.live.view() }
func (s liveScreen) Keys() keyMap { return liveKeys() }

func (s liveScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	if k, ok := keyOf(msg); ok && key.Matches(k, kStop, kBack) {
		if !s.live.running() { // the run failed to start: back to set-up
			return s.showSetup()
		}
		if key.Matches(k, kStop) {
			s.live.stop()
		}
		return s, nil
	}
	return s, s.live.update(msg)
}

// loadLiveScreen watches a load run.
type loadLiveScreen struct{ *app }

func (s loadLiveScreen) id() state    { return stateLoadLive }
func (s loadLiveScreen) View() string { return s.loadLive.view() }
func (s loadLiveScreen) Keys() keyMap { return loadLiveKeys() }

func (s loadLiveScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	if k, ok := keyOf(msg); ok && key.Matches(k, kStop, kBack) {
		if !s.loadLive.running() { // it failed, or never started
			return s.showSetup()
		}
		if key.Matches(k, kStop) {
			s.loadLive.stop()
		}
	}
	return s, nil
}

// loadResultsScreen shows a finished load run.
type loadResultsScreen struct{ *app }

func (s loadResultsScreen) id() state    { return stateLoadResults }
func (s loadResultsScreen) View() string { return s.loadRes.view() }
func (s loadResultsScreen) Keys() keyMap { return loadResultsKeys() }

func (s loadResultsScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	k, ok := keyOf(msg)
	switch {
	case !ok:
	case key.Matches(k, kQuit):
		return s, tea.Quit
	case key.Matches(k, kBack):
		return s.showSetup()
	case key.Matches(k, kBoard):
		return s.showBoard(stateLoadResults)
	}
	return s, nil
}

// resultsScreen shows a finished bench run, or one opened from the board.
type resultsScreen struct{ *app }

func (s resultsScreen) id() state    { return stateResults }
func (s resultsScreen) View() string { return s.results.view() }
func (s resultsScreen) Keys() keyMap { return resultsKeys() }

func (s resultsScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	k, ok := keyOf(msg)
	switch {
	case !ok:
	case key.Matches(k, kQuit):
		return s, tea.Quit
	case key.Matches(k, kBack):
		if s.fromBoard {
			return boardScreen(s), nil
		}
		return s.showSetup()
	case key.Matches(k, kBoard):
		return s.showBoard(stateResults)
	case key.Matches(k, kEnter):
		if tr := s.results.selected(); tr != nil {
			s.task = newTask(s.sh, *tr, s.results.traces[tr.ID], s.results.prompts[tr.ID])
			return taskScreen(s), nil
		}
		return s, nil
	}
	return s, s.results.update(msg)
}

// taskScreen shows one task and its event timeline.
type taskScreen struct{ *app }

func (s taskScreen) id() state    { return stateTask }
func (s taskScreen) View() string { return s.task.view() }
func (s taskScreen) Keys() keyMap { return taskKeys() }

func (s taskScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	k, ok := keyOf(msg)
	switch {
	case !ok:
	case key.Matches(k, kQuit):
		return s, tea.Quit
	case key.Matches(k, kBack):
		return resultsScreen(s), nil
	}
	return s, s.task.update(msg)
}

// boardScreen is the leaderboard and the arena ratings.
type boardScreen struct{ *app }

func (s boardScreen) id() state    { return stateBoard }
func (s boardScreen) View() string { return s.board.view() }
func (s boardScreen) Keys() keyMap { return boardKeys() }

func (s boardScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	k, ok := keyOf(msg)
	switch {
	case !ok || s.board.editing():
	case key.Matches(k, kQuit):
		return s, tea.Quit
	case key.Matches(k, kBack) && !s.board.comparing(): // esc closes a comparison first
		if s.back == stateResults && s.results == nil {
			return s.showSetup()
		}
		return s.screenOf(s.back), nil
	}
	return s, s.board.update(msg)
}
