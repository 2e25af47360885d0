// Package load is janus's load engine: closed-loop concurrency sweeps and
// open-loop arrival schedules (constant, Poisson) against one target. Every
// response still goes through the trace client and the scorer, so a step
// reports goodput (correct answers per second within the streaming
// contract) next to throughput and latency, and the knee of a sweep is the
// target's capacity. Intended and actual send times are both recorded, so
// coordinated omission is visible rather than hidden.
//
// The shape follows vegeta: load shapes are Pacers, the engine takes
// functional options, one serialisable Record per request flows over a
// channel to accumulators (Add/Close), and reporters are
// func(io.Writer) error. ExampleSweep runs a concurrency sweep from Go.
package load

import (
	"math"
	"math/rand/v2"
	"time"
)

// Pacer schedules open-loop arrivals. Pace returns the intended send time
// of arrival number hits (0-based) as an offset from the start of the step.
// A pacer is called from one goroutine with hits counting up from 0, so a
// stateful pacer (Poisson) may draw its next gap on each call.
type Pacer interface {
	Pace(hits uint64) time.Duration
	// Rate is the mean arrivals per second, for reports.
	Rate() float64
}

// PacerFunc adapts a function to a Pacer of the given mean rate.
type PacerFunc struct {
	F        func(hits uint64) time.Duration
	MeanRate float64
}

// Pace calls F.
func (p PacerFunc) Pace(hits uint64) time.Duration { return p.F(hits) }

// Rate returns MeanRate.
func (p PacerFunc) Rate() float64 { return p.MeanRate }

// ConstantPacer sends Freq requests per second at even intervals.
type ConstantPacer struct {
	Freq float64
}

// Pace returns hits/Freq seconds.
func (p ConstantPacer) Pace(hits uint64) time.Duration {
	return time.Duration(float64(hits) / p.Freq * float64(time.Second))
}

// Rate returns Freq.
func (p ConstantPacer) Rate() float64 { return p.Freq }

// PoissonPacer draws exponential gaps of mean 1/Freq from a seeded source,
// so arrivals form a Poisson process and a seed reproduces the schedule.
type PoissonPacer struct {
	Freq float64
	rng  *rand.Rand
	next time.Duration
	hits uint64
}

// NewPoissonPacer returns a Poisson pacer of rate freq per second.
func NewPoissonPacer(freq float64, seed uint64) *PoissonPacer {
	return &PoissonPacer{Freq: freq, rng: rand.New(rand.NewPCG(seed, 0x6a616e7573))}
}

// Pace returns the time of arrival hits. The first arrival is at 0 and
// each later one an exponential gap after the previous; hits must count up
// by one per call (a repeated value returns the same time).
func (p *PoissonPacer) Pace(hits uint64) time.Duration {
	for p.hits < hits {
		gap := p.rng.ExpFloat64() / p.Freq
		p.next += time.Duration(math.Round(gap * float64(time.Second)))
		p.hits++
	}
	return p.next
}

// Rate returns Freq.
func (p *PoissonPacer) Rate() float64 { return p.Freq }

var (
	_ Pacer = ConstantPacer{}
	_ Pacer = (*PoissonPacer)(nil)
	_ Pacer = PacerFunc{}
)
