package ratelimit

import (
	"fmt"
	"testing"
	"time"
)

// TestAllow walks one key through its burst, a refusal that names the
// wait, and the refill; another key has a bucket of its own.
func TestAllow(t *testing.T) {
	l := New(2, 3)
	t0 := time.Unix(1000, 0)
	steps := []struct {
		name     string
		key      string
		at       time.Duration
		ok       bool
		wantWait time.Duration
	}{
		{"burst 1", "a", 0, true, 0},
		{"burst 2", "a", 0, true, 0},
		{"burst 3", "a", 0, true, 0},
		{"empty", "a", 0, false, 500 * time.Millisecond},
		{"other key", "b", 0, true, 0},
		{"half refilled", "a", 250 * time.Millisecond, false, 250 * time.Millisecond},
		{"refilled", "a", 500 * time.Millisecond, true, 0},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			ok, wait := l.Allow(s.key, t0.Add(s.at))
			if ok != s.ok || wait != s.wantWait {
				t.Errorf("Allow = %v, %s; want %v, %s", ok, wait, s.ok, s.wantWait)
			}
		})
	}
}

// TestUnlimited: a rate of zero allows everything and keeps no buckets.
func TestUnlimited(t *testing.T) {
	l := New(0, 1)
	for i := range 5 {
		if ok, _ := l.Allow("a", time.Unix(0, 0)); !ok {
			t.Fatalf("request %d refused", i)
		}
	}
	if l.Len() != 0 {
		t.Errorf("%d buckets kept", l.Len())
	}
}

// TestPrune: at MaxBuckets, the buckets full again are forgotten and a
// client still limited is kept.
func TestPrune(t *testing.T) {
	l := New(1, 1)
	t0 := time.Unix(0, 0)
	for i := range MaxBuckets {
		l.Allow(fmt.Sprint(i), t0)
	}
	later := t0.Add(2 * time.Second)
	l.Allow("busy", later) // prunes the idle ones, then keeps busy
	if l.Len() != 1 {
		t.Errorf("%d buckets after pruning, want 1", l.Len())
	}
	if ok, _ := l.Allow("busy", later); ok {
		t.Error("busy got a second token within its second")
	}
}
