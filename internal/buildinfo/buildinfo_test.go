package buildinfo

import "testing"

// TestGetIsStableAndCheap: the version is the same on every call and,
// without a link-time Version, costs no allocation after the first.
func TestGetIsStableAndCheap(t *testing.T) {
	first := Get()
	if first == "" {
		t.Fatal("empty version")
	}
	if n := testing.AllocsPerRun(100, func() {
		if Get() != first {
			t.Fatal("version changed")
		}
	}); n != 0 {
		t.Errorf("%.1f allocations per Get, want 0", n)
	}
}
