package baseline_test

import (
	"fmt"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/internal/wire"
)

func TestClassify(t *testing.T) {
	long := strings.Repeat("The committee reviewed the quarterly figures in detail. ", 80)
	img := func(text string) []openai.ChatCompletionMessage {
		return []openai.ChatCompletionMessage{{Role: "user", MultiContent: []openai.ChatMessagePart{
			{Type: openai.ChatMessagePartTypeText, Text: text},
			{Type: openai.ChatMessagePartTypeImageURL, ImageURL: &openai.ChatMessageImageURL{URL: "data:image/png;base64,AAAA"}}}}}
	}
	cases := []struct {
		prompt string
		msgs   []openai.ChatCompletionMessage // overrides prompt when set
		meta   map[string]any
		flags  map[string]any
		path   string
		reason string // substring of the reason
	}{
		// Greetings go fast.
		{prompt: "hi", path: "fast", reason: "greeting"},
		{prompt: "Hello there!", path: "fast", reason: "greeting"},
		{prompt: "thanks a lot", path: "fast", reason: "greeting"},
		{prompt: "Good morning, how are you?", path: "fast", reason: "greeting"},
		// Short factual questions go fast.
		{prompt: "What is the capital of France?", path: "fast", reason: "short question"},
		{prompt: "Who wrote Hamlet?", path: "fast", reason: "short question"},
		{prompt: "How many legs does a spider have?", path: "fast", reason: "short question"},
		{prompt: "Define photosynthesis in one sentence.", path: "fast", reason: "short question"},
		// Word boundaries: "gui" is not in "guide", "tts" not in "watts".
		{prompt: "Can you recommend a good travel guide for Rome?", path: "fast", reason: "short question"},
		{prompt: "How many watts does a kettle use?", path: "fast", reason: "short question"},
		{prompt: "Tell me about the codex Sinaiticus", path: "fast"},                                // "code" not in "codex"
		{prompt: "Is a researcher the same as a scientist?", path: "fast"},                          // "research" not in "researcher"
		{prompt: "What does a graphic designer do?", path: "fast"},                                  // "graph" not in "graphic"
		{prompt: "Who was the first person to draw breath on Mars?", path: "agent", reason: "draw"}, // whole word does match
		{prompt: "Explain the plotline of Hamlet briefly", path: "fast"},                            // "plot" not in "plotline"
		{prompt: "Where is the Saverne pass?", path: "fast"},                                        // "save" phrases are not in "Saverne"
		// The whole words do match.
		{prompt: "Build a GUI for my app", path: "agent", reason: `"gui"`},
		{prompt: "Convert this paragraph with TTS", path: "agent", reason: `"tts"`},
		// Code goes to the agent.
		{prompt: "Write a Python function that reverses a list", path: "agent", reason: "code keyword"},
		{prompt: "Why does this fail?\n```js\nconsole.log(x)\n```", path: "agent", reason: "code block"},
		{prompt: "Debug my SQL query please", path: "agent", reason: "code keyword"},
		{prompt: "I get a stack trace when starting the server", path: "agent", reason: `"stack trace"`},
		// URLs go to the agent.
		{prompt: "Summarise https://example.com/post", path: "agent", reason: "url"},
		{prompt: "What's on www.example.org today", path: "agent", reason: "url"},
		// Arithmetic and tool words go to the agent.
		{prompt: "What is 17*23?", path: "agent", reason: "arithmetic"},
		{prompt: "what's 1200 / 7", path: "agent", reason: "arithmetic"},
		{prompt: "Calculate the compound interest on 1000 at 5%", path: "agent", reason: "calculate"},
		{prompt: "Search for the latest Go release notes", path: "agent", reason: "search"},
		{prompt: "Draw a bar chart of sales: north 10, south 25", path: "agent", reason: "tool keyword"},
		{prompt: "Make a diagram of client -> gateway -> competitor", path: "agent", reason: "diagram"},
		{prompt: "Export the results as CSV", path: "agent", reason: "csv"},
		{prompt: "Do some deep research on solar panels and cite sources", path: "agent", reason: "research"},
		// Long prompts go to the agent.
		{prompt: long + " What do you think?", path: "agent", reason: "long prompt"},
		// Medium chat without tool signals stays fast.
		{prompt: "I have been thinking about whether to learn the piano or the guitar first, given that I have about thirty minutes a day and I enjoy both classical and folk music, what would you suggest?", path: "fast", reason: "default"},
		// A greeting does not override a tool request.
		{prompt: "Hi! Please calculate 3+4", path: "agent"},
		// Images: a plain vision question stays fast, a tool request on an image goes to the agent.
		{msgs: img("What is in this picture?"), path: "fast"},
		{msgs: img("Crop this image to the face"), path: "agent", reason: "image with tool request"},
		{msgs: img("Extract the table from this screenshot"), path: "agent", reason: "image with tool request"},
		// generation_flags go to the agent, even on a greeting (explicit flags are never overridden).
		{prompt: "hi", flags: map[string]any{"generate_image": true}, path: "agent", reason: "generation_flags.generate_image"},
		{prompt: "hello", flags: map[string]any{"research": "true"}, path: "agent", reason: "generation_flags.research"},
		// A flag set to false is no flag.
		{prompt: "hello", flags: map[string]any{"video": false}, path: "fast", reason: "greeting"},
		// metadata.routing_decision pins the path both ways.
		{prompt: "hi", meta: map[string]any{"routing_decision": "agent"}, path: "agent", reason: "pinned"},
		{prompt: "Write Python code", meta: map[string]any{"routing_decision": "fast"}, path: "fast", reason: "pinned"},
		{prompt: "hi", meta: map[string]any{"routing_decision": map[string]any{"path": "agent", "model": "m1"}}, path: "agent", reason: "pinned"},
		// The pin beats generation_flags too: it is the more specific instruction.
		{prompt: "hi", meta: map[string]any{"routing_decision": "fast"}, flags: map[string]any{"image": true}, path: "fast", reason: "pinned"},
		// Only the last user message's words count.
		{msgs: []openai.ChatCompletionMessage{{Role: "user", Content: "Run this python code"}, {Role: "assistant", Content: "ok"}, {Role: "user", Content: "thanks!"}}, path: "fast", reason: "greeting"},
	}
	if len(cases) < 40 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.prompt, func(t *testing.T) {
			msgs := tc.msgs
			if msgs == nil {
				msgs = []openai.ChatCompletionMessage{{Role: "user", Content: tc.prompt}}
			}
			d, err := baseline.Classify(&wire.ChatRequest{Messages: msgs, Metadata: tc.meta, GenerationFlags: tc.flags})
			name := wire.LastUser(msgs)
			if len(name) > 50 {
				name = name[:50]
			}
			if err != nil {
				t.Errorf("%q: %v", name, err)
				return
			}
			if d.Path != tc.path || !strings.Contains(d.Reason, tc.reason) {
				t.Errorf("%q: %s (%s), want %s (%s)", name, d.Path, d.Reason, tc.path, tc.reason)
			}
		})
	}
}

func TestClassifyPinnedModelAndErrors(t *testing.T) {
	d, err := baseline.Classify(&wire.ChatRequest{Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "x"}},
		Metadata: map[string]any{"routing_decision": map[string]any{"decision": "agent", "model": "big"}}})
	if err != nil || d.Model != "big" || !d.Pinned {
		t.Errorf("pinned model: %+v %v", d, err)
	}
	for i, bad := range []any{"slow", 3.0, map[string]any{"model": "x"}} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			_, err := baseline.Classify(&wire.ChatRequest{Metadata: map[string]any{"routing_decision": bad}})
			var re *baseline.RequestError
			if err == nil || !asRequestError(err, &re) || re.Param != "metadata.routing_decision" {
				t.Errorf("routing_decision %v: err %v", bad, err)
			}
		})
	}
}

func asRequestError(err error, re **baseline.RequestError) bool {
	r, ok := err.(*baseline.RequestError)
	*re = r
	return ok
}
