package tui

import (
	"math"
	"testing"
)

func TestSpark(t *testing.T) {
	cases := []struct {
		name  string
		vals  []float64
		width int
		want  string
	}{
		// Scaled from the window's minimum to its maximum.
		{"ramp", []float64{10, 20, 30, 40, 50, 60, 70, 80}, 8, "▁▂▃▄▅▆▇█"},
		// A steady series is a flat mid line, not a wall.
		{"flat", []float64{150, 150, 150}, 4, "▄▄▄ "},
		// Only the last width values are drawn.
		{"window", []float64{1000, 1, 2}, 2, "▁█"},
		{"empty", nil, 3, "   "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := spark(c.vals, c.width); got != c.want {
				t.Errorf("%s: spark = %q, want %q", c.name, got, c.want)
			}
		})
	}
}

func TestCIBar(t *testing.T) {
	cases := []struct {
		name string
		v    float64
		ci   *[2]float64
		want string
	}{
		// Solid to the lower bound, shaded across the interval.
		{"interval", 50, &[2]float64{40, 60}, "████▒▒░░░░"},
		// A zero-width interval still shows one shaded cell.
		{"point", 0, &[2]float64{0, 0}, "▒░░░░░░░░░"},
		// No interval: solid to the value.
		{"none", 30, nil, "███░░░░░░░"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := ciBar(c.v, c.ci, 10); got != c.want {
				t.Errorf("%s: ciBar = %q, want %q", c.name, got, c.want)
			}
		})
	}
	if fmtMs(math.NaN()) != "–" || fmtMs(12345) != "12.3s" {
		t.Errorf("fmtMs: %q %q", fmtMs(math.NaN()), fmtMs(12345))
	}
}
