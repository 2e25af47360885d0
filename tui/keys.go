package tui

import "github.com/charmbracelet/bubbles/key"

// keyMap is one screen's bindings in the shape bubbles/help wants: the
// short line, and more keys shown with it when `?` asks for them all.
type keyMap struct{ short, more []key.Binding }

func (k keyMap) ShortHelp() []key.Binding { return k.short }

// FullHelp lays every binding out in columns of three.
func (k keyMap) FullHelp() [][]key.Binding {
	var all []key.Binding
	for _, b := range append(append([]key.Binding(nil), k.short...), k.more...) {
		if b.Help().Key != "?" {
			all = append(all, b)
		}
	}
	var cols [][]key.Binding
	for i := 0; i < len(all); i += 3 {
		cols = append(cols, all[i:min(i+3, len(all))])
	}
	return cols
}

func bind(keys, helpKey, desc string, more ...string) key.Binding {
	return key.NewBinding(key.WithKeys(append([]string{keys}, more...)...), key.WithHelp(helpKey, desc))
}

// The bindings, by screen. A key means the same thing wherever it appears,
// and the screens match keys with key.Matches against these very values,
// so the help a screen shows is the keys it answers to.
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
	kOpen    = bind("enter", "enter", "open run")
	kMore    = bind("?", "?", "more")
)

// Bindings no help line shows: the interrupt works on every screen, the
// set-up's field keys also move while a text field has the cursor (where
// k and j are letters), and home/end jump to the ends of a list.
var (
	kInterrupt = bind("ctrl+c", "ctrl+c", "quit")
	kPrevField = bind("up", "↑", "previous field", "shift+tab")
	kNextField = bind("down", "↓", "next field", "tab")
	kHome      = bind("home", "home", "first", "g")
	kEnd       = bind("end", "end", "last", "G")
)

// The screens' help, built from the bindings when drawn (a rebound key
// shows as it is).
func setupKeys() keyMap {
	return keyMap{short: []key.Binding{kUp, kLeft, kToggle, kRun, kBoard, kQuit}}
}
func liveKeys() keyMap { return keyMap{short: []key.Binding{kPause, kStop}} }
func resultsKeys() keyMap {
	return keyMap{short: []key.Binding{kUp, kEnter, kBoard, kBack, kQuit}}
}
func taskKeys() keyMap { return keyMap{short: []key.Binding{kScroll, kBack, kQuit}} }
func boardKeys() keyMap {
	return keyMap{short: []key.Binding{kOpen, kSort, kFilter, kSelect, kCompare, kTab, kMore},
		more: []key.Binding{kUp, kReverse, kBack, kQuit}}
}

// The load run's screens. Its set-up has no list to toggle in, and a
// load run has no pause: a paused step would measure nothing.
func setupLoadKeys() keyMap   { return keyMap{short: []key.Binding{kUp, kLeft, kRun, kBoard, kQuit}} }
func loadLiveKeys() keyMap    { return keyMap{short: []key.Binding{kStop, kBack}} }
func loadResultsKeys() keyMap { return keyMap{short: []key.Binding{kBoard, kBack, kQuit}} }
