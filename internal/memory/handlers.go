package memory

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/janus-bench/janus/internal/apikeys"
	"github.com/janus-bench/janus/internal/clip"
	"github.com/janus-bench/janus/internal/svc"
)

// Handler returns the service's routes.
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /memories/extract", s.handleExtract)
	mux.HandleFunc("GET /memories/relevant", s.handleRelevant)
	mux.HandleFunc("GET /memories/list", s.handleList)
	mux.HandleFunc("GET /memories/full", s.handleFull)
	mux.HandleFunc("PATCH /memories/{id}", s.handlePatch)
	mux.HandleFunc("DELETE /memories/clear", s.handleClear)
	mux.HandleFunc("DELETE /memories/{id}", s.handleDelete)
	mux.HandleFunc("GET /health", s.handleHealth)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		svc.WriteError(w, svc.NotFound("", "unknown path %s %s", r.Method, r.URL.Path))
	})
	return mux
}

// admit checks the user id, the caller's key and the user's rate.
func (s *Service) admit(w http.ResponseWriter, r *http.Request, user string) error {
	if user == "" {
		return svc.Bad("user_id", "user_id is required")
	}
	if !apikeys.UserIDPattern.MatchString(user) {
		return svc.Bad("user_id", "user_id %q: want 1-128 characters of A-Z a-z 0-9 . _ : @ -, starting with a letter or digit", clip.Bytes(user, 40, clip.Ellipsis))
	}
	if s.cfg.APIKeys != nil {
		owner, ok := s.cfg.APIKeys.Lookup(apikeys.Presented(r))
		if !ok {
			return &svc.Error{Status: http.StatusUnauthorized, Type: "invalid_request_error", Code: "invalid_api_key",
				Message: "a valid API key is required (Authorization: Bearer <key>)"}
		}
		if owner != "" && owner != user {
			return &svc.Error{Status: http.StatusForbidden, Type: "invalid_request_error", Param: "user_id",
				Message: "this API key may only act for its own user"}
		}
	}
	if ok, wait := s.limiter.Allow(user, s.cfg.Now()); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)+1))
		return &svc.Error{Status: http.StatusTooManyRequests, Type: "rate_limit_error", Param: "user_id",
			Message: fmt.Sprintf("rate limit of %g requests per minute for this user exceeded", s.cfg.RatePerMinute)}
	}
	return nil
}

// validateConversation applies the size limits, naming the offending path.
func (s *Service) validateConversation(conv []Message) error {
	if conv == nil {
		return svc.Bad("conversation", "conversation is required (an array of {role, content})")
	}
	if len(conv) > s.cfg.MaxMessages {
		return &svc.Error{Status: http.StatusRequestEntityTooLarge, Type: "invalid_request_error", Param: "conversation",
			Message: fmt.Sprintf("conversation has %d messages; the limit is %d", len(conv), s.cfg.MaxMessages)}
	}
	total := 0
	for i, m := range conv {
		switch m.Role {
		case "user", "assistant", "system", "tool", "developer":
		default:
			return svc.Bad(fmt.Sprintf("conversation[%d].role", i), "conversation[%d].role %q: want user, assistant, system, tool or developer", i, clip.Bytes(m.Role, 20, clip.Ellipsis))
		}
		if !utf8.ValidString(m.Content) {
			return svc.Bad(fmt.Sprintf("conversation[%d].content", i), "conversation[%d].content is not valid UTF-8", i)
		}
		n := utf8.RuneCountInString(m.Content)
		if n > s.cfg.MaxMessageChars {
			return &svc.Error{Status: http.StatusRequestEntityTooLarge, Type: "invalid_request_error", Param: fmt.Sprintf("conversation[%d].content", i),
				Message: fmt.Sprintf("conversation[%d].content has %d characters; the limit is %d", i, n, s.cfg.MaxMessageChars)}
		}
		total += n
	}
	if total > s.cfg.MaxConversationChars {
		return &svc.Error{Status: http.StatusRequestEntityTooLarge, Type: "invalid_request_error", Param: "conversation",
			Message: fmt.Sprintf("conversation has %d characters; the limit is %d", total, s.cfg.MaxConversationChars)}
	}
	return nil
}

// handleExtract serves POST /memories/extract.
func (s *Service) handleExtract(w http.ResponseWriter, r *http.Request) {
	var req ExtractRequest
	if err := svc.Decode(w, r, s.cfg.MaxBodyBytes, &req); err != nil {
		svc.WriteError(w, err)
		return
	}
	if err := s.admit(w, r, req.UserID); err != nil {
		svc.WriteError(w, err)
		return
	}
	if err := s.validateConversation(req.Conversation); err != nil {
		svc.WriteError(w, err)
		return
	}
	resp, err := s.Extract(r.Context(), req)
	if err != nil {
		s.writeFailure(w, r, "extract", err)
		return
	}
	svc.WriteJSON(w, http.StatusOK, resp)
}

// writeFailure reports a failed operation: a model failure as 502, a
// missing memory as 404, anything else as 500.
func (s *Service) writeFailure(w http.ResponseWriter, r *http.Request, op string, err error) {
	switch {
	case errIsExtract(err):
		s.log.LogAttrs(r.Context(), slog.LevelWarn, "memory: model call failed", slog.String("op", op), slog.Any("error", err))
		svc.WriteError(w, &svc.Error{Status: http.StatusBadGateway, Type: "upstream_error", Code: "model_failed", Message: err.Error() + "; nothing was stored"})
	case errors.Is(err, errNotFound):
		svc.WriteError(w, svc.NotFound("id", "memory %q not found for this user", r.PathValue("id")))
	default:
		s.log.LogAttrs(r.Context(), slog.LevelError, "memory: "+op, slog.Any("error", err))
		svc.WriteError(w, fmt.Errorf("%s: %w", op, err))
	}
}

// conversationHash identifies a conversation, so the same one sent twice
// is extracted once.
func conversationHash(conv []Message) string {
	b, _ := json.Marshal(conv)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// handleRelevant serves GET /memories/relevant?user_id&prompt[&k].
func (s *Service) handleRelevant(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	user, prompt := q.Get("user_id"), q.Get("prompt")
	if err := s.admit(w, r, user); err != nil {
		svc.WriteError(w, err)
		return
	}
	if !q.Has("prompt") {
		svc.WriteError(w, svc.Bad("prompt", "prompt is required"))
		return
	}
	if n := utf8.RuneCountInString(prompt); n > s.cfg.MaxPromptChars {
		svc.WriteError(w, svc.Bad("prompt", "prompt has %d characters; the limit is %d", n, s.cfg.MaxPromptChars))
		return
	}
	k, err := intParam(q.Get("k"), "k", DefaultK, 1, MaxK)
	if err != nil {
		svc.WriteError(w, err)
		return
	}
	mem, err := s.Relevant(r.Context(), user, prompt, k)
	if err != nil {
		s.writeFailure(w, r, "recall", err)
		return
	}
	svc.WriteJSON(w, http.StatusOK, RelevantResponse{Memories: mem, Method: s.Method()})
}

// intParam parses an optional integer query parameter within [lo, hi].
func intParam(v, name string, def, lo, hi int) (int, error) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, svc.Bad(name, "%s %q: want an integer from %d to %d", name, clip.Bytes(v, 20, clip.Ellipsis), lo, hi)
	}
	return n, nil
}

// handleList serves GET /memories/list?user_id[&limit&offset].
func (s *Service) handleList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	user := q.Get("user_id")
	if err := s.admit(w, r, user); err != nil {
		svc.WriteError(w, err)
		return
	}
	limit, err := intParam(q.Get("limit"), "limit", 50, 1, 200)
	if err == nil {
		var off int
		off, err = intParam(q.Get("offset"), "offset", 0, 0, 1<<30)
		if err == nil {
			var rs []row
			if rs, err = s.store.page(r.Context(), user, limit, off); err == nil {
				var total int
				if total, err = s.store.count(r.Context(), user); err == nil {
					svc.WriteJSON(w, http.StatusOK, ListResponse{Memories: fulls(rs), Total: total})
					return
				}
			}
		}
	}
	s.writeFailure(w, r, "list", err)
}

func fulls(rs []row) []Full {
	out := make([]Full, len(rs))
	for i, r := range rs {
		out[i] = r.full()
	}
	return out
}

// handleFull serves GET /memories/full?user_id&ids=a,b: the whole text of
// the named memories; ids of another user's memories are not found and
// left out.
func (s *Service) handleFull(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	user := q.Get("user_id")
	if err := s.admit(w, r, user); err != nil {
		svc.WriteError(w, err)
		return
	}
	var ids []string
	for _, id := range strings.Split(q.Get("ids"), ",") {
		if id = strings.TrimSpace(id); id != "" {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 || len(ids) > 200 {
		svc.WriteError(w, svc.Bad("ids", "ids: want 1 to 200 comma-separated memory ids, got %d", len(ids)))
		return
	}
	rs, err := s.store.byIDs(r.Context(), user, ids, s.cfg.Now().UTC())
	if err != nil {
		s.writeFailure(w, r, "full", err)
		return
	}
	svc.WriteJSON(w, http.StatusOK, ListResponse{Memories: fulls(rs), Total: len(rs)})
}

// handlePatch serves PATCH /memories/{id}?user_id with {caption?, full_text?}.
func (s *Service) handlePatch(w http.ResponseWriter, r *http.Request) {
	var req PatchRequest
	if err := svc.Decode(w, r, 16<<10, &req); err != nil {
		svc.WriteError(w, err)
		return
	}
	user := r.URL.Query().Get("user_id")
	if err := s.admit(w, r, user); err != nil {
		svc.WriteError(w, err)
		return
	}
	upd, err := patchFields(req)
	if err != nil {
		svc.WriteError(w, err)
		return
	}
	m, err := s.Patch(r.Context(), user, r.PathValue("id"), upd)
	if err != nil {
		s.writeFailure(w, r, "patch", err)
		return
	}
	svc.WriteJSON(w, http.StatusOK, m)
}

// patchFields checks a patch and returns the columns to set.
func patchFields(req PatchRequest) (map[string]any, error) {
	upd := map[string]any{}
	check := func(name string, v *string, limit int) error {
		if v == nil {
			return nil
		}
		t := strings.TrimSpace(*v)
		switch n := utf8.RuneCountInString(t); {
		case n == 0:
			return svc.Bad(name, "%s must not be empty", name)
		case n > limit:
			return svc.Bad(name, "%s has %d characters; the limit is %d", name, n, limit)
		}
		upd[name] = t
		return nil
	}
	if err := check("caption", req.Caption, MaxCaptionChars); err != nil {
		return nil, err
	}
	if err := check("full_text", req.FullText, MaxFullTextChars); err != nil {
		return nil, err
	}
	if len(upd) == 0 {
		return nil, svc.Bad("body", "nothing to change: set caption and/or full_text")
	}
	return upd, nil
}

// handleDelete serves DELETE /memories/{id}?user_id.
func (s *Service) handleDelete(w http.ResponseWriter, r *http.Request) {
	user := r.URL.Query().Get("user_id")
	if err := s.admit(w, r, user); err != nil {
		svc.WriteError(w, err)
		return
	}
	n, err := s.store.remove(r.Context(), user, r.PathValue("id"))
	if err == nil && n == 0 {
		err = errNotFound
	}
	if err != nil {
		s.writeFailure(w, r, "delete", err)
		return
	}
	svc.WriteJSON(w, http.StatusOK, DeleteResponse{Status: "deleted", Deleted: n})
}

// handleClear serves DELETE /memories/clear?user_id: all of the user's
// memories and extraction records.
func (s *Service) handleClear(w http.ResponseWriter, r *http.Request) {
	user := r.URL.Query().Get("user_id")
	if err := s.admit(w, r, user); err != nil {
		svc.WriteError(w, err)
		return
	}
	n, err := s.store.remove(r.Context(), user, "")
	if err != nil {
		s.writeFailure(w, r, "clear", err)
		return
	}
	svc.WriteJSON(w, http.StatusOK, DeleteResponse{Status: "cleared", Deleted: n})
}

// handleHealth serves GET /health.
func (s *Service) handleHealth(w http.ResponseWriter, r *http.Request) {
	v, err := s.store.db.Version(r.Context(), service)
	if err != nil {
		svc.WriteJSON(w, http.StatusServiceUnavailable, Health{Status: "error", Service: "janus-memory", Store: s.store.db.Dialect, Recall: s.Method()})
		return
	}
	svc.WriteJSON(w, http.StatusOK, Health{Status: "ok", Service: "janus-memory", Store: s.store.db.Dialect, SchemaVersion: v, Recall: s.Method()})
}
