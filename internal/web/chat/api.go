package chat

import (
	"encoding/json"
	"errors"
	"net/http"
)

// listConversations serves GET /api/conversations.
func (h *Handler) listConversations(w http.ResponseWriter, r *http.Request, user string) {
	cs, err := h.st.List(r.Context(), user)
	if err != nil {
		h.storeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Data []Conversation `json:"data"`
	}{cs})
}

// createConversation serves POST /api/conversations {"title": …}.
func (h *Handler) createConversation(w http.ResponseWriter, r *http.Request, user string) {
	var in struct {
		Title string `json:"title"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeErr(w, http.StatusBadRequest, "bad_request", "the body must be {\"title\": string}: "+err.Error())
		return
	}
	c, err := h.st.Create(r.Context(), user, in.Title)
	if err != nil {
		h.storeErr(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, c)
}

// getConversation serves GET /api/conversations/{id}.
func (h *Handler) getConversation(w http.ResponseWriter, r *http.Request, user string) {
	c, err := h.st.Get(r.Context(), user, r.PathValue("id"))
	if err != nil {
		h.storeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

// updateConversation serves PUT /api/conversations/{id} {"title"?, "messages"?}.
func (h *Handler) updateConversation(w http.ResponseWriter, r *http.Request, user string) {
	var in struct {
		Title    *string         `json:"title"`
		Messages json.RawMessage `json:"messages"`
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			writeErr(w, http.StatusRequestEntityTooLarge, "too_large", "the conversation is too large to save")
			return
		}
		writeErr(w, http.StatusBadRequest, "bad_request", "the body must be {\"title\"?: string, \"messages\"?: array}: "+err.Error())
		return
	}
	if err := h.st.Update(r.Context(), user, r.PathValue("id"), in.Title, in.Messages); err != nil {
		h.storeErr(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// deleteConversation serves DELETE /api/conversations/{id}.
func (h *Handler) deleteConversation(w http.ResponseWriter, r *http.Request, user string) {
	if err := h.st.Delete(r.Context(), user, r.PathValue("id")); err != nil {
		h.storeErr(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// storeErr answers a store error with its status.
func (h *Handler) storeErr(w http.ResponseWriter, err error) {
	var le *LimitError
	switch {
	case errors.Is(err, ErrNotFound):
		writeErr(w, http.StatusNotFound, "not_found", err.Error())
	case errors.As(err, &le):
		writeErr(w, http.StatusBadRequest, "limit", le.Msg)
	default:
		h.log.Error("chat store", "error", err)
		writeErr(w, http.StatusInternalServerError, "store_error", "the conversation store failed; try again")
	}
}
