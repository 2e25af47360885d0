package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/janus-bench/janus/internal/svc"
	"github.com/janus-bench/janus/internal/wire"
)

// modelCache holds the GET /v1/models union for ModelsTTL. The mutex is
// held during a refresh, so concurrent callers wait for one refresh
// instead of each asking every competitor.
type modelCache struct {
	mu      sync.Mutex
	at      time.Time
	partial bool // a competitor did not answer: refresh sooner
	list    []wire.Model
}

// partialTTL is how long a union that misses a competitor's answer is
// kept: a competitor that starts after the gateway shows up within a
// second, not a whole TTL later.
const partialTTL = time.Second

// invalidate forces the next read to refresh (after a reload).
func (m *modelCache) invalidate() {
	m.mu.Lock()
	m.at = time.Time{}
	m.mu.Unlock()
}

// modelsTimeout bounds one competitor's /v1/models answer.
const modelsTimeout = 3 * time.Second

// modelList returns the union of the competitors' models, refreshing it
// when older than the TTL. Each entry's owned_by is the competitor that
// serves it; a model served by two competitors appears once per
// competitor, in routing order, so the list shows where a request goes.
func (s *Server) modelList(ctx context.Context) []wire.Model {
	m := &s.models
	m.mu.Lock()
	defer m.mu.Unlock()
	ttl := s.opts.ModelsTTL
	if m.partial {
		ttl = min(ttl, partialTTL)
	}
	if m.list != nil && time.Since(m.at) < ttl {
		return m.list
	}
	comps := s.reg.load().list
	per := make([][]wire.Model, len(comps))
	failed := make([]bool, len(comps))
	var wg sync.WaitGroup
	for i, c := range comps {
		wg.Go(func() {
			got, err := fetchModels(ctx, c)
			if err != nil {
				failed[i] = true
				s.log.LogAttrs(ctx, slog.LevelDebug, "competitor models", slog.String("competitor", c.id), slog.Any("error", err))
			} else {
				ids := make([]string, len(got))
				for j, md := range got {
					ids[j] = md.ID
				}
				c.state.discovered.Store(&ids)
			}
			per[i] = servedModels(c, got)
		})
	}
	wg.Wait()
	list := []wire.Model{}
	for _, p := range per {
		list = append(list, p...)
	}
	m.list, m.at, m.partial = list, time.Now(), slices.Contains(failed, true)
	return list
}

// servedModels are the entries listed for c: its configured models (which
// are what routing uses) or else what it reported, or last reported.
func servedModels(c *competitor, got []wire.Model) []wire.Model {
	created := map[string]int64{}
	for _, md := range got {
		created[md.ID] = md.Created
	}
	ids := c.cfg.Models
	if len(ids) == 0 {
		if d := c.state.discovered.Load(); d != nil {
			ids = *d
		}
	}
	out := make([]wire.Model, 0, len(ids))
	for _, id := range ids {
		out = append(out, wire.Model{ID: id, Object: "model", Created: created[id], OwnedBy: c.id})
	}
	return out
}

// fetchModels asks one competitor for its models.
func fetchModels(ctx context.Context, c *competitor) ([]wire.Model, error) {
	ctx, cancel := context.WithTimeout(ctx, modelsTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.modelsURL, nil)
	if err != nil {
		return nil, fmt.Errorf("models of %s: %w", c.id, err)
	}
	if c.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.apiKey)
	}
	resp, err := c.do(req)
	if err != nil {
		return nil, fmt.Errorf("models of %s: %w", c.id, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("models of %s: HTTP %d", c.id, resp.StatusCode)
	}
	var ml wire.ModelList
	if err := json.NewDecoder(io.LimitReader(resp.Body, 4<<20)).Decode(&ml); err != nil {
		return nil, fmt.Errorf("models of %s: decode: %w", c.id, err)
	}
	return ml.Data, nil
}

// handleModels serves GET /v1/models.
func (s *Server) handleModels(w http.ResponseWriter, r *http.Request) {
	svc.WriteJSON(w, http.StatusOK, wire.ModelList{Object: "list", Data: s.modelList(r.Context())})
}

// handleModel serves GET /v1/models/{model}: the first entry with that id,
// which is the competitor model routing would pick.
func (s *Server) handleModel(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("model")
	for _, md := range s.modelList(r.Context()) {
		if md.ID == id {
			svc.WriteJSON(w, http.StatusOK, md)
			return
		}
	}
	writeError(w, http.StatusNotFound, "invalid_request_error", "model_not_found", "model",
		fmt.Sprintf("the model %s is not served by any competitor", quote(id)))
}

// drain reads a little of a response body so that its connection can be
// reused, and closes it.
func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
}
