// Package threads is the baseline's server-side conversation memory (the
// Jangar pattern): a client names a thread with the x-openwebui-chat-id or
// X-Janus-Thread-Id header, the server keeps the conversation, and the
// client may send only its new message. This package holds the stored
// message shape, the Store interface both backends implement (the Jan-style
// file store in baseline/janstore and Redis here), and the rules they share:
// valid ids and the assistant lock.
package threads

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/janus-bench/janus/internal/clip"
	openai "github.com/sashabaranov/go-openai"
)

// Header names that carry a thread id. OpenWebUI sends the first on every
// request of a chat; the second is janus's own for other clients.
const (
	HeaderOpenWebUI = "X-Openwebui-Chat-Id"
	HeaderJanus     = "X-Janus-Thread-Id"
)

// ObjectMessage is the "object" of a stored message, as in OpenAI's
// Assistants API.
const ObjectMessage = "thread.message"

// Message is one stored message. It carries what a chat completion
// message carries plus its identity (id, thread, time) and, for assistant
// replies, which assistant and model produced it.
type Message struct {
	ID        string `json:"id"`
	Object    string `json:"object"`
	CreatedAt int64  `json:"created_at"`
	ThreadID  string `json:"thread_id,omitempty"`
	Role      string `json:"role"`
	Content   string `json:"content"`
	// Parts is the content of a multi-part message (text and images);
	// Content is then empty.
	Parts            []openai.ChatMessagePart `json:"content_parts,omitempty"`
	ReasoningContent string                   `json:"reasoning_content,omitempty"`
	Name             string                   `json:"name,omitempty"`
	ToolCalls        []openai.ToolCall        `json:"tool_calls,omitempty"`
	ToolCallID       string                   `json:"tool_call_id,omitempty"`
	AssistantID      string                   `json:"assistant_id,omitempty"`
	Model            string                   `json:"model,omitempty"`
	// Files names the message's attached files (Jan's message.files),
	// paths relative to the data dir's files folder.
	Files []string `json:"files,omitempty"`
	// FileParts are the attached files' text as the model sees them,
	// filled by the store that can read them; never stored.
	FileParts []openai.ChatMessagePart `json:"-"`
}

// FromChat converts a chat completion message for storage; the caller sets
// the identity fields.
func FromChat(m openai.ChatCompletionMessage) Message {
	return Message{Object: ObjectMessage, Role: m.Role, Content: m.Content, Parts: m.MultiContent,
		ReasoningContent: m.ReasoningContent, Name: m.Name, ToolCalls: m.ToolCalls, ToolCallID: m.ToolCallID}
}

// Chat converts a stored message back into a chat completion message.
func (m Message) Chat() openai.ChatCompletionMessage {
	c := openai.ChatCompletionMessage{Role: m.Role, Name: m.Name, ToolCalls: m.ToolCalls,
		ToolCallID: m.ToolCallID, ReasoningContent: m.ReasoningContent}
	switch {
	case len(m.FileParts) > 0:
		parts := m.Parts
		if len(parts) == 0 {
			parts = []openai.ChatMessagePart{{Type: openai.ChatMessagePartTypeText, Text: m.Content}}
		}
		c.MultiContent = append(slices.Clip(parts), m.FileParts...)
	case len(m.Parts) > 0:
		c.MultiContent = m.Parts
	default:
		c.Content = m.Content
	}
	return c
}

// DecodeMessage parses one stored message and checks what every stored
// message must have, so that a damaged record is reported, not replayed.
func DecodeMessage(b []byte) (Message, error) {
	var m Message
	if err := json.Unmarshal(b, &m); err != nil {
		return Message{}, err
	}
	if m.Role == "" {
		return Message{}, errors.New(`message has no "role"`)
	}
	if m.ID == "" {
		return Message{}, errors.New(`message has no "id"`)
	}
	return m, nil
}

// Thread is a stored conversation as a chat turn needs it.
type Thread struct {
	ID string
	// AssistantID is the assistant the thread talks to; "" for a thread
	// with a plain model.
	AssistantID string
	// Messages are the stored messages, oldest first: all of them, or the
	// last ones when loaded with a window (LoadWindow).
	Messages []Message
	// Total is the number of messages stored (≥ len(Messages)); Bytes
	// their stored size.
	Total int
	Bytes int64
}

// Defaults of Limits: what one stored message, one thread and the window
// of history handed to the model may hold. A turn past them is refused
// with 413 (issue 25: twelve ~20 MB turns made a 241 MB thread that was
// loaded whole on every request).
const (
	DefaultMaxMessageBytes = 1 << 20
	DefaultMaxThreadBytes  = 16 << 20
	DefaultWindow          = 200
)

// Limits bound a thread. Zero fields take the defaults (WithDefaults).
type Limits struct {
	// MaxMessageBytes caps one message as stored (its JSON).
	MaxMessageBytes int64
	// MaxThreadBytes caps a thread's stored messages.
	MaxThreadBytes int64
	// Window is how many of the latest stored messages are loaded and
	// handed to the model with each turn.
	Window int
}

// WithDefaults fills zero fields with the defaults.
func (l Limits) WithDefaults() Limits {
	if l.MaxMessageBytes <= 0 {
		l.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if l.MaxThreadBytes <= 0 {
		l.MaxThreadBytes = DefaultMaxThreadBytes
	}
	if l.Window <= 0 {
		l.Window = DefaultWindow
	}
	return l
}

// FullError is an append that would take a thread past its size limit
// (Adding may include room reserved for the reply).
type FullError struct {
	ThreadID      string
	Bytes, Adding int64
	Max           int64
}

// Error implements error.
func (e *FullError) Error() string {
	return fmt.Sprintf("thread %q holds %d bytes and this turn needs %d more; a thread holds at most %d: start a new thread",
		e.ThreadID, e.Bytes, e.Adding, e.Max)
}

// Locked reports whether the thread's assistant can no longer change: once
// a thread has a message it stays with the assistant it had (Jan's rule).
func (t *Thread) Locked() bool { return len(t.Messages) > 0 }

// Store keeps threads. Implementations are safe for concurrent use, also
// for concurrent turns on one thread: no appended message is ever lost.
type Store interface {
	// Name is "file" or "redis", for logs and /health.
	Name() string
	// Load returns thread id; a thread never written is returned empty
	// (no messages, no assistant), not as an error.
	Load(ctx context.Context, id string) (*Thread, error)
	// LoadWindow is Load keeping only the last window messages in memory
	// (window ≤ 0: all); Total and Bytes describe the whole thread.
	LoadWindow(ctx context.Context, id string, window int) (*Thread, error)
	// AppendCapped is Append refusing with a *FullError, storing nothing,
	// when the thread would hold more than maxBytes (≤ 0: no cap). The
	// check and the append are one atomic step.
	AppendCapped(ctx context.Context, id, assistantID string, msgs []Message, maxBytes int64) error
	// Append adds msgs at the end of thread id in one step (they stay
	// adjacent), creating the thread if needed. The first append binds the
	// thread to assistantID; a later one naming another assistant fails
	// with a *LockedError and stores nothing.
	Append(ctx context.Context, id, assistantID string, msgs []Message) error
	// Branch keeps the first keep messages of thread id, drops the rest
	// and appends msgs, in one step: a client that regenerates or edits
	// an earlier turn rewrites the thread from there instead of growing
	// it. The assistant lock applies as for Append; a thread shorter than
	// keep (changed meanwhile) fails with a *BranchError.
	Branch(ctx context.Context, id, assistantID string, keep int, msgs []Message) error
}

// BranchError is a Branch whose thread no longer has the messages the
// request was based on.
type BranchError struct {
	ThreadID  string
	Keep, Has int
}

// Error implements error.
func (e *BranchError) Error() string {
	return fmt.Sprintf("thread %q has %d messages, fewer than the %d the request continues from; it changed meanwhile",
		e.ThreadID, e.Has, e.Keep)
}

// LockedError is an append or a turn that would move a thread with
// messages to another assistant.
type LockedError struct {
	ThreadID string
	// Bound is the thread's assistant ("" for a plain model).
	Bound string
	// Requested is the assistant the request named.
	Requested string
}

// Error implements error.
func (e *LockedError) Error() string {
	return fmt.Sprintf("thread %q is locked to %s after its first message; the request asks for %s",
		e.ThreadID, describe(e.Bound), describe(e.Requested))
}

func describe(assistantID string) string {
	if assistantID == "" {
		return "no assistant (a plain model)"
	}
	return fmt.Sprintf("assistant %q", assistantID)
}

// maxIDLen bounds ids: they become file names and Redis keys.
const maxIDLen = 128

// ValidID checks that id can name a thread, assistant or model folder: 1
// to 128 characters of ASCII letters, digits, '.', '_' and '-', starting
// with a letter or digit. That keeps ids safe as path elements ("..", "/"
// and NUL are impossible) and as Redis key parts.
func ValidID(id string) error {
	if id == "" {
		return errors.New("id is empty")
	}
	if len(id) > maxIDLen {
		return fmt.Errorf("id is %d characters long; the limit is %d", len(id), maxIDLen)
	}
	for i, c := range id {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			i > 0 && (c == '.' || c == '_' || c == '-')
		if !ok {
			return fmt.Errorf("id %q has %q at offset %d; use letters, digits, '.', '_' and '-' (not first)",
				clip.Bytes(id, 40, clip.Ellipsis), c, i)
		}
	}
	return nil
}

// IDFromHeaders returns the thread id a request names: X-Janus-Thread-Id
// when set, else x-openwebui-chat-id, else "". A present but invalid id is
// an error naming the header.
func IDFromHeaders(get func(string) string) (string, error) {
	for _, h := range []string{HeaderJanus, HeaderOpenWebUI} {
		v := strings.TrimSpace(get(h))
		if v == "" {
			continue
		}
		if err := ValidID(v); err != nil {
			return "", fmt.Errorf("header %s: %w", h, err)
		}
		return v, nil
	}
	return "", nil
}

// CorruptError is stored data that cannot be read back: a damaged file or
// Redis entry. It names where the damage is so that a person can repair
// it; the stores never skip such data, because skipping would silently
// drop the rest of a conversation.
type CorruptError struct {
	// Where is a file path or a Redis key.
	Where string
	// Line is the 1-based line of a JSON Lines file or entry of a Redis
	// list; 0 for a whole-document file.
	Line int
	Err  error
}

// Error implements error.
func (e *CorruptError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("corrupt %s: line %d: %v", e.Where, e.Line, e.Err)
	}
	return fmt.Sprintf("corrupt %s: %v", e.Where, e.Err)
}

// Unwrap returns the parse error.
func (e *CorruptError) Unwrap() error { return e.Err }
