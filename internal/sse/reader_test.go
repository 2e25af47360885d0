package sse

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// rec is a comparable, copied snapshot of one item returned by Next.
type rec struct {
	Kind    Kind
	Type    string
	Data    string
	Comment string
	ID      string
	HasID   bool
	Retry   int64
	Bytes   int   // in wants, 0 means "not checked"
	Offset  int64 // Reader.Offset after the item; not part of wants
}

func ev(data string) rec       { return rec{Kind: KindEvent, Data: data, Retry: -1} }
func cm(text string) rec       { return rec{Kind: KindComment, Comment: text, Retry: -1} }
func (r rec) typ(s string) rec { r.Type = s; return r }
func (r rec) id(s string) rec  { r.ID, r.HasID = s, true; return r }
func (r rec) retry(n int64) rec {
	r.Retry = n
	return r
}
func (r rec) n(bytes int) rec { r.Bytes = bytes; return r }

func recOf(e *Event, off int64) rec {
	return rec{
		Kind:    e.Kind,
		Type:    string(e.Type),
		Data:    string(e.Data),
		Comment: string(e.Comment),
		ID:      string(e.ID),
		HasID:   e.ID != nil,
		Retry:   e.Retry,
		Bytes:   e.Bytes,
		Offset:  off,
	}
}

// result is everything observable about reading one stream to its end.
type result struct {
	items     []rec
	err       string
	pending   int
	offset    int64
	unclaimed int // consumed bytes not yet counted in any item's Bytes
}

// maxItems stops collect on a runaway reader instead of exhausting memory.
const maxItems = 1 << 20

func collect(src io.Reader, opts ...Option) result {
	rd := NewReader(src, opts...)
	var res result
	for len(res.items) < maxItems {
		e, err := rd.Next()
		if err != nil {
			res.err = err.Error()
			res.pending = rd.Pending()
			res.offset = rd.Offset()
			res.unclaimed = rd.acc
			return res
		}
		res.items = append(res.items, recOf(e, rd.Offset()))
	}
	res.err = "too many items"
	return res
}

func (a result) diff(b result) string {
	if a.err != b.err || a.pending != b.pending || a.offset != b.offset || a.unclaimed != b.unclaimed {
		return fmt.Sprintf("end (err %q, pending %d, offset %d) vs (err %q, pending %d, offset %d)",
			a.err, a.pending, a.offset, b.err, b.pending, b.offset)
	}
	if len(a.items) != len(b.items) {
		return fmt.Sprintf("%d items vs %d items:\n%+v\n%+v", len(a.items), len(b.items), a.items, b.items)
	}
	for i := range a.items {
		if a.items[i] != b.items[i] {
			return fmt.Sprintf("item %d: %+v vs %+v", i, a.items[i], b.items[i])
		}
	}
	return ""
}

// randomChunks returns at most max bytes per Read, sizes drawn from seed.
type randomChunks struct {
	data []byte
	rng  *rand.Rand
	max  int
}

func newRandomChunks(data []byte, seed uint64, max int) *randomChunks {
	return &randomChunks{data: data, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), max: max}
}

func (c *randomChunks) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := min(1+c.rng.IntN(c.max), len(p), len(c.data))
	copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

// chunks returns exactly the given pieces, one per Read (an empty piece is a
// (0, nil) read), then io.EOF.
type chunks struct{ parts []string }

func (c *chunks) Read(p []byte) (int, error) {
	if len(c.parts) == 0 {
		return 0, io.EOF
	}
	n := copy(p, c.parts[0])
	if n < len(c.parts[0]) {
		c.parts[0] = c.parts[0][n:]
	} else {
		c.parts = c.parts[1:]
	}
	return n, nil
}

// variants reads in every way the stream may be split. All must agree.
func variants(in string) map[string]func() result {
	b := []byte(in)
	v := map[string]func() result{
		"one-byte":      func() result { return collect(iotest.OneByteReader(bytes.NewReader(b))) },
		"half":          func() result { return collect(iotest.HalfReader(bytes.NewReader(b))) },
		"data-err":      func() result { return collect(iotest.DataErrReader(bytes.NewReader(b))) },
		"one-byte-buf4": func() result { return collect(iotest.OneByteReader(bytes.NewReader(b)), WithBufferSize(4)) },
	}
	for seed := uint64(1); seed <= 6; seed++ {
		v[fmt.Sprintf("random-%d", seed)] = func() result { return collect(newRandomChunks(b, seed, 1+int(seed)*3)) }
		v[fmt.Sprintf("random-%d-buf4", seed)] = func() result {
			return collect(newRandomChunks(b, seed, 1+int(seed)*3), WithBufferSize(4))
		}
	}
	return v
}

type specCase struct {
	name    string
	in      string
	want    []rec
	pending int // Pending() at io.EOF
}

// specCases are the WHATWG examples and the corner cases of the
// interpretation rules. Every row also seeds FuzzReader.
var specCases = []specCase{
	// WHATWG "YHOO" example: three data lines are joined with "\n".
	{name: "spec/stock", in: "data: YHOO\ndata: +2\ndata: 10\n\n",
		want: []rec{ev("YHOO\n+2\n10").n(30)}},
	// WHATWG example: comment, id set, id reset by a bare "id", the one
	// leading space removed and the second kept; ids are per event here.
	{name: "spec/first-second-third", in: ": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n\n",
		want: []rec{cm("test stream").n(14), ev("first event").id("1").n(26), ev("second event").id("").n(22), ev(" third event").n(20)}},
	// WHATWG example: "data" alone appends an empty line; the last block has no blank line and is discarded.
	{name: "spec/data-vs-data-colon", in: "data\n\ndata\ndata\n\ndata:", want: []rec{ev(""), ev("\n")}, pending: 5},
	// WHATWG example: "data:test" and "data: test" are identical.
	{name: "spec/test-test", in: "data:test\n\ndata: test\n\n", want: []rec{ev("test"), ev("test")}},
	// WHATWG example with event types (add/remove).
	{name: "spec/event-types", in: "event: add\ndata: 73857293\n\nevent: remove\ndata: 2153\n\nevent: add\ndata: 113411\n\n",
		want: []rec{ev("73857293").typ("add"), ev("2153").typ("remove"), ev("113411").typ("add")}},

	// LF line endings.
	{name: "eol/lf", in: "data: a\ndata: b\n\n", want: []rec{ev("a\nb").n(17)}},
	// CRLF line endings; the last "\n" arrives after the dispatch on "\r" and goes to the next item.
	{name: "eol/crlf", in: "data: a\r\ndata: b\r\n\r\n", want: []rec{ev("a\nb").n(19)}},
	// CRLF twice: the second event carries the first one's trailing "\n".
	{name: "eol/crlf-two", in: "data: a\r\n\r\ndata: b\r\n\r\n", want: []rec{ev("a").n(10), ev("b").n(11)}},
	// CR line endings.
	{name: "eol/cr", in: "data: a\rdata: b\r\r", want: []rec{ev("a\nb").n(17)}},
	// Mixed endings in one event; "\r\n" after "\n" is a blank line.
	{name: "eol/mixed", in: "data: a\r\ndata: b\rdata: c\n\r\n", want: []rec{ev("a\nb\nc").n(26)}},
	// "\n\r" is two line endings, the second a blank line.
	{name: "eol/lf-cr", in: "data: a\n\rdata: b\n\n", want: []rec{ev("a"), ev("b")}},
	// "\r\r\n": the first "\r" ends the line, "\r\n" is the blank line.
	{name: "eol/cr-crlf", in: "data: a\r\r\ndata: b\n\n", want: []rec{ev("a").n(9), ev("b").n(10)}},
	// "\r\r" is two line endings, not one.
	{name: "eol/cr-cr", in: "data: a\r\r", want: []rec{ev("a").n(9)}},
	// A lone "\r" inside a value ends the line; "b" is an unknown field.
	{name: "eol/cr-inside-value", in: "data: a\rb\n\n", want: []rec{ev("a")}},
	// Several blank lines between events dispatch nothing extra.
	{name: "eol/extra-blank-lines", in: "\n\r\n\rdata: a\n\n\n\n", want: []rec{ev("a").n(13)}},

	// A BOM at the start of the stream is skipped and counted in the first event.
	{name: "bom/start", in: "\xEF\xBB\xBFdata: x\n\n", want: []rec{ev("x").n(12)}},
	// Only one BOM is skipped: a second one is part of the field name.
	{name: "bom/double", in: "\xEF\xBB\xBF\xEF\xBB\xBFdata: x\n\n"},
	// A BOM after the start is part of the field name.
	{name: "bom/mid-stream", in: "data: a\n\n\xEF\xBB\xBFdata: b\n\n", want: []rec{ev("a")}},
	// A BOM inside a value is data.
	{name: "bom/in-value", in: "data: \xEF\xBB\xBFx\n\n", want: []rec{ev("\xEF\xBB\xBFx")}},
	// Two bytes of a BOM are not a BOM.
	{name: "bom/partial", in: "\xEF\xBBdata: x\n\n"},
	// A stream that is only a BOM.
	{name: "bom/only", in: "\xEF\xBB\xBF"},
	// A stream cut inside a BOM: the bytes are an unterminated line.
	{name: "bom/cut", in: "\xEF\xBB", pending: 2},
	// A BOM before a comment.
	{name: "bom/comment", in: "\xEF\xBB\xBF: hi\n", want: []rec{cm("hi").n(5)}},

	// Comment with the conventional space.
	{name: "comment/space", in: ": ping\n\n", want: []rec{cm("ping").n(7)}},
	// Comment without a space.
	{name: "comment/no-space", in: ":ping\n", want: []rec{cm("ping").n(6)}},
	// Only one leading space is removed.
	{name: "comment/two-spaces", in: ":  x\n", want: []rec{cm(" x")}},
	// An empty comment.
	{name: "comment/empty", in: ":\n", want: []rec{cm("")}},
	// Colons inside a comment are text.
	{name: "comment/colons", in: ": a:b\n", want: []rec{cm("a:b")}},
	// A comment inside an event is returned first and is not part of the event's Bytes.
	{name: "comment/mid-event", in: "data: a\n: c\ndata: b\n\n", want: []rec{cm("c").n(4), ev("a\nb").n(17)}},
	// A CRLF comment: its "\n" goes to the next item.
	{name: "comment/crlf", in: ": c\r\ndata: x\r\n\r\n", want: []rec{cm("c").n(4), ev("x").n(11)}},

	// The event type is reported and reset after dispatch.
	{name: "event/type-reset-after-dispatch", in: "event: a\ndata: 1\n\ndata: 2\n\n", want: []rec{ev("1").typ("a"), ev("2")}},
	// A block without data dispatches nothing and resets the type.
	{name: "event/type-reset-without-data", in: "event: x\n\ndata: y\n\n", want: []rec{ev("y").n(19)}},
	// The last event field wins.
	{name: "event/last-wins", in: "event: a\nevent: b\ndata: 1\n\n", want: []rec{ev("1").typ("b")}},
	// An empty event field means "message".
	{name: "event/empty", in: "event:\ndata: 1\n\n", want: []rec{ev("1")}},

	// A valid retry.
	{name: "retry/valid", in: "retry: 1000\ndata: x\n\n", want: []rec{ev("x").retry(1000)}},
	// A valid retry without the space.
	{name: "retry/no-space", in: "retry:1000\ndata: x\n\n", want: []rec{ev("x").retry(1000)}},
	// The last valid retry wins; an invalid one is ignored.
	{name: "retry/last-valid-wins", in: "retry: 1\nretry: 20\nretry: x\ndata: x\n\n", want: []rec{ev("x").retry(20)}},
	// Letters make retry invalid.
	{name: "retry/letters", in: "retry: 10a\ndata: x\n\n", want: []rec{ev("x")}},
	// A sign makes retry invalid.
	{name: "retry/negative", in: "retry: -5\ndata: x\n\n", want: []rec{ev("x")}},
	// A plus sign makes retry invalid.
	{name: "retry/plus", in: "retry: +5\ndata: x\n\n", want: []rec{ev("x")}},
	// A decimal point makes retry invalid.
	{name: "retry/decimal", in: "retry: 1.5\ndata: x\n\n", want: []rec{ev("x")}},
	// An empty retry is invalid.
	{name: "retry/empty", in: "retry:\ndata: x\n\n", want: []rec{ev("x")}},
	// A retry line with no colon has an empty value.
	{name: "retry/bare", in: "retry\ndata: x\n\n", want: []rec{ev("x")}},
	// A second leading space is not a digit.
	{name: "retry/two-spaces", in: "retry:  5\ndata: x\n\n", want: []rec{ev("x")}},
	// The largest int64 is accepted.
	{name: "retry/max", in: "retry: 9223372036854775807\ndata: x\n\n", want: []rec{ev("x").retry(9223372036854775807)}},
	// Overflowing int64 is ignored.
	{name: "retry/overflow", in: "retry: 9223372036854775808\ndata: x\n\n", want: []rec{ev("x")}},
	// Retry belongs to its event only.
	{name: "retry/per-event", in: "retry: 5\ndata: a\n\ndata: b\n\n", want: []rec{ev("a").retry(5), ev("b")}},
	// Retry in a block without data is not reported.
	{name: "retry/data-less-block", in: "retry: 5\n\ndata: a\n\n", want: []rec{ev("a")}},

	// An id is reported.
	{name: "id/value", in: "id: 1\ndata: x\n\n", want: []rec{ev("x").id("1")}},
	// An id containing NUL is ignored.
	{name: "id/nul", in: "id: a\x00b\ndata: x\n\n", want: []rec{ev("x")}},
	// An id containing NUL leaves the earlier id in place.
	{name: "id/nul-keeps-previous", in: "id: 1\nid: a\x00\ndata: x\n\n", want: []rec{ev("x").id("1")}},
	// An empty id is an explicit reset, distinct from no id.
	{name: "id/empty", in: "id:\ndata: x\n\n", want: []rec{ev("x").id("")}},
	// Ids belong to their event only.
	{name: "id/per-event", in: "id: 1\ndata: a\n\ndata: b\n\n", want: []rec{ev("a").id("1"), ev("b")}},
	// One leading space is removed from an id, not two.
	{name: "id/two-spaces", in: "id:  x\ndata: y\n\n", want: []rec{ev("y").id(" x")}},

	// Unknown fields are ignored.
	{name: "field/unknown", in: "foo: bar\ndata: x\n\n", want: []rec{ev("x")}},
	// Field names are case-sensitive.
	{name: "field/case", in: "Data: x\n\n"},
	// A space before the colon is part of the name.
	{name: "field/space-before-colon", in: "data :x\n\n"},
	// The value is split at the first colon only.
	{name: "field/colons-in-value", in: "data: a:b:c\n\n", want: []rec{ev("a:b:c")}},
	// An empty data value dispatches an empty event.
	{name: "field/data-empty", in: "data:\n\n", want: []rec{ev("")}},
	// Two spaces: one is removed.
	{name: "field/data-two-spaces", in: "data:  x\n\n", want: []rec{ev(" x")}},
	// NUL in data is data.
	{name: "field/data-nul", in: "data: a\x00b\n\n", want: []rec{ev("a\x00b")}},
	// Invalid UTF-8 is passed through.
	{name: "field/data-invalid-utf8", in: "data: \xff\xfe\n\n", want: []rec{ev("\xff\xfe")}},
	// Empty data lines are kept when joining.
	{name: "field/data-empty-lines", in: "data: a\ndata:\ndata: b\n\n", want: []rec{ev("a\n\nb")}},

	// An empty stream.
	{name: "end/empty"},
	// Only blank lines.
	{name: "end/blank-lines", in: "\n\n\r\n\r"},
	// A final event without its blank line is not dispatched.
	{name: "end/no-blank-line", in: "data: x\n", pending: 8},
	// A final line without its line ending.
	{name: "end/no-line-ending", in: "data: x", pending: 7},
	// One event, then an incomplete one.
	{name: "end/complete-then-incomplete", in: "data: x\n\ndata: y", want: []rec{ev("x")}, pending: 7},
	// A line ended by "\r" at EOF is complete; the event still is not.
	{name: "end/cr", in: "data: x\r", pending: 8},
	// Fields without data are pending too.
	{name: "end/event-field-only", in: "event: x\n", pending: 9},
	// A cut comment is pending: the stream ended mid-line.
	{name: "end/cut-comment", in: ": partial", pending: 9},
	// A clean CRLF stream ends with nothing pending.
	{name: "end/crlf-clean", in: "data: x\r\n\r\n", want: []rec{ev("x").n(10)}},
	// A keep-alive at the end leaves nothing pending.
	{name: "end/ping", in: "data: x\n\n: ping\n", want: []rec{ev("x"), cm("ping")}},
}

func checkWant(t *testing.T, got []rec, want []rec) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d items, want %d:\n got %+v\nwant %+v", len(got), len(want), got, want)
	}
	for i, w := range want {
		g := got[i]
		g.Offset = 0
		if w.Bytes == 0 {
			g.Bytes = 0
		}
		if g != w {
			t.Errorf("item %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
}

// checkInvariants asserts what must hold for any stream read to io.EOF.
func checkInvariants(t *testing.T, in string, res result) {
	t.Helper()
	sum := 0
	for _, it := range res.items {
		sum += it.Bytes
		if strings.ContainsAny(it.Data, "\r") {
			t.Errorf("Data contains CR: %q", it.Data)
		}
		if strings.ContainsAny(it.Type+it.ID+it.Comment, "\r\n") {
			t.Errorf("a line ending in a field: %+v", it)
		}
	}
	if res.err == io.EOF.Error() {
		if res.offset != int64(len(in)) {
			t.Errorf("Offset at EOF = %d, want %d", res.offset, len(in))
		}
	}
	if int64(sum+res.unclaimed) != res.offset || res.pending > res.unclaimed {
		t.Errorf("sum of Bytes %d + unclaimed %d != Offset %d, or Pending %d > unclaimed",
			sum, res.unclaimed, res.offset, res.pending)
	}
}

func TestSpecCases(t *testing.T) {
	for _, tc := range specCases {
		t.Run(tc.name, func(t *testing.T) {
			whole := collect(strings.NewReader(tc.in))
			if whole.err != io.EOF.Error() {
				t.Fatalf("err = %s, want EOF", whole.err)
			}
			checkWant(t, whole.items, tc.want)
			if whole.pending != tc.pending {
				t.Errorf("Pending = %d, want %d", whole.pending, tc.pending)
			}
			checkInvariants(t, tc.in, whole)
			for name, read := range variants(tc.in) {
				if d := whole.diff(read()); d != "" {
					t.Errorf("%s differs from a whole read: %s", name, d)
				}
			}
		})
	}
}

func TestCRAtChunkBoundary(t *testing.T) {
	// Each row splits a stream so that "\r" ends one read and "\n" starts
	// the next; the pair must count as one line ending.
	tests := []struct {
		name  string
		parts []string
		want  []rec
	}{
		// CRLF inside an event split between reads.
		{"inside-event", []string{"data: a\r", "\ndata: b\r\n\r\n"}, []rec{ev("a\nb").n(19)}},
		// The dispatching CRLF split: dispatch happens on "\r".
		{"dispatching", []string{"data: a\r\n\r", "\ndata: b\r\n\r\n"}, []rec{ev("a").n(10), ev("b").n(11)}},
		// A "\r" at the end of a read followed by another "\r": two line endings.
		{"cr-then-cr", []string{"data: a\r", "\rdata: b\r\r"}, []rec{ev("a").n(9), ev("b").n(9)}},
		// The "\n" arrives in its own read after an empty one.
		{"lf-alone", []string{"data: a\r", "", "\n", "\r", "\n"}, []rec{ev("a").n(10)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := collect(&chunks{parts: append([]string(nil), tc.parts...)})
			checkWant(t, res.items, tc.want)
			if res.err != io.EOF.Error() || res.pending != 0 {
				t.Errorf("end: err %s, pending %d", res.err, res.pending)
			}
			whole := collect(strings.NewReader(strings.Join(tc.parts, "")))
			if d := whole.diff(res); d != "" {
				t.Errorf("differs from a whole read: %s", d)
			}
		})
	}
}

func TestLineCap(t *testing.T) {
	const limit = 16
	at := "data: 0123456789"    // exactly 16 bytes
	over := "data: 01234567890" // 17 bytes
	tests := []struct {
		name    string
		in      string
		want    []rec
		errOff  int64 // -1: io.EOF expected
		pending int
	}{
		// A line exactly at the cap is fine.
		{"at-cap", at + "\n\n", []rec{ev("0123456789")}, -1, 0},
		// A line at the cap ended by "\r".
		{"at-cap-cr", at + "\r\r", []rec{ev("0123456789")}, -1, 0},
		// A line at the cap ended by "\r\n".
		{"at-cap-crlf", at + "\r\n\r\n", []rec{ev("0123456789")}, -1, 0},
		// A line at the cap without a line ending at EOF is pending, not an error.
		{"at-cap-unterminated", at, nil, -1, 16},
		// One byte over the cap fails at the line's start offset, after the earlier event.
		{"over", "data: a\n\n" + over + "\n\n", []rec{ev("a")}, 9, 0},
		// Over the cap and never terminated.
		{"over-unterminated", "data: a\n\n" + over, []rec{ev("a")}, 9, 0},
		// Comments are lines too.
		{"comment-over", ":" + strings.Repeat("x", 16) + "\n", nil, 0, 0},
		// After a BOM and a CRLF the offset still points at the line.
		{"offset-after-bom-crlf", "\xEF\xBB\xBFdata: a\r\n\r\n" + over + "\n", []rec{ev("a")}, 14, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := []byte(tc.in)
			readers := map[string]func() io.Reader{
				"whole":    func() io.Reader { return bytes.NewReader(b) },
				"one-byte": func() io.Reader { return iotest.OneByteReader(bytes.NewReader(b)) },
				"data-err": func() io.Reader { return iotest.DataErrReader(bytes.NewReader(b)) },
				"random":   func() io.Reader { return newRandomChunks(b, 7, 5) },
			}
			for name, src := range readers {
				for _, size := range []int{4, 17, 0} {
					rd := NewReader(src(), WithMaxLineBytes(limit), WithBufferSize(size))
					var got []rec
					var err error
					for {
						var e *Event
						if e, err = rd.Next(); err != nil {
							break
						}
						got = append(got, recOf(e, 0))
					}
					checkWant(t, got, tc.want)
					if tc.errOff < 0 {
						if err != io.EOF {
							t.Errorf("%s/%d: err = %v, want EOF", name, size, err)
						}
						if rd.Pending() != tc.pending {
							t.Errorf("%s/%d: Pending = %d, want %d", name, size, rd.Pending(), tc.pending)
						}
						continue
					}
					var lt *LineTooLongError
					if !errors.As(err, &lt) {
						t.Fatalf("%s/%d: err = %v, want *LineTooLongError", name, size, err)
					}
					if lt.Limit != limit || lt.Offset != tc.errOff {
						t.Errorf("%s/%d: got %+v, want limit %d offset %d", name, size, *lt, limit, tc.errOff)
					}
					if _, again := rd.Next(); again != err {
						t.Errorf("%s/%d: error not sticky: %v", name, size, again)
					}
				}
			}
		})
	}
}

func TestDefaultLineCap(t *testing.T) {
	line := "data: " + strings.Repeat("x", defaultMaxLineBytes-6)
	res := collect(strings.NewReader(line + "\n\n"))
	if len(res.items) != 1 || len(res.items[0].Data) != defaultMaxLineBytes-6 || res.err != io.EOF.Error() {
		t.Fatalf("line at the default cap: %d items, err %s", len(res.items), res.err)
	}
	_, err := NewReader(strings.NewReader(line + "x\n\n")).Next()
	var lt *LineTooLongError
	if !errors.As(err, &lt) || lt.Limit != 4<<20 || lt.Offset != 0 {
		t.Fatalf("line over the default cap: err = %v", err)
	}
	if want := "sse read: line at offset 0 exceeds 4194304 bytes"; err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
}

// fakeClock returns base + k seconds on its k-th call.
type fakeClock struct {
	base  time.Time
	calls int
}

func (c *fakeClock) now() time.Time {
	c.calls++
	return c.at(c.calls)
}

func (c *fakeClock) at(k int) time.Time { return c.base.Add(time.Duration(k) * time.Second) }

func TestTimingAttribution(t *testing.T) {
	// Each part is one Read; reads that return data are numbered from 1
	// (the empty part is a (0, nil) read and must not call the clock).
	parts := []string{
		": ping\n\nda",       // 1: comment; the first byte of event a
		"ta: a\n",            // 2
		"\n\n\nevent: b\n",   // 3: dispatches a; leading blank lines; b starts
		"data: b\r",          // 4
		"\n\r",               // 5: "\n" ends the CRLF, "\r" dispatches b
		"\n: c",              // 6: "\n" of the CRLF; comment c starts
		"omment\r\n",         // 7: comment c ends
		"da",                 // 8: event d starts, spanning three reads
		"ta: lo",             // 9
		"",                   // (0, nil)
		"ng\n",               // 10
		"\n",                 // 11: dispatches d
		"data: e\n\ndata: f", // 12: e whole; f starts
		"\n\n",               // 13: dispatches f
	}
	clk := &fakeClock{base: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	rd := NewReader(&chunks{parts: parts}, WithClock(clk.now))
	want := []struct {
		kind            Kind
		text            string
		first, dispatch int
	}{
		{KindComment, "ping", 1, 1},
		{KindEvent, "a", 1, 3},
		{KindEvent, "b", 3, 5},
		{KindComment, "comment", 6, 7},
		{KindEvent, "long", 8, 11},
		{KindEvent, "e", 12, 12},
		{KindEvent, "f", 12, 13},
	}
	for i, w := range want {
		t.Run(w.text, func(t *testing.T) {
			e, err := rd.Next()
			if err != nil {
				t.Fatalf("item %d: %v", i, err)
			}
			text := string(e.Data)
			if e.Kind == KindComment {
				text = string(e.Comment)
			}
			if e.Kind != w.kind || text != w.text {
				t.Fatalf("item %d: got %s %q, want %s %q", i, e.Kind, text, w.kind, w.text)
			}
			if !e.FirstByte.Equal(clk.at(w.first)) || !e.Dispatch.Equal(clk.at(w.dispatch)) {
				t.Errorf("item %d (%q): FirstByte read %v, Dispatch read %v; want reads %d, %d", i, text,
					e.FirstByte.Sub(clk.base).Seconds(), e.Dispatch.Sub(clk.base).Seconds(), w.first, w.dispatch)
			}
		})
	}
	if _, err := rd.Next(); err != io.EOF {
		t.Fatalf("end: %v", err)
	}
	if clk.calls != 13 {
		t.Errorf("clock called %d times, want 13 (once per read that returned data)", clk.calls)
	}
}

func TestTimingBOMSplit(t *testing.T) {
	// The BOM arrives in reads 1 and 2; the event's first byte in read 3.
	clk := &fakeClock{}
	rd := NewReader(&chunks{parts: []string{"\xEF", "\xBB\xBF", "data: z\n", "\n"}}, WithClock(clk.now))
	e, err := rd.Next()
	if err != nil {
		t.Fatal(err)
	}
	if string(e.Data) != "z" || !e.FirstByte.Equal(clk.at(3)) || !e.Dispatch.Equal(clk.at(4)) {
		t.Errorf("got %q first %v dispatch %v", e.Data, e.FirstByte, e.Dispatch)
	}
}

type failingReader struct {
	data string
	err  error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.data == "" {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func TestSourceErrors(t *testing.T) {
	boom := errors.New("connection reset")
	t.Run("wrapped-after-events", func(t *testing.T) {
		rd := NewReader(&failingReader{data: "data: a\n\ndata: b", err: boom})
		if e, err := rd.Next(); err != nil || string(e.Data) != "a" {
			t.Fatalf("first: %v %v", e, err)
		}
		_, err := rd.Next()
		if !errors.Is(err, boom) || err.Error() != "sse read: connection reset" {
			t.Fatalf("err = %v", err)
		}
		if rd.Pending() != 7 {
			t.Errorf("Pending = %d, want 7", rd.Pending())
		}
		if _, again := rd.Next(); again != err {
			t.Errorf("not sticky: %v", again)
		}
	})
	t.Run("eof-mid-event-is-plain-eof", func(t *testing.T) {
		rd := NewReader(strings.NewReader("data: a\n"))
		if _, err := rd.Next(); err != io.EOF {
			t.Fatalf("err = %v, want io.EOF itself", err)
		}
		if rd.Pending() != 8 {
			t.Errorf("Pending = %d", rd.Pending())
		}
	})
	t.Run("no-progress", func(t *testing.T) {
		_, err := NewReader(&chunks{parts: make([]string, 200)}).Next()
		if !errors.Is(err, io.ErrNoProgress) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("data-with-error", func(t *testing.T) {
		// Data returned together with an error is parsed before the error.
		rd := NewReader(iotest.TimeoutReader(iotest.DataErrReader(strings.NewReader("data: a\n\n"))))
		if e, err := rd.Next(); err != nil || string(e.Data) != "a" {
			t.Fatalf("got %v %v", e, err)
		}
	})
}

// cycle repeats one stream forever without allocating.
type cycle struct {
	data []byte
	pos  int
}

func (c *cycle) Read(p []byte) (int, error) {
	n := copy(p, c.data[c.pos:])
	c.pos = (c.pos + n) % len(c.data)
	return n, nil
}

func TestSteadyStateAllocs(t *testing.T) {
	streams := map[string]string{
		"single-line": "data: {\"choices\":[{\"delta\":{\"content\":\"tok\"}}]}\n\n: ping\n\n",
		"multi-line":  "event: update\nid: 42\ndata: one\ndata: two\nretry: 10\n\n",
		"crlf":        "data: abc\r\n\r\n",
	}
	for name, s := range streams {
		t.Run(name, func(t *testing.T) {
			// A 4 KiB buffer wraps often, so events straddle refills.
			rd := NewReader(&cycle{data: []byte(s)}, WithBufferSize(4<<10))
			for range 10000 {
				if _, err := rd.Next(); err != nil {
					t.Fatal(err)
				}
			}
			allocs := testing.AllocsPerRun(10000, func() {
				if _, err := rd.Next(); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Errorf("%v allocations per Next, want 0", allocs)
			}
		})
	}
}

func TestZeroCopySingleLine(t *testing.T) {
	rd := NewReader(strings.NewReader("data: abc\n\ndata: x\ndata: y\n\n"))
	e, err := rd.Next()
	if err != nil {
		t.Fatal(err)
	}
	buf := rd.buf[:cap(rd.buf)]
	if !aliases(e.Data, buf) {
		t.Error("single-line data was copied")
	}
	if e, err = rd.Next(); err != nil || string(e.Data) != "x\ny" {
		t.Fatalf("got %v %v", e, err)
	}
	if aliases(e.Data, buf) {
		t.Error("multi-line data aliases the read buffer")
	}
}

// aliases reports whether a is a sub-slice of b (b's full capacity), which
// holds exactly when both end their capacity at the same byte.
func aliases(a, b []byte) bool {
	return cap(a) > 0 && cap(b) > 0 && &a[:cap(a)][cap(a)-1] == &b[:cap(b)][cap(b)-1]
}

func TestOptions(t *testing.T) {
	rd := NewReader(strings.NewReader(""), WithBufferSize(1), WithMaxLineBytes(0), WithClock(nil))
	if len(rd.buf) != minBufferSize || rd.maxLine != defaultMaxLineBytes || rd.now == nil {
		t.Errorf("buffer %d, cap %d", len(rd.buf), rd.maxLine)
	}
	if rd := NewReader(strings.NewReader("")); len(rd.buf) != 32<<10 {
		t.Errorf("default buffer %d", len(rd.buf))
	}
}

func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{KindEvent: "event", KindComment: "comment", 0: "Kind(0)", 9: "Kind(9)"} {
		t.Run(fmt.Sprint(k), func(t *testing.T) {
			if got := k.String(); got != want {
				t.Errorf("Kind(%d).String() = %q, want %q", k, got, want)
			}
		})
	}
}

// TestEventTooLarge: data lines each under the line cap that never end
// their event stop at the event cap instead of growing without bound; a
// comment flood and events under the cap are untouched.
func TestEventTooLarge(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		wantErr bool
		events  int
	}{
		{"multi-line event over the cap", strings.Repeat("data: "+strings.Repeat("x", 90)+"\n", 20), true, 0},
		{"field lines without data over the cap", strings.Repeat("event: "+strings.Repeat("y", 90)+"\n", 20), true, 0},
		{"events under the cap", strings.Repeat("data: "+strings.Repeat("x", 90)+"\n\n", 20), false, 20},
		{"comments do not count", strings.Repeat(": "+strings.Repeat("z", 90)+"\n", 20) + "data: x\n\n", false, 21},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(tt.body), WithMaxEventBytes(1000))
			n := 0
			for {
				_, err := r.Next()
				if err == io.EOF {
					break
				}
				var et *EventTooLargeError
				if errors.As(err, &et) {
					if !tt.wantErr || et.Limit != 1000 || et.Offset != 0 {
						t.Fatalf("err %v (offset %d), want error %v", err, et.Offset, tt.wantErr)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				n++
			}
			if tt.wantErr || n != tt.events {
				t.Fatalf("%d items, no error; want %d, error %v", n, tt.events, tt.wantErr)
			}
		})
	}
}
