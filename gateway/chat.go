package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/janus-bench/janus/internal/chatreq"
	"github.com/janus-bench/janus/internal/httpguard"
	"github.com/janus-bench/janus/internal/svc"
	"github.com/janus-bench/janus/internal/tokens"
	"github.com/janus-bench/janus/internal/wire"
)

// maxFrameBytes caps one upstream event; a larger one ends the stream with
// an error rather than growing the gateway's memory without bound.
const maxFrameBytes = 4 << 20

// drainWait bounds how long the gateway reads after an upstream's [DONE]
// for the end of its response, so the connection can be reused.
const drainWait = 100 * time.Millisecond

// Causes of an upstream context's end, told apart when reporting.
var (
	errStreamTimeout  = errors.New("stream timeout")
	errRequestTimeout = errors.New("request timeout")
)

// handleChat serves POST /v1/chat/completions: validate, route, forward,
// relay.
func (s *Server) handleChat(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	ctx := r.Context()
	ri := info(ctx)
	rid := requestID(r.Header.Get("X-Request-Id"))
	ri.requestID = rid
	h := w.Header()
	h.Set("X-Request-Id", rid)
	// Spelt canonically (net/http sends it as X-Correlation-Id either way):
	// "X-Correlation-ID" cost a canonicalised copy of the key per request.
	corr := headerID(r.Header.Get("X-Correlation-Id"))
	if corr != "" {
		h.Set("X-Correlation-Id", corr)
	}

	body, verr := s.readBody(w, r)
	if verr != nil {
		s.reject(w, ri, verr)
		return
	}
	if s.opts.LogBodies {
		ri.body = truncateBody(body)
	}
	chat, verr := chatreq.CheckChat(body)
	if verr != nil {
		s.reject(w, ri, verr)
		return
	}
	explicit := chat.CompetitorID
	if explicit == "" {
		explicit = r.Header.Get("X-Janus-Competitor")
	}
	comp, rerr := s.reg.load().route(explicit, chat.Model)
	if rerr != nil {
		s.metrics.reject("not_routed")
		ri.errMsg = rerr.message
		writeError(w, http.StatusNotFound, "invalid_request_error", rerr.code, rerr.param, rerr.message)
		return
	}
	ri.competitor, ri.stream = comp.id, chat.Stream
	h.Set("X-Janus-Competitor", comp.id)
	c := &call{comp: comp, cm: s.metrics.comp(comp.id), rid: rid, corr: corr, user: s.userID(r), stream: chat.Stream, body: body,
		host: r.Host, tls: r.TLS != nil}
	if chat.CompetitorID != "" || bytes.Contains(body, []byte(`"competitor_id"`)) {
		// Only a member that routed (or is spelt plainly) needs the scan;
		// any other spelling decoded to an empty id, which carries nothing.
		c.body = stripMember(body, "competitor_id")
	}
	if chat.Stream {
		s.relayStream(ctx, w, ri, c, newStreamState(chat, body, rid), start)
		return
	}
	s.relayCompletion(ctx, w, ri, c, start)
}

// readBody reads the request body within the size limit and the body read
// timeout (httpguard.ReadBody, which the baseline shares).
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, *chatreq.Error) {
	data, reason, verr := httpguard.ReadBody(w, r, s.opts.MaxBodyBytes, s.opts.BodyReadTimeout)
	if verr != nil {
		s.metrics.reject(reason)
	}
	return data, verr
}

// reject answers a request refused before routing.
func (s *Server) reject(w http.ResponseWriter, ri *reqInfo, verr *chatreq.Error) {
	if verr.Status == http.StatusBadRequest {
		s.metrics.reject("invalid")
	}
	ri.errMsg = verr.Error()
	env := verr.Envelope()
	svc.WriteJSON(w, verr.Status, env)
}

// relayCompletion forwards a non-streamed request and copies the answer
// back as it arrives.
func (s *Server) relayCompletion(ctx context.Context, w http.ResponseWriter, ri *reqInfo, c *call, start time.Time) {
	defer func() { observe(c.cm.duration, time.Since(start)) }()
	uctx, cancel := context.WithTimeoutCause(ctx, c.comp.timeout, errRequestTimeout)
	defer cancel()
	c.onRetry = func(int, time.Duration, string) { ri.retries++ }
	resp, err := s.send(uctx, c)
	if err != nil {
		if ctx.Err() != nil {
			ri.errMsg = "client went away"
			return
		}
		ri.errMsg = err.Error()
		status, code := http.StatusBadGateway, "upstream_error"
		if errors.Is(context.Cause(uctx), errRequestTimeout) {
			status, code = http.StatusGatewayTimeout, "upstream_timeout"
			c.cm.upstreamError("timeout")
		}
		writeError(w, status, "server_error", code, "", "competitor "+c.comp.id+" failed: "+err.Error())
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		s.relayErrorResponse(w, ri, c, resp)
		return
	}
	h := w.Header()
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		h.Set("Content-Type", ct)
	} else {
		h.Set("Content-Type", "application/json")
	}
	if cl := resp.Header.Get("Content-Length"); cl != "" {
		h.Set("Content-Length", cl)
	}
	var src io.Reader = resp.Body
	if s.artifacts != nil {
		// A whole completion is read before it is relayed only when the
		// gateway stores artifacts, so that message.artifacts can point at
		// the gateway; it was never a stream, so nothing is held back that
		// the client could have had earlier.
		b, err := io.ReadAll(io.LimitReader(resp.Body, maxFrameBytes))
		if err == nil && bytes.Contains(b, artifactsKey) {
			if nd, ok := s.artifacts.capture(c.comp, b, s.publicBase(c.host, c.tls)); ok {
				b = nd
				h.Del("Content-Length")
			}
		}
		src = io.MultiReader(bytes.NewReader(b), resp.Body)
	}
	w.WriteHeader(http.StatusOK)
	if _, err := copyPooled(w, src); err != nil {
		ri.errMsg = "relay body: " + err.Error()
		if ctx.Err() == nil {
			c.cm.upstreamError("midstream")
		}
	}
}

// copyPooled is io.Copy through a recycled buffer. The logging middleware's
// recorder hides the ResponseWriter's ReadFrom, so plain io.Copy made a
// fresh 32 KiB buffer for every relayed completion.
func copyPooled(w io.Writer, src io.Reader) (int64, error) {
	bp := frameBufs.Get().(*[]byte)
	defer frameBufs.Put(bp)
	return io.CopyBuffer(struct{ io.Writer }{w}, src, *bp)
}

// relayErrorResponse passes an upstream error status through. Its body is
// kept when it is an OpenAI error envelope and wrapped into one otherwise,
// so clients always get the JSON they know how to read.
func (s *Server) relayErrorResponse(w http.ResponseWriter, ri *reqInfo, c *call, resp *http.Response) {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 500 {
		c.cm.upstreamError("status_" + strconv.Itoa(resp.StatusCode))
	}
	var env wire.ErrorEnvelope
	if json.Unmarshal(b, &env) == nil && env.Error.Message != "" {
		ri.errMsg = "competitor: " + env.Error.Message
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write(b)
		return
	}
	msg := fmt.Sprintf("competitor %s answered HTTP %d", c.comp.id, resp.StatusCode)
	if t := bytes.TrimSpace(b); len(t) > 0 {
		msg += ": " + truncateBody(t[:min(len(t), 300)])
	}
	ri.errMsg = msg
	typ := "server_error"
	if resp.StatusCode < 500 {
		typ = "invalid_request_error"
	}
	writeError(w, resp.StatusCode, typ, "upstream_error", "", msg)
}

// Keep-alive frames: the streaming contract's comment block, and the bare
// comment line of Options.KeepAliveLineOnly.
var (
	pingFrame     = []byte(": ping\n\n")
	pingLineFrame = []byte(": ping\n")
)

var doneFrame = []byte("data: [DONE]\n\n")

// streamRelay owns the client side of one relayed stream. Two goroutines
// write to it: the handler, which forwards upstream frames, and the
// keep-alive timer. The mutex orders their frames; the timer re-arms
// itself for the rest of the period when a frame went out meanwhile, so a
// busy stream costs no timer work per frame.
//
// Headers are committed lazily: an upstream that answers at once with an
// error status has it passed through as an HTTP status, while one that is
// slow, or being retried, gets 200 and text/event-stream headers so that
// keep-alives can flow.
type streamRelay struct {
	mu        sync.Mutex
	w         http.ResponseWriter
	flusher   func() error
	committed bool
	closed    bool
	err       error
	last      time.Time
	keep      time.Duration
	pingBytes []byte
	ka        *time.Timer
	pings     int
	cm        *compMetrics
}

func newStreamRelay(w http.ResponseWriter, keep time.Duration, ping []byte, cm *compMetrics) *streamRelay {
	sr := &streamRelay{w: w, keep: keep, pingBytes: ping, cm: cm, last: time.Now()}
	rc := http.NewResponseController(w)
	sr.flusher = rc.Flush
	sr.mu.Lock()
	sr.ka = time.AfterFunc(keep, sr.ping)
	sr.mu.Unlock()
	return sr
}

// commitLocked writes 200 and the event-stream headers once. They leave
// with the next flush, so that headers and first frame share a write.
func (sr *streamRelay) commitLocked() {
	if sr.committed {
		return
	}
	sr.committed = true
	h := sr.w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	sr.w.WriteHeader(http.StatusOK)
	sr.last = time.Now()
}

// commit sends the headers now: a retry is starting, and the client should
// know its stream is open while it waits.
func (sr *streamRelay) commit() {
	sr.mu.Lock()
	defer sr.mu.Unlock()
	if !sr.closed && sr.err == nil && !sr.committed {
		sr.commitLocked()
		_ = sr.flushLocked()
	}
}

func (sr *streamRelay) flushLocked() error {
	if err := sr.flusher(); err != nil {
		sr.err = fmt.Errorf("flush to client: %w", err)
		return sr.err
	}
	return nil
}

var errRelayClosed = errors.New("stream relay closed")

// writeLocked writes one whole frame and flushes it.
func (sr *streamRelay) writeLocked(b []byte) error { return sr.writeFlushLocked(b, true) }

// writeFlush writes one whole frame, flushing it (with anything written
// before it) when flush is set. The relay's caller passes false only while
// the next frame is already in hand and will be written at once.
func (sr *streamRelay) writeFlush(b []byte, flush bool) error {
	sr.mu.Lock()
	defer sr.mu.Unlock()
	return sr.writeFlushLocked(b, flush)
}

func (sr *streamRelay) writeFlushLocked(b []byte, flush bool) error {
	if sr.err != nil {
		return sr.err
	}
	if sr.closed {
		return errRelayClosed
	}
	sr.commitLocked()
	if _, err := sr.w.Write(b); err != nil {
		sr.err = fmt.Errorf("write to client: %w", err)
		return sr.err
	}
	if flush {
		if err := sr.flushLocked(); err != nil {
			return err
		}
	}
	sr.last = time.Now()
	return nil
}

// writeDone writes the [DONE] frame b unflushed (it leaves as the handler
// returns) and closes the relay, so that no keep-alive can follow it.
func (sr *streamRelay) writeDone(b []byte) error {
	sr.mu.Lock()
	defer sr.mu.Unlock()
	err := sr.writeFlushLocked(b, false)
	sr.closed = true
	return err
}

// flush sends what was written.
func (sr *streamRelay) flush() {
	sr.mu.Lock()
	defer sr.mu.Unlock()
	_ = sr.flushLocked()
}

func (sr *streamRelay) write(b []byte) error {
	sr.mu.Lock()
	defer sr.mu.Unlock()
	return sr.writeLocked(b)
}

// ping is the keep-alive timer's callback.
func (sr *streamRelay) ping() {
	sr.mu.Lock()
	defer sr.mu.Unlock()
	if sr.closed || sr.err != nil {
		return
	}
	if idle := time.Since(sr.last); sr.committed && idle < sr.keep {
		sr.ka.Reset(sr.keep - idle)
		return
	}
	if err := sr.writeLocked(sr.pingBytes); err != nil {
		return
	}
	sr.pings++
	sr.cm.keepalives.Add(1)
	sr.ka.Reset(sr.keep)
}

// takeOver stops the relay if the headers are not committed yet and
// reports whether it did; the caller then owns the ResponseWriter and may
// answer with any status.
func (sr *streamRelay) takeOver() bool {
	sr.mu.Lock()
	defer sr.mu.Unlock()
	if sr.committed {
		return false
	}
	sr.closed = true
	sr.ka.Stop()
	return true
}

// finish ends the stream with an optional error event and [DONE].
func (sr *streamRelay) finish(code, msg string) {
	sr.mu.Lock()
	defer sr.mu.Unlock()
	if code != "" {
		b, _ := json.Marshal(wire.ErrorEnvelope{Error: wire.ErrorBody{Message: msg, Type: "server_error", Code: code}})
		if sr.writeLocked(append(append([]byte("data: "), b...), '\n', '\n')) != nil {
			return
		}
	}
	_ = sr.writeLocked(doneFrame)
}

// close stops the keep-alive timer; after it returns nothing writes to the
// response any more, so the handler may return.
func (sr *streamRelay) close() int {
	sr.mu.Lock()
	defer sr.mu.Unlock()
	sr.closed = true
	sr.ka.Stop()
	return sr.pings
}

// relayStream forwards a streamed request and relays the upstream's event
// stream frame by frame, with keep-alives, retries, the stream timeout and
// the include_usage guarantee.
func (s *Server) relayStream(ctx context.Context, w http.ResponseWriter, ri *reqInfo, c *call,
	st *streamState, start time.Time) {
	cm := c.cm
	cm.active.Add(1)
	defer func() {
		cm.active.Add(-1)
		observe(cm.streamDuration, time.Since(start))
	}()
	ping := pingFrame
	if s.opts.KeepAliveLineOnly {
		ping = pingLineFrame
	}
	sr := newStreamRelay(w, s.opts.KeepAlive, ping, cm)
	defer func() { ri.keepalives = sr.close() }()

	uctx, cancel, detach := upstreamContext(ctx, start.Add(s.opts.StreamTimeout))
	var resp *http.Response
	drainLater := false // the upstream's rest is left to drainRest
	defer func() {
		if drainLater {
			return
		}
		if resp != nil {
			resp.Body.Close() // before cancel, which would drop the connection
		}
		detach()
		cancel()
	}()
	c.onRetry = func(n int, wait time.Duration, why string) {
		ri.retries++
		sr.commit()
		s.log.LogAttrs(ctx, slog.LevelDebug, "retrying competitor", slog.String("request_id", c.rid),
			slog.String("competitor", c.comp.id), slog.Int("attempt", n), slog.String("reason", why),
			slog.Duration("wait", wait))
	}
	defer st.release()
	resp, err := s.send(uctx, c)
	if err != nil {
		if ctx.Err() != nil {
			ri.errMsg = "client went away"
			return
		}
		ri.errMsg = err.Error()
		code, msg := "upstream_error", "competitor "+c.comp.id+" failed: "+err.Error()
		status, finish := http.StatusBadGateway, finishError
		if errors.Is(context.Cause(uctx), errStreamTimeout) {
			code, msg, status, finish = "stream_timeout", s.timeoutMessage(), http.StatusGatewayTimeout, finishLength
			cm.upstreamError("timeout")
		}
		if sr.takeOver() {
			writeError(w, status, "server_error", code, "", msg)
			return
		}
		sr.end(st, gatewayError(status, code, msg, finish))
		return
	}
	if drainLater = s.relayAnswer(ctx, uctx, w, sr, ri, c, st, resp, start); drainLater {
		detach()
		if !httpguard.AfterResponse(ctx, func() { drainRest(resp, cancel) }) {
			// Outside httpguard's listener (a handler served or called
			// some other way) there is no such hook; a goroutine would
			// cost waking a thread, so [DONE] is flushed and the rest
			// drained here, as before.
			sr.flush()
			drainRest(resp, cancel)
		}
	}
}

// relayAnswer relays the upstream's answer to a streamed request: an
// error status or a body other than an event stream as it can, an event
// stream through pump, whose verdict on the rest after [DONE] it returns.
func (s *Server) relayAnswer(ctx, uctx context.Context, w http.ResponseWriter, sr *streamRelay, ri *reqInfo, c *call,
	st *streamState, resp *http.Response, start time.Time) (drainLater bool) {
	if resp.StatusCode != http.StatusOK {
		if sr.takeOver() {
			s.relayErrorResponse(w, ri, c, resp)
			return false
		}
		// The client already has its 200 (keep-alives or retries went
		// out): the competitor's status and error object travel in the
		// error event instead, verbatim.
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		if resp.StatusCode >= 500 {
			c.cm.upstreamError("status_" + strconv.Itoa(resp.StatusCode))
		}
		e := upstreamErrorEnding(c.comp.id, resp.StatusCode, b)
		ri.errMsg = fmt.Sprintf("competitor %s answered HTTP %d after the stream started", c.comp.id, resp.StatusCode)
		sr.end(st, e)
		return false
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "text/event-stream" {
		// The competitor ignored stream:true. Before the stream has started
		// its answer is passed on as it is; after, it cannot be.
		if sr.takeOver() {
			w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
			w.WriteHeader(http.StatusOK)
			_, _ = copyPooled(w, resp.Body)
			return false
		}
		ri.errMsg = "competitor answered " + mt + " to a streamed request"
		sr.end(st, gatewayError(http.StatusBadGateway, "upstream_error", "competitor "+c.comp.id+
			" answered Content-Type "+strconv.Quote(mt)+" instead of text/event-stream", finishError))
		return false
	}
	return s.pump(ctx, uctx, sr, ri, c, st, resp, start)
}

// upstreamContext is a stream's upstream context: it ends when the
// client's request does, at deadline (cause errStreamTimeout) or on cancel.
// Unlike a child of the request's context, which net/http cancels as the
// handler returns, it can outlive the handler once detach has stopped it
// following the request: the upstream's rest after [DONE] is then drained
// after the client's response has ended (drainRest), on the connection's
// goroutine (httpguard.AfterResponse).
func upstreamContext(ctx context.Context, deadline time.Time) (uctx context.Context, cancel context.CancelFunc, detach func() bool) {
	uctx, cancel = context.WithDeadlineCause(context.WithoutCancel(ctx), deadline, errStreamTimeout)
	return uctx, cancel, context.AfterFunc(ctx, cancel)
}

// drainRest drains an upstream response whose [DONE] went to the client
// (drainAfterDone), then closes it, handing its connection back, and ends
// its context.
func drainRest(resp *http.Response, cancel context.CancelFunc) {
	drainAfterDone(resp, cancel)
	_ = resp.Body.Close()
	cancel()
}

func (s *Server) timeoutMessage() string {
	return "the stream exceeded the gateway's stream timeout of " + s.opts.StreamTimeout.String()
}

// pump relays frames until [DONE], the end of the upstream stream, a
// failure or the client's departure. It reports whether the upstream's
// answer has a rest after [DONE] that the caller must drain.
//
// [DONE] is written without a flush: it leaves when the handler returns,
// in one write with the chunked terminator net/http adds then, instead of
// two writes and two wakeups of the client. Nothing is waited for before
// that: a rest after [DONE] is not read here but after the handler
// (drainRest).
func (s *Server) pump(ctx, uctx context.Context, sr *streamRelay, ri *reqInfo, c *call,
	st *streamState, resp *http.Response, start time.Time) (drainLater bool) {
	cm := c.cm
	fr := newPooledFramer(resp.Body, maxFrameBytes)
	defer fr.release()
	var scratch []byte
	pings := newLineOnlyPings(s.opts.KeepAliveLineOnly) // nil when off
	first, upstreamErr := true, false
	for {
		frame, err := fr.next()
		if err != nil {
			s.streamEnded(ctx, uctx, sr, ri, c, st, fr, err, upstreamErr)
			return false
		}
		data, isEvent := frameData(frame, &scratch)
		if isEvent {
			if first {
				first = false
				observe(cm.ttft, time.Since(start))
			}
			if bytes.Equal(bytes.TrimSpace(data), []byte("[DONE]")) {
				if st.u.want && !st.u.saw {
					id, model, crt := st.identity()
					if b := st.u.synthesize(st.body, id, model, crt); b != nil && sr.writeFlush(b, false) != nil {
						ri.errMsg = "client went away"
						return false
					}
				}
				if err := sr.writeDone(frame); err != nil {
					ri.errMsg = "client went away"
					return false
				}
				return !fr.ended()
			}
			st.observe(data)
			if !upstreamErr && hasMember(data, "error") {
				upstreamErr = true
			}
			if s.artifacts != nil && bytes.Contains(data, artifactsKey) {
				// Artifact capture happens on the side: only an event that
				// mentions artifacts is parsed, and only its url values change.
				if nd, ok := s.artifacts.capture(c.comp, data, s.publicBase(c.host, c.tls)); ok {
					frame = rewriteFrame(frame, data, nd)
				}
			}
		}
		if frame = pings.rewrite(frame, isEvent); frame == nil {
			continue // the rest of a rewritten ping's CRLF
		}
		// Flush when nothing more has arrived: frames that came in one read
		// leave in one write, and none waits for anything not yet received.
		if err := sr.writeFlush(frame, !fr.ready()); err != nil {
			ri.errMsg = "client went away"
			return false
		}
	}
}

// streamEnded reports why an upstream stream stopped before [DONE] and ends
// the client's stream: an error event, then the finish and usage chunks the
// competitor did not send, then [DONE] (docs/STREAMING.md).
func (s *Server) streamEnded(ctx, uctx context.Context, sr *streamRelay, ri *reqInfo, c *call, st *streamState,
	fr *framer, err error, upstreamErr bool) {
	if ctx.Err() != nil {
		ri.errMsg = "client went away"
		return
	}
	var tooLarge *frameTooLargeError
	id := c.comp.id
	switch {
	case errors.Is(context.Cause(uctx), errStreamTimeout):
		c.cm.upstreamError("timeout")
		ri.errMsg = "stream timeout"
		sr.end(st, gatewayError(http.StatusGatewayTimeout, "stream_timeout", s.timeoutMessage(), finishLength))
	case errors.As(err, &tooLarge):
		c.cm.upstreamError("frame_too_large")
		ri.errMsg = err.Error()
		sr.end(st, gatewayError(http.StatusBadGateway, "upstream_error",
			"competitor "+id+" sent an event larger than "+strconv.Itoa(maxFrameBytes)+" bytes", finishError))
	case errors.Is(err, io.EOF) && upstreamErr && fr.pending() == 0:
		// The competitor reported its own error event; it only lacks the
		// closing chunks and [DONE].
		ri.errMsg = "competitor reported an error"
		sr.end(st, ending{finish: finishError})
	case errors.Is(err, io.EOF):
		c.cm.upstreamError("incomplete")
		ri.errMsg = "competitor closed the stream without [DONE]"
		sr.end(st, gatewayError(http.StatusBadGateway, "upstream_incomplete",
			"competitor "+id+" closed the stream without data: [DONE]", finishError))
	default:
		c.cm.upstreamError("midstream")
		ri.errMsg = "upstream read: " + err.Error()
		sr.end(st, gatewayError(http.StatusBadGateway, "upstream_error",
			"the connection to competitor "+id+" failed mid-stream: "+err.Error(), finishError))
	}
}

// drainAfterDone reads the rest of an upstream response after [DONE],
// briefly, so that its connection returns to the pool instead of being
// closed; a competitor that keeps the stream open after [DONE] costs at
// most drainWait before cancel drops the connection.
func drainAfterDone(resp *http.Response, cancel context.CancelFunc) {
	t := time.AfterFunc(drainWait, cancel)
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	t.Stop()
}

// hasMember reports whether the JSON object data has a non-null top-level
// member named key, as decoding it into a map[string]json.RawMessage would
// (the last of duplicate members wins; malformed JSON has no members). A
// quoted "key" can only occur in JSON text as a key or a whole string value
// (quotes inside strings are escaped), so the byte search rules out almost
// every event at once. The rest scans the members in place: OpenAI sends
// "usage":null on every chunk of an include_usage stream, and decoding each
// of those into a map cost ~10 allocations per relayed event.
func hasMember(data []byte, key string) bool {
	q := []byte(`"` + key + `"`)
	if !bytes.Contains(data, q) || onlyNull(data, q) {
		return false
	}
	found, nonNull, ok := lastMember(data, key)
	// json.Valid allocates nothing; it runs only for the rare event that
	// carries the member, so a malformed one is told apart exactly as
	// encoding/json would.
	return ok && found && nonNull && json.Valid(data)
}

// onlyNull reports that no member named by the quoted name q can have a
// value other than null: every occurrence of q followed by a colon (a
// member name) is followed by null, and data has no \u escape, without
// which no other spelling of a plain ASCII name exists. It settles an
// OpenAI include_usage chunk's "usage":null with two byte searches, where
// lastMember walks every member (half of the gateway's CPU per streamed
// event). False means "scan it".
func onlyNull(data, q []byte) bool {
	if bytes.Contains(data, []byte(`\u`)) {
		return false
	}
	for rest := data; ; {
		i := bytes.Index(rest, q)
		if i < 0 {
			return true
		}
		rest = rest[i+len(q):]
		j := skipWS(rest, 0)
		if j >= len(rest) || rest[j] != ':' {
			continue // a string value, not a name
		}
		if !bytes.HasPrefix(rest[skipWS(rest, j+1):], []byte("null")) {
			return false
		}
	}
}

// lastMember scans the top-level members of the object in data for key
// and reports whether it occurs, whether its last occurrence is other than
// null, and whether the object's structure was well formed as far as the
// scan could tell. Names with escapes are decoded; plain ones compared in
// place.
func lastMember(data []byte, key string) (found, nonNull, ok bool) {
	i := skipWS(data, 0)
	if i >= len(data) || data[i] != '{' {
		return false, false, false
	}
	for i++; ; {
		i = skipWS(data, i)
		if i >= len(data) {
			return found, nonNull, false
		}
		switch data[i] {
		case '}':
			return found, nonNull, true
		case ',':
			i++
			continue
		}
		ke := skipString(data, i)
		if ke < 0 {
			return found, nonNull, false
		}
		match := memberNameIs(data[i:ke], key)
		i = skipWS(data, ke)
		if i >= len(data) || data[i] != ':' {
			return found, nonNull, false
		}
		vs := skipWS(data, i+1)
		ve := skipValue(data, vs)
		if ve <= vs {
			return found, nonNull, false
		}
		if match {
			found, nonNull = true, string(data[vs:ve]) != "null"
		}
		i = ve
	}
}

// memberNameIs reports whether the quoted JSON string q decodes to key:
// a name without escapes in valid UTF-8 is its own decoding.
func memberNameIs(q []byte, key string) bool {
	name := q[1 : len(q)-1]
	if bytes.IndexByte(name, '\\') < 0 && utf8.Valid(name) {
		return string(name) == key
	}
	var s string
	return json.Unmarshal(q, &s) == nil && s == key
}

// usageTracker keeps the include_usage promise: it notices an upstream
// usage chunk and, when there was none by [DONE], counts the relayed
// output with the shared tokenizer and synthesizes one, marked estimated.
// Payloads are kept raw and decoded only if a synthesis is needed, so an
// upstream that reports usage costs a copy per event, no decoding.
type usageTracker struct {
	want bool
	saw  bool
	bufs *usageBufs
	raw  []byte
	ends []int
	out  bytes.Buffer
}

// maxRawUsage bounds the raw payloads held; past it they are digested.
const maxRawUsage = 1 << 20

func (u *usageTracker) observe(data []byte) {
	if u.saw {
		return
	}
	if hasMember(data, "usage") {
		u.saw, u.raw, u.ends = true, u.raw[:0], u.ends[:0]
		u.out.Reset()
		return
	}
	if u.bufs == nil {
		u.bufs = usageBufPool.Get().(*usageBufs)
		u.raw, u.ends = u.bufs.raw[:0], u.bufs.ends[:0]
	}
	u.raw = append(u.raw, data...)
	u.ends = append(u.ends, len(u.raw))
	if len(u.raw) > maxRawUsage {
		u.digest()
	}
}

// usageBufs are the raw-payload buffers of a usageTracker, recycled
// between streams: without them every include_usage stream would grow a
// copy of its whole output from nothing.
type usageBufs struct {
	raw  []byte
	ends []int
}

var usageBufPool = sync.Pool{New: func() any { return &usageBufs{} }}

// maxPooledUsage bounds the buffers kept for reuse.
const maxPooledUsage = 64 << 10

// release returns the buffers to the pool.
func (u *usageTracker) release() {
	if u.bufs == nil {
		return
	}
	if cap(u.raw) <= maxPooledUsage {
		u.bufs.raw, u.bufs.ends = u.raw[:0], u.ends[:0]
		usageBufPool.Put(u.bufs)
	}
	u.bufs, u.raw, u.ends = nil, nil, nil
}

// digest folds the raw payloads into the output text.
func (u *usageTracker) digest() {
	from := 0
	for _, end := range u.ends {
		var ch wire.Chunk
		if json.Unmarshal(u.raw[from:end], &ch) == nil {
			for _, cc := range ch.Choices {
				u.out.WriteString(cc.Delta.ReasoningContent)
				u.out.WriteString(cc.Delta.Content)
				for _, tc := range cc.Delta.ToolCalls {
					u.out.WriteString(tc.Function.Name)
					u.out.WriteString(tc.Function.Arguments)
				}
			}
		}
		from = end
	}
	u.raw, u.ends = u.raw[:0], u.ends[:0]
}

// estimatedUsage is wire.Usage's counting fields plus the flag that says
// the gateway counted them, not the competitor.
type estimatedUsage struct {
	PromptTokens     int  `json:"prompt_tokens"`
	CompletionTokens int  `json:"completion_tokens"`
	TotalTokens      int  `json:"total_tokens"`
	Estimated        bool `json:"estimated"`
}

// synthesize returns the usage frame to send before [DONE], on the chunk
// identity (id, model, created) the stream used. The request body is
// decoded again for its messages only here, for the rare stream whose
// competitor sent no usage: validation (chatreq.CheckChat) decodes none.
func (u *usageTracker) synthesize(body []byte, id, model string, crt int64) []byte {
	u.digest()
	prompt := 0
	if chat, verr := chatreq.DecodeChat(body); verr == nil {
		for _, m := range chat.Messages {
			prompt += tokens.Count(wire.TextOf(m))
		}
	}
	completion := tokens.Count(u.out.String())
	b, err := json.Marshal(struct {
		ID      string         `json:"id"`
		Object  string         `json:"object"`
		Created int64          `json:"created"`
		Model   string         `json:"model"`
		Choices []struct{}     `json:"choices"`
		Usage   estimatedUsage `json:"usage"`
	}{id, wire.ObjectChunk, crt, model, []struct{}{},
		estimatedUsage{prompt, completion, prompt + completion, true}})
	if err != nil {
		return nil
	}
	return sseData(b)
}
