package trace

import (
	"strconv"
	"strings"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/internal/wire"
)

// The completion fast path decodes the common non-streamed answer — id,
// object, created, model, at most one choice whose message carries role,
// content, reasoning_content, tool calls and artifacts (flat objects of
// strings and integers), finish_reason, usage with integer counts and
// float costs — into the
// fields readCompletion reads, without encoding/json's reflection (a fifth
// of a non-stream load run's CPU). Keys it does not use (metadata,
// system_fingerprint, logprobs, …) are checked for validity and skipped,
// as encoding/json skips unknown keys. Anything else — null elements in
// arrays, several choices, duplicate keys, keys that differ from a
// field's name only in case, non-ASCII keys, surrogate escapes, invalid
// UTF-8, deep nesting, invalid JSON — makes it give up, and readCompletion
// decodes with encoding/json exactly as before. Metadata is not decoded
// (nothing in a trace keeps it).

// completionKeys are wire.Completion's, Choice's, Message's and Usage's
// JSON names: an unknown key that matches one of them case-insensitively
// would be decoded into that field by encoding/json, so the fast path
// gives up on it rather than skip it.
var completionKeys = []string{"id", "object", "created", "model", "choices", "usage", "metadata",
	"index", "message", "finish_reason", "role", "content", "reasoning_content", "reasoning", "tool_calls", "artifacts",
	"completion_tokens_details",
	"prompt_tokens", "completion_tokens", "total_tokens", "reasoning_tokens", "cost_usd", "sandbox_seconds",
	"type", "function", "name", "arguments", "mime_type", "display_name", "url", "size_bytes", "sha256",
	"created_at", "ttl_seconds"}

// skippable reports whether an unknown key may be skipped: ASCII, and no
// case-insensitive match of a field name.
func skippable(k []byte) bool {
	for _, c := range k {
		if c >= 0x80 {
			return false
		}
	}
	for _, f := range completionKeys {
		if strings.EqualFold(string(k), f) {
			return false
		}
	}
	return true
}

// internFinish avoids allocating the usual finish reasons.
func internFinish(b []byte) string {
	switch string(b) {
	case "stop":
		return "stop"
	case "length":
		return "length"
	case "tool_calls":
		return "tool_calls"
	case "content_filter":
		return "content_filter"
	}
	return string(b)
}

// parseCompletion decodes data into comp (which must be zero), or reports
// false when the body is not of the shape the fast path handles.
func (p *fastParser) parseCompletion(data []byte, comp *wire.Completion) bool {
	p.b, p.i, p.scratch = data, 0, p.scratch[:0]
	var seen [6]bool // id, object, created, model, choices, usage
	once := func(i int) bool {
		if seen[i] {
			return false
		}
		seen[i] = true
		return true
	}
	ok := p.object(func(k []byte) bool {
		switch string(k) {
		case "id", "object":
			i := 0
			if string(k) == "object" {
				i = 1
			}
			if !once(i) {
				return false
			}
			s, set, ok := p.strOrNull()
			if set && i == 0 {
				comp.ID = string(s)
			} else if set {
				comp.Object = string(s)
			}
			return ok
		case "created":
			if !once(2) {
				return false
			}
			if p.null() {
				return true
			}
			v, ok := p.integer()
			comp.Created = v
			return ok
		case "model":
			if !once(3) {
				return false
			}
			s, set, ok := p.strOrNull()
			if set {
				comp.Model = string(s)
			}
			return ok
		case "choices":
			return once(4) && p.completionChoices(comp)
		case "usage":
			return once(5) && p.usage(comp)
		case "metadata":
			// Skipped, but only an object or null: encoding/json
			// refuses anything else for a map, and the answer is then
			// bad JSON, which the fast path must not turn into a pass.
			if p.null() {
				return true
			}
			return p.i < len(p.b) && p.b[p.i] == '{' && p.skip(0)
		}
		return skippable(k) && p.skip(0)
	})
	if !ok {
		return false
	}
	p.ws()
	return p.i == len(p.b)
}

func (p *fastParser) completionChoices(comp *wire.Completion) bool {
	if p.null() {
		return true
	}
	if !p.eat('[') {
		return false
	}
	if p.eat(']') {
		comp.Choices = []wire.Choice{}
		return true
	}
	comp.Choices = make([]wire.Choice, 1)
	ch := &comp.Choices[0]
	var seen [3]bool // index, message, finish_reason
	ok := p.object(func(k []byte) bool {
		switch string(k) {
		case "index":
			if seen[0] {
				return false
			}
			seen[0] = true
			if p.null() {
				return true
			}
			v, ok := p.integer()
			ch.Index = int(v)
			return ok
		case "message":
			if seen[1] {
				return false
			}
			seen[1] = true
			return p.message(&ch.Message)
		case "finish_reason":
			if seen[2] {
				return false
			}
			seen[2] = true
			s, set, ok := p.strOrNull()
			if set {
				ch.FinishReason = internFinish(s)
			}
			return ok
		}
		return skippable(k) && p.skip(0)
	})
	// Exactly one choice; more go through encoding/json.
	return ok && p.eat(']')
}

func (p *fastParser) message(m *wire.Message) bool {
	if p.null() {
		return true
	}
	var seen [6]bool
	return p.object(func(k []byte) bool {
		slot := -1
		switch string(k) {
		case "reasoning":
			slot = 5
		case "role":
			slot = 0
		case "content":
			slot = 1
		case "reasoning_content":
			slot = 2
		case "tool_calls":
			slot = 3
		case "artifacts":
			slot = 4
		default:
			return skippable(k) && p.skip(0)
		}
		if seen[slot] {
			return false
		}
		seen[slot] = true
		switch slot {
		case 3:
			return p.toolCalls(m)
		case 4:
			return p.artifacts(m)
		}
		s, set, ok := p.strOrNull()
		if set {
			switch slot {
			case 0:
				if string(s) == "assistant" {
					m.Role = "assistant"
				} else {
					m.Role = string(s)
				}
			case 1:
				m.Content = string(s)
			case 2:
				m.ReasoningContent = string(s)
			case 5:
				m.Reasoning = string(s)
			}
		}
		return ok
	})
}

func (p *fastParser) usage(comp *wire.Completion) bool {
	if p.null() {
		return true
	}
	u := &wire.Usage{}
	var seen [7]bool
	ok := p.object(func(k []byte) bool {
		slot := -1
		switch string(k) {
		case "prompt_tokens":
			slot = 0
		case "completion_tokens":
			slot = 1
		case "total_tokens":
			slot = 2
		case "reasoning_tokens":
			slot = 3
		case "cost_usd":
			slot = 4
		case "sandbox_seconds":
			slot = 5
		case "completion_tokens_details":
			slot = 6
		default:
			return skippable(k) && p.skip(0)
		}
		if seen[slot] {
			return false
		}
		seen[slot] = true
		if p.null() {
			return true
		}
		if slot == 6 {
			return p.tokenDetails(u)
		}
		if slot >= 4 {
			f, ok := p.float()
			if slot == 4 {
				u.CostUSD = &f
			} else {
				u.SandboxSeconds = &f
			}
			return ok
		}
		v, ok := p.integer()
		switch slot {
		case 0:
			u.PromptTokens = int(v)
		case 1:
			u.CompletionTokens = int(v)
		case 2:
			u.TotalTokens = int(v)
		case 3:
			u.ReasoningTokens = int(v)
		}
		return ok
	})
	comp.Usage = u
	return ok
}

// tokenDetails decodes completion_tokens_details (its reasoning_tokens).
func (p *fastParser) tokenDetails(u *wire.Usage) bool {
	d := &wire.CompletionTokensDetails{}
	seen := false
	ok := p.object(func(k []byte) bool {
		if string(k) != "reasoning_tokens" {
			return skippable(k) && p.skip(0)
		}
		if seen {
			return false
		}
		seen = true
		if p.null() {
			return true
		}
		v, ok := p.integer()
		d.ReasoningTokens = int(v)
		return ok
	})
	u.CompletionTokensDetails = d
	return ok
}

// number scans a JSON number and returns its text.
func (p *fastParser) number() ([]byte, bool) {
	p.ws()
	start := p.i
	digits := func() int {
		n := 0
		for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if p.i < len(p.b) && p.b[p.i] == '-' {
		p.i++
	}
	intStart := p.i
	if n := digits(); n == 0 || (n > 1 && p.b[intStart] == '0') {
		return nil, false
	}
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		if digits() == 0 {
			return nil, false
		}
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return nil, false
		}
	}
	return p.b[start:p.i], true
}

// float reads a JSON number as encoding/json does for a float64 field.
func (p *fastParser) float() (float64, bool) {
	s, ok := p.number()
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(s), 64)
	return f, err == nil
}

// skip checks and skips one JSON value of any kind; depth bounds the
// nesting it follows before giving up.
func (p *fastParser) skip(depth int) bool {
	if depth > 32 {
		return false
	}
	p.ws()
	if p.i >= len(p.b) {
		return false
	}
	switch c := p.b[p.i]; {
	case c == '{':
		return p.object(func(k []byte) bool { return p.skip(depth + 1) })
	case c == '[':
		p.i++
		if p.eat(']') {
			return true
		}
		for {
			if !p.skip(depth + 1) {
				return false
			}
			if p.eat(',') {
				continue
			}
			return p.eat(']')
		}
	case c == '"':
		_, ok := p.str()
		return ok
	case c == 't':
		return p.lit("true")
	case c == 'f':
		return p.lit("false")
	case c == 'n':
		return p.lit("null")
	default:
		_, ok := p.number()
		return ok
	}
}

// flatField is one field of an object: a string, an integer, an
// optional integer (allocated when present, as encoding/json does) or a
// nested object decoded by sub.
type flatField struct {
	name string
	s    *string
	i    *int64
	pi   **int
	sub  func() bool // a nested object
}

// flat decodes an object whose fields are fs (each at most once, null
// leaving it as it is); unknown keys are skipped as in parseCompletion.
func (p *fastParser) flat(fs []flatField) bool {
	var seen uint32
	return p.object(func(k []byte) bool {
		for n := range fs {
			f := &fs[n]
			if string(k) != f.name {
				continue
			}
			if seen&(1<<n) != 0 {
				return false
			}
			seen |= 1 << n
			if p.null() {
				return true
			}
			switch {
			case f.sub != nil:
				return f.sub()
			case f.s != nil:
				v, ok := p.str()
				*f.s = string(v)
				return ok
			case f.i != nil:
				v, ok := p.integer()
				*f.i = v
				return ok
			default:
				v, ok := p.integer()
				iv := int(v)
				*f.pi = &iv
				return ok
			}
		}
		return skippable(k) && p.skip(0)
	})
}

// array calls elem for each element of an array (null: never); an empty
// array calls empty, as encoding/json makes an empty non-nil slice.
func (p *fastParser) array(empty func(), elem func() bool) bool {
	if p.null() {
		return true
	}
	if !p.eat('[') {
		return false
	}
	if p.eat(']') {
		empty()
		return true
	}
	for {
		p.ws()
		if p.i < len(p.b) && p.b[p.i] != '{' {
			return false // null elements and the like: encoding/json
		}
		if !elem() {
			return false
		}
		if p.eat(',') {
			continue
		}
		return p.eat(']')
	}
}

func (p *fastParser) toolCalls(m *wire.Message) bool {
	return p.array(func() { m.ToolCalls = []openai.ToolCall{} }, func() bool {
		m.ToolCalls = append(m.ToolCalls, openai.ToolCall{})
		tc := &m.ToolCalls[len(m.ToolCalls)-1]
		var typ string
		fn := func() bool {
			return p.flat([]flatField{{name: "name", s: &tc.Function.Name}, {name: "arguments", s: &tc.Function.Arguments}})
		}
		ok := p.flat([]flatField{{name: "index", pi: &tc.Index}, {name: "id", s: &tc.ID}, {name: "type", s: &typ}, {name: "function", sub: fn}})
		if typ != "" {
			tc.Type = openai.ToolType(typ)
		}
		return ok
	})
}

func (p *fastParser) artifacts(m *wire.Message) bool {
	return p.array(func() { m.Artifacts = []wire.Artifact{} }, func() bool {
		m.Artifacts = append(m.Artifacts, wire.Artifact{})
		a := &m.Artifacts[len(m.Artifacts)-1]
		return p.flat([]flatField{{name: "id", s: &a.ID}, {name: "type", s: &a.Type}, {name: "mime_type", s: &a.MimeType},
			{name: "display_name", s: &a.DisplayName}, {name: "url", s: &a.URL}, {name: "size_bytes", i: &a.SizeBytes},
			{name: "sha256", s: &a.SHA256}, {name: "created_at", s: &a.CreatedAt}, {name: "ttl_seconds", i: &a.TTLSeconds}})
	})
}
