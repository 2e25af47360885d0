package baseline

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/internal/clip"
	"github.com/janus-bench/janus/internal/wire"
)

// HeaderUserID names the end user a request speaks for; the gateway
// forwards it. With Config.MemoryURL set, the baseline recalls that user's
// memories before answering and extracts new ones after.
const HeaderUserID = "X-Janus-User-Id"

// Memory hook bounds: recall must not hold up the answer for long, and
// background extractions are few and bounded in time.
const (
	DefaultMemoryRecallTimeout = time.Second
	memoryExtractTimeout       = 2 * time.Minute
	// DefaultMemoryMaxInFlight bounds the background extractions.
	DefaultMemoryMaxInFlight = 4
	memoryK                  = 5
	memoryMaxMessages        = 50
	memoryMaxMessageChars    = 16_000
)

var memoryUserRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$`)

// memoryHook talks to a memory service (janus memory).
type memoryHook struct {
	base    string
	timeout time.Duration
	hc      *http.Client
	slots   chan struct{}
	log     *slog.Logger
}

// newMemoryHook returns nil when no memory URL is configured.
func newMemoryHook(cfg Config) *memoryHook {
	if cfg.MemoryURL == "" {
		return nil
	}
	t := cfg.MemoryRecallTimeout
	if t <= 0 {
		t = DefaultMemoryRecallTimeout
	}
	n := cfg.MemoryMaxInFlight
	if n <= 0 {
		n = DefaultMemoryMaxInFlight
	}
	return &memoryHook{base: strings.TrimRight(cfg.MemoryURL, "/"), timeout: t, hc: &http.Client{},
		slots: make(chan struct{}, n), log: cfg.Logger}
}

// memoryTurn is one request's use of memory: who, and the conversation
// without the recalled-memory message.
type memoryTurn struct {
	h    *memoryHook
	user string
	conv []openai.ChatCompletionMessage
}

// memoryUser is the request's user: the X-Janus-User-Id header, else the
// body's "user" field, if it is a well-formed id.
func memoryUser(r *http.Request, chat *wire.ChatRequest) string {
	u := r.Header.Get(HeaderUserID)
	if u == "" {
		u = chat.User
	}
	if !memoryUserRe.MatchString(u) {
		return ""
	}
	return u
}

// prepare recalls the user's memories relevant to the last user message
// and puts them in a system message at the start of the conversation. A
// slow or failing memory service only costs the recall, never the answer.
func (h *memoryHook) prepare(ctx context.Context, r *http.Request, chat *wire.ChatRequest) *memoryTurn {
	if h == nil {
		return nil
	}
	user := memoryUser(r, chat)
	if user == "" {
		return nil
	}
	t := &memoryTurn{h: h, user: user, conv: append([]openai.ChatCompletionMessage(nil), chat.Messages...)}
	prompt := wire.LastUser(chat.Messages)
	if prompt == "" {
		return t
	}
	rctx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	caps, err := h.recall(rctx, user, clip.Runes(prompt, 4000, ""))
	if err != nil {
		h.log.LogAttrs(ctx, slog.LevelWarn, "memory recall failed; answering without", slog.Any("error", err))
		return t
	}
	if len(caps) > 0 {
		msg := openai.ChatCompletionMessage{Role: openai.ChatMessageRoleSystem,
			Content: memoryPreamble + "\n- " + strings.Join(caps, "\n- ")}
		chat.Messages = append([]openai.ChatCompletionMessage{msg}, chat.Messages...)
	}
	return t
}

// recall asks GET /memories/relevant for the captions.
func (h *memoryHook) recall(ctx context.Context, user, prompt string) ([]string, error) {
	u := h.base + "/memories/relevant?" + url.Values{"user_id": {user}, "prompt": {prompt}, "k": {fmt.Sprint(memoryK)}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := h.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("memory service: HTTP %d: %s", resp.StatusCode, clip.Runes(string(data), 200, ""))
	}
	var rr struct {
		Memories []struct {
			Caption string `json:"caption"`
		} `json:"memories"`
	}
	if err := json.Unmarshal(data, &rr); err != nil {
		return nil, fmt.Errorf("memory service: %w", err)
	}
	var caps []string
	for _, m := range rr.Memories {
		if c := strings.TrimSpace(m.Caption); c != "" && len(caps) < memoryK {
			caps = append(caps, clip.Runes(c, 200, ""))
		}
	}
	return caps, nil
}

// wrap makes gen hand the finished turn to the memory service in the
// background: after the last byte is produced, never delaying it.
func (t *memoryTurn) wrap(gen Generation) Generation {
	if t == nil {
		return gen
	}
	return &memoryGeneration{inner: gen, turn: t}
}

type memoryGeneration struct {
	inner Generation
	turn  *memoryTurn
}

// Unwrap returns the wrapped generation.
func (g *memoryGeneration) Unwrap() Generation { return g.inner }

// Run implements Generation.
func (g *memoryGeneration) Run(ctx context.Context, sink Sink) (Outcome, error) {
	rec := &collector{}
	out, err := g.inner.Run(ctx, teeSink{sink, rec})
	if err == nil {
		g.turn.extract(ctx, rec.content.String())
	}
	return out, err
}

// extract posts the conversation and reply to /memories/extract in a
// goroutine; with Config.MemoryMaxInFlight extractions already running the turn
// is skipped (and logged) rather than queued without bound.
func (t *memoryTurn) extract(ctx context.Context, reply string) {
	type msg struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	}
	var conv []msg
	for _, m := range t.conv {
		if m.Role == openai.ChatMessageRoleUser || m.Role == openai.ChatMessageRoleAssistant {
			if c := wire.TextOf(m); strings.TrimSpace(c) != "" {
				conv = append(conv, msg{m.Role, clip.Runes(c, memoryMaxMessageChars, "")})
			}
		}
	}
	if strings.TrimSpace(reply) != "" {
		conv = append(conv, msg{openai.ChatMessageRoleAssistant, clip.Runes(reply, memoryMaxMessageChars, "")})
	}
	if len(conv) > memoryMaxMessages {
		conv = conv[len(conv)-memoryMaxMessages:]
	}
	body, _ := json.Marshal(map[string]any{"user_id": t.user, "conversation": conv})
	select {
	case t.h.slots <- struct{}{}:
	default:
		t.h.log.LogAttrs(ctx, slog.LevelWarn, "memory extraction skipped: too many in flight", slog.Int("limit", cap(t.h.slots)))
		return
	}
	go func() {
		defer func() { <-t.h.slots }()
		ectx, cancel := context.WithTimeout(context.WithoutCancel(ctx), memoryExtractTimeout)
		defer cancel()
		if err := t.h.post(ectx, body); err != nil {
			t.h.log.LogAttrs(ectx, slog.LevelWarn, "memory extraction failed", slog.Any("error", err))
		}
	}()
}

func (h *memoryHook) post(ctx context.Context, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.base+"/memories/extract", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := h.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("memory service: HTTP %d: %s", resp.StatusCode, clip.Runes(string(data), 200, ""))
	}
	return nil
}
