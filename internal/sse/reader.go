// Package sse reads and writes text/event-stream (Server-Sent Events).
//
// The reader exists because a load generator measures time: it has to know
// when the bytes of each event arrived, not when a convenient parser got
// around to handing them over, and it must not allocate per event, or the
// garbage collector becomes part of what is being measured. It therefore
// parses the stream by the WHATWG "event stream interpretation" rules,
// stamps every underlying Read with one clock reading, attributes that time
// to the bytes the Read delivered, and hands out zero-copy views of its
// buffer.
package sse

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"
)

// Kind says what a reader Event is, so that callers can tell keep-alive
// comments (which count as stream activity) from dispatched events.
type Kind uint8

const (
	// KindEvent is a dispatched event: a blank line ended it and its data
	// buffer was non-empty.
	KindEvent Kind = iota + 1
	// KindComment is a comment line (one that starts with ':'), such as the
	// ": ping" keep-alives servers send while a model is thinking.
	KindComment
)

// String returns "event" or "comment" so that traces and logs stay readable.
func (k Kind) String() string {
	switch k {
	case KindEvent:
		return "event"
	case KindComment:
		return "comment"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Event is one dispatched event or one comment. It carries arrival times
// alongside the fields because the timing is the point of this reader.
//
// The byte slices alias the Reader's buffers and are valid only until the
// next call to Next; a caller copies what it keeps. Bytes are not UTF-8
// validated (a browser would substitute U+FFFD for invalid sequences);
// decoding is left to whoever interprets the payload.
type Event struct {
	// Kind says whether this is a dispatched event or a comment.
	Kind Kind
	// Type is the value of the event's last `event:` field; empty means
	// "message".
	Type []byte
	// Data is the event's data lines joined with "\n", without a trailing
	// newline.
	Data []byte
	// ID is the value of the last `id:` field of this event, nil if the
	// event had none. An empty non-nil ID is an explicit `id:` reset.
	ID []byte
	// Retry is the reconnection time in milliseconds from the event's last
	// valid `retry:` field, or -1 if it had none.
	Retry int64
	// Comment is, for KindComment, the text after ':' with one leading
	// space removed if present.
	Comment []byte
	// FirstByte is the clock time at which the Read that delivered the first
	// byte of this item returned. For an event that is the first byte of its
	// first line that is neither blank nor a comment.
	FirstByte time.Time
	// Dispatch is the clock time at which the Read that delivered the line
	// ending of the dispatching blank line (or of the comment line) returned.
	Dispatch time.Time
	// Bytes is how many stream bytes this item accounts for, line endings
	// and the dispatching blank line included. Bytes that belong to no item
	// (blank lines that dispatch nothing, fields of a block without data, a
	// leading byte order mark, and the "\n" of a "\r\n" that ended the
	// previous item, which arrives after that item was dispatched on its
	// "\r") are counted in the next event instead. No byte is counted
	// twice and none is lost: a byte is uncounted only while it still
	// awaits its item, so throughput computed from Bytes matches Offset.
	Bytes int
}

// LineTooLongError reports a line longer than the reader's cap. It exists so
// that a misbehaving server cannot make the reader buffer without bound, and
// it names the offset so that the culprit can be found in a capture.
type LineTooLongError struct {
	// Limit is the cap in bytes, line ending excluded.
	Limit int
	// Offset is the stream offset at which the offending line started.
	Offset int64
}

// Error describes the cap and where the offending line started.
func (e *LineTooLongError) Error() string {
	return "sse read: line at offset " + strconv.FormatInt(e.Offset, 10) +
		" exceeds " + strconv.Itoa(e.Limit) + " bytes"
}

// EventTooLargeError reports an event whose lines together exceed the
// reader's event cap: a server that sends data: lines without ever ending
// the event would otherwise make the reader buffer without bound.
type EventTooLargeError struct {
	// Limit is the cap in bytes.
	Limit int
	// Offset is the stream offset at which the event started.
	Offset int64
}

// Error describes the cap and where the offending event started.
func (e *EventTooLargeError) Error() string {
	return "sse read: event at offset " + strconv.FormatInt(e.Offset, 10) +
		" exceeds " + strconv.Itoa(e.Limit) + " bytes"
}

// WithMaxEventBytes caps the bytes of one event (its lines, line endings
// included, comments excluded); a larger event makes Next return an
// *EventTooLargeError. Values below 1 keep the default of 8 MiB.
func WithMaxEventBytes(n int) Option {
	return func(r *Reader) {
		if n > 0 {
			r.maxEvent = n
		}
	}
}

// Option configures a Reader; options keep NewReader's common call short.
type Option func(*Reader)

// WithMaxLineBytes caps the length of one line (line ending excluded); a
// longer line makes Next return a *LineTooLongError. The cap bounds memory
// use against a server that never ends a line. Values below 1 keep the
// default of 4 MiB.
func WithMaxLineBytes(n int) Option {
	return func(r *Reader) {
		if n > 0 {
			r.maxLine = n
		}
	}
}

// WithClock replaces time.Now as the source of arrival times, so that tests
// can assert timing attribution without a wall clock. The clock is called
// exactly once per underlying Read that returned data.
func WithClock(now func() time.Time) Option {
	return func(r *Reader) {
		if now != nil {
			r.now = now
		}
	}
}

// WithBufferSize sets the initial read buffer size (default 32 KiB). A larger
// buffer means fewer Read calls and fewer events that straddle a buffer
// refill (and so must be copied); the buffer grows on its own, up to the line
// cap, when one line does not fit. Values below 1 keep the default; 1 to 3
// are raised to 4.
func WithBufferSize(n int) Option {
	return func(r *Reader) {
		if n > 0 {
			r.bufSize = max(n, minBufferSize)
		}
	}
}

const (
	defaultMaxLineBytes  = 4 << 20
	defaultMaxEventBytes = 8 << 20
	defaultBufferSize    = 32 << 10
	minBufferSize        = 4
	// maxEmptyReads is how many consecutive (0, nil) reads are tolerated
	// before giving up with io.ErrNoProgress, as bufio does.
	maxEmptyReads = 100
)

var (
	utf8BOM     = []byte{0xEF, 0xBB, 0xBF}
	errBadRead  = errors.New("reader returned an invalid count")
	emptyNonNil = []byte{}
)

// Reader parses an event stream from an io.Reader. It is not safe for
// concurrent use; one goroutine owns one stream.
type Reader struct {
	src      io.Reader
	now      func() time.Time
	maxLine  int
	maxEvent int
	bufSize  int

	buf  []byte
	r, w int   // buf[r:w] is read but not yet parsed; buf[r] starts a line
	scan int   // buf index from which the search for a line ending resumes
	base int64 // stream offset of buf[0]

	bom    bool  // the stream start has not been checked for a BOM yet
	skipLF bool  // the last line ended in '\r'; a '\n' next is part of it
	rerr   error // error from the source, reported once buf is drained
	fin    error // terminal error returned by every later Next

	// lastTime stamps the bytes from stream offset lastStart on (the most
	// recent Read); carry stamps the start of the line that was incomplete
	// when that Read was issued. Together they date any byte from the
	// current line start on, which is all the parser ever asks about.
	lastStart int64
	lastTime  time.Time
	carry     time.Time

	// The event being assembled. typ, id and data alias buf while their
	// *In flag is set and are copied into the *Buf scratch slices before buf
	// is reused.
	typ, id, data          []byte
	typIn, idIn, dataIn    bool
	typBuf, idBuf, dataBuf []byte
	lines                  int // data lines seen
	retry                  int64
	started                bool // a field line has been seen since the last boundary
	first                  time.Time
	acc                    int // bytes accounted to the next item
	preStart               int // acc when started was set

	ev Event
}

// NewReader returns a Reader that parses the event stream read from r.
func NewReader(r io.Reader, opts ...Option) *Reader {
	rd := &Reader{
		src:      r,
		now:      time.Now,
		maxLine:  defaultMaxLineBytes,
		maxEvent: defaultMaxEventBytes,
		bufSize:  defaultBufferSize,
		bom:      true,
		retry:    -1,
	}
	for _, o := range opts {
		o(rd)
	}
	rd.buf = make([]byte, rd.bufSize)
	return rd
}

// Pending reports how many bytes of a not-yet-dispatched event have been
// consumed, so that a caller can tell a stream that ended cleanly between
// events (0) from one cut off inside an event. After Next has returned an
// error, this includes an unterminated final line. Interleaved comments are
// not counted.
func (r *Reader) Pending() int {
	if !r.started {
		return 0
	}
	return r.acc - r.preStart
}

// Offset is the number of stream bytes consumed by the parser so far: every
// byte of the items returned and of the event being assembled, but not bytes
// read ahead into the buffer. It is therefore the same however the stream
// was split into reads.
func (r *Reader) Offset() int64 {
	return r.base + int64(r.r)
}

// Next returns the next event or comment. At the end of the stream it
// returns (nil, io.EOF), unwrapped, whether or not an event was left
// incomplete; Pending tells the two apart, because the spec discards an
// event without its blank line. Other errors from the source are returned
// wrapped as "sse read: ...". After an error, Next keeps returning it.
func (r *Reader) Next() (*Event, error) {
	if r.fin != nil {
		return nil, r.fin
	}
	for {
		if (r.skipLF || r.bom) && !r.prefix() {
			if err := r.fill(); err != nil {
				return nil, err
			}
			continue
		}
		i := r.lineEnd()
		if i < 0 {
			if err := r.fill(); err != nil {
				return nil, err
			}
			continue
		}
		start := r.base + int64(r.r)
		if i-r.r > r.maxLine {
			return nil, r.fail(&LineTooLongError{Limit: r.maxLine, Offset: start})
		}
		line := r.buf[r.r:i]
		r.skipLF = r.buf[i] == '\r'
		r.r = i + 1
		r.scan = r.r
		if ev := r.line(line, start, r.base+int64(i)); ev != nil {
			return ev, nil
		}
		if r.started && r.acc-r.preStart > r.maxEvent {
			return nil, r.fail(&EventTooLargeError{Limit: r.maxEvent, Offset: r.base + int64(r.r) - int64(r.acc-r.preStart)})
		}
	}
}

// prefix consumes what may precede a line: the BOM at stream start, or the
// '\n' of a "\r\n" whose '\r' ended the previous line. It reports false when
// it needs more bytes to decide.
func (r *Reader) prefix() bool {
	avail := r.buf[r.r:r.w]
	if r.bom {
		if len(avail) < len(utf8BOM) && bytes.HasPrefix(utf8BOM, avail) && r.rerr == nil {
			return false
		}
		r.bom = false
		if bytes.HasPrefix(avail, utf8BOM) {
			r.consume(len(utf8BOM))
		}
		return true
	}
	if len(avail) == 0 {
		return false
	}
	r.skipLF = false
	if avail[0] == '\n' {
		r.consume(1)
	}
	return true
}

// consume skips n bytes that belong to no line and accounts them to the next
// item.
func (r *Reader) consume(n int) {
	r.r += n
	r.scan = r.r
	r.acc += n
}

// lineEnd returns the buf index of the line ending that ends the line at
// buf[r], or -1. Two vectorised IndexByte scans beat one IndexAny, which
// walks the bytes one at a time.
func (r *Reader) lineEnd() int {
	s := r.buf[r.scan:r.w]
	j := bytes.IndexByte(s, '\n')
	if j >= 0 {
		if k := bytes.IndexByte(s[:j], '\r'); k >= 0 {
			j = k
		}
	} else if j = bytes.IndexByte(s, '\r'); j < 0 {
		r.scan = r.w
		return -1
	}
	return r.scan + j
}

// line interprets one complete line that started at stream offset start and
// whose line ending is at stream offset end. It returns the item the line
// completes, if any.
func (r *Reader) line(line []byte, start, end int64) *Event {
	n := len(line) + 1
	if len(line) == 0 {
		r.acc += n
		if r.lines == 0 {
			r.reset()
			return nil
		}
		r.ev = Event{
			Kind:      KindEvent,
			Type:      r.typ,
			Data:      r.data,
			ID:        r.id,
			Retry:     r.retry,
			FirstByte: r.first,
			Dispatch:  r.timeAt(end),
			Bytes:     r.acc,
		}
		r.acc = 0
		r.reset()
		return &r.ev
	}
	if line[0] == ':' {
		c := line[1:]
		if len(c) > 0 && c[0] == ' ' {
			c = c[1:]
		}
		r.ev = Event{
			Kind:      KindComment,
			Comment:   c,
			Retry:     -1,
			FirstByte: r.timeAt(start),
			Dispatch:  r.timeAt(end),
			Bytes:     n,
		}
		return &r.ev
	}
	r.acc += n
	if !r.started {
		r.started = true
		r.preStart = r.acc - n
		r.first = r.timeAt(start)
	}
	name, value := line, line[len(line):]
	if c := bytes.IndexByte(line, ':'); c >= 0 {
		name, value = line[:c], line[c+1:]
		if len(value) > 0 && value[0] == ' ' {
			value = value[1:]
		}
	}
	switch string(name) {
	case "data":
		switch {
		case r.lines == 0:
			r.data, r.dataIn = value, true
		default:
			if r.dataIn {
				r.dataBuf = append(r.dataBuf[:0], r.data...)
				r.dataIn = false
			}
			r.dataBuf = append(r.dataBuf, '\n')
			r.dataBuf = append(r.dataBuf, value...)
			r.data = r.dataBuf
		}
		r.lines++
	case "event":
		r.typ, r.typIn = value, true
	case "id":
		if bytes.IndexByte(value, 0) < 0 {
			r.id, r.idIn = value, true
		}
	case "retry":
		if v, ok := parseRetry(value); ok {
			r.retry = v
		}
	}
	return nil
}

// parseRetry accepts only ASCII digits, as the spec requires; an empty value
// or one that overflows int64 is rejected (ignored by the caller).
func parseRetry(b []byte) (int64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	var v int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := int64(c - '0')
		if v > (math.MaxInt64-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	return v, true
}

// reset clears the event being assembled, after a dispatch or after a blank
// line that found no data. acc is left alone: it carries to the next item.
func (r *Reader) reset() {
	r.typ, r.id, r.data = nil, nil, nil
	r.typIn, r.idIn, r.dataIn = false, false, false
	r.lines = 0
	r.retry = -1
	r.started = false
}

// timeAt dates the byte at stream offset off, which must not precede the
// start of the current line.
func (r *Reader) timeAt(off int64) time.Time {
	if off >= r.lastStart {
		return r.lastTime
	}
	return r.carry
}

// fill reads more of the stream into buf. It returns a non-nil error when
// parsing cannot go on: the current line is over the cap, or the source has
// ended or failed and buf holds no complete line.
func (r *Reader) fill() error {
	if !r.bom && r.w-r.r > r.maxLine {
		return r.fail(&LineTooLongError{Limit: r.maxLine, Offset: r.base + int64(r.r)})
	}
	if r.rerr != nil {
		return r.finish()
	}
	if r.r < r.w {
		r.carry = r.timeAt(r.base + int64(r.r))
	}
	r.makeRoom()
	for empty := 0; ; {
		n, err := r.src.Read(r.buf[r.w:])
		if n < 0 || n > len(r.buf)-r.w {
			n, err = 0, errBadRead
		}
		if n > 0 {
			r.lastTime = r.now()
			r.lastStart = r.base + int64(r.w)
			r.w += n
		}
		if err != nil {
			r.rerr = err
			if n > 0 {
				return nil
			}
			return r.finish()
		}
		if n > 0 {
			return nil
		}
		if empty++; empty >= maxEmptyReads {
			r.rerr = io.ErrNoProgress
			return r.finish()
		}
	}
}

// makeRoom ensures buf has free space after w. It reuses buf from the start
// when everything is parsed, compacts when the free tail is short, and grows
// buf when one line fills it. Before it moves bytes, the event being
// assembled is given its own copies, since those bytes are about to change;
// this is the only copy a single-data-line event can incur.
func (r *Reader) makeRoom() {
	if r.r == r.w && !r.typIn && !r.idIn && !r.dataIn {
		r.base += int64(r.w)
		r.r, r.w, r.scan = 0, 0, 0
		return
	}
	if free := len(r.buf) - r.w; free > 0 && free >= len(r.buf)/4 {
		return
	}
	r.own()
	if r.r > 0 {
		n := copy(r.buf, r.buf[r.r:r.w])
		r.base += int64(r.r)
		r.scan -= r.r
		r.r, r.w = 0, n
	}
	if r.w == len(r.buf) {
		n := 2 * len(r.buf)
		if lim := r.maxLine + 1; lim > 0 && n > lim {
			n = lim
		}
		nb := make([]byte, n)
		copy(nb, r.buf[:r.w])
		r.buf = nb
	}
}

// own copies the fields of the event being assembled out of buf.
func (r *Reader) own() {
	if r.dataIn {
		r.dataBuf = append(nonNil(r.dataBuf), r.data...)
		r.data, r.dataIn = r.dataBuf, false
	}
	if r.typIn {
		r.typBuf = append(nonNil(r.typBuf), r.typ...)
		r.typ, r.typIn = r.typBuf, false
	}
	if r.idIn {
		r.idBuf = append(nonNil(r.idBuf), r.id...)
		r.id, r.idIn = r.idBuf, false
	}
}

// nonNil returns b emptied, keeping its storage, and never nil, so that an
// explicitly empty field (such as an `id:` reset) stays distinguishable from
// an absent one after it is copied.
func nonNil(b []byte) []byte {
	if b == nil {
		return emptyNonNil
	}
	return b[:0]
}

// finish ends parsing when the source is exhausted: the unterminated tail is
// consumed and counted as pending, because the spec discards it.
func (r *Reader) finish() error {
	if r.r < r.w {
		if !r.started {
			r.started = true
			r.preStart = r.acc
		}
		r.acc += r.w - r.r
		r.r = r.w
		r.scan = r.w
	}
	err := r.rerr
	if err != io.EOF {
		err = fmt.Errorf("sse read: %w", err)
	}
	return r.fail(err)
}

// fail makes err terminal.
func (r *Reader) fail(err error) error {
	r.fin = err
	return err
}
