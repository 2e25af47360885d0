package trace

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptrace"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/janus-bench/janus/internal/clip"
	"github.com/janus-bench/janus/internal/sse"
	"github.com/janus-bench/janus/internal/wire"
)

// Client sends chat completion requests to one target and records traces.
// It is safe for concurrent use.
type Client struct {
	// BaseURL ends in /v1 (".../v1/chat/completions" is appended).
	BaseURL string
	// APIKey is sent as a Bearer token; it never enters a trace.
	APIKey string
	// Header is added to every request (repeatable --header).
	Header http.Header
	// HTTP is the client to use; nil means a shared pooled client.
	HTTP *http.Client
	// Timeout bounds the whole request (default 5m).
	Timeout time.Duration
	// TTFTTimeout bounds the wait for the first token (default 30s).
	TTFTTimeout time.Duration
	// MaxLineBytes caps one SSE line (default 4 MiB, and never more than
	// Limits.EventBytes).
	MaxLineBytes int
	// Limits bound what one response may make the client hold (zero
	// fields: DefaultLimits).
	Limits Limits
	// StreamBufferBytes is each stream's initial SSE read buffer (default
	// 4 KiB; it grows for longer lines). Load runs with thousands of
	// streams use less.
	StreamBufferBytes int
	// Now is the clock (default time.Now); tests and replay inject one.
	Now func() time.Time
	// DoneGrace is how long to keep reading after data: [DONE] to catch
	// data sent after it, when the server does not close the stream
	// (default 250ms). It never counts towards e2e.
	DoneGrace time.Duration
	// SameOriginRedirects lets the client follow a 307 or 308 redirect to
	// the request's own origin (scheme, host and port), at most
	// MaxRedirects times (--follow-redirects). Every other redirect is
	// never followed: the trace ends with ErrRedirect and the redirect
	// violation names its Location, so no other host's answer is scored.
	SameOriginRedirects bool

	slowCompletion bool // tests: decode completions with encoding/json only

	cachedURL    atomic.Pointer[[2]string]
	cachedHeader [2]atomic.Pointer[keyedHeader]
	noFollow     atomic.Pointer[[2]*http.Client]
}

// Recorder receives the raw response bytes as they are read, with the time
// of each read, so a stream can be replayed later byte for byte.
type Recorder interface {
	RecordHeaders(status int, h http.Header, at time.Duration)
	RecordRead(b []byte, at time.Duration)
}

// EndRecorder is an optional extension of Recorder, told the finished
// trace once Do is done. The bytes alone cannot say when the request went
// out, whether it asked for a stream and usage, or why the transport gave
// up (a timeout, a reset); a replay needs all three to rebuild the trace.
type EndRecorder interface {
	RecordEnd(t *Trace)
}

var defaultHTTP = &http.Client{Transport: NewTransport(0), CheckRedirect: NoRedirects}

// DirectTransport is a RoundTripper the client hands requests to
// directly when it is an http.Client's Transport and that client has no
// cookie jar, redirect policy or timeout: http.Client's per-request
// header and URL copies and redirect bookkeeping are then skipped (a load
// run's lean transport). A redirect is reported as the HTTP status it is.
// A base URL with user info still goes through http.Client, which turns
// it into basic auth.
type DirectTransport interface {
	http.RoundTripper
	// Direct marks the transport; it is never called.
	Direct()
}

// endpoint is the chat completions URL, built once per base URL.
func (c *Client) endpoint() string {
	if e := c.cachedURL.Load(); e != nil && e[0] == c.BaseURL {
		return e[1]
	}
	u := strings.TrimRight(c.BaseURL, "/") + "/chat/completions"
	c.cachedURL.Store(&[2]string{c.BaseURL, u})
	return u
}

// header returns the request header. Without extra headers it is built
// once per API key and stream mode and shared by every request, read only
// (transports do not modify a request); with extra headers it is built
// per request, since Header may change between requests.
func (c *Client) header(stream bool) http.Header {
	i := 0
	if stream {
		i = 1
	}
	if len(c.Header) == 0 {
		if h := c.cachedHeader[i].Load(); h != nil && h.key == c.APIKey {
			return h.h
		}
	}
	h := make(http.Header, len(c.Header)+3)
	for k, vs := range c.Header {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	h.Set("Content-Type", "application/json")
	if stream {
		h.Set("Accept", "text/event-stream")
	}
	if c.APIKey != "" {
		h.Set("Authorization", "Bearer "+c.APIKey)
	}
	if len(c.Header) == 0 {
		c.cachedHeader[i].Store(&keyedHeader{key: c.APIKey, h: h})
	}
	return h
}

// headerKey carries WithHeader's headers in a context.
type headerKey struct{}

// WithHeader returns a context under which Do adds h to the request's
// headers (replacing any of the same name): a header of one request, such
// as the user id a memory task sends, where Client.Header is every
// request's.
func WithHeader(ctx context.Context, h http.Header) context.Context {
	return context.WithValue(ctx, headerKey{}, h)
}

type keyedHeader struct {
	key string
	h   http.Header
}

// NewTransport returns a transport tuned for many concurrent streams to one
// host: keep-alive connections, no response compression (it would buffer),
// and maxConns idle connections kept per host (0 means 1024).
func NewTransport(maxConns int) *http.Transport {
	if maxConns <= 0 {
		maxConns = 1024
	}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          maxConns,
		MaxIdleConnsPerHost:   maxConns,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		DisableCompression:    true,
		ExpectContinueTimeout: time.Second,
	}
}

var (
	errCauseTotal = errors.New("total timeout")
	errCauseTTFT  = errors.New("first-token timeout")
	errCauseGrace = errors.New("done grace elapsed")
)

// Do sends req and records what happens. It always returns a trace; a
// failed request has Err set and every timestamp it reached.
func (c *Client) Do(ctx context.Context, req wire.ChatRequest, rec Recorder) *Trace {
	return c.DoEncoded(ctx, req, nil, rec)
}

// DoEncoded is Do with req already encoded as body (nil: encode it here).
// A load generator encodes each distinct request once rather than per
// send, which also keeps encoding/json's deep recursion off the stacks of
// thousands of stream goroutines.
func (c *Client) DoEncoded(ctx context.Context, req wire.ChatRequest, body []byte, rec Recorder) *Trace {
	t := c.do(ctx, req, body, rec)
	if er, ok := rec.(EndRecorder); ok {
		er.RecordEnd(t)
	}
	return t
}

func (c *Client) do(ctx context.Context, req wire.ChatRequest, body []byte, rec Recorder) *Trace {
	now, hc, timeout, ttftTimeout := c.settings()

	t := newTrace()
	t.Stream = req.Stream
	t.WantUsage = req.WantsUsage()
	t.PromptTokens = countPrompt(req)
	t.Start = now()
	since := func(at time.Time) int64 { return int64(at.Sub(t.Start)) }
	fail := func(class ErrorClass, code int, format string, args ...any) *Trace {
		if t.Err == nil {
			t.Err = &Error{Class: class, Code: code, Message: fmt.Sprintf(format, args...)}
		}
		if t.EndNs < 0 {
			t.EndNs = since(now())
		}
		return t
	}

	if body == nil {
		var err error
		if body, err = json.Marshal(req); err != nil {
			return fail(ErrRequest, 0, "encode request: %v", err)
		}
	}
	// One cancellable context and two timers rather than a context per
	// timeout: every derived context registers with its parent, and at
	// thousands of requests a second those registrations were a tenth of
	// the allocations.
	rctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	totalTimer := time.AfterFunc(timeout, func() { cancel(errCauseTotal) })
	defer totalTimer.Stop()
	ttftTimer := time.AfterFunc(ttftTimeout, func() { cancel(errCauseTTFT) })
	defer ttftTimer.Stop()

	// WroteRequest runs on the transport's write goroutine, which may finish
	// after the response head has arrived (a server can answer before it
	// has read the whole body): it writes only this atomic, with its own
	// copy of the clock, and the trace takes the value once the head is in.
	var sent atomic.Int64
	sent.Store(-1)
	clock := now
	ct := &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) {
		sent.CompareAndSwap(-1, since(clock()))
	}}
	hreq, err := http.NewRequestWithContext(httptrace.WithClientTrace(rctx, ct), http.MethodPost,
		c.endpoint(), bytes.NewReader(body))
	if err != nil {
		return fail(ErrRequest, 0, "build request: %v", err)
	}
	hreq.Header = c.header(req.Stream)
	if extra, ok := ctx.Value(headerKey{}).(http.Header); ok {
		h := hreq.Header.Clone() // the plain header is shared between requests
		for k, vs := range extra {
			h[k] = vs
		}
		hreq.Header = h
	}

	resp, err := c.send(hc, hreq, body, t)
	if err != nil {
		if errors.Is(err, errRedirectRefused) {
			return fail(ErrRedirect, t.Status, "%v", err)
		}
		class, msg := classify(ctx, rctx, err, false)
		return fail(class, 0, "%s", msg)
	}
	defer resp.Body.Close()
	takeHead(t, resp, since(now()), &sent, rec)
	var r io.Reader = resp.Body
	if rec != nil {
		// The parser reads its clock right after each Read; giving it the
		// time the recording stamped on that Read makes a replay of the
		// recording reproduce every timestamp to the nanosecond.
		rr := &recordingReader{r: r, rec: rec, now: now, start: t.Start}
		r, now = rr, rr.lastRead
	}
	return c.readBody(ctx, rctx, cancel, t, req.Stream, r, now, ttftTimer)
}

// settings are the client's clock, HTTP client and timeouts, defaults
// filled in.
func (c *Client) settings() (now func() time.Time, hc *http.Client, timeout, ttftTimeout time.Duration) {
	now = c.Now
	if now == nil {
		now = time.Now
	}
	hc = c.HTTP
	if hc == nil {
		hc = defaultHTTP
	}
	timeout, ttftTimeout = c.Timeout, c.TTFTTimeout
	if timeout <= 0 {
		timeout = 5 * time.Minute
	}
	if ttftTimeout <= 0 {
		ttftTimeout = 30 * time.Second
	}
	return now, hc, timeout, ttftTimeout
}

// takeHead records the response head, which arrived at headersNs, in t
// and in rec. A write still unfinished when the head arrived counts as
// sent then.
func takeHead(t *Trace, resp *http.Response, headersNs int64, sent *atomic.Int64, rec Recorder) {
	t.HeadersNs = headersNs
	sent.CompareAndSwap(-1, t.HeadersNs)
	t.SentNs = min(sent.Load(), t.HeadersNs)
	t.Status = resp.StatusCode
	t.ContentType = resp.Header.Get("Content-Type")
	t.RequestID = resp.Header.Get("X-Request-Id")
	if rec != nil {
		rec.RecordHeaders(resp.StatusCode, resp.Header, time.Duration(t.HeadersNs))
	}
}

// readBody reads a response whose head is already in t: an error body, one
// JSON completion, or a stream. Do and Replay share it, so a replayed
// recording goes through exactly the parsing a live response did.
func (c *Client) readBody(ctx, rctx context.Context, cancel context.CancelCauseFunc, t *Trace, stream bool, r io.Reader, now func() time.Time, ttft *time.Timer) *Trace {
	if t.Status != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(r, 64<<10))
		t.EndNs = int64(now().Sub(t.Start))
		t.ErrorBody = errorMessage(b)
		t.Err = &Error{Class: ErrHTTPStatus, Code: t.Status, Message: fmt.Sprintf("HTTP %d: %s", t.Status, t.ErrorBody)}
		return t
	}
	mt, _, _ := mime.ParseMediaType(t.ContentType)
	switch {
	case mt == "text/event-stream":
		t.Framing = FramingSSE
		return c.readStream(ctx, rctx, cancel, t, r, now, ttft)
	case mt == "application/json" && !stream:
		t.Framing = FramingJSON
		return c.readCompletion(ctx, rctx, t, r, now, ttft)
	}
	// The header is not the one asked for (or none): what the body is
	// decides how it is read. An SSE body under application/json is
	// measured as the stream it is (content_type is its only violation);
	// a server that ignores stream:true and answers with one JSON body is
	// still scored on its answer.
	sse, r, err := sniffSSE(r)
	if err != nil && !errors.Is(err, io.EOF) {
		class, msg := classify(ctx, rctx, err, false)
		t.Err = &Error{Class: class, Message: msg}
		t.EndNs = int64(now().Sub(t.Start))
		return t
	}
	if sse {
		t.Framing = FramingSSE
		return c.readStream(ctx, rctx, cancel, t, r, now, ttft)
	}
	t.Framing = FramingJSON
	return c.readCompletion(ctx, rctx, t, r, now, ttft)
}

// sniffSSE reads until the body's first significant byte is known and
// reports whether the body is an event stream (it starts with a field
// name or a comment rather than a JSON value). The bytes it read are
// handed back in front of the rest of the body.
func sniffSSE(r io.Reader) (bool, io.Reader, error) {
	var head []byte
	buf := make([]byte, 512)
	for empty := 0; len(head) < 64<<10; {
		n, err := r.Read(buf)
		head = append(head, buf[:n]...)
		rest := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xEF\xBB\xBF")), " \t\r\n")
		if len(rest) > 0 {
			sse := rest[0] != '{' && rest[0] != '['
			return sse, io.MultiReader(bytes.NewReader(head), r), nil
		}
		if err != nil {
			return false, io.MultiReader(bytes.NewReader(head), r), err
		}
		if n == 0 {
			if empty++; empty >= 100 {
				return false, bytes.NewReader(head), io.ErrNoProgress
			}
		}
	}
	return false, bytes.NewReader(head), nil
}

type completionBuf struct {
	read [32 << 10]byte
	body bytes.Buffer
	p    fastParser
}

var completionBufs = sync.Pool{New: func() any { return new(completionBuf) }}

func (c *Client) readCompletion(ctx, rctx context.Context, t *Trace, r io.Reader, now func() time.Time, ttft *time.Timer) *Trace {
	since := func(at time.Time) int64 { return int64(at.Sub(t.Start)) }
	first := true
	// Pooled buffers: a fresh 32 KiB read buffer per request was a tenth
	// of a load run's CPU (clearing it). json.Unmarshal copies what it
	// keeps, so the bytes can go back to the pool afterwards.
	bp := completionBufs.Get().(*completionBuf)
	defer func() {
		if bp.body.Cap() <= 1<<20 { // an odd huge answer is not kept
			completionBufs.Put(bp)
		}
	}()
	buf, p := &bp.body, bp.read[:]
	buf.Reset()
	limit := c.Limits.withDefaults().BodyBytes
	for {
		n, err := r.Read(p)
		if n > 0 {
			if first {
				t.FirstByteNs = since(now())
				first = false
			}
			if int64(buf.Len()+n) > limit {
				t.Err = &Error{Class: ErrBodyTooLarge, Message: fmt.Sprintf("response body exceeds %d bytes (the body cap); reading stopped", limit)}
				t.EndNs = since(now())
				return t
			}
			buf.Write(p[:n])
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			class, msg := classify(ctx, rctx, err, t.FirstByteNs >= 0)
			t.Err = &Error{Class: class, Message: msg}
			t.EndNs = since(now())
			return t
		}
	}
	ttft.Stop()
	t.EndNs = since(now())
	var comp wire.Completion
	if c.slowCompletion || !bp.p.parseCompletion(buf.Bytes(), &comp) {
		comp = wire.Completion{}
		if err := json.Unmarshal(buf.Bytes(), &comp); err != nil {
			t.UnparsableSample = clip.Bytes(buf.String(), 200, clip.Ellipsis)
			t.Err = &Error{Class: ErrBadJSON, Message: "response body is not a chat completion: " + err.Error()}
			return t
		}
	}
	t.Model = comp.Model
	t.Usage = comp.Usage
	if comp.Usage != nil {
		t.UsageCount = 1
	}
	if len(comp.Choices) > 0 {
		m := comp.Choices[0].Message
		t.Content, t.Reasoning = m.Content, m.ReasoningText()
		t.Artifacts = append(t.Artifacts, m.Artifacts...)
		t.FinishReason = comp.Choices[0].FinishReason
		for _, tc := range m.ToolCalls {
			t.ToolCalls = append(t.ToolCalls, ToolCall{ID: tc.ID, Name: tc.Function.Name, Arguments: tc.Function.Arguments})
		}
	}
	if t.Output() != "" {
		t.FirstTokenNs = t.EndNs
		if t.Content != "" {
			t.FirstContentNs = t.EndNs
		}
	}
	return t
}

func (c *Client) readStream(ctx, rctx context.Context, cancel context.CancelCauseFunc, t *Trace, r io.Reader, now func() time.Time, ttft *time.Timer) *Trace {
	since := func(at time.Time) int64 { return int64(at.Sub(t.Start)) }
	lim := c.Limits.withDefaults()
	rd := c.streamReader(r, now, lim)
	tools := map[int]int{} // choice tool-call index → position in t.ToolCalls
	acc := &textAcc{limit: lim.TextBytes, eventCap: lim.Events}
	defer acc.finish(t)
	var lastAt int64 = -1
	for {
		ev, err := rd.Next()
		if err != nil {
			t.EndNs = since(now())
			t.streamEnd(ctx, rctx, err, rd.Pending(), lim)
			return t
		}
		at, first := since(ev.Dispatch), since(ev.FirstByte)
		if t.FirstByteNs < 0 {
			t.FirstByteNs = first
			// Headers that arrive with the first event, long after the
			// request, were held back (a buffering proxy): clients see no
			// progress until then.
			if t.HeadersNs-max(t.SentNs, 0) > heldHeadersNs && first-t.HeadersNs < int64(time.Millisecond) {
				t.note(ShapeHeadersHeld)
			}
		}
		e := Event{AtNs: at, FirstByteNs: first, Bytes: ev.Bytes}
		if ev.Kind == sse.KindComment {
			e.Kind = KindKeepAlive
			t.keep(e, lastAt, lim.Events)
			lastAt = at
			continue
		}
		if t.FirstEventNs < 0 {
			t.FirstEventNs = at
		}
		switch {
		case t.DoneNs >= 0:
			e.Kind = KindAfterDone
		case bytes.Equal(bytes.TrimSpace(ev.Data), []byte("[DONE]")):
			e.Kind = KindDone
			t.DoneNs = at
		default:
			var sp textSpan
			e.Kind, e.Text, sp = t.apply(ev.Data, tools, acc)
			if len(t.Events) >= lim.Events {
				sp.n, e.Text = 0, "" // the event is not kept: nor is its text span
			}
			if sp.n > 0 {
				sp.ev = len(t.Events)
				if acc.spans == nil {
					// Most streams carry more than a few text events;
					// starting at 8 saves the first three regrowths.
					acc.spans = make([]textSpan, 0, 8)
				}
				acc.spans = append(acc.spans, sp)
			}
		}
		if e.Kind.TokenBearing() {
			t.firstToken(e.Kind, at, ttft)
		}
		t.keep(e, lastAt, lim.Events)
		lastAt = at
		if e.Kind == KindDone {
			// Keep reading for a short grace so data sent after [DONE] is
			// seen, but never wait long on a server that holds the
			// connection open.
			ttft.Stop()
			grace := c.DoneGrace
			if grace <= 0 {
				grace = 250 * time.Millisecond
			}
			done := time.AfterFunc(grace, func() { cancel(errCauseGrace) })
			defer done.Stop()
		}
	}
}

// streamReader is the SSE reader of one stream, within the caps.
func (c *Client) streamReader(r io.Reader, now func() time.Time, lim Limits) *sse.Reader {
	// A small initial buffer (it grows for long lines) keeps 1,000 streams
	// from holding 32 MiB of read buffers.
	bufSize := c.StreamBufferBytes
	if bufSize <= 0 {
		bufSize = 4 << 10
	}
	maxLine := 4 << 20
	if c.MaxLineBytes > 0 {
		maxLine = c.MaxLineBytes
	}
	return sse.NewReader(&capReader{r: r, n: lim.StreamBytes + 1, err: errStreamTooLarge},
		sse.WithClock(now), sse.WithBufferSize(bufSize), sse.WithMaxLineBytes(min(maxLine, lim.EventBytes)),
		sse.WithMaxEventBytes(lim.EventBytes))
}

// streamEnd records why a stream's reading ended (err from the SSE
// reader; pending bytes of an unfinished event).
func (t *Trace) streamEnd(ctx, rctx context.Context, err error, pending int, lim Limits) {
	if errors.Is(err, io.EOF) {
		if pending > 0 && t.DoneNs < 0 {
			t.Err = &Error{Class: ErrStreamAborted, Message: fmt.Sprintf("stream ended inside an event (%d bytes pending)", pending)}
		}
		return
	}
	if e := sizeError(err, lim); e != nil {
		t.Err = e
		return
	}
	if t.DoneNs >= 0 && (rctx.Err() == nil || errors.Is(context.Cause(rctx), errCauseGrace)) {
		return // the stream was complete at [DONE]: nothing lost
	}
	class, msg := classify(ctx, rctx, err, t.FirstByteNs >= 0)
	if class == ErrConnect {
		class = ErrStreamAborted
	}
	if class == ErrTimeoutHeaders {
		class = ErrTimeoutFirstToken
	}
	t.Err = &Error{Class: class, Message: msg}
}

// firstToken records the first token, content and reasoning times.
func (t *Trace) firstToken(k Kind, at int64, ttft *time.Timer) {
	if t.FirstTokenNs < 0 {
		t.FirstTokenNs = at
		ttft.Stop()
	}
	if k == KindContent && t.FirstContentNs < 0 {
		t.FirstContentNs = at
	}
	if k == KindReasoning && t.FirstReasoningNs < 0 {
		t.FirstReasoningNs = at
	}
}

// keep appends e to the trace's events, or counts it as not kept once
// max events are.
func (t *Trace) keep(e Event, lastAt int64, max int) {
	if len(t.Events) < max {
		t.Events = append(t.Events, e)
		return
	}
	t.dropEvent(e, lastAt)
}

// sizeError maps a cap the stream hit to its error, or returns nil.
func sizeError(err error, lim Limits) *Error {
	var tooLong *sse.LineTooLongError
	var tooLarge *sse.EventTooLargeError
	switch {
	case errors.As(err, &tooLong):
		return &Error{Class: ErrEventTooLarge, Message: fmt.Sprintf("a line at offset %d exceeds %d bytes (the event cap); reading stopped", tooLong.Offset, tooLong.Limit)}
	case errors.As(err, &tooLarge):
		return &Error{Class: ErrEventTooLarge, Message: fmt.Sprintf("the event at offset %d exceeds %d bytes (the event cap); reading stopped", tooLarge.Offset, tooLarge.Limit)}
	case errors.Is(err, errStreamTooLarge):
		return &Error{Class: ErrStreamTooLarge, Message: fmt.Sprintf("the stream exceeds %d bytes (the stream cap); reading stopped", lim.StreamBytes)}
	}
	return nil
}

// apply folds one data payload into the trace and returns its kind and the
// text it carried: content and reasoning text go into acc, and the span
// returned says where (Event.Text is filled from it when the stream ends);
// tool-call text is returned as a string.
func (t *Trace) apply(data []byte, tools map[int]int, acc *textAcc) (Kind, string, textSpan) {
	var fc fastChunk
	if !acc.slowOnly && acc.p.parseFast(data, &fc) {
		return t.applyFast(&fc, tools, acc)
	}
	var ch wire.Chunk
	if err := json.Unmarshal(data, &ch); err != nil {
		if t.UnparsableSample == "" {
			t.UnparsableSample = clip.Bytes(string(data), 200, clip.Ellipsis)
		}
		return KindUnparsable, "", textSpan{}
	}
	if ch.Error != nil {
		t.ErrorBody = ch.Error.Message
		if t.Err == nil {
			t.Err = &Error{Class: ErrMidstream, Message: "error in stream: " + ch.Error.Message}
		}
		return KindError, "", textSpan{}
	}
	if ch.Model != "" && t.Model == "" {
		t.Model = ch.Model
	}
	t.Artifacts = t.appendCapped(t.Artifacts, ch.Artifacts)
	kind, text, span := KindOther, "", textSpan{}
	if ch.Usage != nil {
		t.Usage = ch.Usage
		t.UsageCount++
		kind = KindUsage
		t.usageShape(&ch)
	}
	for _, c := range ch.Choices {
		if c.Index != 0 {
			continue
		}
		d := c.Delta
		if c.FinishReason != nil && *c.FinishReason != "" {
			t.FinishReason = *c.FinishReason
		}
		t.Artifacts = t.appendCapped(t.Artifacts, d.Artifacts)
		if d.Janus != nil {
			if len(t.JanusEvents) < maxListItems {
				t.JanusEvents = append(t.JanusEvents, d.Janus.Event)
			} else {
				t.truncation().ListItems++
			}
			kind = KindJanus
		}
		if r := d.ReasoningText(); r != "" {
			kind, text, span = KindReasoning, "", acc.add(true, []byte(r))
		}
		if d.Content != "" {
			kind, text, span = KindContent, "", acc.add(false, []byte(d.Content))
		}
		if len(d.ToolCalls) > 0 {
			kind, text, span = KindToolCall, "", textSpan{tool: true, off: len(acc.tools)}
		}
		for _, tc := range d.ToolCalls {
			idx := len(tools)
			if tc.Index != nil {
				idx = *tc.Index
			}
			span.n += t.addToolDelta(tools, acc, idx, tc.ID, []byte(tc.Function.Name), []byte(tc.Function.Arguments))
		}
	}
	return kind, text, span
}

// The shape notes (Trace.Shape).
const (
	ShapeUsageMerged      = "usage_merged"
	ShapeUsageUnrequested = "usage_unrequested"
	ShapeUsageCreatedZero = "usage_created_zero"
	ShapeUsageModelEmpty  = "usage_model_empty"
	ShapeHeadersHeld      = "headers_held"
)

// ShapeCodes lists every shape note, in the order reports print them.
var ShapeCodes = []string{ShapeUsageMerged, ShapeUsageUnrequested, ShapeUsageCreatedZero, ShapeUsageModelEmpty, ShapeHeadersHeld}

// usageShape notes how a usage chunk departs from OpenAI's (its own chunk,
// choices [], sent only when asked for, with the stream's created and
// model).
func (t *Trace) usageShape(ch *wire.Chunk) {
	if len(ch.Choices) > 0 {
		t.note(ShapeUsageMerged)
	}
	if t.Stream && !t.WantUsage {
		t.note(ShapeUsageUnrequested)
	}
	if ch.Created == 0 {
		t.note(ShapeUsageCreatedZero)
	}
	if ch.Model == "" {
		t.note(ShapeUsageModelEmpty)
	}
}

// note adds a shape note once.
func (t *Trace) note(s string) {
	if !slices.Contains(t.Shape, s) {
		t.Shape = append(t.Shape, s)
	}
}

// heldHeadersNs is how late headers may come before arriving together with
// the first event marks them as held: a server that answers within it
// cannot be told from a proxy that buffers the head.
const heldHeadersNs = 50 * int64(time.Millisecond)

// addToolDelta folds one tool-call delta into the call it continues (by
// index) or a new one, and returns the bytes of text it kept (added to
// acc.tools, so an event's text is a span of it).
func (t *Trace) addToolDelta(tools map[int]int, acc *textAcc, idx int, id string, name, args []byte) int {
	pos, ok := tools[idx]
	if !ok {
		if len(t.ToolCalls) >= maxListItems {
			t.truncation().ListItems++
			return 0
		}
		pos = len(t.ToolCalls)
		tools[idx] = pos
		t.ToolCalls = append(t.ToolCalls, ToolCall{})
		acc.calls = append(acc.calls, callAcc{})
	}
	if !acc.room(len(name) + len(args)) {
		return 0
	}
	if id != "" && len(id) <= 256 {
		t.ToolCalls[pos].ID = id
	}
	c := &acc.calls[pos]
	c.name = append(c.name, name...)
	c.args = append(c.args, args...)
	acc.tools = append(append(acc.tools, name...), args...)
	return len(name) + len(args)
}

// applyFast is apply for a chunk the fast path decoded (no usage, error,
// artifacts or janus events, at most one tool-call delta; at most one
// choice, index 0).
func (t *Trace) applyFast(c *fastChunk, tools map[int]int, acc *textAcc) (Kind, string, textSpan) {
	if len(c.model) > 0 && t.Model == "" {
		t.Model = string(c.model)
	}
	kind, span := KindOther, textSpan{}
	if !c.hasChoice0 {
		return kind, "", span
	}
	if c.finishSet && len(c.finish) > 0 && t.FinishReason != string(c.finish) {
		t.FinishReason = string(c.finish)
	}
	if len(c.reasoning) > 0 {
		kind, span = KindReasoning, acc.add(true, c.reasoning)
	}
	if len(c.content) > 0 {
		kind, span = KindContent, acc.add(false, c.content)
	}
	if c.tool {
		idx := len(tools)
		if c.toolIndexSet {
			idx = int(c.toolIndex)
		}
		var id string
		if len(c.toolID) > 0 {
			id = string(c.toolID) // once per call
		}
		kind, span = KindToolCall, textSpan{tool: true, off: len(acc.tools)}
		span.n = t.addToolDelta(tools, acc, idx, id, c.toolName, c.toolArgs)
	}
	return kind, "", span
}

// appendCapped appends add to list up to maxListItems, counting the rest.
func (t *Trace) appendCapped(list, add []wire.Artifact) []wire.Artifact {
	if n := maxListItems - len(list); len(add) > n {
		t.truncation().ListItems += len(add) - max(n, 0)
		add = add[:max(n, 0)]
	}
	return append(list, add...)
}

// textSpan locates one event's text in the accumulated content or
// reasoning: event index, which text, offset and length.
type textSpan struct {
	ev, off, n int
	reasoning  bool
	tool       bool // a span of acc.tools (tool-call names and arguments)
}

// callAcc accumulates one tool call's name and arguments.
type callAcc struct{ name, args []byte }

// textAcc accumulates a stream's content and reasoning as bytes (amortised
// growth instead of a string copy per event) and turns them into the
// trace's strings once, when the stream ends; every event's Text is then a
// substring of those, so no event allocates its own.
type textAcc struct {
	content, reasoning []byte
	tools              []byte    // every tool-call delta's text, in order
	calls              []callAcc // per t.ToolCalls position
	spans              []textSpan
	limit              int   // text bytes kept (0: no cap)
	eventCap           int   // events kept (for the trace's Truncation)
	used               int   // text bytes kept so far, tool calls included
	dropped            int64 // text bytes not kept
	p                  fastParser
	slowOnly           bool // tests: compare the fast path with encoding/json
}

// room reports whether n more bytes of text may be kept, and counts them
// either way.
func (a *textAcc) room(n int) bool {
	if a.limit > 0 && a.used+n > a.limit {
		a.dropped += int64(n)
		return false
	}
	a.used += n
	return true
}

func (a *textAcc) add(reasoning bool, s []byte) textSpan {
	if !a.room(len(s)) {
		return textSpan{reasoning: reasoning}
	}
	buf := &a.content
	if reasoning {
		buf = &a.reasoning
	}
	sp := textSpan{off: len(*buf), n: len(s), reasoning: reasoning}
	*buf = append(*buf, s...)
	return sp
}

// finish sets t.Content, t.Reasoning and the events' texts.
func (a *textAcc) finish(t *Trace) {
	if a.dropped > 0 {
		t.truncation().TextBytes += a.dropped
	}
	if tr := t.Truncated; tr != nil {
		tr.EventCap, tr.TextCap = a.eventCap, a.limit
	}
	cbase, rbase := len(t.Content), len(t.Reasoning)
	t.Content += string(a.content)
	t.Reasoning += string(a.reasoning)
	for i, c := range a.calls {
		t.ToolCalls[i].Name += string(c.name)
		t.ToolCalls[i].Arguments += string(c.args)
	}
	var tools string
	if len(a.tools) > 0 {
		tools = string(a.tools)
	}
	for _, sp := range a.spans {
		src, off := t.Content, cbase+sp.off
		switch {
		case sp.tool:
			src, off = tools, sp.off
		case sp.reasoning:
			src, off = t.Reasoning, rbase+sp.off
		}
		t.Events[sp.ev].Text = src[off : off+sp.n]
	}
}

// classify maps a transport error to an error class, using the context
// causes to tell our own timeouts from the caller's cancellation.
func classify(parent, rctx context.Context, err error, gotBytes bool) (ErrorClass, string) {
	switch cause := context.Cause(rctx); {
	case parent.Err() != nil:
		return ErrCancelled, "cancelled: " + parent.Err().Error()
	case errors.Is(cause, errCauseTotal):
		return ErrTimeoutTotal, "request exceeded the total timeout"
	case errors.Is(cause, errCauseTTFT):
		if gotBytes {
			return ErrTimeoutFirstToken, "no token before the first-token timeout"
		}
		return ErrTimeoutHeaders, "no response before the first-token timeout"
	}
	var certErr *tls.CertificateVerificationError
	var recErr tls.RecordHeaderError
	var uaErr x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	if errors.As(err, &certErr) || errors.As(err, &recErr) || errors.As(err, &uaErr) || errors.As(err, &hostErr) ||
		strings.Contains(err.Error(), "tls:") {
		return ErrTLS, err.Error()
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return ErrConnect, err.Error()
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return ErrConnect, err.Error()
	}
	if gotBytes {
		return ErrStreamAborted, err.Error()
	}
	return ErrConnect, err.Error()
}

// errorMessage extracts the message of an OpenAI error envelope, or the
// body itself (truncated) when it is not one.
func errorMessage(b []byte) string {
	var env wire.ErrorEnvelope
	if json.Unmarshal(b, &env) == nil && env.Error.Message != "" {
		return env.Error.Message
	}
	return clip.Bytes(strings.TrimSpace(string(b)), 300, clip.Ellipsis)
}

// recordingReader hands every read to a Recorder with the time it
// returned, and keeps that time as the clock of whoever parses the bytes.
type recordingReader struct {
	r     io.Reader
	rec   Recorder
	now   func() time.Time
	start time.Time
	last  time.Time
}

func (r *recordingReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.last = r.now()
	if n > 0 {
		r.rec.RecordRead(p[:n], r.last.Sub(r.start))
	}
	return n, err
}

// lastRead is the clock of a recorded response: the time the latest Read
// returned, which is the time the parser attributes to its bytes.
func (r *recordingReader) lastRead() time.Time { return r.last }
