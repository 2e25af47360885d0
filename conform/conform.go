// Package conform is janus's contract conformance suite: like h2spec for
// HTTP/2, it sends a target a fixed set of requests and checks each rule of
// the Janus streaming contract and of the OpenAI Chat Completions subset
// janus relies on, one named check per rule, with the evidence for every
// verdict.
//
// A benchmark score says how well a competitor does; it cannot say why a
// stream was scored zero. Conformance answers that question before a run:
// a competitor team can see that its chunks lack "created", that its usage
// chunk has a non-empty choices array, or that it serves one request at a
// time, each named with the bytes or JSON path that break the rule.
//
// The work is split in two phases. collect sends every request in a fixed
// order and keeps the traces and raw bytes; the checks are then pure
// functions of what was collected. That keeps timing measurements free of
// check overhead and lets one request serve several checks.
//
// ExampleRun checks a target from Go and reads the verdicts.
package conform

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/bench/report"
	"github.com/janus-bench/janus/bench/trace"
)

// Level says how much a check matters. Only a failed Required check makes
// the run fail (exit 3): Recommended checks encode OpenAI behaviour that the
// Janus contract does not demand, and Info checks only describe the target.
type Level string

// Levels of a check.
const (
	Required    Level = "required"
	Recommended Level = "recommended"
	Info        Level = "info"
)

// Status is a check's verdict. A Recommended check that is not met is a
// WARN, never a FAIL, so FAIL always means "breaks the contract".
type Status string

// Verdicts.
const (
	Pass Status = "PASS"
	Fail Status = "FAIL"
	Warn Status = "WARN"
	Skip Status = "SKIP"
)

// EmbeddedKeepAlive is the keep-alive period the application gives the
// embedded reference target of a conformance run (Options.Start). It is
// shorter than the baseline's 1 s default so that, at the default 150 ms
// time to first token, every stream carries a keep-alive comment and the
// keep-alive path is exercised rather than skipped.
const EmbeddedKeepAlive = 100 * time.Millisecond

// Options configure a conformance run. They mirror the target flags of
// `janus bench run` so that a team checks exactly the endpoint it will be
// benchmarked on.
type Options struct {
	// Target is the base URL ending in /v1; empty starts the target with
	// Start.
	Target string
	// Model is the model id to ask for; empty takes the first id of
	// GET /v1/models.
	Model string
	// APIKey is sent as a Bearer token and never appears in the report.
	APIKey string
	// Header is added to every request.
	Header http.Header
	// FollowRedirects follows redirects that stay on the target's origin
	// (--follow-redirects); a redirect off it is never followed.
	FollowRedirects bool
	// Timeout bounds each request (default 5 min); TTFTTimeout bounds the
	// wait for a stream's first token (default 30 s).
	Timeout     time.Duration
	TTFTTimeout time.Duration
	// Limits cap what one response may make janus hold (zero fields:
	// trace.DefaultLimits).
	Limits trace.Limits
	// Budgets are the streaming contract's limits (default 2 s each).
	Budgets trace.Budgets
	// Start starts the target when Target is empty: the embedded
	// reference target, built by the application (baseline/reference,
	// with EmbeddedKeepAlive). It is asked for no suite.
	Start bench.StartTarget
}

// Result is one check's verdict with the evidence behind it.
type Result struct {
	ID       string `json:"id"`
	Level    Level  `json:"level"`
	Title    string `json:"title"`
	Status   Status `json:"status"`
	Evidence string `json:"evidence"`
}

// Summary counts the verdicts; RequiredFailed names the checks that make
// the run fail, so a CI log says which rule broke without the full table.
type Summary struct {
	Pass           int      `json:"pass"`
	Fail           int      `json:"fail"`
	Warn           int      `json:"warn"`
	Skip           int      `json:"skip"`
	RequiredFailed []string `json:"required_failed"`
	OK             bool     `json:"ok"`
}

// Report is the outcome of a run, printed as a table or as JSON for
// scripts.
type Report struct {
	Tool     string `json:"tool"`
	Version  string `json:"janus_version"`
	Target   string `json:"target"`
	Embedded bool   `json:"embedded_target"`
	// Image is the container image checked (`--image`); empty otherwise.
	Image      string        `json:"image,omitempty"`
	Model      string        `json:"model"`
	Budgets    trace.Budgets `json:"budgets"`
	StartedAt  time.Time     `json:"started_at"`
	DurationMs float64       `json:"duration_ms"`
	Summary    Summary       `json:"summary"`
	Checks     []Result      `json:"checks"`
}

// Result returns the verdict of the check with the given id.
func (r *Report) Result(id string) (Result, bool) {
	for _, c := range r.Checks {
		if c.ID == id {
			return c, true
		}
	}
	return Result{}, false
}

// Run checks the target and returns the report. The error is a
// *bench.InputError when the target cannot be reached at all (there is
// nothing to check), and a *bench.ThresholdError, returned together with
// the complete report, when a Required check failed.
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Budgets == (trace.Budgets{}) {
		o.Budgets = trace.DefaultBudgets()
	}
	rep := &Report{Tool: "janus conform", Version: bench.HarnessVersion(), Budgets: o.Budgets,
		StartedAt: time.Now().UTC(), Embedded: o.Target == ""}
	if o.Target == "" {
		if o.Start == nil {
			return nil, &bench.InputError{Op: "conform", Err: errors.New("no target: give a base URL ending in /v1, or a start func for the embedded reference target")}
		}
		url, stop, err := o.Start(ctx, nil, false)
		if err != nil {
			return nil, fmt.Errorf("conform: %w", err)
		}
		defer stop()
		o.Target = url
	}
	rep.Target = report.RedactURL(o.Target)

	hc := &http.Client{Transport: trace.NewTransport(8), CheckRedirect: trace.RedirectPolicy(o.FollowRedirects)}
	defer hc.CloseIdleConnections()
	client := &trace.Client{BaseURL: o.Target, APIKey: o.APIKey, Header: o.Header, HTTP: hc, SameOriginRedirects: o.FollowRedirects,
		Timeout: o.Timeout, TTFTTimeout: o.TTFTTimeout, Limits: o.Limits}
	ids, _, err := bench.ListModels(ctx, client)
	if err != nil {
		return nil, &bench.InputError{Op: "reach target " + rep.Target, Err: err}
	}
	model := o.Model
	if model == "" && len(ids) > 0 {
		model = ids[0]
	}
	rep.Model = model

	col := &collector{o: o, client: client, hc: hc, model: model}
	ev, err := col.collect(ctx)
	if err != nil {
		return nil, fmt.Errorf("conform %s: %w", rep.Target, err)
	}
	for _, c := range catalogue {
		v := c.run(ev)
		status := v.status
		if status == Fail && c.Level != Required {
			status = Warn
		}
		rep.Checks = append(rep.Checks, Result{ID: c.ID, Level: c.Level, Title: c.Title, Status: status, Evidence: v.evidence})
	}
	rep.summarize()
	rep.DurationMs = float64(time.Since(rep.StartedAt).Microseconds()) / 1000
	if !rep.Summary.OK {
		return rep, &bench.ThresholdError{Msg: fmt.Sprintf("%d required check(s) failed: %s",
			len(rep.Summary.RequiredFailed), strings.Join(rep.Summary.RequiredFailed, ", "))}
	}
	return rep, nil
}

// Add appends checks run outside this package (the container checks of
// `conform --image`) and recomputes the summary. Like Run, it returns a
// *bench.ThresholdError when a Required check has failed.
func (r *Report) Add(results ...Result) error {
	for _, c := range results {
		if c.Status == Fail && c.Level != Required {
			c.Status = Warn
		}
		r.Checks = append(r.Checks, c)
	}
	r.summarize()
	if !r.Summary.OK {
		return &bench.ThresholdError{Msg: fmt.Sprintf("%d required check(s) failed: %s",
			len(r.Summary.RequiredFailed), strings.Join(r.Summary.RequiredFailed, ", "))}
	}
	return nil
}

// summarize fills in the summary from the results.
func (r *Report) summarize() {
	s := Summary{RequiredFailed: []string{}}
	for _, c := range r.Checks {
		switch c.Status {
		case Pass:
			s.Pass++
		case Fail:
			s.Fail++
			if c.Level == Required {
				s.RequiredFailed = append(s.RequiredFailed, c.ID)
			}
		case Warn:
			s.Warn++
		case Skip:
			s.Skip++
		}
	}
	s.OK = len(s.RequiredFailed) == 0
	r.Summary = s
}

// CheckInfo describes one check for `janus conform --list` and the docs.
type CheckInfo struct {
	ID    string `json:"id"`
	Level Level  `json:"level"`
	Title string `json:"title"`
}

// Checks lists every check in the order a run reports them.
func Checks() []CheckInfo {
	out := make([]CheckInfo, len(catalogue))
	for i, c := range catalogue {
		out[i] = CheckInfo{ID: c.ID, Level: c.Level, Title: c.Title}
	}
	return out
}
