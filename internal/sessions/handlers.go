package sessions

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/janus-bench/janus/internal/svc"
)

// maxMetaBytes is what a request body may hold beyond the state.
const maxMetaBytes = 16 << 10

// Handler returns the service's routes.
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /sessions", s.authed(s.handleCreate))
	mux.HandleFunc("GET /sessions", s.authed(s.handleList))
	mux.HandleFunc("GET /sessions/{id}", s.authed(s.handleGet))
	mux.HandleFunc("PUT /sessions/{id}", s.authed(s.handleUpdate))
	mux.HandleFunc("DELETE /sessions/{id}", s.authed(s.handleDelete))
	// One pattern for /sessions/{id}/state and /sessions/by-name/{name}:
	// as two they would overlap on /sessions/by-name/state.
	mux.HandleFunc("GET /sessions/{id}/{sub}", s.authed(s.handleSub))
	mux.HandleFunc("GET /health", s.handleHealth)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		svc.WriteError(w, svc.NotFound("", "unknown path %s %s", r.Method, r.URL.Path))
	})
	return mux
}

type userHandler func(w http.ResponseWriter, r *http.Request, user string)

// authed authenticates before h; bodies and states are never logged.
func (s *Service) authed(h userHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		user, err := s.auth.user(r)
		if err != nil {
			s.log.LogAttrs(r.Context(), slog.LevelInfo, "sessions: unauthenticated", slog.String("path", r.URL.Path), slog.Any("error", err))
			svc.WriteError(w, err)
			return
		}
		h(w, r, user)
	}
}

// fail writes err: not found (also for another user's session) as 404, a
// name conflict as 409, a failed decryption as 500 naming it.
func (s *Service) fail(w http.ResponseWriter, r *http.Request, user string, err error) {
	switch {
	case errors.Is(err, errNotFound):
		svc.WriteError(w, svc.NotFound("id", "session not found"))
	case errors.Is(err, errConflict):
		svc.WriteError(w, &svc.Error{Status: http.StatusConflict, Type: "invalid_request_error", Param: "name", Message: "a session with this name exists"})
	default:
		s.log.LogAttrs(r.Context(), slog.LevelError, "sessions: request failed", slog.String("user", user),
			slog.String("path", r.URL.Path), slog.Any("error", err))
		svc.WriteError(w, err)
	}
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// checkMeta checks the name, description and domains of a request.
func checkMeta(name *string, desc *string, domains []string, needDomains bool) error {
	if name != nil {
		if err := CheckName(*name); err != nil {
			return svc.Bad("name", "name %v", err)
		}
	}
	if desc != nil && utf8.RuneCountInString(*desc) > 500 {
		return svc.Bad("description", "description is over 500 characters")
	}
	if domains != nil || needDomains {
		if p, err := CheckDomains(domains); err != nil {
			return svc.Bad(p, "%s: %v", p, err)
		}
	}
	return nil
}

// sealState validates raw as a storage state, within the size limit, and
// seals it for the user's session.
func (s *Service) sealState(raw json.RawMessage, user, id string) ([]byte, error) {
	if int64(len(raw)) > s.cfg.MaxStateBytes {
		return nil, &svc.Error{Status: http.StatusRequestEntityTooLarge, Type: "invalid_request_error", Param: "storage_state",
			Message: fmt.Sprintf("storage_state is %d bytes; the limit is %d", len(raw), s.cfg.MaxStateBytes)}
	}
	st, err := ParseState(raw, "storage_state")
	if err != nil {
		var se *StateError
		errors.As(err, &se)
		return nil, svc.Bad(se.Path, "%v", err)
	}
	canon, err := json.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("encode state: %w", err)
	}
	sealed, err := s.cfg.Keys.Seal(user, id, canon)
	clear(canon)
	return sealed, err
}

func domainsJSON(ds []string) string {
	b, _ := json.Marshal(ds)
	return string(b)
}

// handleCreate serves POST /sessions.
func (s *Service) handleCreate(w http.ResponseWriter, r *http.Request, user string) {
	var req CreateRequest
	if err := svc.Decode(w, r, s.cfg.MaxStateBytes+maxMetaBytes, &req); err != nil {
		svc.WriteError(w, err)
		return
	}
	if req.Name == "" {
		svc.WriteError(w, svc.Bad("name", "name is required"))
		return
	}
	if err := checkMeta(&req.Name, req.Description, req.Domains, true); err != nil {
		svc.WriteError(w, err)
		return
	}
	id := newID()
	sealed, err := s.sealState(req.StorageState, user, id)
	if err != nil {
		svc.WriteError(w, err)
		return
	}
	now := s.cfg.Now().UTC()
	rw := row{ID: id, UserID: user, Name: req.Name, Description: req.Description, Domains: domainsJSON(req.Domains),
		State: sealed, KeyID: s.cfg.Keys.ID(), ExpiresAt: req.ExpiresAt, CreatedAt: now, UpdatedAt: now}
	if err := s.store.create(r.Context(), rw); err != nil {
		s.fail(w, r, user, err)
		return
	}
	s.log.LogAttrs(r.Context(), slog.LevelInfo, "sessions: created", slog.String("user", user), slog.String("id", id))
	svc.WriteJSON(w, http.StatusCreated, rw.summary())
}

// handleList serves GET /sessions.
func (s *Service) handleList(w http.ResponseWriter, r *http.Request, user string) {
	rs, err := s.store.list(r.Context(), user)
	if err != nil {
		s.fail(w, r, user, err)
		return
	}
	out := ListResponse{Sessions: []Summary{}}
	for _, rw := range rs {
		out.Sessions = append(out.Sessions, rw.summary())
	}
	svc.WriteJSON(w, http.StatusOK, out)
}

// handleGet serves GET /sessions/{id}.
func (s *Service) handleGet(w http.ResponseWriter, r *http.Request, user string) {
	rw, err := s.store.get(r.Context(), user, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, user, err)
		return
	}
	svc.WriteJSON(w, http.StatusOK, rw.summary())
}

// handleSub serves GET /sessions/{id}/state and GET /sessions/by-name/{name}.
func (s *Service) handleSub(w http.ResponseWriter, r *http.Request, user string) {
	id, sub := r.PathValue("id"), r.PathValue("sub")
	switch {
	case id == "by-name":
		rw, err := s.store.byName(r.Context(), user, sub)
		if err != nil {
			s.fail(w, r, user, err)
			return
		}
		svc.WriteJSON(w, http.StatusOK, rw.summary())
	case sub == "state":
		s.handleState(w, r, user, id)
	default:
		svc.WriteError(w, svc.NotFound("", "unknown path %s %s", r.Method, r.URL.Path))
	}
}

// handleState serves GET /sessions/{id}/state: the decrypted state; 410
// once expired; a row that fails authentication is a 500 saying so.
func (s *Service) handleState(w http.ResponseWriter, r *http.Request, user, id string) {
	rw, err := s.store.get(r.Context(), user, id)
	if err != nil {
		s.fail(w, r, user, err)
		return
	}
	if rw.ExpiresAt != nil && rw.ExpiresAt.Before(s.cfg.Now()) {
		svc.WriteError(w, &svc.Error{Status: http.StatusGone, Type: "invalid_request_error", Code: "expired",
			Message: "session expired at " + rw.ExpiresAt.UTC().Format(time.RFC3339)})
		return
	}
	if rw.KeyID != s.cfg.Keys.ID() {
		s.fail(w, r, user, fmt.Errorf("session %s is sealed under server secret %s, not the configured %s (rotate with `janus sessions rotate-secret`)", id, rw.KeyID, s.cfg.Keys.ID()))
		return
	}
	pt, err := s.cfg.Keys.Open(user, id, rw.State)
	if err != nil {
		s.fail(w, r, user, fmt.Errorf("session %s: %w", id, err))
		return
	}
	var out StateResponse
	err = json.Unmarshal(pt, &out.StorageState)
	clear(pt)
	if err != nil {
		s.fail(w, r, user, fmt.Errorf("session %s: decrypted state does not decode: %w", id, err))
		return
	}
	svc.WriteJSON(w, http.StatusOK, out)
}

// handleUpdate serves PUT /sessions/{id}: the fields given change; a new
// state is validated and sealed before anything is written.
func (s *Service) handleUpdate(w http.ResponseWriter, r *http.Request, user string) {
	var req UpdateRequest
	if err := svc.Decode(w, r, s.cfg.MaxStateBytes+maxMetaBytes, &req); err != nil {
		svc.WriteError(w, err)
		return
	}
	if err := checkMeta(req.Name, req.Description, req.Domains, false); err != nil {
		svc.WriteError(w, err)
		return
	}
	id := r.PathValue("id")
	upd := map[string]any{"updated_at": s.cfg.Now().UTC()}
	if req.Name != nil {
		upd["name"] = *req.Name
	}
	if req.Description != nil {
		upd["description"] = *req.Description
	}
	if req.Domains != nil {
		upd["domains"] = domainsJSON(req.Domains)
	}
	if req.ExpiresAt != nil {
		upd["expires_at"] = req.ExpiresAt.UTC()
	}
	if len(req.StorageState) > 0 {
		sealed, err := s.sealState(req.StorageState, user, id)
		if err != nil {
			svc.WriteError(w, err)
			return
		}
		upd["state"], upd["key_id"] = sealed, s.cfg.Keys.ID()
	}
	rw, err := s.store.update(r.Context(), user, id, upd)
	if err != nil {
		s.fail(w, r, user, err)
		return
	}
	svc.WriteJSON(w, http.StatusOK, rw.summary())
}

// handleDelete serves DELETE /sessions/{id}.
func (s *Service) handleDelete(w http.ResponseWriter, r *http.Request, user string) {
	if err := s.store.remove(r.Context(), user, r.PathValue("id")); err != nil {
		s.fail(w, r, user, err)
		return
	}
	svc.WriteJSON(w, http.StatusOK, DeleteResponse{Status: "deleted"})
}

// handleHealth serves GET /health.
func (s *Service) handleHealth(w http.ResponseWriter, r *http.Request) {
	v, err := s.store.db.Version(r.Context(), service)
	h := Health{Status: "ok", Service: "janus-browser-sessions", Store: s.store.db.Dialect, SchemaVersion: v, Auth: s.auth.mode()}
	if err != nil {
		h.Status = "error"
		svc.WriteJSON(w, http.StatusServiceUnavailable, h)
		return
	}
	svc.WriteJSON(w, http.StatusOK, h)
}
