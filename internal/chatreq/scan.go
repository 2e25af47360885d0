package chatreq

import (
	"bytes"
	"strconv"

	"github.com/janus-bench/janus/internal/wire"
)

// Head is what a router needs of a valid chat completion request: where it
// goes and how its answer is relayed.
type Head struct {
	Model        string
	CompetitorID string
	Stream       bool
	IncludeUsage bool // stream_options.include_usage
}

// WantsUsage reports whether the client asked for a usage chunk at the end
// of a stream (wire.ChatRequest.WantsUsage).
func (h Head) WantsUsage() bool { return h.Stream && h.IncludeUsage }

// HeadOf is the Head of a decoded request.
func HeadOf(r *wire.ChatRequest) Head {
	return Head{Model: r.Model, CompetitorID: r.CompetitorID, Stream: r.Stream,
		IncludeUsage: r.StreamOptions != nil && r.StreamOptions.IncludeUsage}
}

// CheckChat validates a chat completion request body with exactly
// DecodeChat's verdict and, for a refusal, DecodeChat's own *Error, and
// returns the request's Head. A request of the common shape (string
// contents or text and image parts, scalar parameters, tool definitions)
// is accepted by one scan of its bytes that
// decodes nothing but the model and competitor ids; DecodeChat's
// reflection, maps and per-message decoding were a third of a relayed
// request's CPU in the gateway. Anything the scan does not settle (every
// refusal, and shapes it does not cover) goes to DecodeChat, so the scan
// can only ever say "accepted": FuzzCheckChat checks that DecodeChat
// accepts whatever it accepts, with the same Head.
func CheckChat(data []byte) (Head, *Error) {
	if h, ok := scanChat(data); ok {
		return h, nil
	}
	req, verr := DecodeChat(data)
	if verr != nil {
		return Head{}, verr
	}
	return HeadOf(req), nil
}

// maxScanDepth bounds the nesting the scan follows; deeper documents are
// left to encoding/json (whose own limit is far higher).
const maxScanDepth = 64

// scanner reads one JSON document in place. Every method returns false
// for anything it does not accept, which sends the request to DecodeChat.
type scanner struct {
	b []byte
	i int
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek is the next byte after white space, or 0 at the end.
func (s *scanner) peek() byte {
	s.ws()
	if s.i >= len(s.b) {
		return 0
	}
	return s.b[s.i]
}

// eat consumes c after white space.
func (s *scanner) eat(c byte) bool {
	if s.peek() != c {
		return false
	}
	s.i++
	return true
}

// str consumes a string and returns its contents between the quotes and
// whether they hold an escape. The bytes are checked as encoding/json's
// scanner checks them: no control characters, only JSON's escapes. UTF-8
// is checked once for the whole body (invalidText), as DecodeChat does.
func (s *scanner) str() (raw []byte, escaped, ok bool) {
	if !s.eat('"') {
		return nil, false, false
	}
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return s.b[start : s.i-1], escaped, true
		case c < 0x20:
			return nil, false, false
		case c == '\\':
			escaped = true
			if s.i+1 >= len(s.b) {
				return nil, false, false
			}
			switch s.b[s.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i += 2
			case 'u':
				if hex4(s.b[s.i+2:]) < 0 {
					return nil, false, false
				}
				s.i += 6
			default:
				return nil, false, false
			}
		default:
			s.i++
		}
	}
	return nil, false, false
}

// plainStr consumes a string without escapes and returns its contents.
func (s *scanner) plainStr() ([]byte, bool) {
	raw, esc, ok := s.str()
	return raw, ok && !esc
}

// number consumes a number in JSON's grammar and returns its text.
func (s *scanner) number() ([]byte, bool) {
	s.ws()
	b, start := s.b, s.i
	i := start
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = digits(b, i)
	default:
		return nil, false
	}
	if i < len(b) && b[i] == '.' {
		if i = digits(b, i+1); b[i-1] == '.' {
			return nil, false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		e := digits(b, i)
		if e == i {
			return nil, false
		}
		i = e
	}
	s.i = i
	return b[start:i], true
}

// digits is the index after the decimal digits at b[i:].
func digits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}

// lit consumes the literal word (true, false, null).
func (s *scanner) lit(word string) bool {
	s.ws()
	if !bytes.HasPrefix(s.b[s.i:], []byte(word)) {
		return false
	}
	s.i += len(word)
	return true
}

// null consumes a null if one is next.
func (s *scanner) null() bool {
	if s.peek() == 'n' {
		return s.lit("null")
	}
	return false
}

// value consumes any one JSON value.
func (s *scanner) value(depth int) bool {
	switch s.peek() {
	case '"':
		_, _, ok := s.str()
		return ok
	case '{':
		return depth < maxScanDepth && s.object(func(_ []byte) bool { return s.value(depth + 1) })
	case '[':
		return depth < maxScanDepth && s.array(func() bool { return s.value(depth + 1) })
	case 't':
		return s.lit("true")
	case 'f':
		return s.lit("false")
	case 'n':
		return s.lit("null")
	}
	_, ok := s.number()
	return ok
}

// object consumes an object, calling member for each member with its
// name (without escapes: a name with one is not accepted, as it could
// decode to a field's name) positioned at its value, which member must
// consume.
func (s *scanner) object(member func(name []byte) bool) bool {
	if !s.eat('{') {
		return false
	}
	if s.eat('}') {
		return true
	}
	for {
		name, ok := s.plainStr()
		if !ok || !s.eat(':') || !member(name) {
			return false
		}
		if s.eat('}') {
			return true
		}
		if !s.eat(',') {
			return false
		}
	}
}

// array consumes an array, calling elem positioned at each element.
func (s *scanner) array(elem func() bool) bool {
	if !s.eat('[') {
		return false
	}
	if s.eat(']') {
		return true
	}
	for {
		if !elem() {
			return false
		}
		if s.eat(']') {
			return true
		}
		if !s.eat(',') {
			return false
		}
	}
}

// boolean consumes true, false or null (which leaves a Go bool as it was).
func (s *scanner) boolean(v *bool) bool {
	switch s.peek() {
	case 't':
		*v = true
		return s.lit("true")
	case 'f':
		*v = false
		return s.lit("false")
	}
	return s.null()
}

// optInt consumes null or a number that encoding/json decodes into an int
// (no fraction, no exponent, in range), and reports whether it was set.
func (s *scanner) optInt(v *int64) (set, ok bool) {
	if s.null() {
		return false, true
	}
	t, ok := s.number()
	if !ok {
		return false, false
	}
	n, err := strconv.ParseInt(string(t), 10, 64)
	*v = n
	return true, err == nil
}

// optFloat consumes null or a number that fits a float64.
func (s *scanner) optFloat(v *float64) (set, ok bool) {
	if s.null() {
		return false, true
	}
	t, ok := s.number()
	if !ok {
		return false, false
	}
	f, err := strconv.ParseFloat(string(t), 64)
	*v = f
	return true, err == nil
}

// optString consumes null or any string.
func (s *scanner) optString() bool {
	if s.null() {
		return true
	}
	_, _, ok := s.str()
	return ok
}

// nullOrEmpty consumes null or an empty array ('[') or object ('{'): the
// only values of the fields whose contents the scan does not check
// (tool_calls, function_call, logit_bias).
func (s *scanner) nullOrEmpty(open byte) bool {
	if s.peek() == open {
		s.i++
		return s.eat(open + 2) // ']' is '['+2, '}' is '{'+2
	}
	return s.null()
}

// nullOrObject consumes null or any object (a map[string]any field).
func (s *scanner) nullOrObject() bool {
	if s.peek() == '{' {
		return s.value(0)
	}
	return s.null()
}

// foldsToAny reports whether name matches one of names the way
// encoding/json matches a member to a field (bytes.EqualFold).
func foldsToAny(name []byte, names []string) bool {
	for _, n := range names {
		if bytes.EqualFold(name, []byte(n)) {
			return true
		}
	}
	return false
}

// chatFields are the members DecodeChat decodes at the top level
// (wire.ChatRequest's, paramsJSON's).
var chatFields = []string{"model", "messages", "temperature", "top_p", "max_tokens", "stream",
	"stream_options", "tools", "tool_choice", "response_format", "user", "metadata",
	"generation_flags", "debug", "competitor_id", "n", "max_completion_tokens",
	"frequency_penalty", "presence_penalty", "logprobs", "top_logprobs", "seed", "stop", "logit_bias"}

// messageFields are the members of a message (messageJSON's).
var messageFields = []string{"role", "content", "refusal", "name", "reasoning_content",
	"function_call", "tool_calls", "tool_call_id"}

// chatScan is what the scan of a request collects for the checks DecodeChat
// makes after decoding.
type chatScan struct {
	head                          Head
	model                         []byte
	seen                          uint32 // bit i: chatFields[i] occurred
	messages                      int
	temperature, topP, freq, pres float64
	maxTokens, maxCompletion, n   int64
	topLogprobs                   int64
	hasMaxTokens, hasMaxCompl     bool
	hasN, hasTopLogprobs          bool
	hasTemp, hasTopP              bool
	hasFreq, hasPres              bool
	logprobs                      bool
	stop                          []byte
}

// scanChat accepts a request DecodeChat would accept, if it can tell by
// one scan, and returns its Head; false means "ask DecodeChat".
func scanChat(data []byte) (Head, bool) {
	if invalidText(data) >= 0 {
		return Head{}, false
	}
	s := &scanner{b: data}
	var c chatScan
	if !s.object(func(name []byte) bool { return c.member(s, name) }) {
		return Head{}, false
	}
	if s.ws(); s.i != len(data) {
		return Head{}, false
	}
	if !c.valid() {
		return Head{}, false
	}
	c.head.Model = string(c.model)
	return c.head, true
}

// member scans the value of the top-level member name.
func (c *chatScan) member(s *scanner, name []byte) bool {
	f := fieldIndex(name)
	if f < 0 {
		// An unknown member is skipped, as encoding/json skips it, unless
		// it would match a field regardless of case.
		return !foldsToAny(name, chatFields) && s.value(0)
	}
	if c.seen&(1<<f) != 0 {
		return false // a repeated member: the last one wins; leave it to DecodeChat
	}
	c.seen |= 1 << f
	switch chatFields[f] {
	case "model":
		m, ok := s.plainStr()
		c.model = m
		return ok
	case "messages":
		return s.array(func() bool { c.messages++; return scanMessage(s) })
	case "stream":
		return s.boolean(&c.head.Stream)
	case "stream_options":
		return s.null() || s.object(func(name []byte) bool {
			switch {
			case string(name) == "include_usage":
				return s.boolean(&c.head.IncludeUsage)
			case bytes.EqualFold(name, []byte("include_usage")):
				return false
			}
			return s.value(0)
		})
	case "competitor_id":
		if s.null() {
			return true
		}
		id, ok := s.plainStr()
		c.head.CompetitorID = string(id)
		return ok
	case "user":
		return s.optString()
	case "debug":
		var b bool
		return s.boolean(&b)
	case "logprobs":
		return s.boolean(&c.logprobs)
	case "tools":
		return s.null() || s.array(func() bool { return scanTool(s) })
	case "tool_choice", "response_format":
		return s.value(0)
	case "metadata", "generation_flags":
		return s.nullOrObject()
	case "logit_bias":
		return s.nullOrEmpty('{')
	case "stop":
		start := skipWSFrom(s.b, s.i)
		if !s.value(0) {
			return false
		}
		c.stop = s.b[start:s.i]
		return true
	}
	return c.number(s, chatFields[f])
}

// number scans the value of a numeric parameter.
func (c *chatScan) number(s *scanner, name string) bool {
	var ok bool
	switch name {
	case "temperature":
		c.hasTemp, ok = s.optFloat(&c.temperature)
	case "top_p":
		c.hasTopP, ok = s.optFloat(&c.topP)
	case "frequency_penalty":
		c.hasFreq, ok = s.optFloat(&c.freq)
	case "presence_penalty":
		c.hasPres, ok = s.optFloat(&c.pres)
	case "max_tokens":
		c.hasMaxTokens, ok = s.optInt(&c.maxTokens)
	case "max_completion_tokens":
		c.hasMaxCompl, ok = s.optInt(&c.maxCompletion)
	case "n":
		c.hasN, ok = s.optInt(&c.n)
	case "top_logprobs":
		c.hasTopLogprobs, ok = s.optInt(&c.topLogprobs)
	case "seed":
		var seed int64
		_, ok = s.optInt(&seed)
	}
	return ok
}

// valid makes DecodeChat's checks after decoding (Chat and paramsJSON's
// check) on what the scan collected; false means DecodeChat would refuse
// (or might: it is asked).
func (c *chatScan) valid() bool {
	inRange := func(set bool, v, lo, hi float64) bool { return !set || (v >= lo && v <= hi) }
	tokens := func(set bool, v int64) bool { return !set || (v >= 1 && v <= MaxTokensLimit) }
	switch {
	case len(c.model) == 0, c.messages == 0:
		return false
	case !inRange(c.hasTemp, c.temperature, 0, 2), !inRange(c.hasTopP, c.topP, 0, 1),
		!inRange(c.hasFreq, c.freq, -2, 2), !inRange(c.hasPres, c.pres, -2, 2):
		return false
	case !tokens(c.hasMaxTokens, c.maxTokens), !tokens(c.hasMaxCompl, c.maxCompletion):
		return false
	case c.hasN && c.n != 1:
		return false
	case c.hasTopLogprobs && (c.topLogprobs < 0 || c.topLogprobs > MaxTopLogprobs || !c.logprobs):
		return false
	}
	return checkStop(c.stop) == nil
}

// fieldIndex is name's index in chatFields, or -1.
func fieldIndex(name []byte) int {
	for i, f := range chatFields {
		if string(name) == f {
			return i
		}
	}
	return -1
}

// scanMessage scans one message: an object whose role is known and whose
// content is a string, null or an array of content parts, with no tool
// calls.
func scanMessage(s *scanner) bool {
	var seen uint32
	roleOK := false
	ok := s.object(func(name []byte) bool {
		f := memberIndex(name, messageFields, &seen)
		if f < 0 {
			return f == skipMember && s.value(0)
		}
		switch messageFields[f] {
		case "role":
			r, ok := s.plainStr()
			roleOK = ok && knownRoles[string(r)]
			return ok
		case "content":
			if s.peek() == '[' {
				return s.array(func() bool { return scanPart(s) })
			}
		case "function_call":
			return s.nullOrEmpty('{')
		case "tool_calls":
			return s.nullOrEmpty('[')
		}
		return s.optString() // content, refusal, name, reasoning_content, tool_call_id
	})
	return ok && roleOK
}

// What memberIndex answers for a member that is not one of the fields.
const (
	skipMember  = -1 // unknown: encoding/json skips it, so does the scan
	leaveMember = -2 // case-folded or repeated: left to DecodeChat
)

// memberIndex is name's index in fields, marked in seen, or skipMember for
// a name encoding/json skips, or leaveMember for one it matches to a field
// regardless of case or has seen before (where the last one wins).
func memberIndex(name []byte, fields []string, seen *uint32) int {
	for i, f := range fields {
		if string(name) == f {
			if *seen&(1<<i) != 0 {
				return leaveMember
			}
			*seen |= 1 << i
			return i
		}
	}
	if foldsToAny(name, fields) {
		return leaveMember
	}
	return skipMember
}

// Members of the objects inside tools and content parts, as go-openai's
// Tool, FunctionDefinition, ChatMessagePart and ChatMessageImageURL
// decode them (none has its own UnmarshalJSON).
var (
	toolFields     = []string{"type", "function"}
	functionFields = []string{"name", "description", "strict", "parameters"}
	partFields     = []string{"type", "text", "image_url"}
	imageFields    = []string{"url", "detail"}
)

// scanTool scans one element of tools. DecodeChat checks nothing of a tool
// beyond its decoding into openai.Tool: null, or an object whose type is
// a string and whose function is null or an object of
// FunctionDefinition's types (parameters may be any value).
func scanTool(s *scanner) bool {
	if s.null() {
		return true
	}
	var seen uint32
	return s.object(func(name []byte) bool {
		switch memberIndex(name, toolFields, &seen) {
		case skipMember:
			return s.value(0)
		case 0: // type
			return s.optString()
		case 1: // function
			return s.null() || scanFunction(s)
		}
		return false
	})
}

// scanFunction scans a tool's function object.
func scanFunction(s *scanner) bool {
	var seen uint32
	return s.object(func(name []byte) bool {
		switch memberIndex(name, functionFields, &seen) {
		case skipMember, 3: // parameters: any
			return s.value(0)
		case 0, 1: // name, description
			return s.optString()
		case 2: // strict
			var b bool
			return s.boolean(&b)
		}
		return false
	})
}

// scanPart scans one content part and makes Chat's checks of it: its type
// is text or image_url, and an image_url part has a valid URL and detail.
// Its type, URL and detail must be strings without escapes (others are
// left to DecodeChat); an audio or any other part is refused by Chat, so
// the scan leaves it to DecodeChat too.
func scanPart(s *scanner) bool {
	var seen uint32
	var typ, url, detail []byte
	image := false
	ok := s.object(func(name []byte) bool {
		var ok bool
		switch memberIndex(name, partFields, &seen) {
		case skipMember:
			return s.value(0)
		case 0: // type
			typ, ok = s.plainStr()
			return ok
		case 1: // text
			return s.optString()
		case 2: // image_url
			if s.null() {
				return true
			}
			image = true
			return scanImageURL(s, &url, &detail)
		}
		return false
	})
	switch {
	case !ok:
		return false
	case string(typ) == "text":
		return true
	case string(typ) != "image_url" || !image || len(url) == 0:
		return false
	}
	switch string(detail) {
	case "", "auto", "low", "high":
		return ImageURL(string(url)) == nil
	}
	return false
}

// scanImageURL scans an image_url object, returning its url and detail
// (null leaves them empty, as it leaves the Go strings).
func scanImageURL(s *scanner, url, detail *[]byte) bool {
	var seen uint32
	return s.object(func(name []byte) bool {
		f := memberIndex(name, imageFields, &seen)
		switch {
		case f == skipMember:
			return s.value(0)
		case f < 0:
			return false
		case s.null():
			return true
		}
		v, ok := s.plainStr()
		if f == 0 {
			*url = v
		} else {
			*detail = v
		}
		return ok
	})
}

// skipWSFrom is the index of the first byte at or after i that is not
// JSON white space.
func skipWSFrom(b []byte, i int) int {
	s := scanner{b: b, i: i}
	s.ws()
	return s.i
}
