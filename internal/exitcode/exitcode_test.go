package exitcode

import (
	"errors"
	"fmt"
	"testing"
)

type coded struct{ code int }

func (e *coded) Error() string { return fmt.Sprintf("coded %d", e.code) }
func (e *coded) ExitCode() int { return e.code }

func TestOf(t *testing.T) {
	usage, target, threshold := &coded{Usage}, &coded{Target}, &coded{Threshold}
	interrupted := New(Interrupted, "interrupted")
	cases := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, OK},
		{"plain error", errors.New("boom"), Runtime},
		{"coded", usage, Usage},
		{"wrapped twice", fmt.Errorf("a: %w", fmt.Errorf("b: %w", target)), Target},
		{"joined", errors.Join(errors.New("x"), interrupted), Interrupted},
		{"interrupted wins over usage", fmt.Errorf("%w: %w", usage, interrupted), Interrupted},
		{"threshold wins over target", errors.Join(target, threshold), Threshold},
		{"target wins over usage outside it", fmt.Errorf("%w", &wrapper{code: Usage, err: target}), Target},
		{"unknown code beats runtime", &coded{7}, 7},
		{"usage beats unknown code", errors.Join(&coded{7}, usage), Usage},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Of(c.err); got != c.want {
				t.Errorf("Of(%v) = %d, want %d", c.err, got, c.want)
			}
		})
	}
}

// wrapper is a coded error that wraps another coded one, so the test sees
// that precedence, not depth, picks the code.
type wrapper struct {
	code int
	err  error
}

func (e *wrapper) Error() string { return "wrapper: " + e.err.Error() }
func (e *wrapper) Unwrap() error { return e.err }
func (e *wrapper) ExitCode() int { return e.code }

func TestNewIsDistinctAndComparable(t *testing.T) {
	a, b := New(Interrupted, "x"), New(Interrupted, "x")
	if errors.Is(a, b) {
		t.Error("two sentinels with the same message compare equal")
	}
	if !errors.Is(fmt.Errorf("w: %w", a), a) {
		t.Error("a wrapped sentinel is not found by errors.Is")
	}
	if a.Error() != "x" {
		t.Errorf("Error() = %q, want %q", a.Error(), "x")
	}
}
