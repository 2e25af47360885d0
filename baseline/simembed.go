package baseline

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"net/http"
	"unicode/utf8"

	"github.com/janus-bench/janus/internal/search"
	"github.com/janus-bench/janus/internal/tokens"
)

// Sim embeddings: POST /v1/embeddings answers with a deterministic hashed
// bag of words (each term and its character trigrams, signed-hashed into
// SimEmbedDims dimensions, L2-normalised). It is a stand-in for an
// embedding model, so that embedding recall can be run and tested offline;
// it knows no synonyms.
const (
	SimEmbedModel = "janus-hash-embed"
	SimEmbedDims  = 512
	// maxEmbedInputs and maxEmbedChars bound one embeddings request.
	maxEmbedInputs = 256
	maxEmbedChars  = 32_000
)

type embeddingsRequest struct {
	Model string          `json:"model"`
	Input json.RawMessage `json:"input"`
}

type embeddingItem struct {
	Object    string    `json:"object"`
	Index     int       `json:"index"`
	Embedding []float32 `json:"embedding"`
}

// handleEmbeddings serves POST /v1/embeddings.
func (s *Server) handleEmbeddings(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		s.writeError(ctx, w, "", &RequestError{Status: http.StatusMethodNotAllowed, Type: "invalid_request_error",
			Message: fmt.Sprintf("method %s is not allowed on %s; use POST", r.Method, r.URL.Path)})
		return
	}
	var req embeddingsRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<20)).Decode(&req); err != nil {
		s.writeError(ctx, w, "", badRequest("", "invalid embeddings request: %v", err))
		return
	}
	inputs, rerr := embedInputs(req.Input)
	if rerr != nil {
		s.writeError(ctx, w, "", rerr)
		return
	}
	out := make([]embeddingItem, len(inputs))
	prompt := 0
	for i, in := range inputs {
		out[i] = embeddingItem{Object: "embedding", Index: i, Embedding: HashEmbed(in)}
		prompt += tokens.Count(in)
	}
	model := req.Model
	if model == "" {
		model = SimEmbedModel
	}
	s.writeJSON(ctx, w, http.StatusOK, map[string]any{"object": "list", "data": out, "model": model,
		"usage": map[string]int{"prompt_tokens": prompt, "total_tokens": prompt}})
}

// embedInputs reads "input": a string or an array of strings.
func embedInputs(raw json.RawMessage) ([]string, *RequestError) {
	var one string
	var many []string
	if err := json.Unmarshal(raw, &one); err == nil {
		many = []string{one}
	} else if err := json.Unmarshal(raw, &many); err != nil {
		return nil, badRequest("input", "input: want a string or an array of strings")
	}
	if len(many) == 0 || len(many) > maxEmbedInputs {
		return nil, badRequest("input", "input: want 1 to %d strings, got %d", maxEmbedInputs, len(many))
	}
	for i, s := range many {
		if utf8.RuneCountInString(s) > maxEmbedChars {
			return nil, badRequest(fmt.Sprintf("input[%d]", i), "input[%d] is over %d characters", i, maxEmbedChars)
		}
	}
	return many, nil
}

// HashEmbed is the sim's embedding of text.
func HashEmbed(text string) []float32 {
	v := make([]float64, SimEmbedDims)
	add := func(feature string, w float64) {
		h := fnv.New64a()
		h.Write([]byte(feature))
		x := h.Sum64()
		sign := 1.0
		if x>>63 == 1 {
			sign = -1
		}
		v[x%SimEmbedDims] += sign * w
	}
	for _, t := range search.Terms(text) {
		add("w:"+t, 1)
		r := []rune("^" + t + "$")
		for i := 0; i+3 <= len(r); i++ {
			add("g:"+string(r[i:i+3]), 0.3)
		}
	}
	var norm float64
	for _, x := range v {
		norm += x * x
	}
	out := make([]float32, SimEmbedDims)
	if norm == 0 {
		return out
	}
	norm = math.Sqrt(norm)
	for i, x := range v {
		out[i] = float32(x / norm)
	}
	return out
}
