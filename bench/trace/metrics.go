package trace

import (
	"fmt"
	"math"

	"github.com/janus-bench/janus/internal/tokens"
)

// Metrics are the per-request figures defined in docs/METRICS.md. Times are
// milliseconds from the moment the request was sent; a nil pointer means
// the metric is undefined for this request (e.g. no token ever arrived), and
// undefined is never reported as zero.
type Metrics struct {
	HeadersMs                *float64 `json:"headers_ms,omitempty"`
	TTFBMs                   *float64 `json:"ttfb_ms,omitempty"`
	TTFTMs                   *float64 `json:"ttft_ms,omitempty"`
	TTFTContentMs            *float64 `json:"ttft_content_ms,omitempty"`
	ITLMs                    *float64 `json:"itl_ms,omitempty"`
	TPOTMs                   *float64 `json:"tpot_ms,omitempty"`
	E2EMs                    *float64 `json:"e2e_ms,omitempty"`
	OutputTokens             int      `json:"output_tokens"`
	ReportedCompletionTokens *int     `json:"reported_completion_tokens,omitempty"`
	OutputTPS                *float64 `json:"output_tps,omitempty"`
	E2ETPS                   *float64 `json:"e2e_tps,omitempty"`
	MaxGapMs                 *float64 `json:"max_gap_ms,omitempty"`
	MaxTokenGapMs            *float64 `json:"max_token_gap_ms,omitempty"`
	Keepalives               int      `json:"keepalives"`
	Events                   int      `json:"events"`
	// ITLs are the individual inter-token gaps; the report aggregates all
	// of them, not only each request's mean.
	ITLs []float64 `json:"-"`
}

func ms(ns int64) float64 { return float64(ns) / 1e6 }

func ptr(v float64) *float64 { return &v }

// tokenEvents counts the token-bearing events ComputeMetrics walks.
func tokenEvents(evs []Event) int {
	n := 0
	for _, e := range evs {
		if e.Kind == KindAfterDone {
			break
		}
		if e.Kind.TokenBearing() {
			n++
		}
		if e.Kind == KindDone {
			break
		}
	}
	return n
}

// ComputeMetrics derives the metrics of one trace.
func ComputeMetrics(t *Trace) Metrics {
	var m Metrics
	sent := t.SentNs
	if sent < 0 {
		sent = 0
	}
	rel := func(ns int64) *float64 {
		if ns < 0 {
			return nil
		}
		return ptr(ms(ns - sent))
	}
	m.HeadersMs = rel(t.HeadersNs)
	m.TTFBMs = rel(t.FirstByteNs)
	m.TTFTMs = rel(t.FirstTokenNs)
	m.TTFTContentMs = rel(t.FirstContentNs)
	end := t.DoneNs
	if end < 0 && t.Err == nil {
		end = t.EndNs
	}
	m.E2EMs = rel(end)

	m.OutputTokens = tokens.Count(t.Output())
	if t.Usage != nil {
		n := t.Usage.CompletionTokens
		m.ReportedCompletionTokens = &n
	}

	// Sized up front: growing it by appends was a tenth of a short
	// stream's allocations.
	if n := tokenEvents(t.Events); n > 1 {
		m.ITLs = make([]float64, 0, n-1)
	}
	var prevTok int64 = -1
	var prevAny = t.HeadersNs
	var maxGap, maxTokGap float64 = -1, -1
	for _, e := range t.Events {
		if e.Kind == KindAfterDone {
			break
		}
		if e.Kind == KindKeepAlive {
			m.Keepalives++
		} else {
			m.Events++
		}
		if prevAny >= 0 {
			maxGap = math.Max(maxGap, ms(e.AtNs-prevAny))
		}
		prevAny = e.AtNs
		if e.Kind.TokenBearing() {
			if prevTok >= 0 {
				g := ms(e.AtNs - prevTok)
				m.ITLs = append(m.ITLs, g)
				maxTokGap = math.Max(maxTokGap, g)
			}
			prevTok = e.AtNs
		}
		if e.Kind == KindDone {
			break
		}
	}
	// A stream that never finished was silent from its last event to the
	// moment it was cut: that silence is a gap too.
	if t.DoneNs < 0 && t.EndNs >= 0 && prevAny >= 0 && t.Stream {
		maxGap = math.Max(maxGap, ms(t.EndNs-prevAny))
	}
	if maxGap >= 0 {
		m.MaxGapMs = ptr(maxGap)
	}
	if maxTokGap >= 0 {
		m.MaxTokenGapMs = ptr(maxTokGap)
	}
	if len(m.ITLs) > 0 {
		sum := 0.0
		for _, g := range m.ITLs {
			sum += g
		}
		m.ITLMs = ptr(sum / float64(len(m.ITLs)))
	}
	if m.E2EMs != nil && m.TTFTMs != nil {
		decode := *m.E2EMs - *m.TTFTMs
		if m.OutputTokens >= 2 && decode > 0 {
			m.TPOTMs = ptr(decode / float64(m.OutputTokens-1))
			m.OutputTPS = ptr(float64(m.OutputTokens) / (decode / 1000))
		}
	}
	if m.E2EMs != nil && *m.E2EMs > 0 && m.OutputTokens > 0 {
		m.E2ETPS = ptr(float64(m.OutputTokens) / (*m.E2EMs / 1000))
	}
	return m
}

// Violation codes of the streaming contract and the OpenAI wire format.
const (
	VTTFTOver      = "ttft_over_2s"
	VGapOver       = "gap_over_2s"
	VMissingDone   = "missing_done"
	VMissingUsage  = "missing_usage"
	VUsageMismatch = "usage_mismatch"
	VBadJSON       = "bad_json"
	VMidstream     = "midstream_error"
	VHTTPError     = "http_error"
	VContentType   = "content_type"
	VTimeout       = "timeout"
	VEmptyStream   = "empty_stream"
	VDataAfterDone = "data_after_done"
	VStreamAborted = "stream_aborted"
	VRedirect      = "redirect"
)

// ViolationCodes lists every code, in the order reports print them.
var ViolationCodes = []string{VTTFTOver, VGapOver, VMissingDone, VMissingUsage, VUsageMismatch,
	VBadJSON, VMidstream, VHTTPError, VContentType, VTimeout, VEmptyStream, VDataAfterDone, VStreamAborted, VRedirect}

// Violation is one breach found in a trace.
type Violation struct {
	Code   string `json:"code"`
	Detail string `json:"detail"`
}

// Budgets are the streaming contract's limits in milliseconds.
type Budgets struct {
	TTFTMs float64 `json:"ttft_ms"`
	GapMs  float64 `json:"gap_ms"`
}

// DefaultBudgets are the contract's 2 s TTFT and 2 s max gap.
func DefaultBudgets() Budgets { return Budgets{TTFTMs: 2000, GapMs: 2000} }

// Violations checks a trace against the contract. A request the caller
// cancelled (Ctrl-C) is not judged.
func Violations(t *Trace, m Metrics, b Budgets) []Violation {
	var out []Violation
	add := func(code, format string, args ...any) {
		out = append(out, Violation{Code: code, Detail: fmt.Sprintf(format, args...)})
	}
	if t.Err != nil && t.Err.Class == ErrCancelled {
		return nil
	}
	if t.Err != nil && t.Err.Class.Timeout() {
		add(VTimeout, "%s", t.Err.Message)
	}
	if t.Err != nil && t.Err.Class == ErrRedirect {
		add(VRedirect, "%s", t.Err.Message)
		return out
	}
	if t.Status != 0 && t.Status != 200 {
		add(VHTTPError, "HTTP %d: %s", t.Status, t.ErrorBody)
		return out
	}
	if t.Status == 0 {
		return out // never got a response: the error says why
	}
	if m.TTFTMs != nil && *m.TTFTMs > b.TTFTMs {
		add(VTTFTOver, "first token after %.0f ms (budget %.0f ms)", *m.TTFTMs, b.TTFTMs)
	}
	if t.Stream && m.MaxGapMs != nil && *m.MaxGapMs > b.GapMs {
		add(VGapOver, "largest gap between events %.0f ms (budget %.0f ms)", *m.MaxGapMs, b.GapMs)
	}
	isSSE := mediaType(t.ContentType) == "text/event-stream"
	if t.Stream && !isSSE {
		add(VContentType, "stream answered with Content-Type %q, want text/event-stream", t.ContentType)
	}
	if t.Stream && isSSE && t.DoneNs < 0 {
		add(VMissingDone, "stream ended without data: [DONE]")
	}
	if t.WantUsage && t.Usage == nil {
		add(VMissingUsage, "stream_options.include_usage was set but no usage chunk arrived")
	}
	if t.Usage != nil && m.ReportedCompletionTokens != nil {
		rep, got := *m.ReportedCompletionTokens, m.OutputTokens
		diff := math.Abs(float64(rep - got))
		if diff > 3 && diff > 0.10*float64(got) {
			add(VUsageMismatch, "usage.completion_tokens %d, counted %d (cl100k_base)", rep, got)
		}
	}
	unparsable, afterDone, errEvents := 0, 0, 0
	for _, e := range t.Events {
		switch e.Kind {
		case KindUnparsable:
			unparsable++
		case KindAfterDone:
			afterDone++
		case KindError:
			errEvents++
		}
	}
	if unparsable > 0 {
		add(VBadJSON, "%d data event(s) not valid chunk JSON, first: %s", unparsable, t.UnparsableSample)
	} else if t.Err != nil && t.Err.Class == ErrBadJSON {
		add(VBadJSON, "%s", t.Err.Message)
	}
	if errEvents > 0 || (t.Err != nil && t.Err.Class == ErrMidstream) {
		add(VMidstream, "error object in the stream: %s", t.ErrorBody)
	}
	if afterDone > 0 {
		add(VDataAfterDone, "%d event(s) after data: [DONE]", afterDone)
	}
	if t.Err != nil && t.Err.Class == ErrStreamAborted {
		add(VStreamAborted, "%s", t.Err.Message)
	}
	if t.Content == "" && len(t.ToolCalls) == 0 {
		add(VEmptyStream, "no content and no tool call")
	}
	return out
}

func mediaType(ct string) string {
	for i := 0; i < len(ct); i++ {
		if ct[i] == ';' {
			ct = ct[:i]
			break
		}
	}
	for len(ct) > 0 && ct[len(ct)-1] == ' ' {
		ct = ct[:len(ct)-1]
	}
	return ct
}
