// Package validate decodes and checks chat completion requests the way every
// janus server must: the reference baseline and the gateway in front of
// competitors reject the same malformed payloads with the same OpenAI error
// envelope naming the same JSON path, so a client sees one behaviour
// whichever of them it talks to. It holds no HTTP handler; servers map an
// *Error to their response.
package chatreq

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/internal/wire"
)

// Error is a rejected request: the HTTP status to answer with, OpenAI's
// error type, the JSON path of the offending value (empty when the problem
// is the body as a whole) and a message for humans.
type Error struct {
	Status  int
	Type    string
	Param   string
	Message string
}

// Error implements error.
func (e *Error) Error() string {
	if e.Param != "" {
		return fmt.Sprintf("%s (param %s)", e.Message, e.Param)
	}
	return e.Message
}

// Envelope is the OpenAI error JSON for e.
func (e *Error) Envelope() wire.ErrorEnvelope {
	return wire.NewError(e.Type, e.Message, e.Param)
}

// BadRequest is a 400 invalid_request_error naming param.
func BadRequest(param, format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Type: "invalid_request_error",
		Param: param, Message: fmt.Sprintf(format, args...)}
}

// knownRoles are the message roles accepted: the four the compatibility
// spec lists, plus "developer" and "function", which current and legacy
// OpenAI clients send in their place.
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
	paramsJSON
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

// ReadBody reads a whole request body. A body cut off by
// http.MaxBytesReader is a 413, anything else that stops the read a 400.
func ReadBody(body io.Reader) ([]byte, *Error) {
	data, err := io.ReadAll(body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, TooLarge(mbe.Limit)
		}
		return nil, BadRequest("", "could not read the request body: %v", err)
	}
	return data, nil
}

// TooLarge is the 413 for a body over limit bytes.
func TooLarge(limit int64) *Error {
	return &Error{Status: http.StatusRequestEntityTooLarge, Type: "invalid_request_error",
		Message: fmt.Sprintf("request body is larger than the limit of %d bytes", limit)}
}

// DecodeChat decodes and validates a chat completion request body. Every
// rejection names what is wrong and, where there is one, the JSON path of
// the offending value as Param.
func DecodeChat(data []byte) (*wire.ChatRequest, *Error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, BadRequest("", "request body is empty; expected a JSON object")
	}
	var raw requestJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&raw); err != nil {
		return nil, jsonError(data, err, "")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, BadRequest("", "request body has data after the JSON object (at byte %d)", dec.InputOffset())
	}
	if off := invalidText(data); off >= 0 {
		return nil, textError(data, off)
	}
	req := raw.ChatRequest
	req.Messages = make([]openai.ChatCompletionMessage, len(raw.Messages))
	for i, m := range raw.Messages {
		if verr := decodeMessage(m, "messages["+strconv.Itoa(i)+"]", &req.Messages[i]); verr != nil {
			return nil, verr
		}
	}
	if verr := Chat(&req); verr != nil {
		return nil, verr
	}
	if verr := raw.paramsJSON.check(); verr != nil {
		return nil, verr
	}
	return &req, nil
}

// decodeMessage decodes one message found at path.
func decodeMessage(data []byte, path string, out *openai.ChatCompletionMessage) *Error {
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
		return BadRequest(path+".content",
			"invalid type for %s.content: expected a string or an array of content parts, got %s", path, jsonKind(c[0]))
	}
	return nil
}

// Chat checks what decoding cannot: required fields, roles, content part
// types, image URLs and parameter ranges.
func Chat(r *wire.ChatRequest) *Error {
	if r.Model == "" {
		return BadRequest("model", "you must provide a model parameter")
	}
	if len(r.Messages) == 0 {
		return BadRequest("messages", "messages must be a non-empty array")
	}
	for i, m := range r.Messages {
		at := "messages[" + strconv.Itoa(i) + "]"
		if !knownRoles[m.Role] {
			if m.Role == "" {
				return BadRequest(at+".role", "%s.role is required", at)
			}
			return BadRequest(at+".role", "%s.role %q is not one of system, developer, user, assistant, tool", at, m.Role)
		}
		for j, p := range m.MultiContent {
			pat := at + ".content[" + strconv.Itoa(j) + "]"
			switch p.Type {
			case openai.ChatMessagePartTypeText:
			case openai.ChatMessagePartTypeImageURL:
				if p.ImageURL == nil || p.ImageURL.URL == "" {
					return BadRequest(pat+".image_url.url", "%s.image_url.url is required for an image_url part", pat)
				}
				if err := ImageURL(p.ImageURL.URL); err != nil {
					return BadRequest(pat+".image_url.url", "%s.image_url.url is not a valid image URL: %v", pat, err)
				}
				switch p.ImageURL.Detail {
				case "", openai.ImageURLDetailAuto, openai.ImageURLDetailLow, openai.ImageURLDetailHigh:
				default:
					return BadRequest(pat+".image_url.detail", "%s.image_url.detail %q is not one of auto, low, high", pat, p.ImageURL.Detail)
				}
			default:
				return BadRequest(pat+".type", "%s.type %q is not supported (text, image_url)", pat, p.Type)
			}
		}
	}
	if t := r.Temperature; t != nil && (*t < 0 || *t > 2) {
		return BadRequest("temperature", "temperature must be between 0 and 2, got %g", *t)
	}
	if p := r.TopP; p != nil && (*p < 0 || *p > 1) {
		return BadRequest("top_p", "top_p must be between 0 and 1, got %g", *p)
	}
	return tokensLimit("max_tokens", r.MaxTokens)
}

// ImageURL accepts what a model provider can fetch or decode: an absolute
// http(s) URL with a host, or a base64 data: URL of an image/* type whose
// payload is valid base64. It checks the payload in small pieces, so a
// large inline image costs no allocation of its size.
func ImageURL(raw string) error {
	if rest, ok := strings.CutPrefix(raw, "data:"); ok {
		meta, payload, ok := strings.Cut(rest, ",")
		if !ok {
			return errors.New("a data: URL needs a comma before its payload")
		}
		mediatype, isB64 := strings.CutSuffix(meta, ";base64")
		if !isB64 {
			return errors.New("a data: URL image must be base64-encoded (data:image/png;base64,...)")
		}
		mt, _, err := mime.ParseMediaType(mediatype)
		if err != nil || !strings.HasPrefix(mt, "image/") {
			return fmt.Errorf("data: URL media type %q is not image/*", mediatype)
		}
		if payload == "" {
			return errors.New("the data: URL has an empty payload")
		}
		enc := base64.StdEncoding
		if len(payload)%4 != 0 {
			enc = base64.RawStdEncoding
		}
		if _, err := io.Copy(io.Discard, base64.NewDecoder(enc, strings.NewReader(payload))); err != nil {
			return fmt.Errorf("the data: URL payload is not valid base64: %w", err)
		}
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("parse: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("scheme %q is not http, https or data", u.Scheme)
	}
	if u.Host == "" {
		return errors.New("the URL has no host")
	}
	return nil
}

// jsonError explains a decoding error of data, found at path prefix.
func jsonError(data []byte, err error, prefix string) *Error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return BadRequest(prefix, "request body is not valid JSON: %v (at byte %d)", se, se.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return BadRequest(prefix, "request body is not valid JSON: it ends in the middle of a value")
	case errors.As(err, &te):
		path := pathAt(data, te.Offset)
		if !samePath(path, te.Field) {
			// The offset could not be resolved; fall back to encoding/json's
			// index-free path, without the embedded struct's name.
			path = strings.TrimPrefix(te.Field, "ChatRequest.")
		}
		path = joinPath(prefix, path)
		if path == "" {
			return BadRequest("", "request body must be a JSON object, got %s", te.Value)
		}
		return BadRequest(path, "invalid type for %s: expected %s, got %s", path, describeType(te.Type), describeValue(te.Value))
	default:
		return BadRequest(prefix, "invalid request body: %v", err)
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
