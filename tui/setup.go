package tui

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/bench/load"
	"github.com/janus-bench/janus/bench/trace"
	janusapp "github.com/janus-bench/janus/internal/app"
	"github.com/janus-bench/janus/internal/suitegen"
	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/suites"
)

// prefs are the setup choices remembered between sessions.
type prefs struct {
	URL         string   `json:"url,omitempty"`
	UseURL      bool     `json:"use_url,omitempty"`
	Model       string   `json:"model,omitempty"`
	Suite       string   `json:"suite,omitempty"`
	Categories  []string `json:"categories,omitempty"`
	Concurrency int      `json:"concurrency,omitempty"`
	Limit       int      `json:"limit,omitempty"`
	// Load run choices.
	Mode         string `json:"mode,omitempty"` // "load" or "" (a bench run)
	Profile      string `json:"profile,omitempty"`
	LoadDuration string `json:"load_duration,omitempty"`
	NoStream     bool   `json:"no_stream,omitempty"`
}

// modeLoad is the set-up's load-run mode in prefs.
const modeLoad = "load"

const prefsFile = "tui.json"

func loadPrefs(dir string) prefs {
	var p prefs
	if dir == "-" {
		return p
	}
	b, err := os.ReadFile(filepath.Join(dir, prefsFile))
	if err != nil {
		return p
	}
	return parsePrefs(b)
}

// parsePrefs reads a remembered set-up; a damaged file is as good as none,
// and a hand-edited one cannot ask for more than the set-up offers.
func parsePrefs(b []byte) prefs {
	var p prefs
	if json.Unmarshal(b, &p) != nil {
		return prefs{}
	}
	p.Concurrency = min(max(p.Concurrency, 0), maxConcurrency)
	if !slices.Contains(limits, p.Limit) {
		p.Limit = 0
	}
	if p.Mode != modeLoad {
		p.Mode = ""
	}
	if _, err := load.ParseProfile(p.Profile); err != nil {
		p.Profile = ""
	}
	if d, err := time.ParseDuration(p.LoadDuration); err != nil || d <= 0 || d > maxLoadDuration {
		p.LoadDuration = ""
	}
	return p
}

// maxLoadDuration bounds a remembered step duration.
const maxLoadDuration = time.Hour

// maxConcurrency bounds the set-up's concurrency.
const maxConcurrency = 64

func savePrefs(dir string, p prefs) error {
	if dir == "-" {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("save setup: %w", err)
	}
	b, _ := json.MarshalIndent(p, "", "  ")
	return record.WriteAtomic(filepath.Join(dir, prefsFile), func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}

// Setup fields, top to bottom.
type field int

const (
	fMode field = iota
	fTarget
	fURL
	fModel
	fSuite
	fCategories
	fConcurrency
	fLimit
	fProfile
	fDuration
	fStream
)

var limits = []int{0, 8, 16, 32, 64, 128, 256}

// loadDurations are the step durations offered; one given on the command
// line or remembered is added in order.
var loadDurations = []time.Duration{time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 30 * time.Second, time.Minute, 2 * time.Minute, 5 * time.Minute}

// Defaults of a load run set up on the screen.
const (
	defaultProfile      = "closed:c=1,4,16"
	defaultLoadDuration = 10 * time.Second
)

// Messages the setup screen's Cmds answer with.
type (
	modelsMsg struct {
		url string
		ids []string
		err error
	}
	suiteMsg struct {
		name string
		cats []string
		n    int
		err  error
	}
)

type setupModel struct {
	sh     *shared
	focus  field
	useURL bool
	url    textinput.Model
	models []string // "" first: auto
	model  int
	modErr error
	suites []string
	suite  int
	cats   []string
	chosen map[string]bool
	cat    int
	nTasks int
	suiteE error
	conc   int
	limit  int
	loaded prefs // as read at start

	// Load run choices.
	loadMode bool
	profile  textinput.Model
	profErr  error
	durs     []time.Duration
	dur      int
	noStream bool
}

func newSetup(sh *shared) *setupModel {
	// The cursor starts on the target, under the mode: a bench run is the
	// usual choice and the mode one key up.
	s := &setupModel{sh: sh, focus: fTarget, models: []string{""}, suites: suites.Builtin(), chosen: map[string]bool{}, conc: 4}
	s.url = textinput.New()
	s.url.Prompt = ""
	s.url.Placeholder = "http://127.0.0.1:8000/v1"
	s.url.CharLimit = 512
	s.url.Width = 50
	if sh.o.Target != "" {
		s.useURL = true
		s.url.SetValue(sh.o.Target)
	}
	s.profile = textinput.New()
	s.profile.Prompt = ""
	s.profile.Placeholder = defaultProfile
	s.profile.CharLimit = 256
	s.profile.Width = 40
	s.profile.SetValue(defaultProfile)
	if sh.o.LoadBase.Profile != "" {
		s.profile.SetValue(sh.o.LoadBase.Profile)
	}
	if sh.o.Load != "" {
		s.loadMode = true
		s.profile.SetValue(sh.o.Load)
	}
	s.validateProfile()
	s.durs = slices.Clone(loadDurations)
	s.setDuration(defaultLoadDuration)
	if sh.o.LoadDuration > 0 {
		s.setDuration(sh.o.LoadDuration)
	}
	if sh.o.Base.Model != "" {
		s.models, s.model = append(s.models, sh.o.Base.Model), 1
	}
	if i := slices.Index(s.suites, "smoke"); i >= 0 {
		s.suite = i // the quick one, unless another was chosen last time
	}
	return s
}

// prefsMsg carries the remembered set-up, read in a Cmd.
type prefsMsg struct{ p prefs }

// init reads the remembered set-up; applying it loads the suite and the
// target's models.
func (s *setupModel) init() tea.Cmd {
	dir := s.sh.o.ConfigDir
	return func() tea.Msg { return prefsMsg{loadPrefs(dir)} }
}

// apply lays the remembered choices over the defaults; a target or model
// given on the command line wins.
func (s *setupModel) apply(p prefs) tea.Cmd {
	s.loaded = p
	if s.sh.o.Target == "" && p.URL != "" {
		s.useURL = p.UseURL
		s.url.SetValue(p.URL)
	}
	if p.Model != "" && s.sh.o.Base.Model == "" {
		s.models, s.model = []string{"", p.Model}, 1
	}
	if i := slices.Index(s.suites, p.Suite); i >= 0 {
		s.suite = i
	}
	for _, c := range p.Categories {
		s.chosen[c] = true
	}
	if p.Concurrency > 0 {
		s.conc = p.Concurrency
	}
	if i := slices.Index(limits, p.Limit); i >= 0 {
		s.limit = i
	}
	// A profile or duration from the command line wins over the
	// remembered ones.
	if s.sh.o.Load == "" {
		s.loadMode = p.Mode == modeLoad
		if p.Profile != "" {
			s.profile.SetValue(p.Profile)
			s.validateProfile()
		}
	}
	if d, err := time.ParseDuration(p.LoadDuration); err == nil && d > 0 && s.sh.o.LoadDuration == 0 {
		s.setDuration(d)
	}
	s.noStream = p.NoStream
	return tea.Batch(s.loadSuite(), s.loadModels())
}

// setDuration selects d, adding it to the choices if it is not one.
func (s *setupModel) setDuration(d time.Duration) {
	i, found := slices.BinarySearch(s.durs, d)
	if !found {
		s.durs = slices.Insert(s.durs, i, d)
	}
	s.dur = i
}

// validateProfile checks the profile as typed; the error is shown under
// it and enter does not start the run.
func (s *setupModel) validateProfile() {
	_, s.profErr = load.ParseProfile(s.profile.Value())
}

func (s *setupModel) suiteName() string {
	if len(s.suites) == 0 {
		return "smoke"
	}
	return s.suites[s.suite]
}

func (s *setupModel) loadSuite() tea.Cmd {
	name, ctx := s.suiteName(), s.sh.ctx
	return func() tea.Msg {
		su, err := suites.Load(ctx, name)
		if generate, ok := suitegen.Generator(name); ok {
			// A run generates this suite from its own seed; its categories
			// and size are the same for every seed, not the stored file's.
			su, err = generate(1)
		}
		if err != nil {
			return suiteMsg{name: name, err: err}
		}
		sum := suites.Summarize(su)
		var cats []string
		for c := range sum.Categories {
			cats = append(cats, c)
		}
		sort.Strings(cats)
		return suiteMsg{name: name, cats: cats, n: sum.Tasks}
	}
}

func (s *setupModel) loadModels() tea.Cmd {
	if !s.useURL || s.url.Value() == "" {
		return nil
	}
	url, key, ctx := strings.TrimSpace(s.url.Value()), s.sh.o.APIKey, s.sh.ctx
	return func() tea.Msg {
		ids, status, err := bench.ListModels(ctx, &trace.Client{BaseURL: url, APIKey: key})
		if err == nil && status != 200 {
			err = fmt.Errorf("GET /models: HTTP %d", status)
		}
		return modelsMsg{url: url, ids: ids, err: err}
	}
}

// editing reports whether keys go to a text input (the URL, the profile).
func (s *setupModel) editing() bool { return s.focus == fURL || s.focus == fProfile }

func (s *setupModel) fields() []field {
	f := []field{fMode, fTarget}
	if s.useURL {
		f = append(f, fURL)
	}
	f = append(f, fModel, fSuite)
	if s.loadMode {
		return append(f, fProfile, fDuration, fStream)
	}
	return append(f, fCategories, fConcurrency, fLimit)
}

func (s *setupModel) move(d int) {
	fs := s.fields()
	i := slices.Index(fs, s.focus)
	i = min(max(i+d, 0), len(fs)-1)
	s.focus = fs[i]
	s.focusInputs()
}

// focusInputs gives the cursor to the text input in focus, if any.
func (s *setupModel) focusInputs() {
	if s.focus == fURL {
		s.url.Focus()
	} else {
		s.url.Blur()
	}
	if s.focus == fProfile {
		s.profile.Focus()
	} else {
		s.profile.Blur()
	}
}

func (s *setupModel) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case prefsMsg:
		return s.apply(msg.p)
	case modelsMsg:
		if msg.url != strings.TrimSpace(s.url.Value()) {
			return nil // an answer for a URL since edited
		}
		cur := s.models[s.model]
		s.models, s.modErr = append([]string{""}, msg.ids...), msg.err
		s.model = max(slices.Index(s.models, cur), 0)
		return nil
	case suiteMsg:
		if msg.name != s.suiteName() {
			return nil
		}
		s.cats, s.nTasks, s.suiteE = msg.cats, msg.n, msg.err
		s.cat = min(s.cat, max(len(s.cats)-1, 0))
		return nil
	case tea.KeyMsg:
		return s.key(msg)
	}
	return nil
}

// key handles a key on the set-up: the field keys move even while a text
// field has the cursor, where every other key is typed.
func (s *setupModel) key(msg tea.KeyMsg) tea.Cmd {
	switch {
	case key.Matches(msg, kPrevField):
		s.move(-1)
		return nil
	case key.Matches(msg, kNextField):
		s.move(1)
		return nil
	}
	if s.focus == fURL {
		var cmd tea.Cmd
		before := s.url.Value()
		s.url, cmd = s.url.Update(msg)
		if s.url.Value() != before {
			return tea.Batch(cmd, s.loadModels())
		}
		return cmd
	}
	if s.focus == fProfile {
		var cmd tea.Cmd
		s.profile, cmd = s.profile.Update(msg)
		s.validateProfile()
		return cmd
	}
	switch {
	case key.Matches(msg, kUp):
		s.move(-1)
	case key.Matches(msg, kDown):
		s.move(1)
	case key.Matches(msg, kLeft):
		return s.change(-1)
	case key.Matches(msg, kRight):
		return s.change(1)
	case key.Matches(msg, kToggle):
		if s.focus == fCategories && len(s.cats) > 0 {
			c := s.cats[s.cat]
			s.chosen[c] = !s.chosen[c]
		}
	}
	return nil
}

func (s *setupModel) change(d int) tea.Cmd {
	wrap := func(i, n int) int { return ((i+d)%n + n) % n }
	switch s.focus {
	case fMode:
		s.loadMode = !s.loadMode
	case fTarget:
		s.useURL = !s.useURL
		return s.loadModels()
	case fModel:
		s.model = wrap(s.model, len(s.models))
	case fSuite:
		if len(s.suites) > 0 {
			s.suite = wrap(s.suite, len(s.suites))
			s.chosen = map[string]bool{}
			s.cats = nil
			return s.loadSuite()
		}
	case fCategories:
		if len(s.cats) > 0 {
			s.cat = wrap(s.cat, len(s.cats))
		}
	case fConcurrency:
		s.conc = min(max(s.conc+d, 1), maxConcurrency)
	case fLimit:
		s.limit = wrap(s.limit, len(limits))
	case fDuration:
		s.dur = min(max(s.dur+d, 0), len(s.durs)-1)
	case fStream:
		s.noStream = !s.noStream
	}
	return nil
}

func (s *setupModel) categories() []string {
	var out []string
	for _, c := range s.cats {
		if s.chosen[c] {
			out = append(out, c)
		}
	}
	return out
}

func (s *setupModel) prefs() prefs {
	p := prefs{URL: strings.TrimSpace(s.url.Value()), UseURL: s.useURL, Model: s.models[s.model], Suite: s.suiteName(),
		Categories: s.categories(), Concurrency: s.conc, Limit: limits[s.limit],
		Profile: strings.TrimSpace(s.profile.Value()), LoadDuration: s.durs[s.dur].String(), NoStream: s.noStream}
	if s.loadMode {
		p.Mode = modeLoad
	}
	if s.profErr != nil || s.sh.o.Load != "" {
		p.Profile = s.loaded.Profile // neither a typo nor a one-off --load is a choice to keep
	}
	if s.sh.o.LoadDuration > 0 {
		p.LoadDuration = s.loaded.LoadDuration
	}
	if s.sh.o.Target != "" && p.URL == s.sh.o.Target {
		// A target from the command line (janus up's gateway on a port of
		// the moment) is not a choice to remember.
		p.URL, p.UseURL = s.loaded.URL, s.loaded.UseURL
	}
	return p
}

// remember saves the choices in a Cmd (file I/O).
func (s *setupModel) remember() tea.Cmd {
	dir, p, log := s.sh.o.ConfigDir, s.prefs(), s.sh.o.Logger
	return func() tea.Msg {
		if err := savePrefs(dir, p); err != nil {
			log.Warn("cannot remember setup", "err", err)
		}
		return nil
	}
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// runOptions turns the choices into the options of a run.
func (s *setupModel) runOptions() bench.RunOptions {
	o := s.sh.o.Base
	p := s.prefs()
	if s.useURL {
		o.Target = strings.TrimSpace(s.url.Value())
		o.APIKey = s.sh.o.APIKey
	} else {
		o.Target = ""
	}
	o.Model, o.Suite, o.Categories, o.Concurrency, o.Limit = p.Model, p.Suite, p.Categories, p.Concurrency, p.Limit
	o.Out, o.ReportPath = "", nil
	if s.sh.o.OutDir == janusapp.DefaultOutDir {
		// janus bench run's default, runs/<UTC time>-<model>.json, names
		// the model the run discovers.
		o.ReportPath = func(model string) string { return janusapp.ReportPath(janusapp.DefaultOutDir, s.sh.o.Now(), model) }
	} else {
		name := p.Model
		if name == "" {
			name = "auto"
		}
		o.Out = filepath.Join(s.sh.o.OutDir, s.sh.o.Now().UTC().Format("20060102T150405Z")+"-"+unsafeName.ReplaceAllString(name, "_")+".json")
	}
	o.Logger = s.sh.o.Logger
	o.Stdout = nil
	return o
}

// loadOptions turns the choices into the options of a load run. The
// report goes where janus bench load puts it: <out dir>/<UTC time>-load-
// <model>.json.
func (s *setupModel) loadOptions() janusapp.LoadOptions {
	o := s.sh.o.LoadBase
	if s.useURL {
		o.Target = strings.TrimSpace(s.url.Value())
		o.APIKey = s.sh.o.APIKey
	} else {
		o.Target = ""
	}
	o.Model, o.Suite = s.models[s.model], s.suiteName()
	o.Profile = strings.TrimSpace(s.profile.Value())
	o.Duration, o.NoStream = s.durs[s.dur], s.noStream
	o.Out, o.OutDir = "", s.sh.o.OutDir
	o.Logger = s.sh.o.Logger
	o.Stdout = nil // the terminal is the TUI's
	o.Live = load.NewLive()
	return o
}

// ready reports whether enter may start the run: a load run needs a
// profile that parses.
func (s *setupModel) ready() bool { return !s.loadMode || s.profErr == nil }

func (s *setupModel) view() string {
	st := s.sh.st
	var b strings.Builder
	b.WriteString(st.title.Render("janus") + st.dim.Render(" · set up a run") + "\n\n")
	row := func(f field, label, value string) {
		cursor := "  "
		l := st.label.Render(fmt.Sprintf("%-12s", label))
		if s.focus == f {
			cursor = st.focus.Render("> ")
			l = st.focus.Render(fmt.Sprintf("%-12s", label))
		}
		b.WriteString(cursor + l + " " + value + "\n")
	}
	mode := "bench run (score a suite)"
	if s.loadMode {
		mode = "load run (throughput, goodput, knee)"
	}
	row(fMode, "mode", "‹ "+mode+" ›")
	target := "embedded reference target (sim on loopback)"
	if s.useURL {
		target = "URL"
		if s.sh.o.TargetLabel != "" {
			target = s.sh.o.TargetLabel
		}
	}
	row(fTarget, "target", "‹ "+target+" ›")
	if s.useURL {
		row(fURL, "url", s.url.View())
	}
	row(fModel, "model", s.modelValue())
	row(fSuite, "suite", s.suiteValue())
	if s.loadMode {
		s.loadRows(&b, row)
	} else {
		s.benchRows(&b, row)
	}
	return b.String()
}

// modelValue is the model row: the choice, and how many the target serves
// or why they could not be listed.
func (s *setupModel) modelValue() string {
	st := s.sh.st
	model := s.models[s.model]
	if model == "" {
		model = "auto (first of /v1/models)"
	}
	extra := ""
	if len(s.models) > 1 {
		extra = st.dim.Render(fmt.Sprintf("  (%d served)", len(s.models)-1))
	}
	if s.modErr != nil {
		extra = st.err.Render("  " + s.modErr.Error())
	}
	return "‹ " + model + " ›" + extra
}

// suiteValue is the suite row: the choice, and its size or load error.
func (s *setupModel) suiteValue() string {
	st := s.sh.st
	suite := s.suiteName()
	if s.nTasks > 0 {
		suite += st.dim.Render(fmt.Sprintf("  (%d tasks)", s.nTasks))
	}
	if s.suiteE != nil {
		suite += st.err.Render("  " + s.suiteE.Error())
	}
	return "‹ " + suite + " ›"
}

// benchRows draws the bench run's fields and the line under them.
func (s *setupModel) benchRows(b *strings.Builder, row func(field, string, string)) {
	st := s.sh.st
	var cats []string
	for i, c := range s.cats {
		mark := "[ ]"
		if s.chosen[c] {
			mark = "[x]"
		}
		item := " " + mark + " " + c
		if s.focus == fCategories && i == s.cat {
			item = st.selected.Render(">" + mark + " " + c) // marked in text too, for --no-color
		}
		cats = append(cats, item)
	}
	if len(s.categories()) == 0 {
		row(fCategories, "categories", st.dim.Render("all (space selects some)"))
	} else {
		row(fCategories, "categories", fmt.Sprintf("%d selected", len(s.categories())))
	}
	// The category list wraps under its row, three per line.
	for i := 0; i < len(cats); i += 3 {
		b.WriteString(strings.Repeat(" ", 14) + strings.Join(cats[i:min(i+3, len(cats))], " ") + "\n")
	}
	row(fConcurrency, "concurrency", fmt.Sprintf("‹ %d ›", s.conc))
	lim := "all tasks"
	if limits[s.limit] > 0 {
		lim = fmt.Sprintf("%d tasks", limits[s.limit])
	}
	row(fLimit, "limit", "‹ "+lim+" ›")
	b.WriteString("\n" + st.dim.Render("enter starts the run; reports go to "+s.sh.o.OutDir+"/") + "\n")
}

// loadRows draws the load run's fields and the line under them.
func (s *setupModel) loadRows(b *strings.Builder, row func(field, string, string)) {
	st := s.sh.st
	row(fProfile, "profile", s.profile.View())
	switch {
	case s.profErr != nil:
		msg := s.profErr.Error()
		if pe := (*load.ProfileError)(nil); errors.As(s.profErr, &pe) {
			msg = pe.Msg // the spec is on screen already
		}
		b.WriteString(strings.Repeat(" ", 15) + st.err.Render(msg) + "\n")
	case s.focus == fProfile:
		b.WriteString(strings.Repeat(" ", 15) + st.dim.Render("closed:c=1,4,16 · poisson:rate=5,10 · constant:rate=20") + "\n")
	default:
		steps, _ := load.ParseProfile(s.profile.Value())
		b.WriteString(strings.Repeat(" ", 15) + st.dim.Render(fmt.Sprintf("%d steps", len(steps))) + "\n")
	}
	row(fDuration, "step time", fmt.Sprintf("‹ %s ›", s.durs[s.dur]))
	stream := "on"
	if s.noStream {
		stream = "off (stream:false)"
	}
	row(fStream, "stream", "‹ "+stream+" ›")
	b.WriteString("\n" + st.dim.Render("enter starts the load run; reports go to "+s.sh.o.OutDir+"/") + "\n")
}
