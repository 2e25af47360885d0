package baseline

import (
	"context"
	"strings"
	"time"

	"github.com/janus-bench/janus/internal/wire"
)

// Adversarial sim profiles: each one plays a hostile competitor's trick
// to move a score without being better (issue 15), so that `janus bench
// calibrate` can assert the scorer is not fooled: each must score below
// the oracle on the dimension it attacks and on composite. Every
// adversary's name starts with "adv-".
const (
	// ProfileAdvFakeFirstToken sends a reasoning "." at once and its real
	// answer after 3 s (× the time scale): a first "token" that is none.
	ProfileAdvFakeFirstToken = "adv-fake-first-token"
	// ProfileAdvReasoningDrip waits 3 s (× the time scale) for its first
	// answer token, filling the wait with AdvFillerTokens tokens of
	// repeated filler reasoning at once and a reasoning "." every
	// AdvDripPeriod (× the time scale).
	ProfileAdvReasoningDrip = "adv-reasoning-drip"
	// ProfileAdvPingStall stalls 3 s (× the time scale) halfway through
	// the answer, like stall, but sends an SSE ": ping" comment every
	// AdvDripPeriod during the stall.
	ProfileAdvPingStall = "adv-ping-stall"
	// ProfileAdvEmptyStall stalls like stall with an empty delta
	// ({"delta":{}}) every AdvDripPeriod during the stall.
	ProfileAdvEmptyStall = "adv-empty-stall"
	// ProfileAdvBurstDrip is a slow model behind a buffer: it holds its
	// first token 3 s (× the time scale) and the rest until the last is
	// due, then sends the answer in one burst, with a reasoning "." at
	// once and every AdvDripPeriod while it holds the answer back.
	ProfileAdvBurstDrip = "adv-burst-drip"
	// ProfileAdvFiller sends the first token of its answer on time, as a
	// cheap opening ("Sure, ") would be, and holds the rest 3 s (× the
	// time scale): content filler in front of a late answer.
	ProfileAdvFiller = "adv-filler"
	// ProfileAdvZeroCost answers like the oracle and reports
	// usage.cost_usd 0.
	ProfileAdvZeroCost = "adv-zero-cost"
	// ProfileAdvUnderCost answers like the oracle and reports
	// usage.completion_tokens 1 (and the cost of one token).
	ProfileAdvUnderCost = "adv-under-cost"
)

// AdvDripPeriod is the adversaries' padding period at time scale 1: the
// period of a reasoning drip, of pings or empty deltas during a stall.
const AdvDripPeriod = 200 * time.Millisecond

// AdvFillerTokens is how many filler reasoning tokens
// ProfileAdvReasoningDrip sends at once (advFiller is 4 tokens).
const AdvFillerTokens = 100

// advFiller is the repeated filler reasoning: 4 cl100k tokens.
const advFiller = " Let me think."

// KindPadding is the EventObserver kind of an adversary's empty delta.
const KindPadding = "padding"

// adversaryProfiles lists the adversarial profiles, in calibration order.
func adversaryProfiles() []string {
	return []string{ProfileAdvFakeFirstToken, ProfileAdvReasoningDrip, ProfileAdvPingStall, ProfileAdvEmptyStall,
		ProfileAdvBurstDrip, ProfileAdvZeroCost, ProfileAdvUnderCost, ProfileAdvFiller}
}

// adversary is what an adversarial profile does, in terms of the sim's
// hooks.
type adversary struct {
	// slowFirst holds the first answer token slowTTFT; stall and buffer
	// shift the answer like ProfileStall and ProfileBuffered; lateRest
	// holds every step after the first answer step by the stall.
	slowFirst, stall, buffer, lateRest bool
	// dot sends one reasoning "." at once; drip one every AdvDripPeriod
	// until the first step is due; filler AdvFillerTokens of advFiller.
	dot, drip, filler bool
	// stallPad fills the stall: "ping" comments or "empty" deltas.
	stallPad string
	// noKeepAlive turns the server's own keep-alives off.
	noKeepAlive bool
	// zeroCost and underCost falsify the usage.
	zeroCost, underCost bool
}

// adversaryOf is the behaviour of profile name (zero for a profile that
// is not an adversary).
func adversaryOf(name string) adversary {
	switch name {
	case ProfileAdvFakeFirstToken:
		return adversary{slowFirst: true, dot: true}
	case ProfileAdvReasoningDrip:
		return adversary{slowFirst: true, dot: true, drip: true, filler: true}
	case ProfileAdvPingStall:
		return adversary{stall: true, stallPad: "ping", noKeepAlive: true}
	case ProfileAdvEmptyStall:
		return adversary{stall: true, stallPad: "empty", noKeepAlive: true}
	case ProfileAdvBurstDrip:
		return adversary{slowFirst: true, buffer: true, dot: true, drip: true}
	case ProfileAdvFiller:
		return adversary{lateRest: true}
	case ProfileAdvZeroCost:
		return adversary{zeroCost: true}
	case ProfileAdvUnderCost:
		return adversary{underCost: true}
	}
	return adversary{}
}

// pad sends an adversary's padding before step i, between from (the
// previous step's due time, or the request's start) and to (step i's):
// before the first step the reasoning dot, filler and drip, before the
// middle step the stall's pings or empty deltas. It pads streams only (a
// JSON body has no timing to fake) and returns the reasoning it sent, which
// the usage then counts.
func (p profile) pad(ctx context.Context, sink Sink, i int, from, to time.Time) (string, error) {
	a := adversaryOf(p.name)
	if ts, ok := sink.(teeSink); ok {
		sink = ts.Sink
	}
	rs, ok := sink.(*streamSink)
	if !ok {
		return "", nil
	}
	period := max(p.scaled(AdvDripPeriod), time.Millisecond)
	var sent strings.Builder
	reason := func(at time.Time, text string) error {
		sent.WriteString(text)
		return rs.Emit(ctx, Event{Kind: KindReasoning, Delta: wire.Delta{ReasoningContent: text}, At: at})
	}
	if i == 0 {
		if a.dot {
			if err := reason(from, "."); err != nil {
				return "", err
			}
		}
		if a.filler {
			if err := reason(from, strings.Repeat(advFiller, AdvFillerTokens/4)); err != nil {
				return "", err
			}
		}
		for at := from.Add(period); a.drip && at.Before(to); at = at.Add(period) {
			if err := reason(at, "."); err != nil {
				return "", err
			}
		}
	}
	if i == p.midStep && a.stallPad != "" {
		for at := from.Add(period); at.Before(to); at = at.Add(period) {
			var err error
			if a.stallPad == "ping" {
				err = rs.emitRaw(ctx, at, KindKeepAlive, rs.pingFrame())
			} else {
				err = rs.Emit(ctx, Event{Kind: KindPadding, At: at})
			}
			if err != nil {
				return "", err
			}
		}
	}
	return sent.String(), nil
}

// falsify applies an adversary's false usage to the honest one.
func (p profile) falsify(u wire.Usage) wire.Usage {
	a := adversaryOf(p.name)
	switch {
	case a.zeroCost:
		zero := 0.0
		u.CostUSD = &zero
	case a.underCost:
		u = simUsage(u.PromptTokens, 1, 0)
	}
	return u
}
