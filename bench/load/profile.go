package load

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Profile kinds.
const (
	KindClosed   = "closed"
	KindPoisson  = "poisson"
	KindConstant = "constant"
)

// Step is one load level of a profile: a fixed concurrency (closed loop)
// or an arrival rate per second (open loop).
type Step struct {
	Kind        string  `json:"kind"`
	Concurrency int     `json:"concurrency,omitempty"`
	Rate        float64 `json:"rate,omitempty"`
}

// Open reports whether the step is open-loop (arrivals follow a schedule
// whatever the responses do).
func (s Step) Open() bool { return s.Kind != KindClosed }

// Label is the step's load as a short string ("c=64", "rate=50/s").
func (s Step) Label() string {
	if s.Open() {
		return "rate=" + strconv.FormatFloat(s.Rate, 'g', -1, 64) + "/s"
	}
	return "c=" + strconv.Itoa(s.Concurrency)
}

// Load is the step's offered load as one number: the concurrency or the
// rate, which is what the sweep's x axis shows.
func (s Step) Load() float64 {
	if s.Open() {
		return s.Rate
	}
	return float64(s.Concurrency)
}

// ProfileForms shows the forms a profile takes, for a message about one
// that does not parse.
const ProfileForms = "closed:c=1,8,64, poisson:rate=20,50 or constant:rate=100"

// ProfileError is a load profile that does not parse. Its message names
// no flag: an application that took the profile from one names it (with
// Spec and Msg).
type ProfileError struct {
	Spec string
	Msg  string
}

func (e *ProfileError) Error() string {
	return fmt.Sprintf("profile %q: %s (want %s)", e.Spec, e.Msg, ProfileForms)
}

// ParseProfile parses "closed:c=1,8,64,512", "poisson:rate=20,50,100" or
// "constant:rate=100" into its steps, in the order given.
func ParseProfile(spec string) ([]Step, error) {
	kind, rest, ok := strings.Cut(strings.TrimSpace(spec), ":")
	if !ok {
		return nil, &ProfileError{Spec: spec, Msg: "missing ':'"}
	}
	key, vals, ok := strings.Cut(rest, "=")
	if !ok {
		return nil, &ProfileError{Spec: spec, Msg: "missing '='"}
	}
	kind, key = strings.TrimSpace(kind), strings.TrimSpace(key)
	var want string
	switch kind {
	case KindClosed:
		want = "c"
	case KindPoisson, KindConstant:
		want = "rate"
	default:
		return nil, &ProfileError{Spec: spec, Msg: fmt.Sprintf("unknown kind %q", kind)}
	}
	if key != want {
		return nil, &ProfileError{Spec: spec, Msg: fmt.Sprintf("%s takes %s=…, not %q", kind, want, key)}
	}
	var steps []Step
	for i, v := range strings.Split(vals, ",") {
		v = strings.TrimSpace(v)
		if kind == KindClosed {
			c, err := strconv.Atoi(v)
			if err != nil || c < 1 || c > 1_000_000 {
				return nil, &ProfileError{Spec: spec, Msg: fmt.Sprintf("step %d: concurrency %q must be an integer from 1 to 1000000", i+1, v)}
			}
			steps = append(steps, Step{Kind: kind, Concurrency: c})
			continue
		}
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || !(r > 0) || math.IsInf(r, 0) || r > 1e7 {
			return nil, &ProfileError{Spec: spec, Msg: fmt.Sprintf("step %d: rate %q must be a number above 0 and at most 1e7", i+1, v)}
		}
		steps = append(steps, Step{Kind: kind, Rate: r})
	}
	return steps, nil
}

// pacer returns the step's arrival schedule.
func (s Step) pacer(seed uint64) Pacer {
	if s.Kind == KindPoisson {
		return NewPoissonPacer(s.Rate, seed)
	}
	return ConstantPacer{Freq: s.Rate}
}
