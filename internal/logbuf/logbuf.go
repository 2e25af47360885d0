// Package logbuf takes log output off a server's request path: lines are
// appended to a buffer in memory and written to the real destination by a
// background goroutine, a batch at a time, instead of one write system
// call per line under the log handler's lock on every request.
package logbuf

import (
	"io"
	"sync"
	"time"
)

// flushAt is the buffered size that wakes the writer before its interval;
// maxBuffered the size past which Write itself writes, so a destination
// slower than the log rate slows the logger down instead of growing the
// buffer without bound.
const (
	flushAt     = 32 << 10
	maxBuffered = 1 << 20
)

// Writer is an io.Writer that buffers and writes in the background. It is
// safe for concurrent use; each Write's bytes stay together and in order.
// Close writes what is left and stops the goroutine.
type Writer struct {
	dst  io.Writer
	wmu  sync.Mutex // held while writing to dst, so batches stay in order
	mu   sync.Mutex // guards buf and closed
	buf  []byte
	out  []byte // the batch being written; owned by the holder of wmu
	shut bool
	kick chan struct{}
	stop chan struct{}
	done chan struct{}
}

// New starts a Writer that writes to dst at least every interval while it
// holds anything.
func New(dst io.Writer, interval time.Duration) *Writer {
	w := &Writer{dst: dst, kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go w.loop(interval)
	return w
}

// Write buffers p. After Close it writes p through at once.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	if w.shut {
		w.mu.Unlock()
		w.wmu.Lock()
		defer w.wmu.Unlock()
		return w.dst.Write(p)
	}
	w.buf = append(w.buf, p...)
	n := len(w.buf)
	w.mu.Unlock()
	switch {
	case n >= maxBuffered:
		w.Flush()
	case n >= flushAt:
		select {
		case w.kick <- struct{}{}:
		default:
		}
	}
	return len(p), nil
}

// Flush writes everything buffered so far.
func (w *Writer) Flush() {
	w.wmu.Lock()
	defer w.wmu.Unlock()
	w.mu.Lock()
	w.buf, w.out = w.out[:0], w.buf
	w.mu.Unlock()
	if len(w.out) > 0 {
		// A log destination that fails has nowhere to report it; the
		// lines are dropped as an unbuffered handler's would be.
		_, _ = w.dst.Write(w.out)
	}
	if cap(w.out) > maxBuffered {
		w.out = nil
	}
}

// Close writes what is buffered and stops the background goroutine; later
// writes go straight through.
func (w *Writer) Close() error {
	w.mu.Lock()
	if w.shut {
		w.mu.Unlock()
		return nil
	}
	w.shut = true
	w.mu.Unlock()
	close(w.stop)
	<-w.done
	w.Flush()
	return nil
}

func (w *Writer) loop(interval time.Duration) {
	defer close(w.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-w.kick:
		case <-t.C:
		}
		w.Flush()
	}
}
