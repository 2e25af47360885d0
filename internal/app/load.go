package app

import (
	"io"
	"time"

	"github.com/janus-bench/janus/bench/load"
	"github.com/janus-bench/janus/scorer"
)

// LoadOptions configure one `janus bench load` (or a TUI-driven load
// run): the engine's options (load.Options: what to send, to whom, at what
// load) and what the application around the sweep does with them
// (internal/loadapp.Run reads these; the engine never does).
type LoadOptions struct {
	load.Options

	// Evaluator grades the answers (judge, code runner); the application
	// turns it into the sweep's ScoreFunc. Nil: judge and code checks
	// score 0.
	Evaluator *scorer.Evaluator

	// Selftest measures the harness's timing error at the run's peak
	// concurrency after the steps (a few seconds); false cites the last
	// saved selftest instead.
	Selftest bool
	// SelftestSim is the command that runs the selftest's sim in a process
	// of its own (selftest.Options.SimCommand); empty runs it in this
	// process, where it shares the harness's GC and counts in its RSS.
	SelftestSim []string
	// Prometheus is an address to serve live metrics on while the run goes.
	Prometheus string
	// KeepMemoryLimit leaves the process's soft memory limit alone (the
	// application sets it when GOMEMLIMIT is set); otherwise the run sets
	// one sized to its streams and puts the old one back after.
	KeepMemoryLimit bool
	// CPUProfile is a path to write a CPU profile of the steps to (go tool
	// pprof), so the harness's own cost at a given load can be read off a
	// real run rather than a benchmark.
	CPUProfile string
	// MemProfile is a path to write a heap profile to after the steps
	// (go tool pprof), to see what the load client's memory is spent on.
	MemProfile string

	// Pace and SimMaxConcurrency set the embedded reference target, which
	// runs when Target is empty.
	Pace              Pace
	SimMaxConcurrency int

	// Out is the JSON report's path; empty means
	// <OutDir>/<UTC time>-load-<model>.json.
	Out string
	// OutDir is the directory of the default report path (default
	// DefaultOutDir).
	OutDir string
	// Outputs are extra reports, FORMAT=PATH (load.ParseOutputs).
	Outputs []string
	// Format is the report on Stdout, one of load.Formats (default text);
	// Stdout nil prints none.
	Format string
	Stdout io.Writer
	// Live receives the live counters; nil means a fresh one. A caller
	// passes its own to read Snapshot while the run goes (the TUI).
	Live *load.Live
}

// Pace is the embedded reference target's pace: time to the first token
// and between tokens (zero: the target's default pace).
type Pace struct {
	TTFT     time.Duration
	PerToken time.Duration
}
