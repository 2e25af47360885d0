package chatreq

import (
	"reflect"
	"strings"
	"testing"
)

// scanSeeds are bodies around the scan's edges: the shapes it settles and
// the spellings it must leave to DecodeChat (case-folded, escaped or
// repeated member names, which encoding/json matches or lets win).
var scanSeeds = []string{
	`{"model":"m",` + okMsgs + `}`,
	` {"model" : "m" , "messages" : [ {"role":"user","content":"hi"} ] } ` + "\n",
	`{"model":"m",` + okMsgs + `,"stream":true,"stream_options":{"include_usage":true},"max_tokens":16,"temperature":0.7,"top_p":1,"n":1,"seed":-3,"stop":["a"],"user":"u","competitor_id":"c"}`,
	`{"model":"m",` + okMsgs + `,"stream":null,"stream_options":null,"max_tokens":null,"temperature":null,"competitor_id":null,"metadata":{"a":[1,{"b":null}]},"tool_choice":"auto","response_format":{"type":"json_object"},"tools":[],"logit_bias":{},"debug":false,"logprobs":true,"top_logprobs":2,"x-vendor":{"deep":[[[]]]}}`,
	`{"model":"m","messages":[{"role":"assistant","content":null,"tool_calls":[],"function_call":null,"name":"n","refusal":null,"reasoning_content":"r"},{"role":"tool","tool_call_id":"1","content":"r\n\"q\" \u00e9 \ud83e\udd8a"}]}`,
	`{"Model":"m",` + okMsgs + `}`,
	`{"model":"a","model":"b",` + okMsgs + `}`,
	`{"mod\u0065l":"m",` + okMsgs + `}`,
	`{"model":"m\u0041",` + okMsgs + `}`,
	`{"model":"m","MESSAGES":[{"role":"user","content":"hi"}]}`,
	`{"model":"m","messages":[{"ROLE":"user","content":"hi"}]}`,
	`{"model":"m","messages":[{"role":"user","content":"a","content":5}]}`,
	`{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"a"}]}]}`,
	`{"model":"m",` + okMsgs + `,"stream":true,"stream_options":{"include_usage":true,"Include_Usage":false}}`,
	`{"model":"m",` + okMsgs + `,"stream":true,"stream_options":{"include_usage":true,"include_usage":null}}`,
	`{"model":"m",` + okMsgs + `,"tools":{}}`,
	`{"model":"m",` + okMsgs + `,"logit_bias":[]}`,
	`{"model":"m","messages":[{"role":"user","content":"hi","function_call":[]}]}`,
	`{"model":"m","messages":[{"role":"user","content":"hi","tool_calls":{}}]}`,
	`{"model":"m",` + okMsgs + `,"max_tokens":1.0}`,
	`{"model":"m",` + okMsgs + `,"max_tokens":-0}`,
	`{"model":"m",` + okMsgs + `,"temperature":1e400}`,
	`{"model":"m",` + okMsgs + `,"temperature":-0.0e0}`,
	`{"model":"m",` + okMsgs + `,"seed":99999999999999999999}`,
	`{"model":"m",` + okMsgs + `,"top_logprobs":0,"logprobs":null}`,
	`{"model":"m",` + okMsgs + `,"stop":"x","stop":null}`,
	`{"model":"m",` + okMsgs + `,"n":01}`,
	`{"model":"m",` + okMsgs + `,"x":tru}`,
	`{"model":"m",` + okMsgs + `,"x":"\x"}`,
	`{"model":"m",` + okMsgs + `,"x":"a` + "\t" + `b"}`,
	`{"model":"m",` + okMsgs + "}\x00",
	"\ufeff" + `{"model":"m",` + okMsgs + `}`,
	`{"model":"m",` + okMsgs + `,"x":` + strings.Repeat("[", 70) + strings.Repeat("]", 70) + `}`,
	`{"model":"m",` + okMsgs + `,"\u212Aey":1,"K":2}`,
	`{"model":"m",` + okMsgs + ",\"\u212Aey\":1}",
	`{"model":"m",` + okMsgs + ",\"\u017Ftream\":true}",
	`{"model":"m",` + okMsgs + ",\"max_to\u212Aens\":0}",
	`{"model":"m",` + okMsgs + ",\"\u017Feed\":1.5}",
	`{"model":"m",` + okMsgs + `,"ſtream":true}`,
	`{"model":"m",` + okMsgs + `,"streaM":true}`,
}

// sameAsDecodeChat fails t unless CheckChat answers body as DecodeChat
// does (the same *Error, or for an acceptance the same Head), and unless
// the scan, when it settles body alone, accepts only what DecodeChat
// accepts.
func sameAsDecodeChat(t *testing.T, body []byte) {
	t.Helper()
	req, verr := DecodeChat(body)
	head, cerr := CheckChat(body)
	if !reflect.DeepEqual(cerr, verr) {
		t.Fatalf("%q: CheckChat error %+v, DecodeChat %+v", body, cerr, verr)
	}
	if verr == nil && head != HeadOf(req) {
		t.Fatalf("%q: CheckChat head %+v, DecodeChat %+v", body, head, HeadOf(req))
	}
	if h, ok := scanChat(body); ok {
		if verr != nil {
			t.Fatalf("%q: the scan accepted what DecodeChat refuses: %v", body, verr)
		}
		if h != HeadOf(req) {
			t.Fatalf("%q: scan head %+v, DecodeChat %+v", body, h, HeadOf(req))
		}
	}
}

// FuzzCheckChat: on any body, CheckChat gives DecodeChat's verdict, error
// and head, and the scan alone never accepts what DecodeChat refuses.
func FuzzCheckChat(f *testing.F) {
	for _, s := range scanSeeds {
		f.Add([]byte(s))
	}
	for _, c := range ValidationCases() {
		f.Add([]byte(c.Body))
	}
	f.Fuzz(func(t *testing.T, body []byte) { sameAsDecodeChat(t, body) })
}

// TestCheckChatAsDecodeChat runs the validator's own cases and the edge
// seeds through CheckChat.
func TestCheckChatAsDecodeChat(t *testing.T) {
	var bodies []string
	bodies = append(bodies, scanSeeds...)
	for _, c := range hostileCases {
		bodies = append(bodies, c.body)
	}
	for i, b := range bodies {
		t.Run(strings.ReplaceAll(b[:min(len(b), 40)], "/", "|")+"#"+string(rune('a'+i%26)), func(t *testing.T) {
			sameAsDecodeChat(t, []byte(b))
		})
	}
}

// TestScanSettles checks which requests the scan settles itself: the
// common shapes must (or the fast path would be dead code), and the
// spellings encoding/json treats specially must not.
func TestScanSettles(t *testing.T) {
	cases := []struct {
		body string
		want bool
		head Head
	}{
		{scanSeeds[0], true, Head{Model: "m"}},
		{scanSeeds[1], true, Head{Model: "m"}},
		{scanSeeds[2], true, Head{Model: "m", CompetitorID: "c", Stream: true, IncludeUsage: true}},
		{scanSeeds[3], true, Head{Model: "m"}},
		{scanSeeds[4], true, Head{Model: "m"}},
		{`{"Model":"m",` + okMsgs + `}`, false, Head{}},
		{`{"model":"a","model":"b",` + okMsgs + `}`, false, Head{}},
		{`{"mod\u0065l":"m",` + okMsgs + `}`, false, Head{}},
		{`{"model":"m",` + okMsgs + ",\"\u212Aey\":1}", true, Head{Model: "m"}},
		{`{"model":"m",` + okMsgs + ",\"\u212Aey\":1,\"\u212Aey\":2}", true, Head{Model: "m"}},
		{`{"model":"m",` + okMsgs + `,"\u212Aey":1}`, false, Head{}},
		{`{"model":"m",` + okMsgs + `,"ſtream":true}`, false, Head{}},
		{`{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"a"}]}]}`, false, Head{}},
		{`{"model":"m",` + okMsgs + `,"temperature":3}`, false, Head{}},
	}
	for _, tc := range cases {
		t.Run(tc.body, func(t *testing.T) {
			h, ok := scanChat([]byte(tc.body))
			if ok != tc.want || h != tc.head {
				t.Fatalf("scan = %+v, %v; want %+v, %v", h, ok, tc.head, tc.want)
			}
		})
	}
}

// TestCheckChatAllocs: the scan of a typical request allocates only the
// model's string.
func TestCheckChatAllocs(t *testing.T) {
	body := []byte(`{"model":"m","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"What is the capital of France?"}],"stream":true,"stream_options":{"include_usage":true},"max_tokens":16,"temperature":0.2}`)
	n := testing.AllocsPerRun(100, func() {
		if _, verr := CheckChat(body); verr != nil {
			t.Fatal(verr)
		}
	})
	if n > 1 {
		t.Fatalf("%v allocations per CheckChat, want ≤ 1", n)
	}
}
