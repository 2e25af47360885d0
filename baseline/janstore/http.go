package janstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/janus-bench/janus/baseline/threads"
	"github.com/janus-bench/janus/internal/httpguard"
	"github.com/janus-bench/janus/internal/svc"
	"github.com/janus-bench/janus/internal/wire"
)

// maxAPIBody bounds a create request's body.
const maxAPIBody = 1 << 20

// API is the store's minimal HTTP API, shaped after OpenAI's Assistants
// API: GET/POST /v1/assistants, GET/DELETE /v1/assistants/{id},
// GET/POST /v1/threads, GET/DELETE /v1/threads/{id} and
// GET /v1/threads/{id}/messages. Errors are OpenAI error envelopes.
type API struct {
	store *Store
	log   *slog.Logger
}

// NewAPI serves store; a nil log discards.
func NewAPI(store *Store, log *slog.Logger) *API {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &API{store: store, log: log}
}

// Register adds the API's routes to mux.
func (a *API) Register(mux *http.ServeMux) {
	mux.HandleFunc("/v1/assistants", a.methods(map[string]http.HandlerFunc{
		http.MethodGet: a.listAssistants, http.MethodPost: a.createAssistant}))
	mux.HandleFunc("/v1/assistants/{id}", a.methods(map[string]http.HandlerFunc{
		http.MethodGet: a.getAssistant, http.MethodDelete: a.deleteAssistant}))
	mux.HandleFunc("/v1/threads", a.methods(map[string]http.HandlerFunc{
		http.MethodGet: a.listThreads, http.MethodPost: a.createThread}))
	mux.HandleFunc("/v1/threads/{id}", a.methods(map[string]http.HandlerFunc{
		http.MethodGet: a.getThread, http.MethodDelete: a.deleteThread}))
	mux.HandleFunc("/v1/threads/{id}/messages", a.methods(map[string]http.HandlerFunc{
		http.MethodGet: a.listMessages}))
}

// methods dispatches on the method, answering others with a 405 envelope.
func (a *API) methods(m map[string]http.HandlerFunc) http.HandlerFunc {
	allow := ""
	for _, k := range []string{http.MethodGet, http.MethodPost, http.MethodDelete} {
		if m[k] != nil {
			if allow != "" {
				allow += ", "
			}
			allow += k
		}
	}
	return func(w http.ResponseWriter, r *http.Request) {
		if h := m[r.Method]; h != nil {
			h(w, r)
			return
		}
		w.Header().Set("Allow", allow)
		a.fail(r.Context(), w, http.StatusMethodNotAllowed, "invalid_request_error", "", "",
			fmt.Sprintf("method %s is not allowed on %s; use %s", r.Method, r.URL.Path, allow))
	}
}

// list is an OpenAI list envelope.
type list[T any] struct {
	Object string `json:"object"`
	Data   []T    `json:"data"`
}

// deleted is an OpenAI deletion status.
type deleted struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Deleted bool   `json:"deleted"`
}

func (a *API) listAssistants(w http.ResponseWriter, r *http.Request) {
	as, err := a.store.Assistants(r.Context())
	if err != nil {
		a.storeError(r.Context(), w, err)
		return
	}
	a.write(r.Context(), w, http.StatusOK, list[Assistant]{Object: "list", Data: as})
}

// assistantInput is the POST /v1/assistants body.
type assistantInput struct {
	ID           string         `json:"id"`
	Name         string         `json:"name"`
	Description  string         `json:"description"`
	Model        string         `json:"model"`
	Instructions string         `json:"instructions"`
	Metadata     map[string]any `json:"metadata"`
	ModelFile    ModelFile      `json:"model_file"`
	Files        []string       `json:"files"`
}

func (a *API) createAssistant(w http.ResponseWriter, r *http.Request) {
	var in assistantInput
	if !a.decode(w, r, &in) {
		return
	}
	if in.ID != "" && !a.validID(w, r, "id", in.ID) {
		return
	}
	if !a.validModelFile(w, r, in.ModelFile) {
		return
	}
	if err := ValidateFiles("files", in.Files); err != nil {
		a.fail(r.Context(), w, http.StatusBadRequest, "invalid_request_error", "files", "invalid_files", err.Error())
		return
	}
	as, err := a.store.CreateAssistant(r.Context(), Assistant{ID: in.ID, Name: in.Name, Description: in.Description,
		Model: in.Model, Instructions: in.Instructions, Metadata: in.Metadata, ModelFile: in.ModelFile, Files: in.Files})
	if err != nil {
		a.storeError(r.Context(), w, err)
		return
	}
	a.write(r.Context(), w, http.StatusOK, as)
}

func (a *API) getAssistant(w http.ResponseWriter, r *http.Request) {
	as, err := a.store.Assistant(r.Context(), r.PathValue("id"))
	if err != nil {
		a.storeError(r.Context(), w, err)
		return
	}
	a.write(r.Context(), w, http.StatusOK, as)
}

func (a *API) deleteAssistant(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := a.store.DeleteAssistant(r.Context(), id); err != nil {
		a.storeError(r.Context(), w, err)
		return
	}
	a.write(r.Context(), w, http.StatusOK, deleted{ID: id, Object: "assistant.deleted", Deleted: true})
}

func (a *API) listThreads(w http.ResponseWriter, r *http.Request) {
	ts, err := a.store.Threads(r.Context())
	if err != nil {
		a.storeError(r.Context(), w, err)
		return
	}
	a.write(r.Context(), w, http.StatusOK, list[Thread]{Object: "list", Data: ts})
}

// threadInput is the POST /v1/threads body.
type threadInput struct {
	ID          string         `json:"id"`
	Title       string         `json:"title"`
	AssistantID string         `json:"assistant_id"`
	Metadata    map[string]any `json:"metadata"`
	ModelFile   ModelFile      `json:"model_file"`
}

func (a *API) createThread(w http.ResponseWriter, r *http.Request) {
	var in threadInput
	if !a.decode(w, r, &in) {
		return
	}
	if in.ID != "" && !a.validID(w, r, "id", in.ID) {
		return
	}
	if in.AssistantID != "" && !a.validID(w, r, "assistant_id", in.AssistantID) {
		return
	}
	if !a.validModelFile(w, r, in.ModelFile) {
		return
	}
	t, err := a.store.CreateThread(r.Context(), Thread{ThreadRecord: ThreadRecord{ID: in.ID, Title: in.Title,
		AssistantID: in.AssistantID, Metadata: in.Metadata}, ModelFile: in.ModelFile})
	if err != nil {
		a.storeError(r.Context(), w, err)
		return
	}
	a.write(r.Context(), w, http.StatusOK, t)
}

func (a *API) getThread(w http.ResponseWriter, r *http.Request) {
	t, err := a.store.Thread(r.Context(), r.PathValue("id"))
	if err != nil {
		a.storeError(r.Context(), w, err)
		return
	}
	a.write(r.Context(), w, http.StatusOK, t)
}

func (a *API) deleteThread(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := a.store.DeleteThread(r.Context(), id); err != nil {
		a.storeError(r.Context(), w, err)
		return
	}
	a.write(r.Context(), w, http.StatusOK, deleted{ID: id, Object: "thread.deleted", Deleted: true})
}

func (a *API) listMessages(w http.ResponseWriter, r *http.Request) {
	ms, err := a.store.Messages(r.Context(), r.PathValue("id"))
	if err != nil {
		a.storeError(r.Context(), w, err)
		return
	}
	if ms == nil {
		ms = []threads.Message{}
	}
	a.write(r.Context(), w, http.StatusOK, list[threads.Message]{Object: "list", Data: ms})
}

// decode reads a JSON object body strictly: an unknown field is named.
func (a *API) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	// The chat endpoint's guard: 413 past the size, 408 past the time.
	data, _, verr := httpguard.ReadBody(w, r, maxAPIBody, httpguard.DefaultBodyReadTimeout)
	if verr != nil {
		a.fail(r.Context(), w, verr.Status, verr.Type, verr.Param, "", verr.Message)
		return false
	}
	if len(bytes.TrimSpace(data)) == 0 {
		data = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		a.fail(r.Context(), w, http.StatusBadRequest, "invalid_request_error", "", "",
			"request body: "+positioned(data, err).Error())
		return false
	}
	return true
}

func (a *API) validID(w http.ResponseWriter, r *http.Request, param, id string) bool {
	if err := threads.ValidID(id); err != nil {
		a.fail(r.Context(), w, http.StatusBadRequest, "invalid_request_error", param, "", param+": "+err.Error())
		return false
	}
	return true
}

func (a *API) validModelFile(w http.ResponseWriter, r *http.Request, m ModelFile) bool {
	if m == nil {
		return true
	}
	if _, err := settingsOf(m); err != nil {
		a.fail(r.Context(), w, http.StatusBadRequest, "invalid_request_error", "model_file", "",
			"model_file: "+err.Error())
		return false
	}
	return true
}

// StatusOf maps a store error to an HTTP status, OpenAI error type and
// code: invalid input 400, not found 404, exists 409, locked 409, corrupt data 500.
func StatusOf(err error) (status int, typ, code string) {
	var ce *threads.CorruptError
	var le *threads.LockedError
	var ie *InvalidError
	switch {
	case errors.As(err, &ie):
		return http.StatusBadRequest, "invalid_request_error", "invalid_files"
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound, "invalid_request_error", "not_found"
	case errors.Is(err, ErrExists):
		return http.StatusConflict, "invalid_request_error", "already_exists"
	case errors.As(err, &le):
		return http.StatusConflict, "invalid_request_error", "thread_locked"
	case errors.As(err, &ce):
		return http.StatusInternalServerError, "server_error", "corrupt_store"
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return 499, "server_error", "canceled"
	}
	return http.StatusInternalServerError, "server_error", ""
}

func (a *API) storeError(ctx context.Context, w http.ResponseWriter, err error) {
	status, typ, code := StatusOf(err)
	if status >= 500 {
		a.log.LogAttrs(ctx, slog.LevelError, "data store", slog.Any("error", err))
	}
	a.fail(ctx, w, status, typ, "", code, err.Error())
}

// fail writes an OpenAI error envelope.
func (a *API) fail(ctx context.Context, w http.ResponseWriter, status int, typ, param, code, msg string) {
	env := wire.NewError(typ, msg, param)
	if code != "" {
		env.Error.Code = code
	}
	a.write(ctx, w, status, env)
}

// write writes v with status, logging what fails.
func (a *API) write(ctx context.Context, w http.ResponseWriter, status int, v any) {
	svc.WriteJSONLogged(ctx, a.log, w, status, v)
}
