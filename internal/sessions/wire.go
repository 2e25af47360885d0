package sessions

import (
	"encoding/json"
	"time"
)

// StorageState is Playwright's storage state (browserContext.storageState
// and the storageState option of newContext): cookies, and per origin its
// localStorage.
type StorageState struct {
	Cookies []Cookie `json:"cookies"`
	Origins []Origin `json:"origins"`
}

// Cookie is one Playwright cookie. Expires is seconds since the epoch, -1
// for a session cookie.
type Cookie struct {
	Name         string   `json:"name"`
	Value        string   `json:"value"`
	Domain       string   `json:"domain"`
	Path         string   `json:"path"`
	Expires      *float64 `json:"expires,omitempty"`
	HTTPOnly     *bool    `json:"httpOnly,omitempty"`
	Secure       *bool    `json:"secure,omitempty"`
	SameSite     string   `json:"sameSite,omitempty"`
	PartitionKey string   `json:"partitionKey,omitempty"`
}

// Origin is one origin's localStorage (and, from Playwright 1.51 with
// indexedDB: true, its IndexedDB snapshot, kept as given).
type Origin struct {
	Origin       string          `json:"origin"`
	LocalStorage []NameValue     `json:"localStorage"`
	IndexedDB    json.RawMessage `json:"indexedDB,omitempty"`
}

// NameValue is one localStorage entry.
type NameValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// CreateRequest is the body of POST /sessions.
type CreateRequest struct {
	Name         string          `json:"name"`
	Description  *string         `json:"description,omitempty"`
	Domains      []string        `json:"domains"`
	StorageState json.RawMessage `json:"storage_state"`
	ExpiresAt    *time.Time      `json:"expires_at,omitempty"`
}

// UpdateRequest is the body of PUT /sessions/{id}: the fields to change.
type UpdateRequest struct {
	Name         *string         `json:"name,omitempty"`
	Description  *string         `json:"description,omitempty"`
	Domains      []string        `json:"domains,omitempty"`
	StorageState json.RawMessage `json:"storage_state,omitempty"`
	ExpiresAt    *time.Time      `json:"expires_at,omitempty"`
}

// Summary is a session without its state.
type Summary struct {
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	Description *string    `json:"description"`
	Domains     []string   `json:"domains"`
	ExpiresAt   *time.Time `json:"expires_at"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// ListResponse answers GET /sessions.
type ListResponse struct {
	Sessions []Summary `json:"sessions"`
}

// StateResponse answers GET /sessions/{id}/state.
type StateResponse struct {
	StorageState StorageState `json:"storage_state"`
}

// DeleteResponse answers DELETE /sessions/{id}.
type DeleteResponse struct {
	Status string `json:"status"`
}

// Health answers GET /health.
type Health struct {
	Status        string `json:"status"`
	Service       string `json:"service"`
	Store         string `json:"store"`
	SchemaVersion int    `json:"schema_version"`
	Auth          string `json:"auth"`
}
