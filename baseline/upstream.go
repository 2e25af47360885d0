package baseline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/internal/wire"
)

// Environment variables of the openai provider (flags override them).
const (
	EnvUpstreamURL         = "JANUS_UPSTREAM_URL"
	EnvUpstreamAPIKey      = "JANUS_UPSTREAM_API_KEY"
	EnvUpstreamModel       = "JANUS_UPSTREAM_MODEL"
	EnvUpstreamFastModel   = "JANUS_UPSTREAM_FAST_MODEL"
	EnvUpstreamAgentModel  = "JANUS_UPSTREAM_AGENT_MODEL"
	EnvUpstreamVisionModel = "JANUS_UPSTREAM_VISION_MODEL"
)

// Provider names for Config.ProviderName.
const (
	ProviderSim    = "sim"
	ProviderOpenAI = "openai"
)

// DefaultProbeURLs are the local OpenAI-compatible servers the openai
// provider looks for when no upstream URL is set, in this order: Ollama,
// LM Studio, Jan, llama.cpp's server.
var DefaultProbeURLs = []string{
	"http://127.0.0.1:11434/v1",
	"http://127.0.0.1:1234/v1",
	"http://127.0.0.1:1337/v1",
	"http://127.0.0.1:8080/v1",
}

// DefaultProbeTimeout bounds each probe: a local server answers
// /v1/models in milliseconds, and a closed port fails at once.
const DefaultProbeTimeout = 700 * time.Millisecond

// UpstreamConfig configures the openai provider.
type UpstreamConfig struct {
	// URL is the upstream base URL ending in /v1; empty means probe.
	URL    string
	APIKey string
	// Models per path; Models.Default empty means the first model the
	// upstream lists.
	Models Models
	// ProbeURLs replaces DefaultProbeURLs (tests); ProbeTimeout bounds each.
	ProbeURLs    []string
	ProbeTimeout time.Duration
	// HTTPClient is used for upstream calls; nil means a client without an
	// overall timeout (streams may run for minutes; ctx bounds them).
	HTTPClient *http.Client
	// WaitTimeout bounds the wait at start for an upstream that is not up
	// yet when the default model must be asked for (no Models.Default);
	// 0 means DefaultUpstreamWait. WaitBase is the first backoff (0:
	// 250 ms), doubled up to 5 s.
	WaitTimeout time.Duration
	WaitBase    time.Duration
}

// DefaultUpstreamWait is how long the openai provider waits at start for
// its upstream's model list, as a container started next to its model
// server must.
const DefaultUpstreamWait = 2 * time.Minute

// Probe finds the first base URL in urls whose GET {url}/models answers
// 200 with an OpenAI model list, and returns it with the first model id.
func Probe(ctx context.Context, urls []string, timeout time.Duration, apiKey string) (string, string, error) {
	if timeout <= 0 {
		timeout = DefaultProbeTimeout
	}
	var errs []error
	for _, u := range urls {
		model, err := probeOne(ctx, strings.TrimRight(u, "/"), timeout, apiKey)
		if err == nil {
			return strings.TrimRight(u, "/"), model, nil
		}
		errs = append(errs, err)
	}
	return "", "", fmt.Errorf("no OpenAI-compatible server answered: %w", errors.Join(errs...))
}

func probeOne(ctx context.Context, base string, timeout time.Duration, apiKey string) (string, error) {
	ids, err := listModels(ctx, base, timeout, apiKey)
	if err != nil || len(ids) == 0 {
		return "", err
	}
	return ids[0], nil
}

// listModels asks base for GET /models and returns the ids in order.
func listModels(ctx context.Context, base string, timeout time.Duration, apiKey string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/models", nil)
	if err != nil {
		return nil, fmt.Errorf("probe %s: %w", base, err)
	}
	if apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+apiKey)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("probe %s: %w", base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("probe %s: status %d", base, resp.StatusCode)
	}
	var list wire.ModelList
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&list); err != nil {
		return nil, fmt.Errorf("probe %s: not a model list: %w", base, err)
	}
	ids := make([]string, 0, len(list.Data))
	for _, m := range list.Data {
		ids = append(ids, m.ID)
	}
	return ids, nil
}

// waitModels asks base for its model list until it answers with at least
// one model, backing off from base to 5 s between attempts and logging
// each failure, for at most wait. It is what lets the baseline start next
// to a model server that is still loading.
func waitModels(ctx context.Context, log *slog.Logger, base, apiKey string, wait, first time.Duration) ([]string, error) {
	if wait <= 0 {
		wait = DefaultUpstreamWait
	}
	if first <= 0 {
		first = 250 * time.Millisecond
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	delay := first
	for n := 1; ; n++ {
		ids, err := listModels(ctx, base, 5*time.Second, apiKey)
		if err == nil && len(ids) > 0 {
			return ids, nil
		}
		if err == nil {
			err = errors.New("the model list is empty")
		}
		log.LogAttrs(ctx, slog.LevelWarn, "provider openai: upstream not ready; retrying",
			slog.String("url", base), slog.Int("attempt", n), slog.Duration("next_in", delay), slog.Any("error", err))
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("upstream %s not ready after %d attempts in %s: %w", base, n, wait, err)
		case <-t.C:
		}
		delay = min(2*delay, 5*time.Second)
	}
}

// upstream is the openai provider's brain: any OpenAI-compatible server
// through go-openai.
type upstream struct {
	client *openai.Client
}

var _ Brain = (*upstream)(nil)

func newUpstream(uc UpstreamConfig) *upstream {
	cc := openai.DefaultConfig(uc.APIKey)
	cc.BaseURL = strings.TrimRight(uc.URL, "/")
	hc := uc.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	cc.HTTPClient = zeroTempDoer{hc}
	return &upstream{client: openai.NewClientWithConfig(cc)}
}

// Name implements Brain.
func (u *upstream) Name() string { return ProviderOpenAI }

// zeroTempKey marks a context whose request must carry temperature 0.
type zeroTempKey struct{}

// zeroTempDoer puts "temperature": 0 back into request bodies: go-openai
// declares temperature as a float32 with omitempty, so a client's explicit
// 0 (greedy decoding) would silently become the upstream's default (often
// 0.7 or 1). It also shows upstream answers to an extTap, when the context
// carries one, to keep the artifacts go-openai's types drop.
type zeroTempDoer struct{ c *http.Client }

// Do implements openai.HTTPDoer.
func (d zeroTempDoer) Do(r *http.Request) (*http.Response, error) {
	if r.Context().Value(zeroTempKey{}) != nil && r.Body != nil && r.Method == http.MethodPost {
		b, err := io.ReadAll(r.Body)
		_ = r.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("read upstream request body: %w", err)
		}
		b = withZeroTemperature(b)
		r.Body = io.NopCloser(bytes.NewReader(b))
		r.ContentLength = int64(len(b))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	}
	resp, err := d.c.Do(r)
	if err != nil || resp == nil {
		return resp, err
	}
	if tap, ok := r.Context().Value(extTapKey{}).(*extTap); ok && resp.StatusCode == http.StatusOK {
		if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
			tap.mu.Lock()
			tap.streamed = true
			tap.mu.Unlock()
			resp.Body = &tapReader{rc: resp.Body, tap: tap}
		} else {
			b, rerr := io.ReadAll(io.LimitReader(resp.Body, maxUpstreamBody))
			_ = resp.Body.Close()
			if rerr != nil {
				return nil, fmt.Errorf("read upstream response: %w", rerr)
			}
			tap.completion(b)
			resp.Body = io.NopCloser(bytes.NewReader(b))
		}
	}
	return resp, nil
}

// maxUpstreamBody bounds a non-streamed upstream answer the tap reads.
const maxUpstreamBody = 64 << 20

// extTapKey carries an *extTap in a request context.
type extTapKey struct{}

// extTap collects the Janus extensions go-openai's types drop from an
// upstream answer (artifact descriptors), so that a Janus-aware upstream —
// another baseline, a competitor — keeps its artifacts when relayed.
type extTap struct {
	mu   sync.Mutex
	arts []wire.Artifact
	// streamed is set when the answer was an event stream, done when its
	// data: [DONE] went by: go-openai reports a clean end without [DONE]
	// as io.EOF too, and only these tell the two apart.
	streamed, done bool
	// janus are the delta.janus events go-openai's types drop.
	janus []*wire.JanusEvent
}

// incomplete reports an event stream that ended without data: [DONE].
func (t *extTap) incomplete() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.streamed && !t.done
}

func (t *extTap) add(a []wire.Artifact) {
	if len(a) == 0 {
		return
	}
	t.mu.Lock()
	t.arts = append(t.arts, a...)
	t.mu.Unlock()
}

// takeJanus returns and forgets the delta.janus events collected so far.
func (t *extTap) takeJanus() []*wire.JanusEvent {
	t.mu.Lock()
	defer t.mu.Unlock()
	j := t.janus
	t.janus = nil
	return j
}

// take returns and forgets the artifacts collected so far.
func (t *extTap) take() []wire.Artifact {
	t.mu.Lock()
	defer t.mu.Unlock()
	a := t.arts
	t.arts = nil
	return a
}

// chunk reads one SSE data payload.
func (t *extTap) chunk(data []byte) {
	if bytes.Equal(data, []byte("[DONE]")) {
		t.mu.Lock()
		t.done = true
		t.mu.Unlock()
		return
	}
	hasJanus := bytes.Contains(data, []byte(`"janus"`))
	if !hasJanus && !bytes.Contains(data, []byte(`"artifacts"`)) {
		return
	}
	var c wire.Chunk
	if json.Unmarshal(data, &c) != nil {
		return
	}
	t.add(c.Artifacts)
	for _, ch := range c.Choices {
		t.add(ch.Delta.Artifacts)
		if ch.Delta.Janus != nil && ch.Delta.Janus.Event != "" {
			t.mu.Lock()
			if len(t.janus) < maxTapJanus {
				t.janus = append(t.janus, ch.Delta.Janus)
			}
			t.mu.Unlock()
		}
	}
}

// maxTapJanus bounds the janus events held between two relayed chunks.
const maxTapJanus = 256

// completion reads a whole chat.completion.
func (t *extTap) completion(b []byte) {
	if !bytes.Contains(b, []byte(`"artifacts"`)) {
		return
	}
	var c wire.Completion
	if json.Unmarshal(b, &c) != nil {
		return
	}
	for _, ch := range c.Choices {
		t.add(ch.Message.Artifacts)
	}
}

// tapReader passes an SSE body through unchanged and shows every complete
// data line to the tap as it goes by.
type tapReader struct {
	rc   io.ReadCloser
	tap  *extTap
	line []byte
}

func (r *tapReader) Read(p []byte) (int, error) {
	n, err := r.rc.Read(p)
	for _, c := range p[:n] {
		if c != '\n' {
			if len(r.line) < maxUpstreamBody {
				r.line = append(r.line, c)
			}
			continue
		}
		if l := bytes.TrimRight(r.line, "\r"); bytes.HasPrefix(l, []byte("data:")) {
			r.tap.chunk(bytes.TrimSpace(l[len("data:"):]))
		}
		r.line = r.line[:0]
	}
	return n, err
}

func (r *tapReader) Close() error { return r.rc.Close() }

// withZeroTemperature adds "temperature":0 to a JSON object that has no
// temperature, keeping every other byte as go-openai wrote it.
func withZeroTemperature(b []byte) []byte {
	var probe map[string]json.RawMessage
	if json.Unmarshal(b, &probe) != nil || probe == nil {
		return b // not an object (null included): nothing to fix
	}
	if _, ok := probe["temperature"]; ok {
		return b
	}
	t := bytes.TrimLeft(b, " \t\r\n")
	if len(t) == 0 || t[0] != '{' {
		return b
	}
	rest := bytes.TrimLeft(t[1:], " \t\r\n")
	if len(rest) > 0 && rest[0] == '}' {
		return append([]byte(`{"temperature":0`), rest...)
	}
	return append([]byte(`{"temperature":0,`), t[1:]...)
}

// request builds go-openai's request from a turn.
func (u *upstream) request(ctx context.Context, t Turn, stream bool) (context.Context, openai.ChatCompletionRequest) {
	c := t.Chat
	req := openai.ChatCompletionRequest{Model: t.Model, Messages: t.Messages, Tools: t.Tools, Stream: stream,
		ToolChoice: t.ToolChoice, User: c.User}
	if len(t.Tools) == 0 {
		req.ToolChoice = nil
	}
	if c.Temperature != nil {
		req.Temperature = float32(*c.Temperature)
		if *c.Temperature == 0 {
			ctx = context.WithValue(ctx, zeroTempKey{}, true)
		}
	}
	if c.TopP != nil {
		req.TopP = float32(*c.TopP)
	}
	if c.MaxTokens != nil {
		req.MaxTokens = *c.MaxTokens
	}
	if len(c.ResponseFormat) > 0 {
		var rf openai.ChatCompletionResponseFormat
		if json.Unmarshal(c.ResponseFormat, &rf) == nil {
			req.ResponseFormat = &rf
		}
	}
	if stream {
		// The client's stream_options go upstream as sent; usage is asked
		// for in any case so the baseline reports the upstream's own
		// figures instead of its estimate.
		so := openai.StreamOptions{IncludeUsage: true}
		if c.StreamOptions != nil {
			so = *c.StreamOptions
			so.IncludeUsage = true
		}
		req.StreamOptions = &so
	}
	return ctx, req
}

// Turn implements Brain: a streamed upstream call for streamed client
// requests, a plain one otherwise.
func (u *upstream) Turn(ctx context.Context, t Turn, emit func(wire.Delta) error) (TurnResult, error) {
	if !t.Chat.Stream {
		return u.turnOnce(ctx, t, emit)
	}
	ctx, req := u.request(ctx, t, true)
	tap := &extTap{}
	ctx = context.WithValue(ctx, extTapKey{}, tap)
	st, err := u.client.CreateChatCompletionStream(ctx, req)
	if err != nil {
		return TurnResult{}, fmt.Errorf("upstream %s: %w", t.Model, err)
	}
	defer st.Close()
	var res TurnResult
	for {
		r, err := st.Recv()
		if errors.Is(err, io.EOF) && tap.incomplete() {
			return res, &UpstreamError{Status: http.StatusBadGateway, Code: "upstream_incomplete",
				Message: "upstream " + t.Model + " closed the stream without data: [DONE]"}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return res, fmt.Errorf("upstream %s stream: %w", t.Model, err)
		}
		if arts := tap.take(); len(arts) > 0 {
			if err := emit(wire.Delta{Artifacts: arts}); err != nil {
				return res, err
			}
		}
		for _, ev := range tap.takeJanus() {
			// The upstream's structured events (tool_start, …) are relayed,
			// not dropped with the fields go-openai does not know.
			if err := emit(wire.Delta{Janus: ev}); err != nil {
				return res, err
			}
		}
		if r.Usage != nil {
			res.Usage = &wire.Usage{PromptTokens: r.Usage.PromptTokens, CompletionTokens: r.Usage.CompletionTokens,
				TotalTokens: r.Usage.TotalTokens}
		}
		for _, ch := range r.Choices {
			if ch.Index != 0 {
				continue
			}
			d := ch.Delta
			if d.ReasoningContent != "" || d.Content != "" {
				res.Reasoning += d.ReasoningContent
				res.Content += d.Content
				if err := emit(wire.Delta{ReasoningContent: d.ReasoningContent, Content: d.Content}); err != nil {
					return res, err
				}
			}
			for _, tc := range d.ToolCalls {
				res.ToolCalls = mergeToolCall(res.ToolCalls, tc)
			}
			if ch.FinishReason != "" {
				res.FinishReason = string(ch.FinishReason)
			}
		}
	}
	return res, nil
}

// mergeToolCall folds one streamed tool-call fragment into calls.
func mergeToolCall(calls []openai.ToolCall, tc openai.ToolCall) []openai.ToolCall {
	i := len(calls) - 1
	switch {
	case tc.Index != nil:
		i = *tc.Index
	case tc.ID != "" || i < 0:
		i = len(calls)
	}
	for len(calls) <= i {
		calls = append(calls, openai.ToolCall{Type: openai.ToolTypeFunction})
	}
	c := &calls[i]
	if tc.ID != "" {
		c.ID = tc.ID
	}
	c.Function.Name += tc.Function.Name
	c.Function.Arguments += tc.Function.Arguments
	return calls
}

func (u *upstream) turnOnce(ctx context.Context, t Turn, emit func(wire.Delta) error) (TurnResult, error) {
	ctx, req := u.request(ctx, t, false)
	tap := &extTap{}
	ctx = context.WithValue(ctx, extTapKey{}, tap)
	resp, err := u.client.CreateChatCompletion(ctx, req)
	if err != nil {
		return TurnResult{}, fmt.Errorf("upstream %s: %w", t.Model, err)
	}
	res := TurnResult{Usage: &wire.Usage{PromptTokens: resp.Usage.PromptTokens,
		CompletionTokens: resp.Usage.CompletionTokens, TotalTokens: resp.Usage.TotalTokens}}
	if len(resp.Choices) == 0 {
		return res, fmt.Errorf("upstream %s: no choices in the answer", t.Model)
	}
	m := resp.Choices[0].Message
	res.Content, res.Reasoning, res.FinishReason = m.Content, m.ReasoningContent, string(resp.Choices[0].FinishReason)
	for i := range m.ToolCalls {
		m.ToolCalls[i].Index = nil
	}
	res.ToolCalls = m.ToolCalls
	if m.ReasoningContent != "" || m.Content != "" {
		if err := emit(wire.Delta{ReasoningContent: m.ReasoningContent, Content: m.Content}); err != nil {
			return res, err
		}
	}
	if arts := tap.take(); len(arts) > 0 {
		if err := emit(wire.Delta{Artifacts: arts}); err != nil {
			return res, err
		}
	}
	return res, nil
}

// UpstreamError is an upstream failure reported inside a started stream:
// the error chunk carries Code, and Status as its trailer-like status
// (docs/STREAMING.md).
type UpstreamError struct {
	Status  int
	Code    string
	Message string
}

// Error implements error.
func (e *UpstreamError) Error() string { return e.Message }
