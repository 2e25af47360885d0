package conform

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// fakeModel is the model id the fake competitor serves.
const fakeModel = "fake-model"

// fake is a small competitor that follows every rule janus conform checks,
// including the optional extensions (reasoning_content, janus events,
// artifacts, tool calls), so that each "when present" check is exercised.
// Every field but the timings breaks exactly one rule when set; the zero
// value of the break fields is the conformant server.
type fake struct {
	// ttft is the wait before the first token; keepEvery sends ": ping"
	// during it (0: never); tokenGap is the pause before each content
	// chunk; stall is a silence without keep-alives after the second one.
	ttft      time.Duration
	keepEvery time.Duration
	tokenGap  time.Duration
	stall     time.Duration

	// modelsBody replaces the GET /v1/models body.
	modelsBody string
	// nonStreamDrop deletes a top-level key of the chat.completion.
	nonStreamDrop string
	// contentType replaces text/event-stream on streams.
	contentType string
	// mutate edits every chunk of the given kind before it is sent.
	mutate func(kind string, c map[string]any)
	// noDone leaves out data: [DONE]; afterDone is written after it.
	noDone    bool
	afterDone string
	// noFinish sends no finish_reason.
	noFinish bool
	// usageInline puts the requested usage on the finish chunk instead of
	// a chunk of its own; usageAlways sends a usage chunk unasked.
	usageInline bool
	usageAlways bool
	// rejectImages answers image_url parts with 400.
	rejectImages bool
	// plainErrors answers malformed requests with text/plain bodies;
	// acceptNoMessages streams an answer to a body without messages.
	plainErrors      bool
	acceptNoMessages bool
	// anyModel answers unknown models as if they existed.
	anyModel bool
	// ignoreTools answers tool requests with text; rejectRequired refuses
	// tool_choice "required" with 400 (a tolerated limitation).
	ignoreTools    bool
	rejectRequired bool
	// toolArgs replaces the streamed argument fragments.
	toolArgs []string
	// serial serves one chat request at a time.
	serial bool
	// bareFault ends a failed stream (metadata.sim_fault) with the error
	// event and [DONE] only; ignoreMaxTokens answers in full.
	bareFault       bool
	ignoreMaxTokens bool

	mu sync.Mutex
}

// conformant returns a fake with fast, test-friendly timings that breaks
// nothing.
func conformant() *fake {
	return &fake{ttft: 40 * time.Millisecond, keepEvery: 15 * time.Millisecond, tokenGap: 20 * time.Millisecond}
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/v1/models":
		body := f.modelsBody
		if body == "" {
			body = `{"object":"list","data":[{"id":"` + fakeModel + `","object":"model","created":1700000000,"owned_by":"test"}]}`
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body)
	case "/v1/chat/completions":
		f.chat(w, r)
	default:
		f.reject(w, http.StatusNotFound, "invalid_request_error", "", "unknown path")
	}
}

// reject writes an OpenAI error.
func (f *fake) reject(w http.ResponseWriter, status int, typ, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": typ, "param": nil, "code": code}})
}

// invalid answers a malformed request.
func (f *fake) invalid(w http.ResponseWriter, msg string) {
	if f.plainErrors {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, msg)
		return
	}
	f.reject(w, http.StatusBadRequest, "invalid_request_error", "", msg)
}

// fakeRequest is the part of a chat request the fake reads.
type fakeRequest struct {
	Model         string          `json:"model"`
	Messages      json.RawMessage `json:"messages"`
	Stream        bool            `json:"stream"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
	Tools      []json.RawMessage `json:"tools"`
	ToolChoice any               `json:"tool_choice"`
	MaxTokens  int               `json:"max_tokens"`
	Metadata   map[string]any    `json:"metadata"`
}

func (f *fake) chat(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		f.invalid(w, "read body: "+err.Error())
		return
	}
	var req fakeRequest
	if err := json.Unmarshal(body, &req); err != nil {
		f.invalid(w, "invalid JSON: "+err.Error())
		return
	}
	var msgs []json.RawMessage
	if err := json.Unmarshal(req.Messages, &msgs); err != nil || len(msgs) == 0 {
		if !f.acceptNoMessages || len(req.Messages) > 0 {
			f.invalid(w, "messages must be a non-empty array")
			return
		}
	}
	if req.Model != fakeModel && !f.anyModel {
		f.reject(w, http.StatusNotFound, "invalid_request_error", "model_not_found", "The model `"+req.Model+"` does not exist")
		return
	}
	if f.rejectImages && bytes.Contains(req.Messages, []byte(`"image_url"`)) {
		f.invalid(w, "image input is not supported")
		return
	}
	if f.rejectRequired && req.ToolChoice == "required" {
		f.invalid(w, `tool_choice "required" is not supported`)
		return
	}
	if f.serial {
		f.mu.Lock()
		defer f.mu.Unlock()
	}
	if !req.Stream {
		f.completion(w)
		return
	}
	f.stream(w, req)
}

func (f *fake) completion(w http.ResponseWriter) {
	c := map[string]any{"id": "chatcmpl-fake", "object": "chat.completion", "created": 1700000000, "model": fakeModel,
		"choices": []any{map[string]any{"index": 0, "finish_reason": "stop", "message": map[string]any{
			"role": "assistant", "content": "Hello there.", "reasoning_content": "A greeting.",
			"artifacts": []any{fakeArtifact()}}}},
		"usage": map[string]any{"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8}}
	delete(c, f.nonStreamDrop)
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(c)
}

func fakeArtifact() map[string]any {
	return map[string]any{"id": "art-1", "type": "image", "mime_type": "image/png", "url": "https://example.com/a.png",
		"size_bytes": 1234, "sha256": strings.Repeat("ab", 32), "display_name": "a.png"}
}

// sender writes one stream's frames.
type sender struct {
	f *fake
	w http.ResponseWriter
}

func (s sender) raw(b string) {
	io.WriteString(s.w, b)
	s.w.(http.Flusher).Flush()
}

// chunk sends one chunk of the given kind with choices (nil: []) and
// extra top-level fields.
func (s sender) chunk(kind string, choices []any, extra map[string]any) {
	if choices == nil {
		choices = []any{}
	}
	c := map[string]any{"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 1700000000,
		"model": fakeModel, "choices": choices}
	for k, v := range extra {
		c[k] = v
	}
	if s.f.mutate != nil {
		s.f.mutate(kind, c)
	}
	b, _ := json.Marshal(c)
	s.raw("data: " + string(b) + "\n\n")
}

func delta(d map[string]any) []any {
	return []any{map[string]any{"index": 0, "delta": d, "finish_reason": nil}}
}

func (f *fake) stream(w http.ResponseWriter, req fakeRequest) {
	ct := f.contentType
	if ct == "" {
		ct = "text/event-stream"
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(http.StatusOK)
	s := sender{f, w}
	s.chunk("role", delta(map[string]any{"role": "assistant", "content": ""}), nil)
	for deadline := time.Now().Add(f.ttft); time.Until(deadline) > 0; {
		wait := time.Until(deadline)
		if f.keepEvery > 0 {
			wait = min(wait, f.keepEvery)
		}
		// The fake is a real server the suite under test reads over
		// loopback TCP (no synctest bubble can host it): its latencies
		// are real time, like a real endpoint's.
		time.Sleep(wait)
		if f.keepEvery > 0 && time.Until(deadline) > 0 {
			s.raw(": ping\n\n")
		}
	}
	finish := "stop"
	words := []string{"The", " sea", " is", " wide", " and", " deep."}
	if req.MaxTokens > 0 && req.MaxTokens < len(words) && !f.ignoreMaxTokens {
		words, finish = words[:req.MaxTokens], "length"
	}
	wantUsage := req.StreamOptions != nil && req.StreamOptions.IncludeUsage
	if req.Metadata[faultKey] == faultValue {
		f.fail(s, words[:2], wantUsage)
		return
	}
	if len(req.Tools) > 0 && !f.ignoreTools {
		finish = "tool_calls"
		s.chunk("tool", delta(map[string]any{"tool_calls": []any{map[string]any{"index": 0, "id": "call_1", "type": "function",
			"function": map[string]any{"name": "get_weather", "arguments": ""}}}}), nil)
		args := f.toolArgs
		if args == nil {
			args = []string{`{"city":`, ` "Paris"}`}
		}
		for _, a := range args {
			time.Sleep(f.tokenGap) // real time on real TCP, as above
			s.chunk("tool", delta(map[string]any{"tool_calls": []any{map[string]any{"index": 0,
				"function": map[string]any{"arguments": a}}}}), nil)
		}
	} else {
		s.chunk("reasoning", delta(map[string]any{"reasoning_content": "Thinking about it."}), nil)
		s.chunk("janus", delta(map[string]any{"janus": map[string]any{"event": "tool_start", "payload": map[string]any{"tool": "search"}}}), nil)
		for i, word := range words {
			time.Sleep(f.tokenGap) // real time on real TCP, as above
			s.chunk("content", delta(map[string]any{"content": word}), nil)
			if i == 1 && f.stall > 0 {
				time.Sleep(f.stall) // real time on real TCP, as above
			}
		}
		s.chunk("artifact", delta(map[string]any{"artifacts": []any{fakeArtifact()}}), nil)
	}
	usage := map[string]any{"prompt_tokens": 9, "completion_tokens": len(words), "total_tokens": 9 + len(words)}
	var extra map[string]any
	if wantUsage && f.usageInline {
		extra = map[string]any{"usage": usage}
	}
	if f.noFinish {
		s.chunk("finish", delta(map[string]any{}), extra)
	} else {
		s.chunk("finish", []any{map[string]any{"index": 0, "delta": map[string]any{}, "finish_reason": finish}}, extra)
	}
	if (wantUsage && !f.usageInline) || f.usageAlways {
		s.chunk("usage", nil, map[string]any{"usage": usage})
	}
	if !f.noDone {
		s.raw("data: [DONE]\n\n")
	}
	if f.afterDone != "" {
		s.raw(f.afterDone)
	}
}

// fail answers a stream asked to fail: some content, the error event with
// its status, finish_reason "error", the usage when asked, [DONE].
func (f *fake) fail(s sender, words []string, wantUsage bool) {
	for _, word := range words {
		s.chunk("content", delta(map[string]any{"content": word}), nil)
	}
	s.chunk("error", nil, map[string]any{"error": map[string]any{"message": "injected", "type": "server_error", "code": nil}, "status": 500})
	if !f.bareFault {
		s.chunk("finish", []any{map[string]any{"index": 0, "delta": map[string]any{}, "finish_reason": "error"}}, nil)
		if wantUsage {
			s.chunk("usage", nil, map[string]any{"usage": map[string]any{"prompt_tokens": 9, "completion_tokens": len(words), "total_tokens": 9 + len(words), "estimated": true}})
		}
	}
	s.raw("data: [DONE]\n\n")
}
