package tui

import (
	"io"
	"strings"
	"testing"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/janus-bench/janus/bench/trace"
)

// quits reports whether cmd is tea.Quit (run synchronously: a quit Cmd
// does no I/O).
func quits(cmd tea.Cmd) bool {
	if cmd == nil {
		return false
	}
	_, ok := cmd().(tea.QuitMsg)
	return ok
}

// TestScreenTransitions drives the root model's Update directly, one key
// at a time, and checks the screen each key leads to.
func TestScreenTransitions(t *testing.T) {
	f := newFixture(t)
	withResults := func(m Model) {
		m.results = newResults(m.sh, f.rep, map[string]*trace.Trace{}, nil, nil)
	}
	cases := []struct {
		name    string
		from    state
		prepare func(m Model) // the state the key finds
		key     string
		want    state
		quit    bool
		back    state // checked when want is stateBoard
	}{
		{name: "setup L opens the board", from: stateSetup, key: "L", want: stateBoard, back: stateSetup},
		{name: "setup q quits", from: stateSetup, key: "q", want: stateSetup, quit: true},
		{name: "setup L while typing a URL is a letter", from: stateSetup, key: "L", want: stateSetup,
			prepare: func(m Model) { m.setup.useURL = true; m.setup.focus = fURL }},
		{name: "board esc goes back", from: stateBoard, key: "esc", want: stateSetup,
			prepare: func(m Model) { m.back = stateSetup }},
		{name: "board esc to results never shown goes to setup", from: stateBoard, key: "esc", want: stateSetup,
			prepare: func(m Model) { m.back = stateResults }},
		{name: "board esc back to results", from: stateBoard, key: "esc", want: stateResults,
			prepare: func(m Model) { m.back = stateResults; withResults(m) }},
		{name: "board q quits", from: stateBoard, key: "q", want: stateBoard, quit: true},
		{name: "results esc to setup", from: stateResults, key: "esc", want: stateSetup, prepare: withResults},
		{name: "results esc to the board it came from", from: stateResults, key: "esc", want: stateBoard,
			prepare: func(m Model) { withResults(m); m.fromBoard = true; m.back = stateSetup }, back: stateSetup},
		{name: "results L opens the board", from: stateResults, key: "L", want: stateBoard, back: stateResults, prepare: withResults},
		{name: "results enter opens the task", from: stateResults, key: "enter", want: stateTask, prepare: withResults},
		{name: "task esc back to results", from: stateTask, key: "esc", want: stateResults,
			prepare: func(m Model) {
				withResults(m)
				m.task = newTask(m.sh, *m.results.selected(), nil, "")
			}},
		{name: "load results esc to setup", from: stateLoadResults, key: "esc", want: stateSetup,
			prepare: func(m Model) { m.loadRes = newLoadResults(m.sh, nil, nil) }},
		{name: "load results L opens the board", from: stateLoadResults, key: "L", want: stateBoard, back: stateLoadResults,
			prepare: func(m Model) { m.loadRes = newLoadResults(m.sh, nil, nil) }},
		{name: "live that never started: esc to setup", from: stateLive, key: "esc", want: stateSetup,
			prepare: func(m Model) { m.live = newLive(m.sh, m.setup.runOptions()) }},
		{name: "ctrl+c with nothing running quits", from: stateBoard, key: "ctrl+c", want: stateBoard, quit: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := New(testOptions(t, f, newFixtureSource(f)), io.Discard)
			m.state = c.from
			if c.prepare != nil {
				c.prepare(m)
			}
			k := keyMsg(c.key)
			if c.key == "ctrl+c" {
				k = tea.KeyMsg{Type: tea.KeyCtrlC}
			}
			next, cmd := m.Update(k)
			got := next.(Model)
			if got.state != c.want {
				t.Errorf("%q on state %d: state %d, want %d", c.key, c.from, got.state, c.want)
			}
			if q := quits(cmd); q != c.quit {
				t.Errorf("%q on state %d: quit %v, want %v", c.key, c.from, q, c.quit)
			}
			if c.want == stateBoard && got.back != c.back {
				t.Errorf("esc on the board would return to state %d, want %d", got.back, c.back)
			}
		})
	}
}

// TestHelpToggle: ? shows every key of the screen and hides them again;
// while a text field has the cursor it is typed instead.
func TestHelpToggle(t *testing.T) {
	f := newFixture(t)
	m := New(testOptions(t, f, newFixtureSource(f)), io.Discard)
	m.state = stateBoard
	m.Update(keyMsg("?"))
	if !m.sh.help.ShowAll {
		t.Fatal("? did not open the full help")
	}
	m.Update(keyMsg("?"))
	if m.sh.help.ShowAll {
		t.Fatal("? did not close the full help")
	}
	m.state = stateSetup
	m.setup.useURL, m.setup.focus = true, fURL
	m.setup.focusInputs()
	m.Update(keyMsg("?"))
	if m.sh.help.ShowAll || !strings.HasSuffix(m.setup.url.Value(), "?") {
		t.Errorf("? in the URL field: help %v, URL %q; want it typed", m.sh.help.ShowAll, m.setup.url.Value())
	}
}

// TestReboundKey rebinds the leaderboard key in keys.go's table: the help
// line shows the new key, the new key opens the board and the old one no
// longer does. Behaviour and help come from the same binding.
func TestReboundKey(t *testing.T) {
	prev := kBoard
	t.Cleanup(func() { kBoard = prev })
	kBoard = key.NewBinding(key.WithKeys("B"), key.WithHelp("B", "board"))

	f := newFixture(t)
	m := New(testOptions(t, f, newFixtureSource(f)), io.Discard)
	if v := m.View(); !strings.Contains(v, "B board") || strings.Contains(v, "L leaderboard") {
		t.Errorf("the set-up's help does not show the rebound key:\n%s", v)
	}
	m.Update(keyMsg("L"))
	if m.state != stateSetup {
		t.Fatalf("L still opens the board after rebinding: state %d", m.state)
	}
	m.Update(keyMsg("B"))
	if m.state != stateBoard {
		t.Fatalf("B does not open the board: state %d", m.state)
	}
}

// TestEveryHelpKeyIsBound: each key a screen's help line names is one its
// binding answers to, and no binding is disabled (a help entry for a key
// that does nothing).
func TestEveryHelpKeyIsBound(t *testing.T) {
	maps := map[string]keyMap{"setup": setupKeys(), "setup-load": setupLoadKeys(), "live": liveKeys(),
		"results": resultsKeys(), "task": taskKeys(), "board": boardKeys(), "load-live": loadLiveKeys(),
		"load-results": loadResultsKeys()}
	for name, km := range maps {
		t.Run(name, func(t *testing.T) {
			for _, b := range append(km.ShortHelp(), km.more...) {
				if !b.Enabled() || len(b.Keys()) == 0 {
					t.Errorf("%q (%s) matches no key", b.Help().Key, b.Help().Desc)
				}
			}
		})
	}
}
