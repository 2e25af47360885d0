package baseline

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/janus-bench/janus/internal/agenttools"
	"github.com/janus-bench/janus/internal/clip"
	"github.com/janus-bench/janus/internal/tokens"
	"github.com/janus-bench/janus/internal/wire"
	"github.com/janus-bench/janus/pricing"
)

// FlagImage is the generation flag the baseline serves; any other truthy
// flag (generate_video, generate_audio, …) is answered with a message
// saying it cannot.
const FlagImage = "generate_image"

// ImageProvider is an OpenAI /v1/images/generations-compatible image model
// (Config.Image); without one the baseline draws a picture itself.
type ImageProvider struct {
	// URL is the base URL ending in /v1.
	URL    string
	APIKey string
	// Model is sent as "model"; empty leaves it to the provider.
	Model string
	// Client makes the request; nil means one with a 2-minute timeout.
	Client *http.Client
}

// maxImageAnswer bounds an image provider's answer (a base64 PNG).
const maxImageAnswer = 48 << 20

// generate asks the provider for one image and returns its bytes.
func (p *ImageProvider) generate(ctx context.Context, prompt string) ([]byte, error) {
	body, _ := json.Marshal(map[string]any{"model": p.Model, "prompt": prompt, "n": 1, "response_format": "b64_json"})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(p.URL, "/")+"/images/generations", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("image provider: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if p.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+p.APIKey)
	}
	hc := p.Client
	if hc == nil {
		hc = &http.Client{Timeout: 2 * time.Minute}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("image provider: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxImageAnswer))
	if err != nil {
		return nil, fmt.Errorf("image provider: read answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &UpstreamError{Status: resp.StatusCode, Code: "image_generation_failed",
			Message: fmt.Sprintf("image provider answered HTTP %d: %s", resp.StatusCode, clip.Bytes(string(b), 200, clip.Ellipsis))}
	}
	var ans struct {
		Data []struct {
			B64JSON string `json:"b64_json"`
		} `json:"data"`
	}
	if err := json.Unmarshal(b, &ans); err != nil || len(ans.Data) == 0 || ans.Data[0].B64JSON == "" {
		return nil, fmt.Errorf("image provider answer: $.data[0].b64_json missing (%v)", err)
	}
	img, err := base64.StdEncoding.DecodeString(ans.Data[0].B64JSON)
	if err != nil {
		return nil, fmt.Errorf("image provider answer: $.data[0].b64_json: %w", err)
	}
	return img, nil
}

// flagsOf returns the truthy generation flags of a request, sorted.
func flagsOf(c *wire.ChatRequest) []string {
	var out []string
	for _, k := range sortedKeys(c.GenerationFlags) {
		if truthy(c.GenerationFlags[k]) {
			out = append(out, k)
		}
	}
	return out
}

// flagGen serves a request's generation flags: an image (from the
// provider, or drawn locally) returned as an artifact, and for each flag
// the baseline cannot serve a sentence saying so, in the answer and in
// reasoning_content.
type flagGen struct {
	req    *Request
	flags  []string
	images *ImageProvider
	store  *artifactStore
	prices pricing.Prices
	model  string
}

// Run implements Generation.
func (g *flagGen) Run(ctx context.Context, sink Sink) (Outcome, error) {
	prompt := wire.LastUser(g.req.Chat.Messages)
	var out strings.Builder
	emit := func(kind string, d wire.Delta) error {
		out.WriteString(d.ReasoningContent)
		out.WriteString(d.Content)
		return sink.Emit(ctx, Event{Kind: kind, Delta: d})
	}
	for _, f := range g.flags {
		if f == FlagImage {
			if err := g.image(ctx, prompt, emit); err != nil {
				return g.outcome(out.String()), err
			}
			continue
		}
		what := strings.TrimPrefix(f, "generate_")
		msg := fmt.Sprintf("The baseline cannot generate %s (generation_flags.%s): no %s was produced.\n", what, f, what)
		if err := emit(KindReasoning, wire.Delta{ReasoningContent: msg}); err != nil {
			return g.outcome(out.String()), err
		}
		if err := emit(KindContent, wire.Delta{Content: msg}); err != nil {
			return g.outcome(out.String()), err
		}
	}
	o := g.outcome(out.String())
	o.FinishReason = "stop"
	return o, nil
}

// image makes the picture and streams it as an artifact.
func (g *flagGen) image(ctx context.Context, prompt string, emit func(string, wire.Delta) error) error {
	how := "the baseline's local renderer (a deterministic picture of shapes and the prompt, not a photograph)"
	if g.images != nil {
		how = "the image provider at " + g.images.URL
	}
	if err := emit(KindReasoning, wire.Delta{ReasoningContent: "Generating an image with " + how + ".\n"}); err != nil {
		return err
	}
	var data []byte
	var err error
	if g.images != nil {
		data, err = g.images.generate(ctx, prompt)
	} else {
		data, err = agenttools.DrawPicture(prompt)
	}
	if err != nil {
		return err
	}
	mime := http.DetectContentType(data)
	if !strings.HasPrefix(mime, "image/") {
		return fmt.Errorf("generated image: content is %s, not an image", mime)
	}
	a := g.store.put("image", mime, "image"+extFor(mime), data, g.req.BaseURL)
	if err := emit(KindArtifact, wire.Delta{Artifacts: []wire.Artifact{a}}); err != nil {
		return err
	}
	return emit(KindContent, wire.Delta{Content: fmt.Sprintf("Here is the generated image (%s, %d bytes): %s\n", a.DisplayName, a.SizeBytes, a.URL)})
}

func extFor(mime string) string {
	switch mime {
	case "image/jpeg":
		return ".jpg"
	case "image/webp":
		return ".webp"
	case "image/gif":
		return ".gif"
	}
	return ".png"
}

// outcome counts the usage: the prompt and what was said.
func (g *flagGen) outcome(said string) Outcome {
	prompt := 0
	for _, m := range g.req.Chat.Messages {
		prompt += tokens.Count(wire.TextOf(m))
	}
	completion := tokens.Count(said)
	p := g.prices.For(g.model)
	cost := (float64(prompt)*p.PromptUSDPerMTok + float64(completion)*p.CompletionUSDPerMTok) / 1e6
	return Outcome{Usage: wire.Usage{PromptTokens: prompt, CompletionTokens: completion, TotalTokens: prompt + completion, CostUSD: &cost}}
}
