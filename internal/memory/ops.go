package memory

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Extract runs one extraction: the model call (and the embeddings, when
// configured) first, then one transaction that stores the new memories,
// records the conversation and applies the cap. A model failure stores
// nothing. The same conversation sent again is not extracted twice.
func (s *Service) Extract(ctx context.Context, req ExtractRequest) (ExtractResponse, error) {
	hash := conversationHash(req.Conversation)
	empty := true
	for _, m := range req.Conversation {
		if strings.TrimSpace(m.Content) != "" {
			empty = false
		}
	}
	var items []extractedItem
	if !empty {
		lctx, cancel := context.WithTimeout(ctx, s.cfg.LLMTimeout)
		var err error
		items, err = s.llm.extract(lctx, req.Conversation)
		cancel()
		if err != nil {
			return ExtractResponse{}, err
		}
	}
	rows := make([]row, len(items))
	texts := make([]string, len(items))
	for i, it := range items {
		src := req.Conversation[*it.SourceMessage]
		rows[i] = row{Caption: strings.TrimSpace(it.Caption), FullText: strings.TrimSpace(it.FullText),
			SourceMessage: *it.SourceMessage, SourceRole: src.Role, SourceText: truncRunes(src.Content, sourceTextChars)}
		texts[i] = embedText(rows[i])
	}
	if s.embedder != nil && len(rows) > 0 {
		vecs, err := s.embedder.embed(ctx, texts)
		if err != nil {
			return ExtractResponse{}, err
		}
		for i := range rows {
			rows[i].Embedding, rows[i].EmbedModel = encodeVec(vecs[i]), s.cfg.EmbedModel
		}
	}
	res, err := s.store.save(ctx, req.UserID, hash, rows, s.cfg.MaxPerUser, s.cfg.Now().UTC())
	if err != nil {
		return ExtractResponse{}, fmt.Errorf("save memories: %w", err)
	}
	out := ExtractResponse{MemoriesSaved: []Saved{}, Refreshed: res.refreshed, Evicted: res.evicted,
		AlreadyProcessed: res.duplicate, TotalUserMemories: res.total}
	for _, r := range res.saved {
		out.MemoriesSaved = append(out.MemoriesSaved, Saved{ID: r.ID, Caption: r.Caption, SourceMessage: r.SourceMessage, CreatedAt: r.CreatedAt})
	}
	return out, nil
}

// Relevant returns up to k of the user's memories relevant to prompt, best
// first, and marks them used.
func (s *Service) Relevant(ctx context.Context, user, prompt string, k int) ([]Summary, error) {
	rs, err := s.store.all(ctx, user)
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 || strings.TrimSpace(prompt) == "" {
		return []Summary{}, nil
	}
	var out []Summary
	if s.embedder == nil {
		out = rankBM25(rs, prompt, k)
	} else {
		if err := s.ensureVectors(ctx, user, rs); err != nil {
			return nil, err
		}
		q, err := s.embedder.embed(ctx, []string{prompt})
		if err != nil {
			return nil, err
		}
		out = rankCosine(rs, q[0], k, s.cfg.MinSimilarity)
	}
	ids := make([]string, len(out))
	for i, m := range out {
		ids[i] = m.ID
	}
	if err := s.store.touch(ctx, user, ids, s.cfg.Now().UTC()); err != nil {
		return nil, err
	}
	if out == nil {
		out = []Summary{}
	}
	return out, nil
}

// Patch changes a memory's caption or text; with embeddings its vector is
// recomputed before anything is written.
func (s *Service) Patch(ctx context.Context, user, id string, upd map[string]any) (Full, error) {
	if s.embedder != nil {
		cur, err := s.store.get(ctx, user, id)
		if err != nil {
			return Full{}, err
		}
		if v, ok := upd["caption"].(string); ok {
			cur.Caption = v
		}
		if v, ok := upd["full_text"].(string); ok {
			cur.FullText = v
		}
		vecs, err := s.embedder.embed(ctx, []string{embedText(cur)})
		if err != nil {
			return Full{}, err
		}
		upd["embedding"], upd["embed_model"] = encodeVec(vecs[0]), s.cfg.EmbedModel
	}
	r, err := s.store.patch(ctx, user, id, upd)
	if err != nil {
		return Full{}, err
	}
	return r.full(), nil
}

// truncRunes keeps at most n characters of s.
func truncRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
