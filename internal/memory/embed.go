package memory

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"

	"github.com/janus-bench/janus/internal/clip"
)

// maxEmbedDims bounds a vector an embeddings endpoint may return.
const maxEmbedDims = 8192

// embedClient calls an OpenAI-compatible /v1/embeddings endpoint.
type embedClient struct {
	url, model, key string
	hc              *http.Client
}

// embed returns one vector per input, in order, all of one dimension.
func (c *embedClient) embed(ctx context.Context, inputs []string) ([][]float32, error) {
	if len(inputs) == 0 {
		return nil, nil
	}
	body, _ := json.Marshal(map[string]any{"model": c.model, "input": inputs, "encoding_format": "float"})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(c.url, "/")+"/embeddings", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("embeddings request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, &ExtractError{Reason: fmt.Sprintf("embeddings: call %s: %v", c.url, err)}
	}
	defer resp.Body.Close()
	limit := int64(len(inputs))*maxEmbedDims*24 + 4096
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil || int64(len(data)) > limit {
		return nil, &ExtractError{Reason: fmt.Sprintf("embeddings: answer unreadable or over %d bytes (%v)", limit, err)}
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &ExtractError{Reason: fmt.Sprintf("embeddings: HTTP %d: %s", resp.StatusCode, clip.Bytes(string(data), 200, clip.Ellipsis))}
	}
	var er struct {
		Data []struct {
			Index     int       `json:"index"`
			Embedding []float64 `json:"embedding"`
		} `json:"data"`
	}
	if err := json.Unmarshal(data, &er); err != nil {
		return nil, &ExtractError{Reason: fmt.Sprintf("embeddings: answer is not an embeddings list: %v", err)}
	}
	if len(er.Data) != len(inputs) {
		return nil, &ExtractError{Reason: fmt.Sprintf("embeddings: %d vectors for %d inputs", len(er.Data), len(inputs))}
	}
	out := make([][]float32, len(inputs))
	for _, d := range er.Data {
		if d.Index < 0 || d.Index >= len(inputs) || out[d.Index] != nil {
			return nil, &ExtractError{Reason: fmt.Sprintf("embeddings: bad or repeated index %d", d.Index)}
		}
		if len(d.Embedding) == 0 || len(d.Embedding) > maxEmbedDims || len(d.Embedding) != len(er.Data[0].Embedding) {
			return nil, &ExtractError{Reason: fmt.Sprintf("embeddings: vector %d has %d dimensions", d.Index, len(d.Embedding))}
		}
		v := make([]float32, len(d.Embedding))
		for i, x := range d.Embedding {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, &ExtractError{Reason: fmt.Sprintf("embeddings: vector %d holds a non-finite number", d.Index)}
			}
			v[i] = float32(x)
		}
		out[d.Index] = v
	}
	return out, nil
}

// encodeVec stores a vector as little-endian float32s.
func encodeVec(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

// decodeVec reads encodeVec's bytes; a length not a multiple of 4 is nil.
func decodeVec(b []byte) []float32 {
	if len(b)%4 != 0 {
		return nil
	}
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}

// cosine is the cosine similarity of a and b (0 when either is zero or
// their dimensions differ).
func cosine(a, b []float32) float64 {
	if len(a) != len(b) || len(a) == 0 {
		return 0
	}
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / math.Sqrt(na*nb)
}
