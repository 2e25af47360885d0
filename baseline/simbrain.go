package baseline

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"regexp"
	"strings"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/internal/agenttools"
	"github.com/janus-bench/janus/internal/clip"
	"github.com/janus-bench/janus/internal/tokens"
	"github.com/janus-bench/janus/internal/wire"
)

// Metadata keys that script the sim's agent path for one request (tests
// and demos): the tool to call and its arguments (a JSON object or a
// string holding one).
const (
	MetaSimTool     = "sim_tool"
	MetaSimToolArgs = "sim_tool_args"
)

// simBrain is the sim's agent: a deterministic planner that picks one local
// tool from the request's wording, then answers from the tool's result. It
// exercises the whole tool loop (events, sandbox, artifacts, usage) with no
// model at all; the same request always takes the same steps.
type simBrain struct{}

var _ Brain = simBrain{}

// Name implements Brain.
func (simBrain) Name() string { return "sim" }

var (
	fenceRe   = regexp.MustCompile("(?s)```([a-zA-Z]*)\\s*\\n(.*?)```")
	exprRe    = regexp.MustCompile(`[-+*/^%().\d\s×÷]*\d[\d.\s]*[-+*/^%×÷][-+*/^%().\d\s×÷]*\d[-+*/^%().\d\s×÷]*`)
	imageWish = []string{"chart", "plot", "graph", "diagram", "draw", "sketch", "image", "picture"}
	fileWish  = []string{"write a file", "save as", "save it", "csv", "export", "file"}
)

// Turn implements Brain.
func (simBrain) Turn(ctx context.Context, t Turn, emit func(wire.Delta) error) (TurnResult, error) {
	if err := ctx.Err(); err != nil {
		return TurnResult{}, fmt.Errorf("sim turn: %w", err)
	}
	msgs := t.Messages
	if n := len(msgs); n > 0 && msgs[n-1].Role == openai.ChatMessageRoleTool {
		return simAnswer(msgs, emit)
	}
	offered := map[string]bool{}
	for _, tl := range t.Tools {
		if tl.Function != nil {
			offered[tl.Function.Name] = true
		}
	}
	if ft := forcedTool(t.ToolChoice, t.Tools); ft != nil {
		// tool_choice demands a (client) tool: call it with arguments
		// guessed from its schema and the question.
		name, args := ft.Function.Name, guessArgs(ft.Function.Parameters, wire.LastUser(msgs))
		h := fnv.New64a()
		fmt.Fprintf(h, "%d\x00%s\x00%s", len(msgs), name, args)
		return TurnResult{FinishReason: "tool_calls", ToolCalls: []openai.ToolCall{{ID: fmt.Sprintf("call_sim_%016x", h.Sum64()),
			Type: openai.ToolTypeFunction, Function: openai.FunctionCall{Name: name, Arguments: args}}}}, nil
	}
	name, args := simPlan(t.Chat, wire.LastUser(msgs))
	if name == "" || !offered[name] {
		return simSay(emit, "", improvise(0, messagesHash(msgs), wire.LastUser(msgs)))
	}
	reason := fmt.Sprintf("Plan: use %s for this request.\n", name)
	if err := emit(wire.Delta{ReasoningContent: reason}); err != nil {
		return TurnResult{Reasoning: reason}, err
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "%d\x00%s\x00%s", len(msgs), name, args)
	call := openai.ToolCall{ID: fmt.Sprintf("call_sim_%016x", h.Sum64()), Type: openai.ToolTypeFunction,
		Function: openai.FunctionCall{Name: name, Arguments: args}}
	return TurnResult{Reasoning: reason, ToolCalls: []openai.ToolCall{call}, FinishReason: "tool_calls"}, nil
}

// simPlan picks the tool and its JSON arguments for a user request.
func simPlan(chat *wire.ChatRequest, text string) (string, string) {
	if chat != nil {
		if name, ok := chat.Metadata[MetaSimTool].(string); ok && name != "" {
			switch a := chat.Metadata[MetaSimToolArgs].(type) {
			case string:
				return name, a
			case nil:
				return name, "{}"
			default:
				b, _ := json.Marshal(a)
				return name, string(b)
			}
		}
	}
	js := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	words := wordsOf(text)
	if m := fenceRe.FindStringSubmatch(text); m != nil {
		lang := strings.ToLower(m[1])
		switch lang {
		case "js", "javascript", "node":
			lang = "javascript"
		case "py", "python", "python3":
			lang = "python"
		case "go", "golang":
			lang = "go"
		default:
			lang = "javascript"
		}
		return agenttools.NameRunCode, js(map[string]string{"language": lang, "code": m[2]})
	}
	if u := urlRe.FindString(text); u != "" {
		return agenttools.NameFetch, js(map[string]string{"url": strings.TrimRight(u, ".,;:!?)\"'")})
	}
	if _, ok := firstPhrase(words, imageWish); ok {
		return agenttools.NameImage, js(map[string]string{"prompt": text})
	}
	if w, ok := firstPhrase(words, fileWish); ok {
		name := "output.txt"
		if w == "csv" {
			name = "output.csv"
		}
		content := text
		if i := strings.Index(text, ":"); i >= 0 && i+1 < len(text) {
			content = strings.TrimSpace(text[i+1:])
		}
		return agenttools.NameWriteFile, js(map[string]string{"name": name, "content": content + "\n"})
	}
	if e := longestExpr(text); e != "" {
		return agenttools.NameCalculator, js(map[string]string{"expression": e})
	}
	return agenttools.NameSearch, js(map[string]any{"query": text, "k": 3})
}

// longestExpr finds the longest arithmetic expression in text, with × and
// ÷ written as * and /.
func longestExpr(text string) string {
	best := ""
	for _, m := range exprRe.FindAllString(text, -1) {
		if m = strings.TrimSpace(m); len(m) > len(best) {
			best = m
		}
	}
	best = strings.NewReplacer("×", "*", "÷", "/").Replace(best)
	if _, err := agenttools.Calc(best); err != nil {
		return ""
	}
	return best
}

// simAnswer composes the final answer from the tool results at the end of
// msgs.
func simAnswer(msgs []openai.ChatCompletionMessage, emit func(wire.Delta) error) (TurnResult, error) {
	var parts []string
	// Tool messages name their call by id; the assistant turn before them
	// says which tool that was.
	names := map[string]string{}
	for _, m := range msgs {
		for _, tc := range m.ToolCalls {
			names[tc.ID] = tc.Function.Name
		}
	}
	for i := len(msgs) - 1; i >= 0 && msgs[i].Role == openai.ChatMessageRoleTool; i-- {
		m := msgs[i]
		name := names[m.ToolCallID]
		if name == "" {
			name = m.Name
		}
		out := strings.TrimSpace(m.Content)
		var s string
		switch {
		case strings.HasPrefix(out, "error:"):
			s = fmt.Sprintf("The %s tool failed (%s), so I cannot give a verified answer.", name, strings.TrimPrefix(out, "error: "))
		case name == agenttools.NameCalculator:
			s = "The result is " + out + "."
		case name == agenttools.NameSearch:
			s = "Here is what I found:\n" + out
		case name == agenttools.NameFetch:
			s = "The page says:\n" + clip.Bytes(out, 1500, clip.Ellipsis)
		case name == agenttools.NameRunCode:
			s = "I ran the code in the sandbox:\n" + out
		default:
			s = out
		}
		parts = append([]string{s}, parts...)
	}
	return simSay(emit, fmt.Sprintf("Composing the answer from %d tool result(s).\n", len(parts)), joinLines(parts))
}

// simSay streams reasoning and content a token at a time.
func simSay(emit func(wire.Delta) error, reasoning, content string) (TurnResult, error) {
	res := TurnResult{FinishReason: "stop"}
	for _, tk := range tokens.Split(reasoning) {
		if err := emit(wire.Delta{ReasoningContent: tk}); err != nil {
			return res, err
		}
		res.Reasoning += tk
	}
	for _, tk := range tokens.Split(content) {
		if err := emit(wire.Delta{Content: tk}); err != nil {
			return res, err
		}
		res.Content += tk
	}
	return res, nil
}

// forcedTool returns the tool tool_choice obliges the model to call:
// "required" (the first tool) or {"type":"function","function":{"name":…}};
// nil for "auto", "none" or no agenttools.
func forcedTool(choice any, ts []openai.Tool) *openai.Tool {
	var name string
	switch c := choice.(type) {
	case string:
		if c != "required" {
			return nil
		}
	case map[string]any:
		f, _ := c["function"].(map[string]any)
		name, _ = f["name"].(string)
	case openai.ToolChoice:
		name = c.Function.Name
	case *openai.ToolChoice:
		if c == nil {
			return nil
		}
		name = c.Function.Name
	default:
		return nil
	}
	for i := range ts {
		if ts[i].Function != nil && (name == "" || ts[i].Function.Name == name) {
			return &ts[i]
		}
	}
	return nil
}

var (
	capWordRe = regexp.MustCompile(`\b[A-Z][a-zA-Z]+\b`)
	numWordRe = regexp.MustCompile(`-?\d+(?:\.\d+)?`)
)

// guessArgs fills a function's required parameters from the question: a
// string gets the last capitalised word (a city, a name), a number the
// first number, an enum its first value, a boolean false.
func guessArgs(params any, question string) string {
	var sc struct {
		Properties map[string]struct {
			Type string `json:"type"`
			Enum []any  `json:"enum"`
		} `json:"properties"`
		Required []string `json:"required"`
	}
	b, _ := json.Marshal(params)
	if json.Unmarshal(b, &sc) != nil {
		return "{}"
	}
	names := sc.Required
	if len(names) == 0 {
		for n := range sc.Properties {
			names = append(names, n)
		}
		sortStrings(names)
	}
	word := properNoun(question)
	out := map[string]any{}
	for _, n := range names {
		p := sc.Properties[n]
		switch {
		case len(p.Enum) > 0:
			out[n] = p.Enum[0]
		case p.Type == "number" || p.Type == "integer":
			v := 0.0
			if m := numWordRe.FindString(question); m != "" {
				_, _ = fmt.Sscan(m, &v)
			}
			out[n] = v
		case p.Type == "boolean":
			out[n] = false
		case p.Type == "array":
			out[n] = []any{}
		case p.Type == "object":
			out[n] = map[string]any{}
		default:
			out[n] = word
		}
	}
	r, _ := json.Marshal(out)
	return string(r)
}

// properNoun is the first capitalised word of question that does not start
// a sentence ("Paris" in "What is the weather in Paris? Use the tool."),
// else the question itself.
func properNoun(question string) string {
	for _, loc := range capWordRe.FindAllStringIndex(question, -1) {
		before := strings.TrimRight(question[:loc[0]], " \t\n\"'(")
		if before == "" || strings.HasSuffix(before, ".") || strings.HasSuffix(before, "?") ||
			strings.HasSuffix(before, "!") || strings.HasSuffix(before, ":") {
			continue
		}
		return question[loc[0]:loc[1]]
	}
	return strings.TrimSpace(question)
}

func sortStrings(ss []string) {
	for i := 1; i < len(ss); i++ {
		for j := i; j > 0 && ss[j] < ss[j-1]; j-- {
			ss[j], ss[j-1] = ss[j-1], ss[j]
		}
	}
}
