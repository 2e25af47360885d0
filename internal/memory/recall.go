package memory

import (
	"context"
	"sort"

	"github.com/janus-bench/janus/internal/search"
)

// Recall methods.
const (
	MethodBM25       = "bm25"
	MethodEmbeddings = "embeddings"
)

// rankBM25 ranks the memories for prompt with internal/search's BM25 over
// caption and full text; memories sharing no term with it are not
// returned. Ties keep the store's order (newest first).
func rankBM25(rs []row, prompt string, k int) []Summary {
	docs := make([]search.Doc, len(rs))
	byID := make(map[string]row, len(rs))
	for i, r := range rs {
		docs[i] = search.Doc{ID: r.ID, Title: r.Caption, Text: r.FullText}
		byID[r.ID] = r
	}
	hits := search.NewCorpus(docs).Search(prompt, k)
	out := make([]Summary, len(hits))
	for i, h := range hits {
		out[i] = Summary{ID: h.ID, Caption: byID[h.ID].Caption, Score: h.Score}
	}
	return out
}

// rankCosine ranks memories by the cosine similarity of their vectors to
// q, best first, keeping those at or above minSim. Brute force: a user
// holds at most the cap's few hundred memories.
func rankCosine(rs []row, q []float32, k int, minSim float64) []Summary {
	var out []Summary
	for _, r := range rs {
		sim := cosine(decodeVec(r.Embedding), q)
		if sim >= minSim && sim > 0 {
			out = append(out, Summary{ID: r.ID, Caption: r.Caption, Score: sim})
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Score > out[b].Score })
	if k > 0 && len(out) > k {
		out = out[:k]
	}
	return out
}

// embedText is what a memory's vector is computed from.
func embedText(r row) string { return r.Caption + "\n" + r.FullText }

// ensureVectors embeds the memories that have no vector of the configured
// model (stored before embeddings were configured, or under another
// model) and stores them.
func (s *Service) ensureVectors(ctx context.Context, user string, rs []row) error {
	var missing []int
	var texts []string
	for i, r := range rs {
		if r.EmbedModel != s.cfg.EmbedModel || len(r.Embedding) == 0 {
			missing = append(missing, i)
			texts = append(texts, embedText(r))
		}
	}
	if len(missing) == 0 {
		return nil
	}
	vecs, err := s.embedder.embed(ctx, texts)
	if err != nil {
		return err
	}
	upd := make([]row, len(missing))
	for j, i := range missing {
		rs[i].Embedding, rs[i].EmbedModel = encodeVec(vecs[j]), s.cfg.EmbedModel
		upd[j] = rs[i]
	}
	return s.store.setVectors(ctx, user, s.cfg.EmbedModel, upd)
}
