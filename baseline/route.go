package baseline

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/internal/tokens"
	"github.com/janus-bench/janus/internal/wire"
)

// Routing paths.
const (
	// PathFast answers with one direct model call.
	PathFast = "fast"
	// PathAgent runs the tool loop (calculator, sandbox, search, files,
	// images).
	PathAgent = "agent"
)

// MetaRouting is the metadata key that pins a request's path (and
// optionally its model): "fast", "agent", or {"path": "agent", "model": "m"}.
const MetaRouting = "routing_decision"

// Routing headers carry the decision on every response, streamed or not.
const (
	HeaderRoute       = "X-Janus-Route"
	HeaderRouteReason = "X-Janus-Route-Reason"
	HeaderRouteModel  = "X-Janus-Route-Model"
)

// LongPromptTokens is the prompt size (cl100k tokens over all messages)
// from which a request goes to the agent: long inputs are documents to
// work through, not chit-chat.
const LongPromptTokens = 600

// shortQuestionWords bounds a "short factual question".
const shortQuestionWords = 25

// RoutingDecision is the classifier's verdict for one request.
type RoutingDecision struct {
	// Path is PathFast or PathAgent.
	Path string `json:"path"`
	// Reason says which rule decided, e.g. "keyword \"chart\"".
	Reason string `json:"reason"`
	// Model is the upstream model that answers.
	Model string `json:"model,omitempty"`
	// Pinned is true when the client chose the path.
	Pinned bool `json:"pinned,omitempty"`
}

// metadata is the decision as the first chunk's (and the completion's)
// metadata; nil for no decision.
func (d *RoutingDecision) metadata() map[string]any {
	if d == nil {
		return nil
	}
	return map[string]any{MetaRouting: d}
}

func (d *RoutingDecision) setHeaders(h http.Header) {
	h.Set(HeaderRoute, d.Path)
	h.Set(HeaderRouteReason, headerSafe(d.Reason))
	if d.Model != "" {
		h.Set(HeaderRouteModel, headerSafe(d.Model))
	}
}

func headerSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r > '~' {
			return '?'
		}
		return r
	}, s)
}

// Keyword lists, matched on whole words (see hasPhrase): the Janus PoC
// matched substrings and sent "guide" to the agent for "gui" and "watts"
// for "tts".
var (
	codeWords = []string{"code", "program", "script", "function", "debug", "compile", "compiler",
		"python", "javascript", "typescript", "golang", "rust", "java", "sql", "regex", "bash", "shell",
		"stack trace", "traceback", "exception", "refactor", "unit test", "run this", "execute", "implement"}
	toolWords = []string{"calculate", "compute", "evaluate", "search", "look up", "lookup", "latest", "news",
		"today's", "current price", "research", "fetch", "download", "browse", "website", "chart", "plot",
		"graph", "diagram", "draw", "sketch", "generate an image", "generate image", "image of", "picture of",
		"csv", "spreadsheet", "excel", "pdf", "write a file", "save as", "save it", "export", "gui", "tts",
		"text to speech", "transcribe", "video", "audio", "deep research", "sources", "cite", "citations"}
	// imageToolWords are what an attached image needs a tool for; an image
	// with a plain question ("what is in this photo") stays on the fast
	// (vision) path.
	imageToolWords = []string{"edit", "crop", "resize", "annotate", "convert", "redraw", "chart", "plot",
		"extract", "table", "csv", "generate", "modify", "upscale", "remove", "background", "count"}
	greetingWords = []string{"hi", "hello", "hey", "thanks", "thank you", "good morning", "good evening",
		"good afternoon", "howdy", "yo", "bye", "goodbye", "cheers", "how are you"}
	urlRe   = regexp.MustCompile(`(?i)\b(?:https?://|www\.)\S+`)
	arithRe = regexp.MustCompile(`\d\s*[-+*/^%×÷]\s*\(?\s*\d`)
)

// Classify decides fast or agent for req. Rules, first match wins:
//
//  1. metadata.routing_decision pins the path (and model); a malformed pin
//     is a 400.
//  2. generation_flags with any flag set → agent. Explicit flags are never
//     overridden by a shortcut below.
//  3. an attached image with a request that needs a tool (edit, chart,
//     extract, …) → agent; other image questions stay fast (vision model).
//  4. a fenced code block or a code keyword → agent.
//  5. a URL → agent.
//  6. arithmetic in the text, or a tool keyword (search, chart, csv, …) →
//     agent.
//  7. a prompt over LongPromptTokens → agent.
//  8. a greeting → fast; a short question (≤ 25 words) → fast.
//  9. anything else → fast.
//
// Keywords are matched on word boundaries in the last user message.
func Classify(req *wire.ChatRequest) (RoutingDecision, error) {
	if v, ok := req.Metadata[MetaRouting]; ok {
		return pinned(v)
	}
	for _, k := range sortedKeys(req.GenerationFlags) {
		if truthy(req.GenerationFlags[k]) {
			return RoutingDecision{Path: PathAgent, Reason: "generation_flags." + k}, nil
		}
	}
	last := lastUserMessage(req.Messages)
	text := wire.TextOf(last)
	words := wordsOf(text)
	if hasImage(last) {
		if w, ok := firstPhrase(words, imageToolWords); ok {
			return RoutingDecision{Path: PathAgent, Reason: fmt.Sprintf("image with tool request %q", w)}, nil
		}
	}
	if strings.Contains(text, "```") {
		return RoutingDecision{Path: PathAgent, Reason: "code block"}, nil
	}
	if w, ok := firstPhrase(words, codeWords); ok {
		return RoutingDecision{Path: PathAgent, Reason: fmt.Sprintf("code keyword %q", w)}, nil
	}
	if urlRe.MatchString(text) {
		return RoutingDecision{Path: PathAgent, Reason: "url"}, nil
	}
	if arithRe.MatchString(text) {
		return RoutingDecision{Path: PathAgent, Reason: "arithmetic"}, nil
	}
	if w, ok := firstPhrase(words, toolWords); ok {
		return RoutingDecision{Path: PathAgent, Reason: fmt.Sprintf("tool keyword %q", w)}, nil
	}
	// A token is at least one byte, so short conversations skip the
	// tokenizer: this runs before the first byte of every answer.
	size, total := 0, 0
	for _, m := range req.Messages {
		size += len(wire.TextOf(m))
	}
	if size > LongPromptTokens {
		for _, m := range req.Messages {
			total += tokens.Count(wire.TextOf(m))
		}
	}
	if total > LongPromptTokens {
		return RoutingDecision{Path: PathAgent, Reason: fmt.Sprintf("long prompt (%d tokens)", total)}, nil
	}
	if w, ok := firstPhrase(words, greetingWords); ok && len(words) <= 8 {
		return RoutingDecision{Path: PathFast, Reason: fmt.Sprintf("greeting %q", w)}, nil
	}
	if len(words) <= shortQuestionWords {
		return RoutingDecision{Path: PathFast, Reason: "short question"}, nil
	}
	return RoutingDecision{Path: PathFast, Reason: "default"}, nil
}

// pinned reads metadata.routing_decision.
func pinned(v any) (RoutingDecision, error) {
	d := RoutingDecision{Pinned: true, Reason: "pinned by metadata." + MetaRouting}
	switch x := v.(type) {
	case string:
		d.Path = strings.ToLower(strings.TrimSpace(x))
	case map[string]any:
		for _, k := range []string{"path", "decision", "route"} {
			if s, ok := x[k].(string); ok {
				d.Path = strings.ToLower(strings.TrimSpace(s))
				break
			}
		}
		if m, ok := x["model"].(string); ok {
			d.Model = m
		}
	}
	if d.Path != PathFast && d.Path != PathAgent {
		return RoutingDecision{}, badRequest("metadata."+MetaRouting,
			"metadata.%s must be \"fast\", \"agent\" or {\"path\": \"fast\"|\"agent\", \"model\": \"…\"}", MetaRouting)
	}
	return d, nil
}

func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case string:
		s := strings.ToLower(strings.TrimSpace(x))
		return s != "" && s != "false" && s != "0" && s != "no" && s != "off"
	case float64:
		return x != 0
	case map[string]any:
		return len(x) > 0
	case nil:
		return false
	}
	return true
}

func sortedKeys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	// Few keys: insertion sort keeps the reason deterministic.
	for i := 1; i < len(ks); i++ {
		for j := i; j > 0 && ks[j] < ks[j-1]; j-- {
			ks[j], ks[j-1] = ks[j-1], ks[j]
		}
	}
	return ks
}

func lastUserMessage(msgs []openai.ChatCompletionMessage) openai.ChatCompletionMessage {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role == openai.ChatMessageRoleUser {
			return msgs[i]
		}
	}
	return openai.ChatCompletionMessage{}
}

func hasImage(m openai.ChatCompletionMessage) bool {
	for _, p := range m.MultiContent {
		if p.Type == openai.ChatMessagePartTypeImageURL {
			return true
		}
	}
	return false
}

// wordsOf lowercases s and splits it into words of letters, digits and
// apostrophes.
func wordsOf(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\'' && r != '’'
	})
}

// firstPhrase returns the first phrase (one or more words) of list found
// as consecutive whole words in words.
func firstPhrase(words, list []string) (string, bool) {
	for _, p := range list {
		if hasPhrase(words, wordsOf(p)) {
			return p, true
		}
	}
	return "", false
}

func hasPhrase(words, phrase []string) bool {
	if len(phrase) == 0 {
		return false
	}
outer:
	for i := 0; i+len(phrase) <= len(words); i++ {
		for j, w := range phrase {
			if words[i+j] != w {
				continue outer
			}
		}
		return true
	}
	return false
}

// DefaultKeepAlive is the keep-alive period: a ": ping" goes out after this
// much silence, so that with timer slack no gap between frames exceeds 1 s
// even while a tool runs for minutes (the PoC's 15 s let proxies time out).
const DefaultKeepAlive = 750 * time.Millisecond
