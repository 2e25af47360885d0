package bench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/janus-bench/janus/bench/trace"
)

// recordLine is one line of a recording: the response head first, then
// every read of the body with its bytes and its offset from request start,
// then the end (at_ns is the trace's end) with what the bytes cannot say.
type recordLine struct {
	AtNs    int64       `json:"at_ns"`
	Status  int         `json:"status,omitempty"`
	Headers http.Header `json:"headers,omitempty"`
	Data    []byte      `json:"data,omitempty"` // base64 in JSON: SSE may not be UTF-8
	End     *recordEnd  `json:"end,omitempty"`
}

// recordEnd is the last line's payload: how the request was made and why
// it ended, for `janus bench replay`.
type recordEnd struct {
	SentNs    int64        `json:"sent_ns"`
	Stream    bool         `json:"stream"`
	WantUsage bool         `json:"want_usage"`
	Error     *trace.Error `json:"error,omitempty"`
	// PromptTokens is janus's count of the request's prompt, which the
	// bytes of the response cannot tell (cost prices it).
	PromptTokens int `json:"prompt_tokens_counted,omitempty"`
}

type recorderFactory func(taskID string) (*fileRecorder, error)

// fileRecorder writes a task's raw stream to <dir>/<task>.sse.jsonl for
// replay.
type fileRecorder struct {
	mu  sync.Mutex
	f   *os.File
	w   *bufio.Writer
	enc *json.Encoder
}

func newFileRecorder(path string) (*fileRecorder, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create recording: %w", err)
	}
	w := bufio.NewWriter(f)
	return &fileRecorder{f: f, w: w, enc: json.NewEncoder(w)}, nil
}

// RecordHeaders implements trace.Recorder.
func (r *fileRecorder) RecordHeaders(status int, h http.Header, at time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	_ = r.enc.Encode(recordLine{AtNs: int64(at), Status: status, Headers: h})
}

// RecordRead implements trace.Recorder.
func (r *fileRecorder) RecordRead(b []byte, at time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	_ = r.enc.Encode(recordLine{AtNs: int64(at), Data: b})
}

// RecordEnd implements trace.EndRecorder.
func (r *fileRecorder) RecordEnd(t *trace.Trace) {
	r.mu.Lock()
	defer r.mu.Unlock()
	_ = r.enc.Encode(recordLine{AtNs: t.EndNs, End: &recordEnd{SentNs: t.SentNs, Stream: t.Stream,
		WantUsage: t.WantUsage, Error: t.Err, PromptTokens: t.PromptTokens}})
}

// Close flushes and closes the recording.
func (r *fileRecorder) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.w.Flush(); err != nil {
		r.f.Close()
		return fmt.Errorf("flush recording: %w", err)
	}
	return r.f.Close()
}
