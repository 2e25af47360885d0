package memory

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/janus-bench/janus/internal/clip"
)

// Limits of what the extraction model may return, and what the schema
// tells it.
const (
	MaxCaptionChars  = 100
	MaxFullTextChars = 500
	// MaxPerExtraction bounds the memories one conversation yields.
	MaxPerExtraction = 20
	// maxLLMResponseBytes bounds the model's answer read into memory.
	maxLLMResponseBytes = 1 << 20
)

// SchemaName is the json_schema name of the extraction response format;
// the baseline sim recognises it and answers the extraction itself.
const SchemaName = "janus_memory_extraction"

// extractionSchema is the response_format the extraction call sends.
func extractionSchema() map[string]any {
	return map[string]any{
		"type": "json_schema",
		"json_schema": map[string]any{
			"name":   SchemaName,
			"strict": true,
			"schema": map[string]any{
				"type":                 "object",
				"additionalProperties": false,
				"required":             []string{"memories"},
				"properties": map[string]any{
					"memories": map[string]any{
						"type":     "array",
						"maxItems": MaxPerExtraction,
						"items": map[string]any{
							"type":                 "object",
							"additionalProperties": false,
							"required":             []string{"caption", "full_text", "source_message"},
							"properties": map[string]any{
								"caption":        map[string]any{"type": "string", "minLength": 1, "maxLength": MaxCaptionChars},
								"full_text":      map[string]any{"type": "string", "minLength": 1, "maxLength": MaxFullTextChars},
								"source_message": map[string]any{"type": "integer", "minimum": 0},
							},
						},
					},
				},
			},
		},
	}
}

// extractionPrompt instructs the model; the conversation follows in a
// <conversation> block as a JSON array of {index, role, content}.
const extractionPrompt = `You extract long-term memories about the user from a conversation.
Keep only durable facts the user states about themselves: preferences, personal details (names,
relationships, pets, places), technical preferences, ongoing projects and goals, and things they ask
to be remembered. Skip small talk, general knowledge and what the assistant said.
Answer with a JSON object {"memories": [...]}; each memory has "caption" (one line, at most 100
characters), "full_text" (the fact with its context, at most 500 characters) and "source_message"
(the index of the message that states it). No facts: {"memories": []}.`

// ExtractError is an extraction the model failed: it did not answer, or
// its answer is not JSON of the schema's shape. Nothing was stored.
type ExtractError struct {
	Reason string
}

// Error implements error.
func (e *ExtractError) Error() string { return "extraction model: " + e.Reason }

// llmClient calls an OpenAI-compatible chat completions endpoint.
type llmClient struct {
	url, model, key string
	hc              *http.Client
}

type indexedMessage struct {
	Index   int    `json:"index"`
	Role    string `json:"role"`
	Content string `json:"content"`
}

// extract asks the model for the conversation's memories and checks the
// answer against the schema.
func (c *llmClient) extract(ctx context.Context, conv []Message) ([]extractedItem, error) {
	msgs := make([]indexedMessage, len(conv))
	for i, m := range conv {
		msgs[i] = indexedMessage{Index: i, Role: m.Role, Content: m.Content}
	}
	convJSON, _ := json.Marshal(msgs)
	body, _ := json.Marshal(map[string]any{
		"model": c.model, "temperature": 0, "stream": false,
		"messages": []map[string]string{
			{"role": "system", "content": extractionPrompt},
			{"role": "user", "content": "<conversation>\n" + string(convJSON) + "\n</conversation>"},
		},
		"response_format": extractionSchema(),
	})
	content, err := c.complete(ctx, body)
	if err != nil {
		return nil, err
	}
	return parseExtraction(content, len(conv))
}

// complete posts body and returns choices[0].message.content.
func (c *llmClient) complete(ctx context.Context, body []byte) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(c.url, "/")+"/chat/completions", bytes.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("extraction request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return "", &ExtractError{Reason: fmt.Sprintf("call %s: %v", c.url, err)}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxLLMResponseBytes+1))
	if err != nil {
		return "", &ExtractError{Reason: fmt.Sprintf("read answer: %v", err)}
	}
	if len(data) > maxLLMResponseBytes {
		return "", &ExtractError{Reason: fmt.Sprintf("answer exceeds %d bytes", maxLLMResponseBytes)}
	}
	if resp.StatusCode != http.StatusOK {
		return "", &ExtractError{Reason: fmt.Sprintf("HTTP %d: %s", resp.StatusCode, clip.Bytes(string(data), 200, clip.Ellipsis))}
	}
	var cc struct {
		Choices []struct {
			Message struct {
				Content *string `json:"content"`
			} `json:"message"`
		} `json:"choices"`
	}
	if err := json.Unmarshal(data, &cc); err != nil {
		return "", &ExtractError{Reason: fmt.Sprintf("answer is not a chat completion: %v", err)}
	}
	if len(cc.Choices) == 0 || cc.Choices[0].Message.Content == nil {
		return "", &ExtractError{Reason: "answer has no choices[0].message.content"}
	}
	return *cc.Choices[0].Message.Content, nil
}

// parseExtraction checks the model's content against the schema: a JSON
// object with exactly "memories", each item with a non-empty caption and
// full_text within their limits and a source_message naming a message of
// the conversation. One surrounding ``` fence is tolerated (some servers
// add it even in JSON mode); anything else wrong is an error naming the
// JSON path.
func parseExtraction(content string, n int) ([]extractedItem, error) {
	s := strings.TrimSpace(content)
	if strings.HasPrefix(s, "```") && strings.HasSuffix(s, "```") && len(s) >= 6 {
		s = strings.TrimSpace(strings.TrimPrefix(s[3:len(s)-3], "json"))
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	var ex extraction
	if err := dec.Decode(&ex); err != nil {
		return nil, &ExtractError{Reason: fmt.Sprintf("answer is not the schema's JSON object: %v (answer starts %q)", err, clip.Bytes(s, 80, clip.Ellipsis))}
	}
	if dec.More() {
		return nil, &ExtractError{Reason: "trailing data after the JSON object"}
	}
	if ex.Memories == nil {
		return nil, &ExtractError{Reason: "memories: missing (want an array)"}
	}
	if len(ex.Memories) > MaxPerExtraction {
		return nil, &ExtractError{Reason: fmt.Sprintf("memories: %d items; the schema allows %d", len(ex.Memories), MaxPerExtraction)}
	}
	for i, m := range ex.Memories {
		p := fmt.Sprintf("memories[%d]", i)
		switch {
		case strings.TrimSpace(m.Caption) == "":
			return nil, &ExtractError{Reason: p + ".caption: missing or empty"}
		case utf8.RuneCountInString(m.Caption) > MaxCaptionChars:
			return nil, &ExtractError{Reason: fmt.Sprintf("%s.caption: %d characters; the schema allows %d", p, utf8.RuneCountInString(m.Caption), MaxCaptionChars)}
		case strings.TrimSpace(m.FullText) == "":
			return nil, &ExtractError{Reason: p + ".full_text: missing or empty"}
		case utf8.RuneCountInString(m.FullText) > MaxFullTextChars:
			return nil, &ExtractError{Reason: fmt.Sprintf("%s.full_text: %d characters; the schema allows %d", p, utf8.RuneCountInString(m.FullText), MaxFullTextChars)}
		case m.SourceMessage == nil:
			return nil, &ExtractError{Reason: p + ".source_message: missing"}
		case *m.SourceMessage < 0 || *m.SourceMessage >= n:
			return nil, &ExtractError{Reason: fmt.Sprintf("%s.source_message: %d is not a message index (0..%d)", p, *m.SourceMessage, n-1)}
		}
	}
	return ex.Memories, nil
}

// errIsExtract reports whether err is an *ExtractError.
func errIsExtract(err error) bool {
	var ee *ExtractError
	return errors.As(err, &ee)
}
