package chat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"time"
)

// defaultClient reaches the gateway with connect and response-header
// timeouts; the body may stream for as long as the request's context.
func defaultClient() *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			DialContext:           (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
			ResponseHeaderTimeout: 2 * time.Minute,
			TLSHandshakeTimeout:   10 * time.Second,
			MaxIdleConnsPerHost:   16,
			IdleConnTimeout:       90 * time.Second,
		},
		// The gateway's answers are used as they are: a redirect would
		// lead the proxy somewhere else.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// smallTimeout bounds the non-streaming calls (models, vote).
const smallTimeout = 30 * time.Second

// maxSmallBody bounds a non-streaming answer of the gateway.
const maxSmallBody = 4 << 20

// idPattern is what an artifact or prompt id may look like: nothing that
// could change the upstream path.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,200}$`)

// errorBody is the error shape of this package's API (the gateway's
// OpenAI-style envelope is passed through as it is).
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func writeErr(w http.ResponseWriter, status int, code, msg string) {
	var e errorBody
	e.Error.Code, e.Error.Message = code, msg
	writeJSON(w, status, e)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// upstream builds a request to one of the gateway's fixed paths.
func (h *Handler) upstream(ctx context.Context, method, path string, body []byte) (*http.Request, error) {
	u := *h.base
	u.Path += path
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, fmt.Errorf("gateway request %s: %w", path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if h.opts.GatewayKey != "" {
		req.Header.Set("Authorization", "Bearer "+h.opts.GatewayKey)
	}
	return req, nil
}

// small does a bounded non-streaming call and relays the answer.
func (h *Handler) small(w http.ResponseWriter, r *http.Request, method, path string, body []byte) ([]byte, int, bool) {
	ctx, cancel := context.WithTimeout(r.Context(), smallTimeout)
	defer cancel()
	req, err := h.upstream(ctx, method, path, body)
	if err != nil {
		writeErr(w, http.StatusInternalServerError, "proxy_error", err.Error())
		return nil, 0, false
	}
	resp, err := h.opts.Client.Do(req)
	if err != nil {
		h.log.LogAttrs(ctx, slog.LevelWarn, "gateway unreachable", slog.String("path", path), slog.Any("error", err))
		writeErr(w, http.StatusBadGateway, "gateway_unreachable", "the gateway did not answer; try again in a moment")
		return nil, 0, false
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxSmallBody+1))
	if err != nil || len(b) > maxSmallBody {
		writeErr(w, http.StatusBadGateway, "gateway_error", "the gateway's answer was cut off or too large")
		return nil, 0, false
	}
	return b, resp.StatusCode, true
}

// models serves GET /api/models: the gateway's model list.
func (h *Handler) models(w http.ResponseWriter, r *http.Request, _ string) {
	b, status, ok := h.small(w, r, http.MethodGet, "/v1/models", nil)
	if !ok {
		return
	}
	relayJSON(w, status, b)
}

// relayJSON passes a JSON answer of the gateway on, or replaces a non-JSON
// one with an error.
func relayJSON(w http.ResponseWriter, status int, b []byte) {
	if !json.Valid(b) {
		writeErr(w, http.StatusBadGateway, "gateway_error", "the gateway answered HTTP "+strconv.Itoa(status)+" without JSON")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// readRequest reads and checks a page's chat request.
func (h *Handler) readRequest(w http.ResponseWriter, r *http.Request) (clientRequest, []byte, bool) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			writeErr(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("the request is larger than %d bytes; attach smaller images", mb.Limit))
			return clientRequest{}, nil, false
		}
		writeErr(w, http.StatusBadRequest, "bad_request", "could not read the request: "+err.Error())
		return clientRequest{}, nil, false
	}
	cr, out, err := parseRequest(b, h.opts.MaxImageBytes)
	if err != nil {
		writeErr(w, http.StatusBadRequest, "bad_request", err.Error())
		return cr, nil, false
	}
	return cr, out, true
}

// completions serves POST /api/completions: the chat request, streamed
// from the gateway to the page. The thread id goes along as
// x-openwebui-chat-id (Jangar-mode competitors keep their own history by
// it). When the page goes away, the request context ends and with it the
// gateway request, which cancels the competitor's.
func (h *Handler) completions(w http.ResponseWriter, r *http.Request, user string) {
	cr, body, ok := h.readRequest(w, r)
	if !ok {
		return
	}
	hdr := http.Header{}
	if cr.ConversationID != "" {
		if _, err := h.st.Get(r.Context(), user, cr.ConversationID); err != nil {
			writeErr(w, http.StatusNotFound, "not_found", "conversation "+strconv.Quote(cr.ConversationID)+" is not yours or does not exist")
			return
		}
		hdr.Set("x-openwebui-chat-id", cr.ConversationID)
	}
	h.stream(w, r, "/v1/chat/completions", body, hdr, nil)
}

// arenaRound serves POST /api/arena: one prompt to two anonymous
// competitors; the prompt id is remembered as this user's.
func (h *Handler) arenaRound(w http.ResponseWriter, r *http.Request, user string) {
	cr, _, ok := h.readRequest(w, r)
	if !ok {
		return
	}
	h.stream(w, r, "/v1/chat/completions/arena", arenaBody(cr), nil, func(resp *http.Response) {
		if id := resp.Header.Get("X-Janus-Prompt-Id"); idPattern.MatchString(id) {
			h.arena.add(id, user)
			w.Header().Set("X-Janus-Prompt-Id", id)
		}
	})
}

// stream relays a streamed gateway answer: an event stream byte for byte
// (flushed as it comes, at most MaxStream bytes, within StreamTimeout), or
// the gateway's error answer.
func (h *Handler) stream(w http.ResponseWriter, r *http.Request, path string, body []byte, hdr http.Header, onHead func(*http.Response)) {
	ctx, cancel := context.WithTimeout(r.Context(), h.opts.StreamTimeout)
	defer cancel()
	req, err := h.upstream(ctx, http.MethodPost, path, body)
	if err != nil {
		writeErr(w, http.StatusInternalServerError, "proxy_error", err.Error())
		return
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	req.Header.Set("Accept", "text/event-stream")
	resp, err := h.opts.Client.Do(req)
	if err != nil {
		if r.Context().Err() == nil {
			h.log.LogAttrs(ctx, slog.LevelWarn, "gateway unreachable", slog.String("path", path), slog.Any("error", err))
			writeErr(w, http.StatusBadGateway, "gateway_unreachable", "the gateway did not answer; try again in a moment")
		}
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !isEventStream(resp.Header.Get("Content-Type")) {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxSmallBody))
		status := resp.StatusCode
		if status == http.StatusOK {
			status = http.StatusBadGateway
		}
		relayJSON(w, status, b)
		return
	}
	if onHead != nil {
		onHead(resp)
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	relay(w, io.LimitReader(resp.Body, h.opts.MaxStream))
}

// isEventStream says whether a content type is text/event-stream.
func isEventStream(ct string) bool {
	return len(ct) >= 17 && ct[:17] == "text/event-stream"
}

// relay copies src to w, flushing after every read so each token reaches
// the page as soon as the gateway sends it.
func relay(w http.ResponseWriter, src io.Reader) {
	rc := http.NewResponseController(w)
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return
			}
			if rc.Flush() != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// voteRequest is the page's vote.
type voteRequest struct {
	PromptID string `json:"prompt_id"`
	Winner   string `json:"winner"`
}

// vote serves POST /api/vote: a vote on this user's own arena prompt,
// within this user's hourly cap, recorded by the gateway.
func (h *Handler) vote(w http.ResponseWriter, r *http.Request, user string) {
	var vr voteRequest
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&vr); err != nil {
		writeErr(w, http.StatusBadRequest, "bad_request", "the vote must be {\"prompt_id\": …, \"winner\": …}: "+err.Error())
		return
	}
	if !idPattern.MatchString(vr.PromptID) {
		writeErr(w, http.StatusBadRequest, "bad_request", "prompt_id: not an arena prompt id")
		return
	}
	if ok, msg := h.arena.allow(vr.PromptID, user); !ok {
		writeErr(w, http.StatusTooManyRequests, "vote_refused", msg)
		return
	}
	body, _ := json.Marshal(vr)
	b, status, ok := h.small(w, r, http.MethodPost, "/v1/arena/vote", body)
	if !ok {
		return
	}
	if status == http.StatusOK {
		h.arena.voted(user)
	}
	relayJSON(w, status, b)
}

// artifact serves GET /api/artifacts/{id}: the gateway's stored artifact,
// with its type, disposition and sandboxing headers.
func (h *Handler) artifact(w http.ResponseWriter, r *http.Request, _ string) {
	id := r.PathValue("id")
	if !idPattern.MatchString(id) {
		writeErr(w, http.StatusBadRequest, "bad_request", "not an artifact id")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Minute)
	defer cancel()
	req, err := h.upstream(ctx, http.MethodGet, "/v1/artifacts/"+id, nil)
	if err != nil {
		writeErr(w, http.StatusInternalServerError, "proxy_error", err.Error())
		return
	}
	resp, err := h.opts.Client.Do(req)
	if err != nil {
		writeErr(w, http.StatusBadGateway, "gateway_unreachable", "the gateway did not answer; try again in a moment")
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxSmallBody))
		relayJSON(w, resp.StatusCode, b)
		return
	}
	if resp.ContentLength > h.opts.MaxArtifact {
		writeErr(w, http.StatusBadGateway, "too_large", "the artifact is larger than this page relays")
		return
	}
	for _, k := range []string{"Content-Type", "Content-Disposition", "Content-Length", "ETag", "Cache-Control", "Content-Security-Policy"} {
		if v := resp.Header.Get(k); v != "" {
			w.Header().Set(k, v)
		}
	}
	// The type is the competitor's word: only a raster image is shown in
	// place; anything else (HTML, SVG) is a download, sandboxed anyway.
	if !inlineImage(resp.Header.Get("Content-Type")) {
		w.Header().Set("Content-Disposition", "attachment")
	}
	w.Header().Set("Content-Security-Policy", "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = io.Copy(w, io.LimitReader(resp.Body, h.opts.MaxArtifact))
}

// inlineImage says whether a content type is a raster image safe to show
// in place.
func inlineImage(ct string) bool {
	for _, t := range imageTypes {
		if len(ct) >= len(t) && ct[:len(t)] == t {
			return true
		}
	}
	return false
}
