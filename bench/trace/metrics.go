package trace

import (
	"fmt"
	"math"
	"strings"

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
	// The padding-proof figures the scores read (docs/SCORING.md,
	// "Formulas padding cannot move"). TTFTAnswerMs is the first content
	// or tool-call token that is not whitespace (reasoning, empty deltas
	// and keep-alives do not count); TTFTProgressMs the first progress
	// event (that, or reasoning of real text); AnswerTokens counts content and
	// tool-call tokens only (nil in a report older than these fields);
	// AnswerTPS is AnswerTokens over e2e − ttft_answer; MaxProgressGapMs is
	// the largest silence between progress events (answer text or
	// reasoning of real text), the tail to [DONE] included, and
	// ProgressGaps are the gaps continuity is scored on.
	TTFTAnswerMs     *float64  `json:"ttft_answer_ms,omitempty"`
	TTFTProgressMs   *float64  `json:"ttft_progress_ms,omitempty"`
	AnswerTokens     *int      `json:"answer_tokens,omitempty"`
	AnswerTPS        *float64  `json:"answer_tps,omitempty"`
	MaxProgressGapMs *float64  `json:"max_progress_gap_ms,omitempty"`
	ProgressGaps     []float64 `json:"progress_gaps_ms,omitempty"`
	// PromptTokens is janus's count of the prompt (Trace.PromptTokens).
	PromptTokens int `json:"prompt_tokens_counted,omitempty"`
	// UsageCheck shows how reported_completion_tokens was reconciled
	// with output_tokens (usage_mismatch); nil without usage.
	UsageCheck *UsageCheck `json:"usage_check,omitempty"`
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
		m.UsageCheck = reconcile(t, m.OutputTokens)
	}

	// Sized up front: growing it by appends was a tenth of a short
	// stream's allocations.
	if n := tokenEvents(t.Events); n > 1 {
		m.ITLs = make([]float64, 0, n-1)
	}
	maxGap, maxTokGap, prevAny := eventGaps(t, &m)
	maxGap, prevAny = addDropped(t, &m, maxGap, prevAny)
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
	deriveRates(&m)
	addProgress(t, &m, rel)
	return m
}

// eventGaps counts the events and keep-alives up to [DONE] and measures
// the gaps between them: every inter-token latency (into m.ITLs), the
// largest gap between any two events (from the response head on) and
// between token events; it returns those and the last event's time.
func eventGaps(t *Trace, m *Metrics) (maxGap, maxTokGap float64, prevAny int64) {
	var prevTok int64 = -1
	prevAny = t.HeadersNs
	maxGap, maxTokGap = -1, -1
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
	return maxGap, maxTokGap, prevAny
}

// deriveRates derives the mean inter-token latency, the time per output
// token and the decode and end-to-end token rates from m's times.
func deriveRates(m *Metrics) {
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
}

// addDropped adds the events past the cap (counted, not kept) to the
// counts and gaps, and returns the largest gap and last event time.
func addDropped(t *Trace, m *Metrics, maxGap float64, prevAny int64) (float64, int64) {
	tr := t.Truncated
	if tr == nil || tr.Events == 0 {
		return maxGap, prevAny
	}
	m.Keepalives += tr.Kinds[KindKeepAlive]
	m.Events += tr.Events - tr.Kinds[KindKeepAlive] - tr.Kinds[KindAfterDone]
	maxGap = math.Max(maxGap, ms(tr.MaxGapNs))
	if tr.LastAtNs > prevAny && (t.DoneNs < 0 || tr.LastAtNs <= t.DoneNs) {
		prevAny = tr.LastAtNs
	}
	return maxGap, prevAny
}

// ToolCallFramingTokens is the usage allowance per tool call: providers
// bill the call's framing (its id, type, the JSON wrapper around name and
// arguments, the model's tool-call tokens) on top of the name and
// arguments janus counts. OpenAI bills about 17 tokens for a small
// get_weather call whose name and arguments count 8 in cl100k_base; a
// Hermes-style <tool_call>{"name": …, "arguments": …}</tool_call> adds
// about 14.
const ToolCallFramingTokens = 16

// ReasoningFramingTokens is the usage allowance of a stream that streamed
// its reasoning: the model's reasoning delimiters (<think>, </think> and
// the line breaks around them) are billed but stripped by the server's
// reasoning parser.
const ReasoningFramingTokens = 4

// UsageCheck is the reconciliation of usage.completion_tokens with the
// tokens janus counted (docs/METRICS.md, usage_mismatch).
type UsageCheck struct {
	// Counted is output_tokens: cl100k_base over the streamed reasoning,
	// content and tool-call names and arguments.
	Counted int `json:"counted"`
	// Reported is usage.completion_tokens.
	Reported int `json:"reported"`
	// HiddenReasoning is the reasoning the usage bills
	// (completion_tokens_details.reasoning_tokens) when none was
	// streamed: it is subtracted from Reported before comparing.
	HiddenReasoning int `json:"hidden_reasoning,omitempty"`
	// ToolAllowance is ToolCallFramingTokens per tool call: reporting up
	// to this much more than counted is not over-reporting.
	ToolAllowance int `json:"tool_allowance,omitempty"`
	// ReasoningAllowance is ReasoningFramingTokens when reasoning was
	// streamed, likewise allowed on top.
	ReasoningAllowance int `json:"reasoning_allowance,omitempty"`
	// Tolerance is the tokenizer tolerance, either way: max(3, 10% of
	// Counted), since providers count with their own tokenizer.
	Tolerance float64 `json:"tolerance"`
}

// reconcile builds the usage check of a trace with usage.
func reconcile(t *Trace, counted int) *UsageCheck {
	u := &UsageCheck{Counted: counted, Reported: t.Usage.CompletionTokens,
		ToolAllowance: ToolCallFramingTokens * len(t.ToolCalls), Tolerance: math.Max(3, 0.10*float64(counted))}
	if t.Reasoning == "" {
		u.HiddenReasoning = t.Usage.HiddenReasoningTokens()
	} else {
		u.ReasoningAllowance = ReasoningFramingTokens
	}
	return u
}

// UnderReports says whether the usage bills fewer completion tokens than
// janus counted beyond the tokenizer tolerance: the direction that makes
// an answer look cheaper, which the cost dimension penalises.
func (u *UsageCheck) UnderReports() bool {
	return float64(u.Counted-(u.Reported-u.HiddenReasoning)) > u.Tolerance
}

// mismatch explains a usage that fails the check, or returns "".
// Under-reporting (the direction that makes an answer look cheaper) is
// held to the tokenizer tolerance alone; over-reporting gets the tool
// framing allowance on top.
func (u *UsageCheck) mismatch() string {
	billed := u.Reported - u.HiddenReasoning
	hidden := ""
	if u.HiddenReasoning > 0 {
		hidden = fmt.Sprintf(" (%d after %d hidden reasoning tokens)", billed, u.HiddenReasoning)
	}
	switch {
	case u.UnderReports():
		return fmt.Sprintf("usage.completion_tokens %d%s under-reports: counted %d (cl100k_base), tolerance %.0f",
			u.Reported, hidden, u.Counted, u.Tolerance)
	case float64(billed-u.Counted) > u.Tolerance+float64(u.ToolAllowance+u.ReasoningAllowance):
		return fmt.Sprintf("usage.completion_tokens %d%s over-reports: counted %d (cl100k_base), tolerance %.0f, allowance %d (tool calls) + %d (reasoning delimiters)",
			u.Reported, hidden, u.Counted, u.Tolerance, u.ToolAllowance, u.ReasoningAllowance)
	}
	return ""
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
	// The size caps (trace.Limits): what was measured up to the cap stands.
	VEventTooLarge  = "event_too_large"
	VStreamTooLarge = "stream_too_large"
	VBodyTooLarge   = "body_too_large"
	VRedirect       = "redirect"
)

// ViolationCodes lists every code, in the order reports print them.
var ViolationCodes = []string{VTTFTOver, VGapOver, VMissingDone, VMissingUsage, VUsageMismatch,
	VBadJSON, VMidstream, VHTTPError, VContentType, VTimeout, VEmptyStream, VDataAfterDone, VStreamAborted,
	VEventTooLarge, VStreamTooLarge, VBodyTooLarge, VRedirect}

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
	if t.Err != nil && t.Err.Class == ErrCancelled {
		return nil
	}
	var out violationList
	if !out.response(t) {
		return out
	}
	isSSE := strings.EqualFold(mediaType(t.ContentType), "text/event-stream")
	out.timing(t, m, b, isSSE)
	// A size cap is the one root cause of what follows from it (no
	// [DONE], no usage, text not kept): it is reported alone.
	if t.Err != nil && t.Err.Class.SizeCap() {
		out.add(string(t.Err.Class), "%s", t.Err.Message)
		return out
	}
	if tr := t.Truncated; tr != nil {
		out.add(VStreamTooLarge, "%s", tr.Reason())
		if tr.TextBytes > 0 {
			return out
		}
	}
	// A stream cut by a timeout or a reset is one failure: the [DONE],
	// usage and content it never got to send follow from it and are not
	// reported again.
	cut := t.Err != nil && (t.Err.Class == ErrStreamAborted || t.Err.Class.Timeout())
	out.completion(t, m, isSSE, cut)
	out.content(t, cut)
	return out
}

// violationList collects a trace's violations in the order Violations
// checks them.
type violationList []Violation

func (v *violationList) add(code, format string, args ...any) {
	*v = append(*v, Violation{Code: code, Detail: fmt.Sprintf(format, args...)})
}

// response adds a timeout, a refused redirect or an HTTP error; false when
// nothing else is to be checked (no 200 response to judge).
func (v *violationList) response(t *Trace) bool {
	if t.Err != nil && t.Err.Class.Timeout() {
		v.add(VTimeout, "%s", t.Err.Message)
	}
	if t.Err != nil && t.Err.Class == ErrRedirect {
		v.add(VRedirect, "%s", t.Err.Message)
		return false
	}
	if t.Status != 0 && t.Status != 200 {
		v.add(VHTTPError, "HTTP %d: %s", t.Status, t.ErrorBody)
		return false
	}
	return t.Status != 0 // never got a response: the error says why
}

// timing adds the budgets a response exceeded and a stream served as
// something other than SSE.
func (v *violationList) timing(t *Trace, m Metrics, b Budgets, isSSE bool) {
	if m.TTFTMs != nil && *m.TTFTMs > b.TTFTMs {
		v.add(VTTFTOver, "first token after %.0f ms (budget %.0f ms)", *m.TTFTMs, b.TTFTMs)
	}
	if t.Stream && m.MaxGapMs != nil && *m.MaxGapMs > b.GapMs {
		v.add(VGapOver, "largest gap between events %.0f ms (budget %.0f ms)", *m.MaxGapMs, b.GapMs)
	}
	if t.Stream && !isSSE {
		v.add(VContentType, "stream answered with Content-Type %q, want text/event-stream", t.ContentType)
	}
}

// completion adds a missing [DONE], a missing usage chunk and usage that
// does not match the output, unless the stream was cut.
func (v *violationList) completion(t *Trace, m Metrics, isSSE, cut bool) {
	if t.Stream && (isSSE || t.Framing == FramingSSE) && t.DoneNs < 0 && !cut {
		v.add(VMissingDone, "stream ended without data: [DONE]")
	}
	if t.WantUsage && t.Usage == nil && !cut {
		v.add(VMissingUsage, "stream_options.include_usage was set but no usage chunk arrived")
	}
	if u := m.UsageCheck; u != nil && !cut {
		if msg := u.mismatch(); msg != "" {
			v.add(VUsageMismatch, "%s", msg)
		}
	}
}

// content adds bad chunk JSON, error objects, data after [DONE], an
// aborted stream and, unless it was cut, an empty answer.
func (v *violationList) content(t *Trace, cut bool) {
	unparsable, afterDone, errEvents := countBad(t)
	if unparsable > 0 {
		v.add(VBadJSON, "%d data event(s) not valid chunk JSON, first: %s", unparsable, t.UnparsableSample)
	} else if t.Err != nil && t.Err.Class == ErrBadJSON {
		v.add(VBadJSON, "%s", t.Err.Message)
	}
	if errEvents > 0 || (t.Err != nil && t.Err.Class == ErrMidstream) {
		v.add(VMidstream, "error object in the stream: %s", t.ErrorBody)
	}
	if afterDone > 0 {
		v.add(VDataAfterDone, "%d event(s) after data: [DONE]", afterDone)
	}
	if t.Err != nil && t.Err.Class == ErrStreamAborted {
		v.add(VStreamAborted, "%s", t.Err.Message)
	}
	if t.Content == "" && len(t.ToolCalls) == 0 && !cut {
		v.add(VEmptyStream, "no content and no tool call")
	}
}

// countBad counts the unparsable, after-[DONE] and error events, kept or
// not.
func countBad(t *Trace) (unparsable, afterDone, errEvents int) {
	if tr := t.Truncated; tr != nil {
		unparsable, afterDone, errEvents = tr.Kinds[KindUnparsable], tr.Kinds[KindAfterDone], tr.Kinds[KindError]
	}
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
	return unparsable, afterDone, errEvents
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
