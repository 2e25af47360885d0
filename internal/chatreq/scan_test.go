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
	for _, r := range partAndToolRows {
		f.Add([]byte(r.body))
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
	for _, r := range partAndToolRows {
		bodies = append(bodies, r.body)
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
		{`{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"a"}]}]}`, true, Head{Model: "m"}},
		{`{"model":"m",` + okMsgs + `,"temperature":3}`, false, Head{}},
	}
	for _, r := range partAndToolRows {
		cases = append(cases, struct {
			body string
			want bool
			head Head
		}{r.body, r.settles, map[bool]Head{true: {Model: "m"}}[r.settles]})
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

// Pieces of the rows below: a tool as the load client's suite sends it,
// a small valid PNG data: URL, and a user message holding parts.
const (
	weatherTool = `{"function":{"name":"get_weather","description":"Current weather for a city.","parameters":{"properties":{"city":{"type":"string"}},"required":["city"],"type":"object"}},"type":"function"}`
	pngURL      = `data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC`
)

// partsMsg is a body whose one user message has the given content parts.
func partsMsg(parts string) string {
	return `{"model":"m","messages":[{"role":"user","content":[` + parts + `]}]}`
}

// toolsReq is a body with the given tools array.
func toolsReq(tools string) string {
	return `{"model":"m",` + okMsgs + `,"tools":[` + tools + `],"tool_choice":"auto"}`
}

// partAndToolRows are tools arrays and content parts, the shapes the
// scan settles since the fourth pass and the hostile ones it must leave
// to DecodeChat (deep nesting, huge arrays, wrong types inside a tool or a
// part, parts Chat refuses, spellings encoding/json treats specially).
// settles is whether the scan alone accepts the body.
var partAndToolRows = []struct {
	name, body string
	settles    bool
}{
	{"suite tool", toolsReq(weatherTool), true},
	{"suite image", partsMsg(`{"type":"text","text":"What colour?"},{"type":"image_url","image_url":{"url":"` + pngURL + `"}}`), true},
	{"tools null", `{"model":"m",` + okMsgs + `,"tools":null}`, true},
	{"tool null element", toolsReq(`null`), true},
	{"tool bare", toolsReq(`{}`), true},
	{"tool nulls", toolsReq(`{"type":null,"function":null}`), true},
	{"tool function nulls", toolsReq(`{"type":"function","function":{"name":null,"description":null,"strict":null,"parameters":null}}`), true},
	{"tool strict", toolsReq(`{"type":"function","function":{"name":"f","strict":true,"parameters":[1,"a",{"b":false}]}}`), true},
	{"tool unknown members", toolsReq(`{"type":"web_search","search_context_size":"low","x":{"y":[1]}}`), true},
	{"tool many", toolsReq(strings.TrimSuffix(strings.Repeat(weatherTool+",", 2000), ",")), true},
	{"tool deep parameters", toolsReq(`{"type":"function","function":{"name":"f","parameters":` + strings.Repeat(`{"a":`, 70) + `1` + strings.Repeat(`}`, 70) + `}}`), false},
	{"tool deeper than json", toolsReq(`{"type":"function","function":{"name":"f","parameters":` + strings.Repeat(`[`, 20000) + strings.Repeat(`]`, 20000) + `}}`), false},
	{"tool type number", toolsReq(`{"type":1}`), false},
	{"tool type array", toolsReq(`{"type":["function"]}`), false},
	{"tool function array", toolsReq(`{"type":"function","function":[]}`), false},
	{"tool function string", toolsReq(`{"type":"function","function":"f"}`), false},
	{"tool name number", toolsReq(`{"type":"function","function":{"name":5}}`), false},
	{"tool description object", toolsReq(`{"type":"function","function":{"name":"f","description":{}}}`), false},
	{"tool strict string", toolsReq(`{"type":"function","function":{"name":"f","strict":"yes"}}`), false},
	{"tool element string", toolsReq(`"get_weather"`), false},
	{"tool element array", toolsReq(`[]`), false},
	{"tool element number", toolsReq(`7`), false},
	{"tools object", `{"model":"m",` + okMsgs + `,"tools":{"a":1}}`, false},
	{"tools string", `{"model":"m",` + okMsgs + `,"tools":"x"}`, false},
	{"tool Type folded", toolsReq(`{"Type":"function"}`), false},
	{"tool function folded", toolsReq(`{"type":"function","FUNCTION":{"name":"f"}}`), false},
	{"tool member escaped", toolsReq(`{"type":"function","function":{"name":"f","\u212Aey":1}}`), false},
	{"tool member folds to strict", toolsReq(`{"type":"function","function":{"name":"f","ſtrict":1}}`), false},
	{"tool member kelvin", toolsReq(`{"type":"function","function":{"name":"f","Key":1}}`), true},
	{"tool type repeated", toolsReq(`{"type":"function","type":5}`), false},
	{"tool strict repeated", toolsReq(`{"type":"function","function":{"strict":true,"strict":1}}`), false},
	{"tool name escaped member", toolsReq(`{"type":"function","function":{"n\u0061me":5}}`), false},
	{"tool unterminated", `{"model":"m",` + okMsgs + `,"tools":[{"type":"function"}`, false},
	{"parts empty", partsMsg(``), true},
	{"part text null", partsMsg(`{"type":"text","text":null}`), true},
	{"part text with image", partsMsg(`{"type":"text","text":"a","image_url":{"url":"not a url"}}`), true},
	{"part image http", partsMsg(`{"type":"image_url","image_url":{"url":"https://example.com/a.png","detail":"high"}}`), true},
	{"part image unknown members", partsMsg(`{"type":"image_url","image_url":{"url":"https://example.com/a.png","w":[1]},"cache":{"x":null}}`), true},
	{"parts many", partsMsg(strings.TrimSuffix(strings.Repeat(`{"type":"text","text":"a"},`, 5000), ",")), true},
	{"part audio", partsMsg(`{"type":"input_audio","input_audio":{"data":"AAAA","format":"wav"}}`), false},
	{"part type missing", partsMsg(`{"text":"a"}`), false},
	{"part type null", partsMsg(`{"type":null,"text":"a"}`), false},
	{"part type number", partsMsg(`{"type":1}`), false},
	{"part type escaped", partsMsg(`{"type":"te\u0078t","text":"a"}`), false},
	{"part type folded value", partsMsg(`{"type":"TEXT","text":"a"}`), false},
	{"part Type folded member", partsMsg(`{"Type":"text","text":"a"}`), false},
	{"part text number", partsMsg(`{"type":"text","text":5}`), false},
	{"part element null", partsMsg(`null`), false},
	{"part element string", partsMsg(`"hi"`), false},
	{"part element array", partsMsg(`[]`), false},
	{"part image no url", partsMsg(`{"type":"image_url","image_url":{}}`), false},
	{"part image null", partsMsg(`{"type":"image_url","image_url":null}`), false},
	{"part image missing", partsMsg(`{"type":"image_url"}`), false},
	{"part image url null", partsMsg(`{"type":"image_url","image_url":{"url":null}}`), false},
	{"part image url number", partsMsg(`{"type":"image_url","image_url":{"url":5}}`), false},
	{"part image url string", partsMsg(`{"type":"image_url","image_url":"https://example.com/a.png"}`), false},
	{"part image bad scheme", partsMsg(`{"type":"image_url","image_url":{"url":"ftp://example.com/a.png"}}`), false},
	{"part image no host", partsMsg(`{"type":"image_url","image_url":{"url":"https:///a.png"}}`), false},
	{"part image bad base64", partsMsg(`{"type":"image_url","image_url":{"url":"data:image/png;base64,!!!!"}}`), false},
	{"part image not image", partsMsg(`{"type":"image_url","image_url":{"url":"data:text/plain;base64,AAAA"}}`), false},
	{"part image bad detail", partsMsg(`{"type":"image_url","image_url":{"url":"` + pngURL + `","detail":"ultra"}}`), false},
	{"part image detail number", partsMsg(`{"type":"image_url","image_url":{"url":"` + pngURL + `","detail":1}}`), false},
	{"part image url escaped", partsMsg(`{"type":"image_url","image_url":{"url":"https:\/\/example.com\/a.png"}}`), false},
	{"part image URL folded", partsMsg(`{"type":"image_url","image_url":{"URL":"https://example.com/a.png"}}`), false},
	{"part image url repeated", partsMsg(`{"type":"image_url","image_url":{"url":"https://example.com/a.png","url":""}}`), false},
	{"part deep unknown", partsMsg(`{"type":"text","text":"a","x":` + strings.Repeat(`[`, 70) + strings.Repeat(`]`, 70) + `}`), false},
	{"part bad role", `{"model":"m","messages":[{"role":"robot","content":[{"type":"text","text":"a"}]}]}`, false},
	{"part content then string", `{"model":"m","messages":[{"role":"user","content":[],"content":"a"}]}`, false},
}

// TestPartAndToolRows: each row gets DecodeChat's exact answer from
// CheckChat, and the scan settles exactly the rows marked so.
func TestPartAndToolRows(t *testing.T) {
	for _, r := range partAndToolRows {
		t.Run(r.name, func(t *testing.T) {
			sameAsDecodeChat(t, []byte(r.body))
			if _, ok := scanChat([]byte(r.body)); ok != r.settles {
				_, verr := DecodeChat([]byte(r.body))
				t.Fatalf("scan settles = %v, want %v (DecodeChat: %v)", ok, r.settles, verr)
			}
		})
	}
}
