package load

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestParseProfile(t *testing.T) {
	tests := []struct {
		spec  string
		want  []Step
		wrong bool
	}{
		// A closed sweep keeps the order given.
		{spec: "closed:c=1,8,64,512", want: []Step{{Kind: KindClosed, Concurrency: 1}, {Kind: KindClosed, Concurrency: 8}, {Kind: KindClosed, Concurrency: 64}, {Kind: KindClosed, Concurrency: 512}}},
		// Rates may be fractional and spaced.
		{spec: " poisson:rate=0.5, 20 ", want: []Step{{Kind: KindPoisson, Rate: 0.5}, {Kind: KindPoisson, Rate: 20}}},
		// One constant step.
		{spec: "constant:rate=100", want: []Step{{Kind: KindConstant, Rate: 100}}},
		// The key must match the kind.
		{spec: "closed:rate=5", wrong: true},
		{spec: "poisson:c=5", wrong: true},
		// Unknown kind, missing parts, bad numbers.
		{spec: "ramp:rate=5", wrong: true},
		{spec: "closed", wrong: true},
		{spec: "closed:c", wrong: true},
		{spec: "closed:c=0", wrong: true},
		{spec: "closed:c=1.5", wrong: true},
		{spec: "closed:c=1,,2", wrong: true},
		{spec: "poisson:rate=-1", wrong: true},
		{spec: "poisson:rate=NaN", wrong: true},
		{spec: "constant:rate=Inf", wrong: true},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			got, err := ParseProfile(tt.spec)
			if tt.wrong {
				var pe *ProfileError
				if !errors.As(err, &pe) {
					t.Errorf("ParseProfile(%q) = %v, %v; want a *ProfileError", tt.spec, got, err)
				}
				return
			}
			if err != nil {
				t.Errorf("ParseProfile(%q): %v", tt.spec, err)
				return
			}
			if len(got) != len(tt.want) {
				t.Errorf("ParseProfile(%q) = %v, want %v", tt.spec, got, tt.want)
				return
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("ParseProfile(%q)[%d] = %+v, want %+v", tt.spec, i, got[i], tt.want[i])
				}
			}
		})
	}
}

func FuzzParseProfile(f *testing.F) {
	for _, s := range []string{"closed:c=1,8", "poisson:rate=20,50", "constant:rate=1e3", "closed:c=", ":=", "poisson:rate=1,,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		steps, err := ParseProfile(spec)
		if err != nil {
			return
		}
		if len(steps) == 0 {
			t.Fatalf("%q: no error and no steps", spec)
		}
		for _, s := range steps {
			if s.Open() && !(s.Rate > 0) || !s.Open() && s.Concurrency < 1 {
				t.Fatalf("%q: invalid step %+v accepted", spec, s)
			}
		}
	})
}

func TestPacers(t *testing.T) {
	// Constant: even spacing from 0.
	c := ConstantPacer{Freq: 4}
	for n, want := range []time.Duration{0, 250 * time.Millisecond, 500 * time.Millisecond} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			if got := c.Pace(uint64(n)); got != want {
				t.Errorf("constant Pace(%d) = %v, want %v", n, got, want)
			}
		})
	}
	// Poisson: the same seed gives the same schedule, times only go up,
	// and a repeated call returns the same time.
	a, b := NewPoissonPacer(100, 7), NewPoissonPacer(100, 7)
	var prev time.Duration
	for n := uint64(0); n < 1000; n++ {
		x, y := a.Pace(n), b.Pace(n)
		if x != y || x < prev || a.Pace(n) != x {
			t.Fatalf("poisson Pace(%d) = %v / %v (prev %v)", n, x, y, prev)
		}
		prev = x
	}
	if other := NewPoissonPacer(100, 8).Pace(999); other == prev {
		t.Errorf("seeds 7 and 8 gave the same schedule")
	}
	// A func adapter is a Pacer too.
	var p Pacer = PacerFunc{F: func(n uint64) time.Duration { return time.Duration(n) }, MeanRate: 1e9}
	if p.Pace(3) != 3 || p.Rate() != 1e9 {
		t.Errorf("PacerFunc: %v %v", p.Pace(3), p.Rate())
	}
}
