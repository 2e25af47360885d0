// Package wire holds the OpenAI Chat Completions wire types janus speaks,
// built on go-openai's types and extended with the Janus fields
// (reasoning_content, janus events, artifacts, cost_usd, sandbox_seconds,
// routing metadata). It has no HTTP in it: handlers and clients convert to
// and from these types with the pure helpers below.
package wire

import (
	"encoding/json"

	openai "github.com/sashabaranov/go-openai"
)

// ObjectChunk and ObjectCompletion are the "object" values of streamed
// chunks and whole completions.
const (
	ObjectChunk      = "chat.completion.chunk"
	ObjectCompletion = "chat.completion"
)

// ChatRequest is a chat completion request. It is janus's own type rather
// than go-openai's ChatCompletionRequest because that one drops
// `temperature: 0` (omitempty on a float) and types metadata as strings; a
// harness must send exactly what the suite says.
type ChatRequest struct {
	Model           string                         `json:"model"`
	Messages        []openai.ChatCompletionMessage `json:"messages"`
	Temperature     *float64                       `json:"temperature,omitempty"`
	TopP            *float64                       `json:"top_p,omitempty"`
	MaxTokens       *int                           `json:"max_tokens,omitempty"`
	Stream          bool                           `json:"stream"`
	StreamOptions   *openai.StreamOptions          `json:"stream_options,omitempty"`
	Tools           []openai.Tool                  `json:"tools,omitempty"`
	ToolChoice      any                            `json:"tool_choice,omitempty"`
	ResponseFormat  json.RawMessage                `json:"response_format,omitempty"`
	User            string                         `json:"user,omitempty"`
	Metadata        map[string]any                 `json:"metadata,omitempty"`
	GenerationFlags map[string]any                 `json:"generation_flags,omitempty"`
	Debug           bool                           `json:"debug,omitempty"`
	CompetitorID    string                         `json:"competitor_id,omitempty"`
}

// WantsUsage reports whether the client asked for a usage chunk at the end
// of a stream.
func (r *ChatRequest) WantsUsage() bool {
	return r.Stream && r.StreamOptions != nil && r.StreamOptions.IncludeUsage
}

// Usage is OpenAI usage plus the Janus cost extensions. Pointers keep
// "absent" apart from "zero": a missing cost is a finding, not a free answer.
type Usage struct {
	PromptTokens     int      `json:"prompt_tokens"`
	CompletionTokens int      `json:"completion_tokens"`
	TotalTokens      int      `json:"total_tokens"`
	ReasoningTokens  int      `json:"reasoning_tokens,omitempty"`
	CostUSD          *float64 `json:"cost_usd,omitempty"`
	SandboxSeconds   *float64 `json:"sandbox_seconds,omitempty"`
	// CompletionTokensDetails is OpenAI's breakdown of completion_tokens;
	// its reasoning_tokens are billed whether or not the reasoning was
	// streamed (o-series models never stream it).
	CompletionTokensDetails *CompletionTokensDetails `json:"completion_tokens_details,omitempty"`
	// Estimated marks figures the server counted itself (cl100k) because
	// the model could not report them: a stream that ended in an error.
	Estimated bool `json:"estimated,omitempty"`
}

// CompletionTokensDetails is the part of OpenAI's
// usage.completion_tokens_details janus reads.
type CompletionTokensDetails struct {
	ReasoningTokens int `json:"reasoning_tokens"`
}

// HiddenReasoningTokens is how many reasoning tokens the usage bills:
// completion_tokens_details.reasoning_tokens, else the Janus top-level
// reasoning_tokens.
func (u *Usage) HiddenReasoningTokens() int {
	if u.CompletionTokensDetails != nil && u.CompletionTokensDetails.ReasoningTokens > 0 {
		return u.CompletionTokensDetails.ReasoningTokens
	}
	return u.ReasoningTokens
}

// JanusEvent is the structured event envelope of the streaming contract
// (tool_start, tool_end, sandbox_start, sandbox_end, …).
type JanusEvent struct {
	Event   string          `json:"event"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// Artifact describes a non-text output (image, file, audio, …) by
// reference. Type is one of image, file, dataset, binary; the baseline
// emits these and the gateway stores and re-serves them.
type Artifact struct {
	ID          string `json:"id"`
	Type        string `json:"type"`
	MimeType    string `json:"mime_type,omitempty"`
	DisplayName string `json:"display_name,omitempty"`
	URL         string `json:"url,omitempty"`
	SizeBytes   int64  `json:"size_bytes,omitempty"`
	SHA256      string `json:"sha256,omitempty"`
	// CreatedAt is RFC 3339; TTLSeconds 0 means no expiry.
	CreatedAt  string `json:"created_at,omitempty"`
	TTLSeconds int64  `json:"ttl_seconds,omitempty"`
}

// Delta is a streamed choice delta: go-openai's plus the Janus extensions.
type Delta struct {
	Role             string `json:"role,omitempty"`
	Content          string `json:"content,omitempty"`
	ReasoningContent string `json:"reasoning_content,omitempty"`
	// Reasoning is the name OpenRouter, Groq, Ollama and newer vLLM give
	// the reasoning text; ReasoningText reads either.
	Reasoning string            `json:"reasoning,omitempty"`
	ToolCalls []openai.ToolCall `json:"tool_calls,omitempty"`
	Refusal   string            `json:"refusal,omitempty"`
	Janus     *JanusEvent       `json:"janus,omitempty"`
	Artifacts []Artifact        `json:"artifacts,omitempty"`
}

// ReasoningText is the delta's reasoning: reasoning_content, or reasoning
// when that is empty (a server sending both sends the same text twice).
func (d *Delta) ReasoningText() string {
	if d.ReasoningContent != "" {
		return d.ReasoningContent
	}
	return d.Reasoning
}

// StreamChoice is one choice of a chunk.
type StreamChoice struct {
	Index        int     `json:"index"`
	Delta        Delta   `json:"delta"`
	FinishReason *string `json:"finish_reason"`
}

// Chunk is one `chat.completion.chunk` event. Error is set when a server
// reports a failure inside an already-started stream.
type Chunk struct {
	ID        string         `json:"id"`
	Object    string         `json:"object"`
	Created   int64          `json:"created"`
	Model     string         `json:"model"`
	Choices   []StreamChoice `json:"choices"`
	Usage     *Usage         `json:"usage,omitempty"`
	Artifacts []Artifact     `json:"artifacts,omitempty"`
	Error     *ErrorBody     `json:"error,omitempty"`
	// Status goes with Error: the HTTP status the failure would have had
	// before the stream started (an upstream's own, or 500/502/504), as
	// the trailer-like field of docs/STREAMING.md.
	Status int `json:"status,omitempty"`
	// Metadata carries server facts about the answer; the reference
	// baseline puts its routing_decision in the first chunk's.
	Metadata map[string]any `json:"metadata,omitempty"`
}

// Message is a whole assistant message of a non-streamed completion.
type Message struct {
	Role             string `json:"role"`
	Content          string `json:"content"`
	ReasoningContent string `json:"reasoning_content,omitempty"`
	// Reasoning is as in Delta.
	Reasoning string            `json:"reasoning,omitempty"`
	ToolCalls []openai.ToolCall `json:"tool_calls,omitempty"`
	Artifacts []Artifact        `json:"artifacts,omitempty"`
}

// ReasoningText is as Delta.ReasoningText.
func (m *Message) ReasoningText() string {
	if m.ReasoningContent != "" {
		return m.ReasoningContent
	}
	return m.Reasoning
}

// Choice is one choice of a non-streamed completion.
type Choice struct {
	Index        int     `json:"index"`
	Message      Message `json:"message"`
	FinishReason string  `json:"finish_reason"`
}

// Completion is a non-streamed `chat.completion` response.
type Completion struct {
	ID      string   `json:"id"`
	Object  string   `json:"object"`
	Created int64    `json:"created"`
	Model   string   `json:"model"`
	Choices []Choice `json:"choices"`
	Usage   *Usage   `json:"usage,omitempty"`
	// Metadata is as in Chunk (routing_decision for the baseline).
	Metadata map[string]any `json:"metadata,omitempty"`
}

// ErrorBody is the body of the OpenAI error envelope.
type ErrorBody struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    any     `json:"code"`
}

// ErrorEnvelope is the OpenAI error response: {"error": {...}}.
type ErrorEnvelope struct {
	Error ErrorBody `json:"error"`
}

// Model is one entry of GET /v1/models.
type Model struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	OwnedBy string `json:"owned_by"`
}

// ModelList is the GET /v1/models response.
type ModelList struct {
	Object string  `json:"object"`
	Data   []Model `json:"data"`
}

// NewError builds an error envelope; typ follows OpenAI's vocabulary
// (invalid_request_error, not_found_error, server_error, …).
func NewError(typ, msg string, param string) ErrorEnvelope {
	e := ErrorEnvelope{Error: ErrorBody{Message: msg, Type: typ}}
	if param != "" {
		e.Error.Param = &param
	}
	return e
}

// TextOf returns the plain text of a message: its string content, or its
// text parts joined with newlines.
func TextOf(m openai.ChatCompletionMessage) string {
	if len(m.MultiContent) == 0 {
		return m.Content
	}
	s := ""
	for _, p := range m.MultiContent {
		if p.Type == openai.ChatMessagePartTypeText {
			if s != "" {
				s += "\n"
			}
			s += p.Text
		}
	}
	return s
}

// LastUser returns the text of the last user message, "" if none.
func LastUser(msgs []openai.ChatCompletionMessage) string {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role == openai.ChatMessageRoleUser {
			return TextOf(msgs[i])
		}
	}
	return ""
}

// ContentChunk builds a chunk carrying one delta for choice 0.
func ContentChunk(id, model string, created int64, d Delta) Chunk {
	return Chunk{ID: id, Object: ObjectChunk, Created: created, Model: model,
		Choices: []StreamChoice{{Index: 0, Delta: d}}}
}

// FinishChunk builds the chunk that carries choice 0's finish reason.
func FinishChunk(id, model string, created int64, reason string) Chunk {
	return Chunk{ID: id, Object: ObjectChunk, Created: created, Model: model,
		Choices: []StreamChoice{{Index: 0, FinishReason: &reason}}}
}

// UsageChunk builds the final usage chunk (empty choices), as OpenAI sends
// it when stream_options.include_usage is set.
func UsageChunk(id, model string, created int64, u Usage) Chunk {
	return Chunk{ID: id, Object: ObjectChunk, Created: created, Model: model,
		Choices: []StreamChoice{}, Usage: &u}
}
