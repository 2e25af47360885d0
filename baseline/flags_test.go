package baseline_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/internal/agenttools"
	"github.com/janus-bench/janus/internal/wire"
)

// flagged streams one request with generation flags and returns the
// stream and the bytes of its first artifact, fetched from its URL.
func flagged(t *testing.T, base, prompt string, flags map[string]any) (*streamed, []byte, wire.Artifact) {
	t.Helper()
	got := stream(t, base, wire.ChatRequest{Model: testModel, Stream: true, GenerationFlags: flags,
		Messages: []openai.ChatCompletionMessage{user(prompt)}}, nil)
	for _, c := range got.chunks {
		for _, ch := range c.Choices {
			for _, a := range ch.Delta.Artifacts {
				resp, err := http.Get(a.URL)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("GET %s: %d", a.URL, resp.StatusCode)
				}
				return got, b, a
			}
		}
	}
	return got, nil, wire.Artifact{}
}

// TestGenerateImageLocal checks generation_flags.generate_image without an
// image provider: a real PNG drawn from the prompt, the same for the same
// prompt, returned as a downloadable artifact whose hash matches.
func TestGenerateImageLocal(t *testing.T) {
	ts := serve(t, fast())
	flags := map[string]any{"generate_image": true}
	got, img, art := flagged(t, ts.URL, "a red fox in the snow", flags)
	if img == nil {
		t.Fatalf("no artifact; content %q reasoning %q", got.content, got.reasoning)
	}
	p, err := png.Decode(bytes.NewReader(img))
	if err != nil || p.Bounds().Dx() != 512 {
		t.Fatalf("artifact is not the 512-px PNG: %v", err)
	}
	sum := sha256.Sum256(img)
	if art.SHA256 != hex.EncodeToString(sum[:]) || art.MimeType != "image/png" {
		t.Errorf("descriptor %+v does not match the bytes", art)
	}
	want, _ := agenttools.DrawPicture("a red fox in the snow")
	if !bytes.Equal(img, want) {
		t.Error("the picture is not the deterministic one for the prompt")
	}
	other, _ := agenttools.DrawPicture("a blue whale")
	if bytes.Equal(img, other) {
		t.Error("two prompts drew the same picture")
	}
	if !strings.Contains(got.reasoning, "local renderer") || !strings.Contains(got.content, art.URL) || got.finish != "stop" {
		t.Errorf("reasoning %q content %q finish %q", got.reasoning, got.content, got.finish)
	}
}

// TestGenerateImageProvider checks the forward to an OpenAI
// images/generations provider, and the message for flags the baseline
// cannot serve.
func TestGenerateImageProvider(t *testing.T) {
	pic, _ := agenttools.DrawPicture("provider's own")
	var gotPrompt atomic.Value
	prov := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Prompt string `json:"prompt"`
			Model  string `json:"model"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		if r.URL.Path != "/v1/images/generations" || r.Header.Get("Authorization") != "Bearer img-key" || req.Model != "img-1" {
			http.Error(w, `{"error":{"message":"bad request","type":"invalid_request_error"}}`, http.StatusBadRequest)
			return
		}
		gotPrompt.Store(req.Prompt)
		_ = json.NewEncoder(w).Encode(map[string]any{"created": 1, "data": []any{map[string]any{"b64_json": base64.StdEncoding.EncodeToString(pic)}}})
	}))
	t.Cleanup(prov.Close)
	cfg := fast()
	cfg.Image = &baseline.ImageProvider{URL: prov.URL + "/v1", APIKey: "img-key", Model: "img-1"}
	ts := serve(t, cfg)
	got, img, _ := flagged(t, ts.URL, "a lighthouse at dusk", map[string]any{"generate_image": true, "generate_video": true})
	if !bytes.Equal(img, pic) || gotPrompt.Load() != "a lighthouse at dusk" {
		t.Errorf("artifact is the provider's image: %v; provider got prompt %v", bytes.Equal(img, pic), gotPrompt.Load())
	}
	for _, s := range []string{got.content, got.reasoning} {
		t.Run(s, func(t *testing.T) {
			if !strings.Contains(s, "cannot generate video") {
				t.Errorf("no message for the video flag in %q", s)
			}
		})
	}
}
