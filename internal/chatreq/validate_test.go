package chatreq

import (
	"net/http"
	"strings"
	"testing"
)

const okMsgs = `"messages":[{"role":"user","content":"hi"}]`

// TestDecodeChatRejects checks that each malformed request is refused with
// the right status, the JSON path of the problem as param, and a message
// that names both.
func TestDecodeChatRejects(t *testing.T) {
	cases := []struct {
		name  string
		body  string
		param string // "" means no param
		msg   string // substring of the message
	}{
		// Syntax errors name no path: there is no value to point at.
		{"invalid JSON", `{"model":"m",` + okMsgs + `,}`, "", "not valid JSON"},
		// A cut-off body is not a type error.
		{"truncated JSON", `{"model":"m","messages":[`, "", "not valid JSON"},
		// Nothing at all.
		{"empty body", ` `, "", "empty"},
		// The body must be an object, not an array.
		{"not an object", `[1,2]`, "", "JSON object"},
		// A second document after the first.
		{"trailing data", `{"model":"m",` + okMsgs + `} {}`, "", "after the JSON object"},
		// Content must be a string or an array of parts.
		{"content is a number", `{"model":"m","messages":[{"role":"user","content":5}]}`,
			"messages[0].content", "got a number"},
		// The index of the offending message is named.
		{"second message content is an object", `{"model":"m","messages":[{"role":"system","content":"x"},{"role":"user","content":{"a":1}}]}`,
			"messages[1].content", "got an object"},
		// Part fields are typed.
		{"content part type is a number", `{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":5}]}]}`,
			"messages[0].content[1].type", "expected a string"},
		// Only text and image_url parts.
		{"content part type unsupported", `{"model":"m","messages":[{"role":"user","content":[{"type":"audio"}]}]}`,
			"messages[0].content[0].type", "not supported"},
		// An image part needs its URL.
		{"image part without url", `{"model":"m","messages":[{"role":"user","content":[{"type":"image_url"}]}]}`,
			"messages[0].content[0].image_url.url", "required"},
		// A URL that no provider can fetch.
		{"image URL not a URL", `{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"not a url"}}]}]}`,
			"messages[0].content[0].image_url.url", "not a valid image URL"},
		// A scheme other than http, https or data.
		{"image URL ftp", `{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"ftp://h/x.png"}}]}]}`,
			"messages[0].content[0].image_url.url", "scheme"},
		// Inline data that is not base64.
		{"image data URL bad base64", `{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,!!!!"}}]}]}`,
			"messages[0].content[0].image_url.url", "base64"},
		// Inline data that is not an image.
		{"image data URL not an image", `{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:text/plain;base64,aGk="}}]}]}`,
			"messages[0].content[0].image_url.url", "image/*"},
		// detail is an enum.
		{"image detail unknown", `{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://h/x.png","detail":"max"}}]}]}`,
			"messages[0].content[0].image_url.detail", "auto, low, high"},
		// Role is required and typed.
		{"role missing", `{"model":"m","messages":[{"content":"hi"}]}`, "messages[0].role", "required"},
		// An unknown role is named.
		{"role unknown", `{"model":"m","messages":[{"role":"robot","content":"hi"}]}`, "messages[0].role", "robot"},
		// model is required.
		{"model missing", `{` + okMsgs + `}`, "model", "model"},
		// messages must be non-empty.
		{"messages empty", `{"model":"m","messages":[]}`, "messages", "non-empty"},
		// Nested option types are checked with their full path.
		{"include_usage is a string", `{"model":"m",` + okMsgs + `,"stream":true,"stream_options":{"include_usage":"y"}}`,
			"stream_options.include_usage", "expected a boolean"},
		// Ranges.
		{"temperature out of range", `{"model":"m",` + okMsgs + `,"temperature":3}`, "temperature", "between 0 and 2"},
	}
	cases = append(cases, hostileCases...)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, verr := DecodeChat([]byte(tc.body))
			if verr == nil {
				t.Fatal("accepted")
			}
			if verr.Status != http.StatusBadRequest || verr.Type != "invalid_request_error" {
				t.Errorf("status %d type %q", verr.Status, verr.Type)
			}
			if verr.Param != tc.param {
				t.Errorf("param %q, want %q (%s)", verr.Param, tc.param, verr.Message)
			}
			if !strings.Contains(verr.Message, tc.msg) || !strings.Contains(verr.Message, tc.param) {
				t.Errorf("message %q should mention %q and %q", verr.Message, tc.msg, tc.param)
			}
			env := verr.Envelope()
			if env.Error.Message != verr.Message || (tc.param != "") != (env.Error.Param != nil) {
				t.Errorf("envelope %+v", env)
			}
		})
	}
}

// TestDecodeChatAccepts checks requests every OpenAI client sends.
func TestDecodeChatAccepts(t *testing.T) {
	cases := []struct {
		name string
		body string
	}{
		// The minimal request.
		{"minimal", `{"model":"m",` + okMsgs + `}`},
		// Text and an https image.
		{"image https", `{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"what"},{"type":"image_url","image_url":{"url":"https://example.com/a.png","detail":"low"}}]}]}`},
		// Text and an inline PNG.
		{"image data", `{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]}]}`},
		// Unpadded base64, as some encoders write it.
		{"image data unpadded", `{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/gif;base64,R0lGODlh"}}]}]}`},
		// Every role, a tool round trip and the Janus extensions.
		// The parameters janus range-checks, at OpenAI's limits.
		{"sampling limits", `{"model":"m",` + okMsgs + `,"n":1,"max_tokens":131072,"max_completion_tokens":1,"temperature":2,"top_p":0,"frequency_penalty":-2,"presence_penalty":2,"logprobs":true,"top_logprobs":20,"seed":-5,"stop":["a","b","c","d"],"logit_bias":{"50256":-100}}`},
		{"stop string, nulls", `{"model":"m",` + okMsgs + `,"n":null,"stop":"END","max_tokens":null}`},
		// Text beyond the BMP, raw and as a surrogate pair escape.
		{"astral text", `{"model":"m","messages":[{"role":"user","content":"🦊 \ud83e\udd8a \u00e9 \\ud800"}]}`},
		{"all roles", `{"model":"m","competitor_id":"c","metadata":{"routing_decision":{"path":"fast"}},"messages":[{"role":"system","content":"s"},{"role":"developer","content":"d"},{"role":"user","content":"u"},{"role":"assistant","content":null,"tool_calls":[{"id":"1","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","tool_call_id":"1","content":"r"}]}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, verr := DecodeChat([]byte(tc.body)); verr != nil {
				t.Fatalf("rejected: %v", verr)
			}
		})
	}
}
