package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/janus-bench/janus/internal/apikeys"
	"github.com/janus-bench/janus/internal/chatreq"
	"github.com/janus-bench/janus/internal/svc"
	"github.com/janus-bench/janus/internal/wire"
	"github.com/janus-bench/janus/leaderboard"
)

// Objects of the arena envelope's events (see README, "Arena").
const (
	arenaStart = "janus.arena.start"
	arenaChunk = "janus.arena.chunk"
	arenaDone  = "janus.arena.done"
)

// arenaSlots are the anonymous names of the two answers, in stream order.
var arenaSlots = [2]string{"A", "B"}

// arenaRequest is what the arena endpoint reads beyond a chat request:
// optionally the two competitors to pit against each other.
type arenaRequest struct {
	Competitors []string `json:"competitors"`
}

// handleArena serves POST /v1/chat/completions/arena: the same request to
// two competitors, both streams relayed interleaved as slots A and B, and
// a prompt id that POST /v1/arena/vote takes. Which competitor is A stays
// hidden until the vote.
func (s *Server) handleArena(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	ctx := r.Context()
	ri := info(ctx)
	rid := requestID(r.Header.Get("X-Request-Id"))
	ri.requestID = rid
	w.Header().Set("X-Request-Id", rid)
	body, ok := s.arenaBody(w, r, ri)
	if !ok {
		return
	}
	chat, verr := chatreq.DecodeChat(body)
	if verr != nil {
		s.reject(w, ri, verr)
		return
	}
	if !chat.Stream {
		s.reject(w, ri, chatreq.BadRequest("stream", "the arena streams both answers; set \"stream\": true"))
		return
	}
	var ar arenaRequest
	if err := json.Unmarshal(body, &ar); err != nil {
		s.reject(w, ri, chatreq.BadRequest("competitors", "competitors must be an array of two competitor ids: %v", err))
		return
	}
	pair, status, code, msg := s.arenaPair(ar.Competitors)
	if pair[0] == nil {
		ri.errMsg = msg
		writeError(w, status, "invalid_request_error", code, "competitors", msg)
		return
	}
	fwd := stripMember(stripMember(body, "competitors"), "competitor_id")
	now := s.now()
	p := ArenaPrompt{PromptID: "arena-" + strings.ToLower(cryptoText()), PromptHash: PromptHash(chat.Messages),
		CompetitorA: pair[0].id, CompetitorB: pair[1].id, CreatedAt: now.UTC().Format(time.RFC3339Nano)}
	if err := s.arena.addPrompt(p); err != nil {
		ri.errMsg = err.Error()
		writeError(w, http.StatusInternalServerError, "server_error", "store_error", "", "could not record the arena prompt: "+err.Error())
		return
	}
	s.metrics.arena.WithLabelValues("prompt").Inc()
	ri.competitor, ri.stream = "arena", true
	w.Header().Set("X-Janus-Prompt-Id", p.PromptID)

	ping := pingFrame
	if s.opts.KeepAliveLineOnly {
		ping = pingLineFrame
	}
	sr := newStreamRelay(w, s.opts.KeepAlive, ping, s.metrics.comp("arena"))
	defer func() { ri.keepalives = sr.close() }()
	startEv, _ := json.Marshal(struct {
		Object   string   `json:"object"`
		PromptID string   `json:"prompt_id"`
		Slots    []string `json:"slots"`
	}{arenaStart, p.PromptID, arenaSlots[:]})
	if sr.write(sseData(startEv)) != nil {
		ri.errMsg = "client went away"
		return
	}
	uctx, cancel := context.WithDeadlineCause(ctx, start.Add(s.opts.StreamTimeout), errStreamTimeout)
	defer cancel()
	var wg sync.WaitGroup
	for i, comp := range pair {
		c := &call{comp: comp, cm: s.metrics.comp(comp.id), rid: rid + "-" + strings.ToLower(arenaSlots[i]),
			stream: true, body: fwd, host: r.Host, tls: r.TLS != nil}
		wg.Go(func() { s.arenaLeg(ctx, uctx, sr, c, arenaSlots[i]) })
	}
	wg.Wait()
	if ctx.Err() != nil {
		ri.errMsg = "client went away"
		return
	}
	sr.finish("", "")
}

// arenaPair picks the two competitors: the ones named (exactly two distinct
// registered ids), or two at random, preferring healthy ones. The order is
// shuffled either way, so naming a pair does not reveal which is A.
func (s *Server) arenaPair(ids []string) (pair [2]*competitor, status int, code, msg string) {
	t := s.reg.load()
	var cands []*competitor
	switch {
	case len(ids) > 0:
		if len(ids) != 2 || ids[0] == ids[1] {
			return pair, http.StatusBadRequest, "invalid_value", "competitors must name two different competitors"
		}
		for _, id := range ids {
			c := t.byID[id]
			if c == nil {
				return pair, http.StatusNotFound, "competitor_not_found", "competitor " + quote(id) + " is not registered with this gateway"
			}
			cands = append(cands, c)
		}
	default:
		for _, c := range t.list {
			if c.state.healthy.Load() {
				cands = append(cands, c)
			}
		}
		if len(cands) < 2 {
			cands = t.list
		}
		if len(cands) < 2 {
			return pair, http.StatusServiceUnavailable, "arena_unavailable", "the arena needs at least two competitors; this gateway has " + strconv.Itoa(len(cands))
		}
		i := rand.IntN(len(cands))
		j := rand.IntN(len(cands) - 1)
		if j >= i {
			j++
		}
		cands = []*competitor{cands[i], cands[j]}
	}
	if rand.IntN(2) == 1 {
		cands[0], cands[1] = cands[1], cands[0]
	}
	return [2]*competitor{cands[0], cands[1]}, 0, "", ""
}

// arenaLeg relays one competitor's stream into the shared relay, each data
// event wrapped as {"object":"janus.arena.chunk","slot":…,"chunk":<the
// competitor's event, verbatim>}. It ends with a janus.arena.done event for
// its slot, carrying an error when the competitor failed. Comments
// (the competitor's own keep-alives) are dropped: the relay pings for both.
func (s *Server) arenaLeg(ctx, uctx context.Context, sr *streamRelay, c *call, slot string) {
	fail := func(code, msg string) {
		if ctx.Err() != nil {
			return
		}
		if errors.Is(context.Cause(uctx), errStreamTimeout) {
			code, msg = "stream_timeout", s.timeoutMessage()
		}
		_ = sr.write(arenaDoneEvent(slot, &wire.ErrorBody{Message: msg, Type: "server_error", Code: code}))
	}
	resp, err := s.send(uctx, c)
	if err != nil {
		fail("upstream_error", "competitor "+slot+" failed: "+anonymise(err.Error(), c.comp))
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		msg := fmt.Sprintf("competitor %s answered HTTP %d", slot, resp.StatusCode)
		var env wire.ErrorEnvelope
		if json.Unmarshal(b, &env) == nil && env.Error.Message != "" {
			msg += ": " + anonymise(env.Error.Message, c.comp)
		}
		fail("upstream_error", msg)
		return
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "text/event-stream" {
		fail("upstream_error", "competitor "+slot+" did not answer with an event stream")
		return
	}
	fr := newPooledFramer(resp.Body, maxFrameBytes)
	defer fr.release()
	var scratch, out []byte
	prefix := []byte(`data: {"object":"` + arenaChunk + `","slot":"` + slot + `","chunk":`)
	for {
		frame, err := fr.next()
		if err != nil {
			switch {
			case errors.Is(err, io.EOF) && fr.pending() == 0:
				fail("upstream_incomplete", "competitor "+slot+" closed the stream without data: [DONE]")
			default:
				fail("upstream_error", "competitor "+slot+" failed mid-stream")
			}
			return
		}
		data, isEvent := frameData(frame, &scratch)
		if !isEvent {
			continue
		}
		if bytes.Equal(bytes.TrimSpace(data), []byte("[DONE]")) {
			_ = sr.write(arenaDoneEvent(slot, nil))
			drainAfterDone(resp, func() {})
			return
		}
		if a := s.artifacts; a != nil && bytes.Contains(data, artifactsKey) {
			if nd, ok := a.capture(c.comp, data, s.publicBase(c.host, c.tls)); ok {
				data = nd
			}
		}
		out = append(out[:0], prefix...)
		if json.Valid(data) {
			out = append(out, data...)
		} else {
			q, _ := json.Marshal(string(data))
			out = append(out, q...)
		}
		out = append(out, '}', '\n', '\n')
		if sr.write(out) != nil {
			return
		}
	}
}

// anonymise hides a competitor's id and address in a message shown before
// the vote.
func anonymise(msg string, c *competitor) string {
	msg = strings.ReplaceAll(msg, c.base, "(competitor)")
	return strings.ReplaceAll(msg, c.id, "(competitor)")
}

// arenaDoneEvent ends one slot, with the error that ended it if any.
func arenaDoneEvent(slot string, e *wire.ErrorBody) []byte {
	b, _ := json.Marshal(struct {
		Object string          `json:"object"`
		Slot   string          `json:"slot"`
		Error  *wire.ErrorBody `json:"error,omitempty"`
	}{arenaDone, slot, e})
	return sseData(b)
}

// sseData frames one JSON payload as a data event.
func sseData(b []byte) []byte {
	out := make([]byte, 0, len(b)+8)
	out = append(out, "data: "...)
	out = append(out, b...)
	return append(out, '\n', '\n')
}

// voteRequest is the body of POST /v1/arena/vote.
type voteRequest struct {
	PromptID string `json:"prompt_id"`
	Winner   string `json:"winner"`
}

// arenaBody reads an arena request's body, or answers it (503 without a
// data directory to keep the arena in, the body's own refusal) and
// returns false.
func (s *Server) arenaBody(w http.ResponseWriter, r *http.Request, ri *reqInfo) ([]byte, bool) {
	if s.arena == nil {
		writeError(w, http.StatusServiceUnavailable, "server_error", "arena_disabled", "",
			"the arena needs a data directory (janus gateway --data DIR) to keep prompts and votes")
		return nil, false
	}
	body, verr := s.readBody(w, r)
	if verr != nil {
		s.reject(w, ri, verr)
		return nil, false
	}
	return body, true
}

// handleVote serves POST /v1/arena/vote: it records which answer of an
// arena prompt won, and reveals the pair.
func (s *Server) handleVote(w http.ResponseWriter, r *http.Request) {
	ri := info(r.Context())
	body, ok := s.arenaBody(w, r, ri)
	if !ok {
		return
	}
	var vr voteRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&vr); err != nil {
		s.reject(w, ri, chatreq.BadRequest("", "vote body must be {\"prompt_id\": string, \"winner\": \"A\"|\"B\"|\"tie\"|\"both_bad\"}: %v", err))
		return
	}
	if vr.PromptID == "" {
		s.reject(w, ri, chatreq.BadRequest("prompt_id", "prompt_id is required"))
		return
	}
	switch vr.Winner {
	case leaderboard.WinnerA, leaderboard.WinnerB, leaderboard.WinnerTie, leaderboard.WinnerBothBad:
	default:
		s.reject(w, ri, chatreq.BadRequest("winner", "winner must be \"A\", \"B\", \"tie\" or \"both_bad\", not %s", quote(vr.Winner)))
		return
	}
	v, err := s.arena.vote(vr.PromptID, vr.Winner, s.voterID(r), s.now())
	if err != nil {
		s.metrics.arena.WithLabelValues("refused_" + strconv.Itoa(err.status)).Inc()
		ri.errMsg = err.msg
		typ := "invalid_request_error"
		switch err.status {
		case http.StatusTooManyRequests:
			typ = "rate_limit_error"
		case http.StatusInternalServerError:
			typ = "server_error"
		}
		writeError(w, err.status, typ, err.code, "", err.msg)
		return
	}
	s.metrics.arena.WithLabelValues("vote_" + v.Winner).Inc()
	svc.WriteJSON(w, http.StatusOK, struct {
		Object string `json:"object"`
		leaderboard.Vote
	}{"janus.arena.vote", v})

}

// voterID names who votes without keeping who they are: the sha256 of the
// API key they presented, else of their IP address, shortened. A key
// counts only when the gateway checks keys; otherwise any made-up token
// would be a fresh voter, and the hourly cap would cap nothing.
func (s *Server) voterID(r *http.Request) string {
	if k := apikeys.Presented(r); k != "" && s.keys.Load() != nil {
		return "key:" + shortHash(k)
	}
	return "ip:" + shortHash(clientIP(r))
}
