package chatreq

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// hostileCases are requests OpenAI refuses that janus servers once
// answered with 200 (issue 25): out-of-range parameters and text that is
// not UTF-8. TestDecodeChatRejects runs them here; the gateway and the
// baseline run them over HTTP (ValidationCases).
var hostileCases = func() []struct{ name, body, param, msg string } {
	var out []struct{ name, body, param, msg string }
	for _, c := range ValidationCases() {
		out = append(out, struct{ name, body, param, msg string }{c.Name, c.Body, c.Param, c.Message})
	}
	return out
}()

// FuzzDecodeChat: on any body the validator never panics, refuses with a
// 400 or 413 in OpenAI's error type, and whatever it accepts meets every
// rule it enforces (a model, messages with known roles, parameters in
// range, text that is UTF-8).
func FuzzDecodeChat(f *testing.F) {
	f.Add([]byte(`{"model":"m",` + okMsgs + `}`))
	f.Add([]byte(`{"model":"m",` + okMsgs + `,"n":2,"max_tokens":1000000000000000000,"temperature":0.5}`))
	f.Add([]byte(`{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"\ud800"}]}],"stop":["a"]}`))
	f.Add([]byte("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"\xff\"}]}"))
	for _, c := range ValidationCases() {
		f.Add([]byte(c.Body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, verr := DecodeChat(body)
		if verr != nil {
			if (verr.Status != 400 && verr.Status != 413) || verr.Type != "invalid_request_error" || verr.Message == "" {
				t.Fatalf("bad rejection %+v", verr)
			}
			if verr.Param != "" && !strings.Contains(verr.Message, verr.Param) {
				t.Fatalf("message %q does not name param %q", verr.Message, verr.Param)
			}
			return
		}
		if req.Model == "" || len(req.Messages) == 0 {
			t.Fatalf("accepted without model or messages: %q", body)
		}
		if off := invalidText(body); off >= 0 {
			t.Fatalf("accepted text that is not UTF-8 at byte %d: %q", off, body)
		}
		for i, m := range req.Messages {
			if !knownRoles[m.Role] || !utf8.ValidString(m.Content) {
				t.Fatalf("accepted message %d: role %q, content %q", i, m.Role, m.Content)
			}
		}
		if mt := req.MaxTokens; mt != nil && (*mt < 1 || *mt > MaxTokensLimit) {
			t.Fatalf("accepted max_tokens %d", *mt)
		}
		if tp := req.Temperature; tp != nil && (*tp < 0 || *tp > 2) {
			t.Fatalf("accepted temperature %g", *tp)
		}
		if p := req.TopP; p != nil && (*p < 0 || *p > 1) {
			t.Fatalf("accepted top_p %g", *p)
		}
	})
}
