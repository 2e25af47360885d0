package baseline

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/janus-bench/janus/internal/tokens"
	"github.com/janus-bench/janus/internal/wire"
	"github.com/janus-bench/janus/suites"
)

// MemorySchemaName is the json_schema name of the memory service's
// extraction call (memory.SchemaName). The sim answers such a request
// itself, deterministically, so the memory service works and is tested
// with no model and no network.
const MemorySchemaName = "janus_memory_extraction"

// simMemory puts the sim's rule-based memory extractor in front of a
// provider: extraction requests are answered here, everything else goes
// on to inner.
type simMemory struct {
	inner Provider
}

var _ Provider = simMemory{}

// Name implements Provider.
func (p simMemory) Name() string { return p.inner.Name() }

// Features implements Provider.
func (p simMemory) Features() []string { return append(p.inner.Features(), "memory_extraction") }

// Open implements Provider.
func (p simMemory) Open(ctx context.Context, req *Request) (Generation, error) {
	if !isMemoryExtraction(req.Chat) {
		return p.inner.Open(ctx, req)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sim memory: %w", err)
	}
	answer := simExtract(wire.LastUser(req.Chat.Messages))
	prompt := 0
	for _, m := range req.Chat.Messages {
		prompt += tokens.Count(wire.TextOf(m))
	}
	// Unpaced: the extraction is a service call, not a benchmarked answer.
	return &simGeneration{sc: buildScript("", suites.Reference{Content: answer}, 0), start: req.Start, prompt: prompt}, nil
}

// isMemoryExtraction reports whether the request asks for the memory
// extraction schema.
func isMemoryExtraction(chat *wire.ChatRequest) bool {
	if chat == nil || len(chat.ResponseFormat) == 0 {
		return false
	}
	var rf struct {
		Type       string `json:"type"`
		JSONSchema struct {
			Name string `json:"name"`
		} `json:"json_schema"`
	}
	return json.Unmarshal(chat.ResponseFormat, &rf) == nil && rf.Type == "json_schema" && rf.JSONSchema.Name == MemorySchemaName
}

var (
	convBlockRe = regexp.MustCompile(`(?s)<conversation>\s*(.*?)\s*</conversation>`)
	sentenceRe  = regexp.MustCompile(`[^.!?\n]+[.!?]?`)
	// firstPerson marks a sentence in which the user states something
	// about themselves.
	firstPerson = regexp.MustCompile(`(?i)\b(my|i'm|i am|i've|i have|i live|i like|i love|i prefer|i work|i use|i hate|i enjoy|i study|i speak|i own|i drive|call me|remember that)\b`)
)

// simMemoryItem is one memory of the sim's answer.
type simMemoryItem struct {
	Caption       string `json:"caption"`
	FullText      string `json:"full_text"`
	SourceMessage int    `json:"source_message"`
}

// simExtract is the sim's extractor: every sentence of a user message
// that speaks in the first person (and is not a question) is a memory,
// its caption the sentence cut to 100 characters. The answer is JSON of
// the extraction schema; a conversation it cannot read yields no memories.
func simExtract(prompt string) string {
	var conv []struct {
		Index   int    `json:"index"`
		Role    string `json:"role"`
		Content string `json:"content"`
	}
	items := []simMemoryItem{}
	if m := convBlockRe.FindStringSubmatch(prompt); m != nil && json.Unmarshal([]byte(m[1]), &conv) == nil {
		for i, msg := range conv {
			if msg.Role != "user" {
				continue
			}
			for _, s := range sentenceRe.FindAllString(msg.Content, -1) {
				s = strings.TrimSpace(s)
				if s == "" || strings.HasSuffix(s, "?") || !firstPerson.MatchString(s) || len(items) == 20 {
					continue
				}
				items = append(items, simMemoryItem{Caption: cutRunes(s, 100), FullText: cutRunes(s, 500), SourceMessage: i})
			}
		}
	}
	b, _ := json.Marshal(map[string]any{"memories": items})
	return string(b)
}

// cutRunes keeps at most n characters of s, cutting at a space if one is
// near.
func cutRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n]
	if i := strings.LastIndexByte(string(r), ' '); i > len(string(r))/2 {
		return strings.TrimSpace(string(r)[:i])
	}
	return string(r)
}
