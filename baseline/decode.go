package baseline

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/internal/wire"
)

// maxBodyBytes bounds a request body; suites with inline images stay far
// below it.
const maxBodyBytes = 32 << 20

// knownRoles are the message roles accepted ("developer" and "function"
// are what current and legacy OpenAI clients send besides the four the
// compatibility spec lists).
var knownRoles = map[string]bool{
	openai.ChatMessageRoleSystem: true, openai.ChatMessageRoleDeveloper: true,
	openai.ChatMessageRoleUser: true, openai.ChatMessageRoleAssistant: true,
	openai.ChatMessageRoleTool: true, openai.ChatMessageRoleFunction: true,
}

// requestJSON is wire.ChatRequest with the messages left raw, so that each
// message is decoded on its own and a bad one is reported with its index.
// The outer Messages field shadows the embedded one.
type requestJSON struct {
	wire.ChatRequest
	Messages []json.RawMessage `json:"messages"`
}

// messageJSON mirrors openai.ChatCompletionMessage's JSON with the content
// left raw. go-openai's own UnmarshalJSON tries two layouts and reports the
// second failure even when the first layout was the right one, which would
// blame content for, say, a malformed tool_calls.
type messageJSON struct {
	Role             string               `json:"role"`
	Content          json.RawMessage      `json:"content"`
	Refusal          string               `json:"refusal"`
	Name             string               `json:"name"`
	ReasoningContent string               `json:"reasoning_content"`
	FunctionCall     *openai.FunctionCall `json:"function_call"`
	ToolCalls        []openai.ToolCall    `json:"tool_calls"`
	ToolCallID       string               `json:"tool_call_id"`
}

// decodeChat reads, decodes and validates a chat completion request body.
// Every rejection names what is wrong and, where there is one, the JSON
// path of the offending value as the envelope's param.
func decodeChat(body io.Reader) (*wire.ChatRequest, *RequestError) {
	data, err := io.ReadAll(body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, &RequestError{Status: http.StatusRequestEntityTooLarge, Type: "invalid_request_error",
				Message: fmt.Sprintf("request body is larger than the limit of %d bytes", mbe.Limit)}
		}
		return nil, badRequest("", "could not read the request body: %v", err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, badRequest("", "request body is empty; expected a JSON object")
	}
	var raw requestJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&raw); err != nil {
		return nil, jsonError(data, err, "")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, badRequest("", "request body has data after the JSON object (at byte %d)", dec.InputOffset())
	}
	req := raw.ChatRequest
	req.Messages = make([]openai.ChatCompletionMessage, len(raw.Messages))
	for i, m := range raw.Messages {
		if rerr := decodeMessage(m, "messages["+strconv.Itoa(i)+"]", &req.Messages[i]); rerr != nil {
			return nil, rerr
		}
	}
	if rerr := validate(&req); rerr != nil {
		return nil, rerr
	}
	return &req, nil
}

// decodeMessage decodes one message found at path.
func decodeMessage(data []byte, path string, out *openai.ChatCompletionMessage) *RequestError {
	var m messageJSON
	if err := json.Unmarshal(data, &m); err != nil {
		return jsonError(data, err, path)
	}
	*out = openai.ChatCompletionMessage{Role: m.Role, Refusal: m.Refusal, Name: m.Name,
		ReasoningContent: m.ReasoningContent, FunctionCall: m.FunctionCall, ToolCalls: m.ToolCalls,
		ToolCallID: m.ToolCallID}
	c := bytes.TrimSpace(m.Content)
	switch {
	case len(c) == 0 || string(c) == "null":
	case c[0] == '"':
		if err := json.Unmarshal(c, &out.Content); err != nil {
			return jsonError(c, err, path+".content")
		}
	case c[0] == '[':
		if err := json.Unmarshal(c, &out.MultiContent); err != nil {
			return jsonError(c, err, path+".content")
		}
	default:
		return badRequest(path+".content",
			"invalid type for %s.content: expected a string or an array of content parts, got %s", path, jsonKind(c[0]))
	}
	return nil
}

// validate checks what decoding cannot: required fields, roles, content
// part types and parameter ranges.
func validate(r *wire.ChatRequest) *RequestError {
	if r.Model == "" {
		return badRequest("model", "you must provide a model parameter")
	}
	if len(r.Messages) == 0 {
		return badRequest("messages", "messages must be a non-empty array")
	}
	for i, m := range r.Messages {
		at := "messages[" + strconv.Itoa(i) + "]"
		if !knownRoles[m.Role] {
			if m.Role == "" {
				return badRequest(at+".role", "%s.role is required", at)
			}
			return badRequest(at+".role", "%s.role %q is not one of system, developer, user, assistant, tool", at, m.Role)
		}
		for j, p := range m.MultiContent {
			pat := at + ".content[" + strconv.Itoa(j) + "]"
			switch p.Type {
			case openai.ChatMessagePartTypeText:
			case openai.ChatMessagePartTypeImageURL:
				if p.ImageURL == nil || p.ImageURL.URL == "" {
					return badRequest(pat+".image_url.url", "%s.image_url.url is required for an image_url part", pat)
				}
			default:
				return badRequest(pat+".type", "%s.type %q is not supported (text, image_url)", pat, p.Type)
			}
		}
	}
	if t := r.Temperature; t != nil && (*t < 0 || *t > 2) {
		return badRequest("temperature", "temperature must be between 0 and 2, got %g", *t)
	}
	if p := r.TopP; p != nil && (*p < 0 || *p > 1) {
		return badRequest("top_p", "top_p must be between 0 and 1, got %g", *p)
	}
	if mt := r.MaxTokens; mt != nil && *mt < 1 {
		return badRequest("max_tokens", "max_tokens must be at least 1, got %d", *mt)
	}
	return nil
}

// jsonError explains a decoding error of data, found at path prefix.
func jsonError(data []byte, err error, prefix string) *RequestError {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return badRequest(prefix, "request body is not valid JSON: %v (at byte %d)", se, se.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest(prefix, "request body is not valid JSON: it ends in the middle of a value")
	case errors.As(err, &te):
		path := pathAt(data, te.Offset)
		if !samePath(path, te.Field) {
			// The offset could not be resolved; fall back to encoding/json's
			// index-free path, without the embedded struct's name.
			path = strings.TrimPrefix(te.Field, "ChatRequest.")
		}
		path = joinPath(prefix, path)
		if path == "" {
			return badRequest("", "request body must be a JSON object, got %s", te.Value)
		}
		return badRequest(path, "invalid type for %s: expected %s, got %s", path, describeType(te.Type), describeValue(te.Value))
	default:
		return badRequest(prefix, "invalid request body: %v", err)
	}
}

// samePath is a sanity check that path, resolved from the error's offset,
// names the same field as encoding/json's own path, which has no indices,
// no map keys and embedded struct names: their last keys agree.
func samePath(path, field string) bool {
	p := stripIndices(path)
	if p == "" || field == "" {
		return p == field && path != "" // an element of a top-level array
	}
	return p[strings.LastIndexByte(p, '.')+1:] == field[strings.LastIndexByte(field, '.')+1:]
}

// joinPath appends path to prefix.
func joinPath(prefix, path string) string {
	switch {
	case prefix == "":
		return path
	case path == "" || path[0] == '[':
		return prefix + path
	default:
		return prefix + "." + path
	}
}

// describeType names a Go type in JSON terms.
func describeType(t reflect.Type) string {
	if t == nil {
		return "a different type"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return "a different type"
}

// describeValue names what encoding/json found ("number", "bool", …).
func describeValue(v string) string {
	switch v {
	case "bool":
		return "a boolean"
	case "object":
		return "an object"
	case "array":
		return "an array"
	case "string":
		return "a string"
	}
	if strings.HasPrefix(v, "number") {
		return "a number"
	}
	return v
}

// jsonKind names the JSON value starting with byte c.
func jsonKind(c byte) string {
	switch {
	case c == '{':
		return "an object"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == '-' || (c >= '0' && c <= '9'):
		return "a number"
	}
	return "an invalid value"
}
