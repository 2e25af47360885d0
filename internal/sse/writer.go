package sse

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// Writer frames Server-Sent Events and flushes after every frame, because a
// stream that sits in a buffer is exactly the failure the streaming contract
// forbids: one frame written is one frame on the wire.
type Writer struct {
	w     io.Writer
	flush func() error
	buf   []byte
}

// NewWriter wraps w. When w is an http.ResponseWriter (or anything that
// supports http.ResponseController flushing) every frame is flushed.
func NewWriter(w io.Writer) *Writer {
	sw := &Writer{w: w}
	switch f := w.(type) {
	case http.ResponseWriter:
		rc := http.NewResponseController(f)
		sw.flush = rc.Flush
	case interface{ Flush() error }:
		sw.flush = f.Flush
	case interface{ Flush() }:
		sw.flush = func() error { f.Flush(); return nil }
	}
	return sw
}

// WriteEvent writes data as one event. A payload with newlines becomes
// several data: lines, which readers join back with "\n".
func (w *Writer) WriteEvent(data []byte) error {
	w.buf = w.buf[:0]
	for {
		i := bytes.IndexByte(data, '\n')
		w.buf = append(w.buf, "data: "...)
		if i < 0 {
			w.buf = append(w.buf, data...)
			w.buf = append(w.buf, '\n')
			break
		}
		w.buf = append(w.buf, bytes.TrimSuffix(data[:i], []byte{'\r'})...)
		w.buf = append(w.buf, '\n')
		data = data[i+1:]
	}
	w.buf = append(w.buf, '\n')
	return w.WriteRaw(w.buf)
}

// WriteJSON marshals v and writes it as one event.
func (w *Writer) WriteJSON(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("sse encode event: %w", err)
	}
	return w.WriteEvent(b)
}

// WriteComment writes a comment frame such as the ": ping" keep-alive.
func (w *Writer) WriteComment(text string) error {
	w.buf = append(w.buf[:0], ": "...)
	w.buf = append(w.buf, text...)
	w.buf = append(w.buf, '\n', '\n')
	return w.WriteRaw(w.buf)
}

// WriteDone writes the OpenAI stream terminator "data: [DONE]".
func (w *Writer) WriteDone() error {
	return w.WriteRaw([]byte("data: [DONE]\n\n"))
}

// WriteRaw writes already-framed bytes unchanged and flushes; a pass-through
// relay uses it so that it never re-frames what a competitor sent.
func (w *Writer) WriteRaw(b []byte) error {
	if _, err := w.w.Write(b); err != nil {
		return fmt.Errorf("sse write: %w", err)
	}
	if w.flush != nil {
		if err := w.flush(); err != nil {
			return fmt.Errorf("sse flush: %w", err)
		}
	}
	return nil
}
