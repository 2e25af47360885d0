package tui

import "github.com/charmbracelet/bubbles/key"

// keyMap is one screen's bindings in the shape bubbles/help wants.
type keyMap struct{ short []key.Binding }

func (k keyMap) ShortHelp() []key.Binding  { return k.short }
func (k keyMap) FullHelp() [][]key.Binding { return [][]key.Binding{k.short} }

func bind(keys, helpKey, desc string, more ...string) key.Binding {
	return key.NewBinding(key.WithKeys(append([]string{keys}, more...)...), key.WithHelp(helpKey, desc))
}

// The bindings, by screen. A key means the same thing wherever it appears.
var (
	kUp      = bind("up", "↑/↓", "move", "k")
	kDown    = bind("down", "↓", "down", "j")
	kLeft    = bind("left", "←/→", "change", "h")
	kRight   = bind("right", "→", "change", "l")
	kToggle  = bind(" ", "space", "toggle")
	kEnter   = bind("enter", "enter", "open")
	kRun     = bind("enter", "enter", "run")
	kBoard   = bind("L", "L", "leaderboard")
	kBack    = bind("esc", "esc", "back")
	kQuit    = bind("q", "q", "quit", "ctrl+c")
	kPause   = bind("p", "p", "pause/resume")
	kStop    = bind("q", "q", "stop run", "ctrl+c")
	kSort    = bind("s", "s", "sort")
	kReverse = bind("r", "r", "rev")
	kFilter  = bind("/", "/", "filter")
	kTab     = bind("tab", "tab", "arena")
	kSelect  = bind(" ", "space", "pick")
	kCompare = bind("c", "c", "cmp")
	kScroll  = bind("pgdown", "pgup/pgdn", "scroll", "pgup", "f", "b")
)

var (
	setupKeys   = keyMap{[]key.Binding{kUp, kLeft, kToggle, kRun, kBoard, kQuit}}
	liveKeys    = keyMap{[]key.Binding{kPause, kStop}}
	resultsKeys = keyMap{[]key.Binding{kUp, kEnter, kBoard, kBack, kQuit}}
	taskKeys    = keyMap{[]key.Binding{kScroll, kBack, kQuit}}
	boardKeys   = keyMap{[]key.Binding{kSort, kReverse, kFilter, kSelect, kCompare, kTab, kBack, kQuit}}
)
