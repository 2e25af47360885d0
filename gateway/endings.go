package gateway

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/janus-bench/janus/internal/chatreq"
	"github.com/janus-bench/janus/internal/wire"
)

// Finish reasons the gateway writes when it, not the competitor, ends a
// stream (docs/STREAMING.md).
const (
	// finishError ends a stream the competitor broke: a late error status,
	// a reset, an end without [DONE], an event over the size cap.
	finishError = "error"
	// finishLength ends a stream the gateway cut at its stream timeout: a
	// limit, like max_tokens, so the answer is truncated, not failed.
	finishLength = "length"
)

// HeaderStatus is the HTTP trailer that repeats the status of a stream's
// error ending; the error event's "status" member carries it too, for
// clients that cannot read trailers.
const HeaderStatus = "X-Janus-Status"

// ending is how the gateway closes a stream it cannot relay to [DONE].
type ending struct {
	// status is the upstream's HTTP status, or the one the gateway would
	// have answered (502, 504) had nothing been sent yet; 0 for none.
	status int
	// errObj is the error event's "error" member: the competitor's own
	// OpenAI error object verbatim when it sent one, else the gateway's.
	errObj []byte
	// finish is the finish_reason to add when the competitor sent none.
	finish string
}

// gatewayError is an ending with an error object of the gateway's own.
func gatewayError(status int, code, msg, finish string) ending {
	b, _ := json.Marshal(wire.ErrorBody{Message: msg, Type: "server_error", Code: code})
	return ending{status: status, errObj: b, finish: finish}
}

// upstreamErrorEnding turns a competitor's late error response into an
// ending: its "error" object is kept byte for byte when the body is an
// OpenAI error envelope; anything else is wrapped in one naming the status.
func upstreamErrorEnding(compID string, status int, body []byte) ending {
	var env struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &env) == nil && len(env.Error) > 0 && env.Error[0] == '{' {
		var probe wire.ErrorBody
		if json.Unmarshal(env.Error, &probe) == nil && probe.Message != "" {
			return ending{status: status, errObj: env.Error, finish: finishError}
		}
	}
	msg := "competitor " + compID + " answered HTTP " + strconv.Itoa(status)
	if t := bytes.TrimSpace(body); len(t) > 0 {
		msg += ": " + truncateBody(t[:min(len(t), 300)])
	}
	typ := "server_error"
	if status < 500 {
		typ = "invalid_request_error"
	}
	b, _ := json.Marshal(wire.ErrorBody{Message: msg, Type: typ, Code: "upstream_error"})
	return ending{status: status, errObj: b, finish: finishError}
}

// streamState is what the gateway knows of a relayed stream to end it
// well: the chunk identity to reuse, whether a finish_reason and a usage
// chunk were relayed, and the text to count for an estimated usage.
type streamState struct {
	chat      chatreq.Head
	body      []byte // the client's request, decoded again only to count its prompt
	rid       string
	id, model string
	created   int64
	sawHead   bool
	sawFinish bool
	u         usageTracker
	// heads holds the payloads not yet decoded for the identity, raw and
	// in order, headN of them. Decoding the first with encoding/json as it
	// came was ~3% of the gateway's CPU per stream, and only identity
	// needs the result, when the gateway adds a chunk, which most streams
	// never make it do. Decoding them later, in order, finds the same
	// payload as decoding each as it came.
	heads *headBufs
	headN int
}

// headBufs are a streamState's kept payloads, recycled between streams.
type headBufs struct {
	raw  []byte
	ends [maxKeptHeads]int
}

// maxKeptHeads and maxKeptHeadBytes bound the payloads kept undecoded;
// past them the kept ones are decoded (a long stream decodes one, as
// before).
const (
	maxKeptHeads     = 8
	maxKeptHeadBytes = 4 << 10
)

var headBufPool = sync.Pool{New: func() any { return &headBufs{raw: make([]byte, 0, maxKeptHeadBytes)} }}

func newStreamState(chat chatreq.Head, body []byte, rid string) *streamState {
	return &streamState{chat: chat, body: body, rid: rid, u: usageTracker{want: chat.WantsUsage()}}
}

// observe looks at one relayed data payload. Until one with an id has
// been decoded (for its id and model: keepHead, resolveHead), payloads are
// kept for that; all are byte-scanned.
func (st *streamState) observe(data []byte) {
	if !st.sawHead {
		st.keepHead(data)
	}
	if !st.sawFinish && hasFinishReason(data) {
		st.sawFinish = true
	}
	if st.u.want {
		st.u.observe(data)
	}
}

// hasFinishReason reports whether a payload sets a non-empty string
// finish_reason; OpenAI chunks carry "finish_reason":null on every delta,
// so the mere key says nothing.
func hasFinishReason(data []byte) bool {
	key := []byte(`"finish_reason"`)
	for {
		i := bytes.Index(data, key)
		if i < 0 {
			return false
		}
		data = data[i+len(key):]
		j := skipWS(data, 0)
		if j >= len(data) || data[j] != ':' {
			continue
		}
		j = skipWS(data, j+1)
		if j+1 < len(data) && data[j] == '"' && data[j+1] != '"' {
			return true
		}
	}
}

// decodeHead takes the identity from data if it decodes with an id.
func (st *streamState) decodeHead(data []byte) {
	var head struct {
		ID      string `json:"id"`
		Model   string `json:"model"`
		Created int64  `json:"created"`
	}
	if json.Unmarshal(data, &head) == nil && head.ID != "" {
		st.sawHead, st.id, st.model, st.created = true, head.ID, head.Model, head.Created
	}
}

// keepHead keeps data undecoded for resolveHead, or, past the bounds,
// decodes the kept payloads and then data.
func (st *streamState) keepHead(data []byte) {
	if st.heads == nil {
		st.heads = headBufPool.Get().(*headBufs)
		st.heads.raw = st.heads.raw[:0]
	}
	h := st.heads
	if st.headN < len(h.ends) && len(h.raw)+len(data) <= cap(h.raw) {
		h.raw = append(h.raw, data...)
		h.ends[st.headN] = len(h.raw)
		st.headN++
		return
	}
	st.resolveHead()
	if !st.sawHead {
		st.decodeHead(data)
	}
}

// resolveHead decodes the kept payloads in order until one has an id.
func (st *streamState) resolveHead() {
	if st.heads == nil {
		return
	}
	from := 0
	for _, end := range st.heads.ends[:st.headN] {
		if !st.sawHead {
			st.decodeHead(st.heads.raw[from:end])
		}
		from = end
	}
	st.heads.raw, st.headN = st.heads.raw[:0], 0
}

// release recycles the stream's buffers; the state is not used after.
func (st *streamState) release() {
	st.u.release()
	if h := st.heads; h != nil {
		st.heads, st.headN = nil, 0
		if cap(h.raw) == maxKeptHeadBytes {
			headBufPool.Put(h)
		}
	}
}

// identity returns the id, model and created to put on a chunk the
// gateway adds: the competitor's, or made up from the request.
func (st *streamState) identity() (string, string, int64) {
	st.resolveHead()
	id, model, crt := st.id, st.model, st.created
	if id == "" {
		id = "chatcmpl-" + st.rid
	}
	if model == "" {
		model = st.chat.Model
	}
	if crt == 0 {
		crt = time.Now().Unix()
	}
	return id, model, crt
}

// closingFrames are the frames that end a stream the gateway closes: the
// error event (when e has one), a finish chunk (when the competitor sent
// no finish_reason), the usage chunk (when asked for and none came, marked
// estimated), and [DONE].
func (st *streamState) closingFrames(e ending) [][]byte {
	id, model, crt := st.identity()
	var out [][]byte
	if e.errObj != nil {
		b, err := json.Marshal(struct {
			ID      string          `json:"id"`
			Object  string          `json:"object"`
			Created int64           `json:"created"`
			Model   string          `json:"model"`
			Choices []struct{}      `json:"choices"`
			Error   json.RawMessage `json:"error"`
			Status  int             `json:"status,omitempty"`
		}{id, wire.ObjectChunk, crt, model, []struct{}{}, e.errObj, e.status})
		if err == nil {
			out = append(out, sseData(b))
		}
	}
	if e.finish != "" && !st.sawFinish {
		if b, err := json.Marshal(wire.FinishChunk(id, model, crt, e.finish)); err == nil {
			out = append(out, sseData(b))
		}
	}
	if st.u.want && !st.u.saw {
		if b := st.u.synthesize(st.body, id, model, crt); b != nil {
			out = append(out, b)
		}
	}
	return append(out, doneFrame)
}

// end writes the closing frames of e and, for an error ending, the status
// trailer. It stops at the first frame the client cannot take.
func (sr *streamRelay) end(st *streamState, e ending) {
	sr.mu.Lock()
	defer sr.mu.Unlock()
	if e.status != 0 && e.errObj != nil {
		// Declared after the headers went out: net/http sends a
		// TrailerPrefix header as a trailer of the chunked response.
		sr.w.Header().Set(http.TrailerPrefix+HeaderStatus, strconv.Itoa(e.status))
	}
	for _, f := range st.closingFrames(e) {
		if sr.writeLocked(f) != nil {
			return
		}
	}
}
