// Package tui is janus's interactive terminal front end (bubbletea): set
// up a run, watch it stream in, drill into any task and its event timeline,
// and browse the leaderboard. The root model holds one sub-model per
// screen and shows one screen at a time (the screen interface, screens.go:
// a screen's Update returns the screen to show next); all of them share one
// context (size, styles, clock, options). Keys are matched against the
// bindings of keys.go, the ones the help line shows. Every piece of I/O runs in a tea.Cmd and every channel
// read delivers one item per Cmd, so Update never blocks.
package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/bench/load"
	janusapp "github.com/janus-bench/janus/internal/app"
	"github.com/janus-bench/janus/leaderboard"
	"github.com/janus-bench/janus/record"
)

// Screen names the screen the TUI opens on.
type Screen string

// The screens.
const (
	ScreenSetup       Screen = "setup"
	ScreenLeaderboard Screen = "leaderboard"
)

// RunFunc runs a benchmark; bench.Run is the real one.
type RunFunc func(ctx context.Context, o bench.RunOptions) (*record.Report, error)

// LoadRunFunc runs a load sweep; the application supplies the real one
// (internal/loadapp.Mount.Run), which the TUI, a front end, does not link.
type LoadRunFunc func(ctx context.Context, o janusapp.LoadOptions) (*load.Report, error)

// Options configure the TUI.
type Options struct {
	// Start is the first screen (default ScreenSetup).
	Start Screen
	// Target is the base URL offered first on the setup screen; empty
	// offers the embedded reference target.
	Target string
	// TargetLabel names the target on the setup screen (janus up says
	// "reference stack").
	TargetLabel string
	APIKey      string
	// Base are the run options every TUI-driven run starts from (budgets,
	// timeouts, weights, sim pace…); the setup screen fills target, model,
	// suite, categories, concurrency and limit.
	Base bench.RunOptions
	// Run runs a benchmark; nil means bench.Run.
	Run RunFunc
	// LoadBase are the options every TUI-driven load run starts from
	// (budgets, timeouts, sim pace, selftest…); the setup screen fills
	// target, model, suite, profile, step duration and streaming. Its
	// Profile, if set, is the one the set-up offers first.
	LoadBase janusapp.LoadOptions
	// LoadRun runs a load sweep; nil means load runs are refused with an
	// error (the leaderboard-only screens never start one).
	LoadRun LoadRunFunc
	// Load is a load profile (closed:c=1,4,16…) to run at once, with the
	// set-up's other choices (janus tui --load); empty opens the set-up.
	Load string
	// LoadDuration is the measured time per load step; 0 means the one
	// remembered from last time, or 10s.
	LoadDuration time.Duration
	// LoadReport is a JSON load report (written by janus bench load) to
	// open on the load results screen (janus tui --load-report).
	LoadReport string
	// Source feeds the leaderboard screen and stores TUI-driven runs; nil
	// means Run opens the run store named by Store.
	Source Source
	// Store is the run store's DSN (a SQLite path or a postgres:// URL);
	// empty means leaderboard.DefaultDSN(), "-" means none.
	Store string
	// Query filters the leaderboard screen.
	Query leaderboard.Query
	// NoSave keeps TUI-driven runs out of Source.
	NoSave bool
	// ConfigDir holds the remembered setup (tui.json); empty means
	// $XDG_CONFIG_HOME/janus (or ~/.config/janus); "-" remembers nothing.
	ConfigDir string
	// OutDir is where run reports go (default runs/).
	OutDir string
	// NoColor drops colours and attributes (--no-color, NO_COLOR).
	NoColor bool
	// Now is the clock; nil means time.Now. Tests fix it.
	Now func() time.Time
	// Tick is how often the live screen refreshes its clock while no task
	// finishes; 0 means every second, negative never (tests).
	Tick time.Duration
	// Logger receives the TUI's logs; the terminal belongs to the TUI, so
	// Run sends logs to LogFile when Logger is nil.
	Logger *slog.Logger
	// LogFile is where logs go while the TUI owns the terminal (default
	// $XDG_STATE_HOME/janus/tui.log).
	LogFile string
	// Input and Output default to the terminal.
	Input  io.Reader
	Output io.Writer
}

func (o *Options) defaults() {
	if o.Start == "" {
		o.Start = ScreenSetup
	}
	if o.Run == nil {
		o.Run = bench.Run
	}
	if o.LoadRun == nil {
		o.LoadRun = noLoadRun
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Tick == 0 {
		o.Tick = time.Second
	}
	if o.OutDir == "" {
		o.OutDir = "runs"
	}
	if o.ConfigDir == "" {
		o.ConfigDir = defaultConfigDir()
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
}

// Run opens the TUI and returns when the user quits. A run in progress is
// cancelled first and its partial report written.
func Run(ctx context.Context, o Options) error {
	log, closeLog, err := o.logger()
	if err != nil {
		return err
	}
	defer closeLog()
	o.Logger = log
	if o.Source == nil && o.Store != "-" {
		dsn := o.Store
		if dsn == "" {
			dsn = leaderboard.DefaultDSN()
		}
		st, err := leaderboard.Open(ctx, dsn)
		if err != nil {
			return fmt.Errorf("tui: %w", err)
		}
		defer st.Close()
		o.Source = StoreSource{Store: st, Query: o.Query, Logger: log}
	}
	out := o.Output
	if out == nil {
		out = os.Stdout
	}
	m := New(o, out)
	m.sh.ctx = ctx // Cmds end with the program
	popts := []tea.ProgramOption{tea.WithContext(ctx), tea.WithOutput(out), tea.WithAltScreen()}
	if o.Input != nil {
		popts = append(popts, tea.WithInput(o.Input))
	}
	p := tea.NewProgram(m, popts...)
	final, err := p.Run()
	if fm, ok := final.(Model); ok {
		fm.shutdown()
	}
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return nil // Ctrl-C from the caller's context: a normal way out
	}
	if err != nil {
		return fmt.Errorf("tui: %w", err)
	}
	return nil
}

// logger returns o.Logger, or a logger writing to the log file (the
// terminal belongs to the TUI) that is also made the default logger until
// the returned func is called, so that libraries logging through slog do
// not write over the screen.
func (o *Options) logger() (*slog.Logger, func(), error) {
	if o.Logger != nil {
		return o.Logger, func() {}, nil
	}
	path := o.LogFile
	if path == "" {
		path = defaultLogFile()
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, nil, fmt.Errorf("tui: create log dir: %w", err)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, nil, fmt.Errorf("tui: open log file: %w", err)
	}
	log := slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelInfo}))
	prev := slog.Default()
	slog.SetDefault(log)
	return log, func() { slog.SetDefault(prev); f.Close() }, nil
}

func defaultConfigDir() string {
	if d, err := os.UserConfigDir(); err == nil {
		return filepath.Join(d, "janus")
	}
	return "-"
}

func defaultLogFile() string {
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "janus", "tui.log")
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".local", "state", "janus", "tui.log")
	}
	return filepath.Join(os.TempDir(), "janus-tui.log")
}

// noLoadRun is LoadRun when the application gave none.
func noLoadRun(context.Context, janusapp.LoadOptions) (*load.Report, error) {
	return nil, errors.New("load runs are not available from this screen")
}
