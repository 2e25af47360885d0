package baseline

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/baseline/threads"
	"github.com/janus-bench/janus/internal/sse"
	"github.com/janus-bench/janus/internal/wire"
)

// handleChat serves POST /v1/chat/completions.
func (s *Server) handleChat(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	ctx := r.Context()
	rid := requestID(r)
	w.Header().Set("X-Request-Id", rid)
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		s.writeError(ctx, w, rid, &RequestError{Status: http.StatusMethodNotAllowed, Type: "invalid_request_error",
			Message: fmt.Sprintf("method %s is not allowed on %s; use POST", r.Method, r.URL.Path)})
		return
	}
	chat, rerr := s.readChat(w, r)
	if rerr != nil {
		s.writeError(ctx, w, rid, rerr)
		return
	}
	asked := chat.Model
	tn, rerr := s.jangar.prepare(ctx, r, chat)
	if rerr != nil {
		s.writeError(ctx, w, rid, rerr)
		return
	}
	mt := s.memory.prepare(ctx, r, chat)
	req := &Request{ID: rid, Start: start, Chat: chat, BaseURL: requestBase(r)}
	if (chat.Model != asked && chat.Model != s.jangar.def) || s.jangar.fileModel(chat.Model) {
		// A model.json named the model (prepare applied it).
		req.FileModel = chat.Model
	}
	gen, err := s.provider.Open(ctx, req)
	if err != nil {
		var re *RequestError
		switch {
		case errors.As(err, &re):
			s.writeError(ctx, w, rid, re)
		case ctx.Err() != nil:
			s.log.LogAttrs(ctx, slog.LevelDebug, "client went away before the answer started",
				slog.String("request_id", rid))
		default:
			s.log.LogAttrs(ctx, slog.LevelError, "provider failed to open", slog.String("request_id", rid),
				slog.Any("error", err))
			s.writeError(ctx, w, rid, &RequestError{Status: http.StatusInternalServerError, Type: "server_error",
				Message: "the baseline provider failed: " + err.Error()})
		}
		return
	}
	if tn != nil {
		w.Header().Set(threads.HeaderJanus, tn.threadID)
		gen = tn.wrap(gen)
	}
	gen = mt.wrap(gen)
	if req.Routing != nil {
		req.Routing.setHeaders(w.Header())
	}
	if chat.Stream {
		s.serveStream(ctx, w, req, gen)
		return
	}
	s.serveCompletion(ctx, w, req, gen)
}

// serveStream writes the SSE response: the role chunk at once (with the
// routing decision in its metadata), the provider's deltas when they are
// due, then the finish chunk, the usage chunk if asked for, and [DONE].
//
// Every stream ends the same way, whatever happened (Jangar's rule): a
// provider failure or panic after the first byte is reported as an error
// chunk, then finish_reason "error", the usage so far when include_usage
// was asked for, and [DONE]. After a client abort the same closing frames
// are still attempted, so that a proxy that is still reading (or a log of
// what was written) sees the usage the aborted turn cost.
func (s *Server) serveStream(ctx context.Context, w http.ResponseWriter, req *Request, gen Generation) {
	rid, start, chat := req.ID, req.Start, req.Chat
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)

	ss := newStreamSink(w, rid, "chatcmpl-"+rid, s.cfg.Model, start.Unix(), s.cfg.Observer)
	defer ss.close()
	ss.lineOnly = s.cfg.KeepAliveLineOnly
	ss.meta = req.Routing.metadata()
	if err := ss.writeDelta(KindRole, wire.Delta{Role: openai.ChatMessageRoleAssistant}, nil); err != nil {
		s.streamEnded(ctx, rid, start, err)
		return
	}
	q := quirksOf(gen)
	if s.cfg.KeepAlive > 0 && !q.noKeepAlive {
		ss.startKeepAlive(s.cfg.KeepAlive)
	}
	out, err := runSafely(ctx, gen, ss)
	if out.FinishReason == "" {
		out.FinishReason = "stop"
	}
	if err != nil {
		aborted := ctx.Err() != nil || ss.broken()
		if !aborted {
			s.log.LogAttrs(ctx, slog.LevelError, "provider failed mid-stream", slog.String("request_id", rid),
				slog.Any("error", err))
			_ = ss.writeError(err)
			out.FinishReason = FinishError
		}
		if out.Usage.TotalTokens == 0 {
			out.Usage = s.countedUsage(chat, ss.emitted.String())
		}
		// A failed turn never got the model's final usage: what is
		// reported is counted, and says so (docs/STREAMING.md).
		out.Usage.Estimated = true
		s.streamEnded(ctx, rid, start, err)
		// The closing frames go out even when the client is gone: writes
		// that cannot reach it fail harmlessly, and whoever is still reading
		// gets the usage of what was produced.
		ss.forceWrite()
	}
	err = ss.writeDelta(KindFinish, wire.Delta{}, &out.FinishReason)
	if err == nil && chat.WantsUsage() && !q.noUsage {
		err = ss.writeUsage(out.Usage)
	}
	if err == nil && !q.noDone {
		err = ss.writeDone()
	}
	if err != nil {
		s.streamEnded(ctx, rid, start, err)
		return
	}
	s.log.LogAttrs(ctx, slog.LevelDebug, "chat completion streamed", slog.String("request_id", rid),
		slog.String("finish_reason", out.FinishReason), slog.Int("completion_tokens", out.Usage.CompletionTokens),
		slog.Duration("elapsed", time.Since(start)))
}

// streamEnded logs an answer that stopped early; a client that went away
// is routine for a benchmark target (timeouts, cancelled runs), not an
// error.
func (s *Server) streamEnded(ctx context.Context, rid string, start time.Time, err error) {
	s.log.LogAttrs(ctx, slog.LevelDebug, "chat completion stopped early", slog.String("request_id", rid),
		slog.Duration("elapsed", time.Since(start)), slog.Any("error", err))
}

// serveCompletion collects the whole answer, holds it until its last token
// would have been streamed, and writes one chat.completion.
func (s *Server) serveCompletion(ctx context.Context, w http.ResponseWriter, req *Request, gen Generation) {
	rid, start := req.ID, req.Start
	var c collector
	out, err := runSafely(ctx, gen, &c)
	if out.FinishReason == "" {
		out.FinishReason = "stop"
	}
	if err == nil {
		err = sleepUntil(ctx, c.last)
	}
	if err != nil {
		if ctx.Err() != nil {
			s.streamEnded(ctx, rid, start, err)
			return
		}
		s.log.LogAttrs(ctx, slog.LevelError, "provider failed", slog.String("request_id", rid), slog.Any("error", err))
		s.writeError(ctx, w, rid, &RequestError{Status: http.StatusInternalServerError, Type: "server_error",
			Message: "the baseline provider failed: " + err.Error()})
		return
	}
	usage := out.Usage
	resp := wire.Completion{ID: "chatcmpl-" + rid, Object: wire.ObjectCompletion, Created: start.Unix(),
		Model: s.cfg.Model, Usage: &usage, Metadata: req.Routing.metadata(),
		Choices: []wire.Choice{{Index: 0, FinishReason: out.FinishReason, Message: wire.Message{
			Role: openai.ChatMessageRoleAssistant, Content: c.content.String(),
			ReasoningContent: c.reasoning.String(), ToolCalls: c.calls, Artifacts: c.artifacts}}}}
	if quirksOf(gen).noUsage {
		resp.Usage = nil
	}
	s.writeJSON(ctx, w, http.StatusOK, resp)
	s.log.LogAttrs(ctx, slog.LevelDebug, "chat completion", slog.String("request_id", rid),
		slog.String("finish_reason", out.FinishReason), slog.Int("completion_tokens", usage.CompletionTokens),
		slog.Duration("elapsed", time.Since(start)))
}

// sleepUntil waits until t or until ctx is done.
func sleepUntil(ctx context.Context, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err()
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait for deadline: %w", ctx.Err())
	}
}

// requestID is the client's X-Request-Id when it is a plausible id (1 to
// 128 visible ASCII characters), so that client and server logs join up;
// otherwise a fresh random id.
func requestID(r *http.Request) string {
	if id := r.Header.Get("X-Request-Id"); id != "" && len(id) <= 128 &&
		strings.IndexFunc(id, func(c rune) bool { return c <= ' ' || c > '~' }) < 0 {
		return id
	}
	return strings.ToLower(rand.Text())
}

// streamSink writes a provider's events as SSE frames. One sink serves one
// request and reuses its chunk, buffer and encoder for every frame. The
// mutex orders the handler's frames against keep-alives, which a timer
// sends from its own goroutine so that they also cover a provider that is
// busy between two events, not only one waiting for a deadline.
type streamSink struct {
	mu     sync.Mutex
	sw     *sse.Writer
	buf    bytes.Buffer
	enc    *json.Encoder
	chunk  wire.Chunk
	choice []wire.StreamChoice
	rid    string
	obs    EventObserver
	seq    int
	last   time.Time
	keep   time.Duration
	ka     *time.Timer
	// lineOnly makes every keep-alive a bare comment line
	// (Config.KeepAliveLineOnly), the stall-ping profile's too.
	lineOnly bool
	closed   bool
	err      error
	// meta goes into the next chunk only (the role chunk's routing
	// decision).
	meta map[string]any
	// emitted is the text streamed so far, counted for usage when a
	// provider fails before it could report its own.
	emitted strings.Builder

	// pace is only used by Emit, on the handler's goroutine.
	pace *time.Timer
}

var _ Sink = (*streamSink)(nil)

func newStreamSink(w http.ResponseWriter, rid, chunkID, model string, created int64, obs EventObserver) *streamSink {
	s := &streamSink{sw: sse.NewWriter(w), rid: rid, obs: obs, choice: make([]wire.StreamChoice, 1),
		chunk: wire.Chunk{ID: chunkID, Object: wire.ObjectChunk, Created: created, Model: model}}
	s.enc = json.NewEncoder(&s.buf)
	s.enc.SetEscapeHTML(false)
	return s
}

// Emit implements Sink: it waits for ev.At on one reused timer, then
// writes the delta.
func (s *streamSink) Emit(ctx context.Context, ev Event) error {
	if d := time.Until(ev.At); !ev.At.IsZero() && d > 0 {
		if s.pace == nil {
			s.pace = time.NewTimer(d)
		} else {
			s.pace.Reset(d)
		}
		select {
		case <-s.pace.C:
		case <-ctx.Done():
			return fmt.Errorf("stream %s: %w", s.rid, ctx.Err())
		}
	} else if err := ctx.Err(); err != nil {
		return fmt.Errorf("stream %s: %w", s.rid, err)
	}
	return s.writeDelta(ev.Kind, ev.Delta, nil)
}

// writeDelta sends a chunk with one choice.
func (s *streamSink) writeDelta(kind string, d wire.Delta, finish *string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.choice[0] = wire.StreamChoice{Delta: d, FinishReason: finish}
	s.chunk.Choices, s.chunk.Usage, s.chunk.Error = s.choice, nil, nil
	s.chunk.Metadata, s.meta = s.meta, nil
	s.emitted.WriteString(d.ReasoningContent)
	s.emitted.WriteString(d.Content)
	for _, tc := range d.ToolCalls {
		s.emitted.WriteString(tc.Function.Name)
		s.emitted.WriteString(tc.Function.Arguments)
	}
	return s.writeChunkLocked(kind)
}

// writeUsage sends the usage chunk: empty choices, usage set.
func (s *streamSink) writeUsage(u wire.Usage) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chunk.Choices, s.chunk.Usage, s.chunk.Error, s.chunk.Metadata = s.choice[:0], &u, nil, nil
	return s.writeChunkLocked(KindUsage)
}

// writeError reports a provider failure inside the stream, as OpenAI does.
func (s *streamSink) writeError(err error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chunk.Choices, s.chunk.Usage, s.chunk.Metadata = s.choice[:0], nil, nil
	s.chunk.Error, s.chunk.Status = errorChunkBody(err)
	defer func() { s.chunk.Error, s.chunk.Status = nil, 0 }()
	return s.writeChunkLocked(KindError)
}

// errorChunkBody is the error object and status of a mid-stream failure:
// an upstream's own status, code and type when it answered with an error,
// else a 500 server_error (docs/STREAMING.md).
func errorChunkBody(err error) (*wire.ErrorBody, int) {
	msg := "the baseline provider failed: " + err.Error()
	var ue *UpstreamError
	if errors.As(err, &ue) {
		return &wire.ErrorBody{Message: msg, Type: "server_error", Code: ue.Code}, ue.Status
	}
	var ae *openai.APIError
	if errors.As(err, &ae) && ae.HTTPStatusCode > 0 {
		typ := ae.Type
		if typ == "" {
			typ = "server_error"
		}
		b := &wire.ErrorBody{Message: msg, Type: typ, Code: ae.Code}
		if ae.Param != nil {
			b.Param = ae.Param
		}
		return b, ae.HTTPStatusCode
	}
	var re *openai.RequestError
	if errors.As(err, &re) && re.HTTPStatusCode > 0 {
		return &wire.ErrorBody{Message: msg, Type: "server_error", Code: "upstream_error"}, re.HTTPStatusCode
	}
	return &wire.ErrorBody{Message: msg, Type: "server_error"}, http.StatusInternalServerError
}

// writeDone sends data: [DONE].
func (s *streamSink) writeDone() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usableLocked(); err != nil {
		return err
	}
	if err := s.sw.WriteDone(); err != nil {
		s.err = fmt.Errorf("stream %s: %w", s.rid, err)
		return s.err
	}
	s.sentLocked(KindDone)
	// Nothing follows [DONE], not even a keep-alive: a handler descheduled
	// for a keep-alive period before close() would otherwise let one out.
	s.closed = true
	if s.ka != nil {
		s.ka.Stop()
	}
	return nil
}

func (s *streamSink) writeChunkLocked(kind string) error {
	if err := s.usableLocked(); err != nil {
		return err
	}
	s.buf.Reset()
	if err := s.enc.Encode(&s.chunk); err != nil {
		return fmt.Errorf("stream %s: encode chunk: %w", s.rid, err)
	}
	if err := s.sw.WriteEvent(bytes.TrimSuffix(s.buf.Bytes(), []byte{'\n'})); err != nil {
		s.err = fmt.Errorf("stream %s: %w", s.rid, err)
		return s.err
	}
	s.sentLocked(kind)
	return nil
}

func (s *streamSink) usableLocked() error {
	if s.err != nil {
		return s.err
	}
	if s.closed {
		return fmt.Errorf("stream %s: already finished", s.rid)
	}
	return nil
}

// sentLocked records a flushed frame and tells the observer.
func (s *streamSink) sentLocked(kind string) {
	s.last = time.Now()
	if s.obs != nil {
		s.obs(s.rid, s.seq, kind, s.last)
	}
	s.seq++
}

// broken reports whether a write has failed (the client is gone).
func (s *streamSink) broken() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err != nil
}

// startKeepAlive arms the keep-alive timer. It fires at most once per
// period and re-arms itself for the rest of the period when a frame went
// out meanwhile, so a busy stream costs no timer work per frame.
func (s *streamSink) startKeepAlive(every time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keep = every
	s.ka = time.AfterFunc(every, s.ping)
}

func (s *streamSink) ping() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.err != nil {
		return
	}
	if idle := time.Since(s.last); idle < s.keep {
		s.ka.Reset(s.keep - idle)
		return
	}
	if err := s.sw.WriteRaw(s.pingFrame()); err != nil {
		s.err = fmt.Errorf("stream %s: keep-alive: %w", s.rid, err)
		return
	}
	s.sentLocked(KindKeepAlive)
	s.ka.Reset(s.keep)
}

// Keep-alive frames: the contract's comment block, and the bare comment
// line of Config.KeepAliveLineOnly.
var (
	pingFrame     = []byte(": ping\n\n")
	pingLineFrame = []byte(": ping\n")
)

// pingFrame is the keep-alive this stream sends.
func (s *streamSink) pingFrame() []byte {
	if s.lineOnly {
		return pingLineFrame
	}
	return pingFrame
}

// close stops every timer; after it returns nothing writes to the
// response any more, so the handler may return.
func (s *streamSink) close() {
	s.mu.Lock()
	s.closed = true
	if s.ka != nil {
		s.ka.Stop()
	}
	s.mu.Unlock()
	if s.pace != nil {
		s.pace.Stop()
	}
}

// collector assembles a non-streamed answer and remembers when its last
// event was due.
type collector struct {
	content   strings.Builder
	reasoning strings.Builder
	calls     []openai.ToolCall
	artifacts []wire.Artifact
	last      time.Time
}

var _ Sink = (*collector)(nil)

// Emit implements Sink without waiting: the handler waits once, for the
// last deadline, before it answers.
func (c *collector) Emit(ctx context.Context, ev Event) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("collect answer: %w", err)
	}
	c.content.WriteString(ev.Delta.Content)
	c.reasoning.WriteString(ev.Delta.ReasoningContent)
	c.artifacts = append(c.artifacts, ev.Delta.Artifacts...)
	for _, tc := range ev.Delta.ToolCalls {
		i := len(c.calls) - 1
		switch {
		case tc.Index != nil:
			i = *tc.Index
		case tc.ID != "" || i < 0:
			i = len(c.calls)
		}
		for len(c.calls) <= i {
			c.calls = append(c.calls, openai.ToolCall{Type: openai.ToolTypeFunction})
		}
		call := &c.calls[i]
		if tc.ID != "" {
			call.ID = tc.ID
		}
		if tc.Type != "" {
			call.Type = tc.Type
		}
		call.Function.Name += tc.Function.Name
		call.Function.Arguments += tc.Function.Arguments
	}
	if ev.At.After(c.last) {
		c.last = ev.At
	}
	return nil
}
