package trace

import (
	"math"
	"testing"
)

const msNs = int64(1e6)

func TestComputeMetrics(t *testing.T) {
	// sent at 1 ms; headers 3 ms; events at 10 (role), 100, 120, 160
	// (content), a keep-alive at 2,000, content at 2,100, [DONE] at 2,200.
	tr := newTrace()
	tr.Stream = true
	tr.SentNs, tr.HeadersNs = 1*msNs, 3*msNs
	tr.FirstByteNs, tr.FirstTokenNs, tr.FirstContentNs = 10*msNs, 100*msNs, 100*msNs
	tr.DoneNs, tr.EndNs = 2200*msNs, 2201*msNs
	tr.Content = "one two three four"
	tr.Events = []Event{
		{Kind: KindOther, AtNs: 10 * msNs},
		{Kind: KindContent, AtNs: 100 * msNs, Text: "one"},
		{Kind: KindContent, AtNs: 120 * msNs, Text: " two"},
		{Kind: KindContent, AtNs: 160 * msNs, Text: " three"},
		{Kind: KindKeepAlive, AtNs: 2000 * msNs},
		{Kind: KindContent, AtNs: 2100 * msNs, Text: " four"},
		{Kind: KindDone, AtNs: 2200 * msNs},
	}
	m := ComputeMetrics(tr)
	eq := func(name string, got *float64, want float64) {
		t.Helper()
		if got == nil || math.Abs(*got-want) > 1e-9 {
			t.Errorf("%s = %v, want %v", name, deref(got), want)
		}
	}
	eq("headers_ms", m.HeadersMs, 2)
	eq("ttfb_ms", m.TTFBMs, 9)
	eq("ttft_ms", m.TTFTMs, 99)
	eq("ttft_content_ms", m.TTFTContentMs, 99)
	eq("e2e_ms", m.E2EMs, 2199)
	// gaps between token events: 20, 40, 1940
	eq("itl_ms", m.ITLMs, (20.0+40+1940)/3)
	eq("max_token_gap_ms", m.MaxTokenGapMs, 1940)
	// any-event gaps from headers: 7, 90, 20, 40, 1840, 100, 100
	eq("max_gap_ms", m.MaxGapMs, 1840)
	if m.OutputTokens != 4 {
		t.Fatalf("output_tokens = %d, want 4", m.OutputTokens)
	}
	eq("tpot_ms", m.TPOTMs, (2199.0-99)/3)
	eq("output_tps", m.OutputTPS, 4/((2199.0-99)/1000))
	if m.Keepalives != 1 || m.Events != 6 {
		t.Errorf("keepalives/events = %d/%d, want 1/6", m.Keepalives, m.Events)
	}
}

func TestComputeMetricsUndefined(t *testing.T) {
	// A request that never got a response defines no time metric.
	tr := newTrace()
	tr.SentNs, tr.EndNs = 0, 5*msNs
	tr.Err = &Error{Class: ErrConnect, Message: "refused"}
	m := ComputeMetrics(tr)
	for name, p := range map[string]*float64{"ttft": m.TTFTMs, "e2e": m.E2EMs, "tpot": m.TPOTMs, "tps": m.OutputTPS, "gap": m.MaxGapMs} {
		t.Run(name, func(t *testing.T) {
			if p != nil {
				t.Errorf("%s = %v, want undefined", name, *p)
			}
		})
	}
	// One token: TPOT is undefined (needs two).
	tr = newTrace()
	tr.SentNs, tr.FirstTokenNs, tr.DoneNs, tr.EndNs = 0, 10*msNs, 20*msNs, 20*msNs
	tr.Content = "OK"
	if m := ComputeMetrics(tr); m.TPOTMs != nil || m.OutputTokens != 1 {
		t.Errorf("single token: tpot %v tokens %d", deref(m.TPOTMs), m.OutputTokens)
	}
}

func TestStalledStreamGapCountsUntilCut(t *testing.T) {
	// The silence from the last event to the cut is a gap.
	tr := newTrace()
	tr.Stream = true
	tr.SentNs, tr.HeadersNs, tr.EndNs = 0, 1*msNs, 5000*msNs
	tr.Events = []Event{{Kind: KindOther, AtNs: 2 * msNs}}
	tr.Err = &Error{Class: ErrTimeoutFirstToken}
	m := ComputeMetrics(tr)
	if m.MaxGapMs == nil || *m.MaxGapMs != 4998 {
		t.Fatalf("max_gap_ms = %v, want 4998", deref(m.MaxGapMs))
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}
