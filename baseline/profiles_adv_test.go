package baseline_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/internal/tokens"
	"github.com/janus-bench/janus/internal/wire"
)

// advStream is what an adversary's stream carried.
type advStream struct {
	content, reasoning string
	pings, empty, dots int
	usage              *wire.Usage
}

func readAdv(t *testing.T, fs []frame) advStream {
	t.Helper()
	var s advStream
	for _, f := range fs {
		if f.isComment() {
			s.pings++
			continue
		}
		if f.data == "[DONE]" {
			continue
		}
		var c wire.Chunk
		if err := json.Unmarshal([]byte(f.data), &c); err != nil {
			t.Fatalf("frame %q: %v", f.data, err)
		}
		if c.Usage != nil {
			s.usage = c.Usage
		}
		for _, ch := range c.Choices {
			d := ch.Delta
			s.content += d.Content
			s.reasoning += d.ReasoningText()
			if d.ReasoningText() == "." {
				s.dots++
			}
			if d.Role == "" && d.Content == "" && d.ReasoningText() == "" && len(d.ToolCalls) == 0 && ch.FinishReason == nil {
				s.empty++
			}
		}
	}
	return s
}

// TestAdversaryProfilesOnTheWire: each adversary plays its trick and
// answers with the reference, and its usage counts what it sent (the
// padded reasoning included) unless falsifying the usage is its trick.
func TestAdversaryProfilesOnTheWire(t *testing.T) {
	const id = "smoke-stream-count"
	ref := task(t, id).Reference.Content
	cases := []struct {
		profile string
		check   func(t *testing.T, s advStream)
		// honestUsage: completion_tokens is the count of what was sent.
		honestUsage bool
	}{
		{baseline.ProfileAdvFakeFirstToken, func(t *testing.T, s advStream) {
			if s.dots != 1 {
				t.Errorf("%d reasoning dots, want 1", s.dots)
			}
		}, true},
		{baseline.ProfileAdvReasoningDrip, func(t *testing.T, s advStream) {
			if s.dots < 2 || !strings.Contains(s.reasoning, strings.Repeat(" Let me think.", 25)) {
				t.Errorf("%d dots, reasoning %q: want a drip and the filler", s.dots, s.reasoning)
			}
		}, true},
		{baseline.ProfileAdvPingStall, func(t *testing.T, s advStream) {
			if s.pings < 2 || s.reasoning != "" {
				t.Errorf("%d pings (want several), reasoning %q", s.pings, s.reasoning)
			}
		}, true},
		{baseline.ProfileAdvEmptyStall, func(t *testing.T, s advStream) {
			if s.empty < 2 || s.pings != 0 {
				t.Errorf("%d empty deltas (want several), %d pings (want 0)", s.empty, s.pings)
			}
		}, true},
		{baseline.ProfileAdvBurstDrip, func(t *testing.T, s advStream) {
			if s.dots < 2 {
				t.Errorf("%d dots, want a drip", s.dots)
			}
		}, true},
		{baseline.ProfileAdvZeroCost, func(t *testing.T, s advStream) {
			if s.usage == nil || s.usage.CostUSD == nil || *s.usage.CostUSD != 0 {
				t.Errorf("usage %+v, want cost_usd 0", s.usage)
			}
		}, true},
		{baseline.ProfileAdvUnderCost, func(t *testing.T, s advStream) {
			if s.usage == nil || s.usage.CompletionTokens != 1 {
				t.Errorf("usage %+v, want completion_tokens 1", s.usage)
			}
		}, false},
		// The filler's trick is only timing (the rest of the answer held
		// 3 s, TestProfileSchedule); on the wire it pads nothing.
		{baseline.ProfileAdvFiller, func(t *testing.T, s advStream) {
			if s.dots != 0 || s.pings != 0 || s.empty != 0 || s.reasoning != "" {
				t.Errorf("%d dots, %d pings, %d empty deltas, reasoning %q: want none", s.dots, s.pings, s.empty, s.reasoning)
			}
		}, true},
	}
	for _, tc := range cases {
		t.Run(tc.profile, func(t *testing.T) {
			if !strings.HasPrefix(tc.profile, "adv-") || !slices.Contains(baseline.Profiles(), tc.profile) {
				t.Fatalf("%q is not an adv- profile the sim lists", tc.profile)
			}
			s := readAdv(t, rawStream(t, serve(t, profiled(tc.profile)).URL, id, nil))
			if s.content != ref {
				t.Errorf("content %q, want the reference %q", s.content, ref)
			}
			tc.check(t, s)
			if s.usage == nil {
				t.Fatal("no usage chunk")
			}
			if want := tokens.Count(s.reasoning + s.content); tc.honestUsage && s.usage.CompletionTokens != want {
				t.Errorf("completion_tokens %d, want %d (what was sent)", s.usage.CompletionTokens, want)
			}
		})
	}
}
