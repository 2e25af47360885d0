package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/bench/report"
	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/internal/clip"
	"github.com/janus-bench/janus/internal/wire"
)

// ProbeOptions configure `janus bench probe`: one request, fully traced.
type ProbeOptions struct {
	Target string
	Model  string
	APIKey string
	Header http.Header
	// FollowRedirects: see RunOptions.FollowRedirects.
	FollowRedirects bool
	Timeout         time.Duration
	TTFTTimeout     time.Duration
	// Limits are as in RunOptions.
	Limits   trace.Limits
	Prompt   string
	NoStream bool
	Budgets  trace.Budgets
	// Start starts the target when Target is empty (see
	// RunOptions.Start): the probe asks it for no suite.
	Start  StartTarget
	Stdout io.Writer
	JSON   bool
}

// ProbeResult is what a probe shows.
type ProbeResult struct {
	Target     string            `json:"target"`
	Model      string            `json:"model"`
	Metrics    trace.Metrics     `json:"metrics"`
	Violations []trace.Violation `json:"violations"`
	Trace      *trace.Trace      `json:"trace"`
}

// Probe sends one request and prints its timeline. A failed request is
// not an error of the probe: the timeline shows what went wrong. Only an
// unreachable target (or bad options) is.
func Probe(ctx context.Context, o ProbeOptions) (*ProbeResult, error) {
	if o.Prompt == "" {
		o.Prompt = "Say hello"
	}
	if o.Budgets == (trace.Budgets{}) {
		o.Budgets = trace.DefaultBudgets()
	}
	client := &trace.Client{BaseURL: o.Target, APIKey: o.APIKey, Header: o.Header, Timeout: o.Timeout, TTFTTimeout: o.TTFTTimeout, Limits: o.Limits,
		SameOriginRedirects: o.FollowRedirects}
	if o.Target == "" {
		if o.Start == nil {
			return nil, &InputError{Op: "probe", Err: errNoTarget}
		}
		url, stop, err := o.Start(ctx, nil, false)
		if err != nil {
			return nil, err
		}
		defer stop()
		client.BaseURL = url
	}
	model, err := discoverModel(ctx, client, o.Model)
	if err != nil {
		return nil, err
	}
	req := wire.ChatRequest{Model: model, Stream: !o.NoStream,
		Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: o.Prompt}}}
	if req.Stream {
		req.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
	}
	tr := client.Do(ctx, req, nil)
	m := trace.ComputeMetrics(tr)
	res := &ProbeResult{Target: report.RedactURL(client.BaseURL), Model: model, Metrics: m,
		Violations: trace.Violations(tr, m, o.Budgets), Trace: tr}
	if res.Violations == nil {
		res.Violations = []trace.Violation{}
	}
	if o.Stdout != nil {
		w := Timeline(res)
		if o.JSON {
			w = func(w io.Writer) error {
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				return enc.Encode(res)
			}
		}
		if err := w(o.Stdout); err != nil {
			return res, err
		}
	}
	return res, nil
}

// Timeline writes a probe as a human timeline: one line per SSE item with
// its time since the request was sent, then the metrics and violations.
func Timeline(r *ProbeResult) func(io.Writer) error {
	return func(w io.Writer) error {
		t := r.Trace
		var b strings.Builder
		fmt.Fprintf(&b, "probe %s  model %s  request %s\n\n", r.Target, r.Model, t.RequestID)
		sent := max(t.SentNs, 0)
		at := func(ns int64) string { return fmt.Sprintf("%10.3f ms", float64(ns-sent)/1e6) }
		if t.HeadersNs >= 0 {
			fmt.Fprintf(&b, "%s  headers  HTTP %d  %s\n", at(t.HeadersNs), t.Status, t.ContentType)
		}
		const maxLines = 200
		for i, e := range t.Events {
			if i == maxLines {
				fmt.Fprintf(&b, "%13s  … %d more events\n", "", len(t.Events)-maxLines)
				break
			}
			text := e.Text
			if len(text) > 60 {
				text = text[:60] + "…"
			}
			fmt.Fprintf(&b, "%s  %-10s %5dB  %q\n", at(e.AtNs), e.Kind, e.Bytes, text)
		}
		if tr := t.Truncated; tr != nil {
			fmt.Fprintf(&b, "%13s  … %s\n", "", tr.Reason())
		}
		if t.Err != nil {
			fmt.Fprintf(&b, "%s  error    %s: %s\n", at(t.EndNs), t.Err.Class, t.Err.Message)
		}
		fmt.Fprintf(&b, "\nanswer: %q\n", clip.Runes(t.Content, 300, clip.Ellipsis))
		if t.Reasoning != "" {
			fmt.Fprintf(&b, "reasoning: %q\n", clip.Runes(t.Reasoning, 200, clip.Ellipsis))
		}
		for _, c := range t.ToolCalls {
			fmt.Fprintf(&b, "tool call: %s(%s)\n", c.Name, c.Arguments)
		}
		b.WriteString("\n")
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		m := r.Metrics
		f := func(name string, p *float64) {
			if p == nil {
				fmt.Fprintf(tw, "%s\t-\n", name)
				return
			}
			fmt.Fprintf(tw, "%s\t%.3f\n", name, *p)
		}
		f("ttfb_ms", m.TTFBMs)
		f("ttft_ms", m.TTFTMs)
		f("ttft_content_ms", m.TTFTContentMs)
		f("itl_ms (mean)", m.ITLMs)
		f("tpot_ms", m.TPOTMs)
		f("e2e_ms", m.E2EMs)
		f("output_tps", m.OutputTPS)
		f("max_gap_ms", m.MaxGapMs)
		f("max_token_gap_ms", m.MaxTokenGapMs)
		fmt.Fprintf(tw, "output_tokens\t%d (cl100k_base)\n", m.OutputTokens)
		if m.ReportedCompletionTokens != nil {
			fmt.Fprintf(tw, "reported completion_tokens\t%d\n", *m.ReportedCompletionTokens)
		}
		if t.Usage != nil && t.Usage.CostUSD != nil {
			fmt.Fprintf(tw, "reported cost_usd\t%.6f\n", *t.Usage.CostUSD)
		}
		fmt.Fprintf(tw, "keepalives\t%d\n", m.Keepalives)
		tw.Flush()
		if len(t.Shape) > 0 {
			fmt.Fprintf(&b, "\nshape notes (not violations): %s\n", strings.Join(t.Shape, ", "))
		}
		if len(r.Violations) == 0 {
			b.WriteString("\nviolations: none\n")
		} else {
			b.WriteString("\nviolations:\n")
			for _, v := range r.Violations {
				fmt.Fprintf(&b, "  %-16s %s\n", v.Code, v.Detail)
			}
		}
		_, err := io.WriteString(w, b.String())
		return err
	}
}
