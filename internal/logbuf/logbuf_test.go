package logbuf

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// sink records what reached the destination, and how many writes it took.
type sink struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
}

func (s *sink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes++
	return s.b.Write(p)
}

func (s *sink) state() (string, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String(), s.writes
}

// TestBatchesUntilInterval: lines wait in memory until the interval, then
// leave in one write, in order.
func TestBatchesUntilInterval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var s sink
		w := New(&s, 100*time.Millisecond)
		defer w.Close()
		for i := range 10 {
			fmt.Fprintf(w, "line %d\n", i)
		}
		synctest.Wait()
		if got, n := s.state(); got != "" || n != 0 {
			t.Fatalf("before the interval the destination has %q in %d writes, want nothing", got, n)
		}
		time.Sleep(100 * time.Millisecond) // the synctest bubble's fake clock: instant
		synctest.Wait()
		got, n := s.state()
		var want strings.Builder
		for i := range 10 {
			fmt.Fprintf(&want, "line %d\n", i)
		}
		if got != want.String() || n != 1 {
			t.Errorf("after the interval: %q in %d writes, want %q in 1", got, n, want.String())
		}
	})
}

// TestFlushAtSize: a full batch leaves before the interval.
func TestFlushAtSize(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var s sink
		w := New(&s, time.Hour)
		defer w.Close()
		line := strings.Repeat("x", 1023) + "\n"
		for range flushAt / len(line) {
			_, _ = w.Write([]byte(line))
		}
		synctest.Wait()
		if got, _ := s.state(); len(got) != flushAt {
			t.Errorf("a %d-byte batch: %d bytes written before the interval, want all", flushAt, len(got))
		}
	})
}

// TestCloseFlushesAndWritesThrough: Close leaves nothing behind, and a
// write after it is not lost.
func TestCloseFlushesAndWritesThrough(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var s sink
		w := New(&s, time.Hour)
		_, _ = w.Write([]byte("a\n"))
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write([]byte("b\n"))
		if got, _ := s.state(); got != "a\nb\n" {
			t.Errorf("got %q, want %q", got, "a\nb\n")
		}
		if err := w.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
	})
}

// TestBoundedWhenDestinationLags: a writer that logs faster than the
// interval drains never holds more than maxBuffered plus one line, and
// every line arrives whole and in order.
func TestBoundedWhenDestinationLags(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var s sink
		w := New(&s, time.Hour)
		line := []byte(strings.Repeat("y", 4095) + "\n")
		total := 3 * maxBuffered / len(line)
		for range total {
			_, _ = w.Write(line)
			w.mu.Lock()
			held := len(w.buf)
			w.mu.Unlock()
			if held > maxBuffered+len(line) {
				t.Fatalf("%d bytes held, bound %d", held, maxBuffered+len(line))
			}
		}
		_ = w.Close()
		got, _ := s.state()
		if len(got) != total*len(line) || strings.Count(got, "\n") != total {
			t.Errorf("%d bytes and %d lines arrived, want %d and %d", len(got), strings.Count(got, "\n"), total*len(line), total)
		}
	})
}

// TestConcurrentWritesStayWhole: lines from many goroutines arrive whole.
func TestConcurrentWritesStayWhole(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var s sink
		w := New(&s, 10*time.Millisecond)
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				for i := range 200 {
					fmt.Fprintf(w, "g%d-%03d %s\n", g, i, strings.Repeat("z", 100))
				}
			})
		}
		wg.Wait()
		_ = w.Close()
		got, _ := s.state()
		lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
		if len(lines) != 1600 {
			t.Fatalf("%d lines, want 1600", len(lines))
		}
		for _, l := range lines {
			if len(l) != len("g0-000 ")+100 {
				t.Fatalf("torn line %q", l)
			}
		}
	})
}
