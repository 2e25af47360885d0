package trace

import "github.com/janus-bench/janus/internal/wire"

// The wire types a Client's API speaks are defined in internal/wire, which
// the reference servers share; these aliases let a program embedding janus
// name and build them (a type under internal/ is otherwise out of its
// reach).
type (
	// ChatRequest is a chat completion request: the OpenAI fields (messages
	// are go-openai's ChatCompletionMessage) with the Janus extensions.
	ChatRequest = wire.ChatRequest
	// Usage is the token and cost usage a response reports.
	Usage = wire.Usage
	// Artifact is a file a response links to (the Janus artifacts extension).
	Artifact = wire.Artifact
)
