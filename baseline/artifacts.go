package baseline

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/janus-bench/janus/internal/wire"
)

// Artifact store bounds: tools' outputs live in memory for a while so the
// client can download them, but never without limit.
const (
	DefaultArtifactTTL   = time.Hour
	maxArtifactStoreSize = 256 << 20
)

// artifactStore keeps tool outputs in memory, served at
// GET /v1/artifacts/{id}. Ids are 128 random bits, so holding the URL is
// the capability to read it.
type artifactStore struct {
	mu    sync.Mutex
	ttl   time.Duration
	items map[string]*storedArtifact
	order []string // oldest first, for eviction
	size  int64
}

type storedArtifact struct {
	desc    wire.Artifact
	data    []byte
	expires time.Time
}

func newArtifactStore(ttl time.Duration) *artifactStore {
	if ttl <= 0 {
		ttl = DefaultArtifactTTL
	}
	return &artifactStore{ttl: ttl, items: map[string]*storedArtifact{}}
}

// put stores data and returns its descriptor; baseURL is the server's
// public base (scheme://host) so the descriptor's URL is absolute.
func (s *artifactStore) put(typ, mime, name string, data []byte, baseURL string) wire.Artifact {
	var b [16]byte
	_, _ = rand.Read(b[:])
	id := "art_" + hex.EncodeToString(b[:])
	sum := sha256.Sum256(data)
	now := time.Now().UTC()
	d := wire.Artifact{ID: id, Type: typ, MimeType: mime, DisplayName: name, SizeBytes: int64(len(data)),
		SHA256: hex.EncodeToString(sum[:]), CreatedAt: now.Format(time.RFC3339),
		TTLSeconds: int64(s.ttl / time.Second), URL: baseURL + "/v1/artifacts/" + id}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gcLocked(now)
	for s.size+int64(len(data)) > maxArtifactStoreSize && len(s.order) > 0 {
		s.dropLocked(s.order[0])
	}
	s.items[id] = &storedArtifact{desc: d, data: data, expires: now.Add(s.ttl)}
	s.order = append(s.order, id)
	s.size += int64(len(data))
	return d
}

func (s *artifactStore) get(id string) (*storedArtifact, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gcLocked(time.Now())
	a, ok := s.items[id]
	return a, ok
}

func (s *artifactStore) gcLocked(now time.Time) {
	for len(s.order) > 0 {
		a := s.items[s.order[0]]
		if a != nil && now.Before(a.expires) {
			return
		}
		s.dropLocked(s.order[0])
	}
}

func (s *artifactStore) dropLocked(id string) {
	if a, ok := s.items[id]; ok {
		s.size -= int64(len(a.data))
		delete(s.items, id)
	}
	for i, o := range s.order {
		if o == id {
			s.order = append(s.order[:i], s.order[i+1:]...)
			break
		}
	}
}

// handleArtifact serves GET /v1/artifacts/{id} with the artifact's own
// Content-Type.
func (s *Server) handleArtifact(w http.ResponseWriter, r *http.Request) {
	if !s.allowGet(w, r) {
		return
	}
	a, ok := s.artifacts.get(r.PathValue("id"))
	if !ok {
		s.writeError(r.Context(), w, "", &RequestError{Status: http.StatusNotFound, Type: "not_found_error",
			Param: "id", Message: fmt.Sprintf("no artifact %q (unknown or expired)", r.PathValue("id"))})
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.desc.MimeType)
	h.Set("Content-Length", strconv.Itoa(len(a.data)))
	h.Set("Content-Disposition", fmt.Sprintf("inline; filename=%q", a.desc.DisplayName))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, max-age="+strconv.FormatInt(a.desc.TTLSeconds, 10))
	h.Set("ETag", `"`+a.desc.SHA256+`"`)
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(a.data)
	}
}

// requestBase is the scheme://host the client used, for artifact URLs.
func requestBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
		scheme = p
	}
	return scheme + "://" + r.Host
}
