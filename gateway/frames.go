package gateway

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"
)

// framer splits an upstream event stream into frames: the exact bytes of
// one event block, from its first byte through the blank line that ends it.
// The gateway forwards frames verbatim, so whatever fields a competitor
// sends (event:, id:, retry:, comments, multi-line data:, CRLF or CR line
// endings) reach the client unchanged; internal/sse.Reader is not used here
// because it hands out parsed fields, not the bytes they came from.
//
// A "\r" ending a blank line may be followed by the "\n" of a CRLF that has
// not arrived yet; the frame is released at the "\r" rather than held for
// a byte that may never come, and that "\n" is then relayed on its own,
// which every event stream parser reads as the end of that CRLF.
type framer struct {
	src   io.Reader
	buf   []byte
	start int // first byte of the frame being scanned
	pos   int // next byte to scan
	end   int // end of the bytes read
	max   int

	lineStart bool // pos is at the start of a line
	prevCR    bool // the byte before pos was a "\r" line ending
	err       error
	peeked    []byte // a frame ready found, which next returns first
}

func newFramer(src io.Reader, initial, max int) *framer {
	return &framer{src: src, buf: make([]byte, initial), max: max, lineStart: true}
}

// pooledFrameBuf is the size of the framer buffers that are recycled: the
// initial size of a relay's buffer, which most streams never outgrow.
const pooledFrameBuf = 4 << 10

var frameBufs = sync.Pool{New: func() any { b := make([]byte, pooledFrameBuf); return &b }}

// newPooledFramer is newFramer with a recycled 4 KiB buffer; release
// returns it. A relay allocates nothing per stream for framing this way.
func newPooledFramer(src io.Reader, max int) *framer {
	bp := frameBufs.Get().(*[]byte)
	return &framer{src: src, buf: *bp, max: max, lineStart: true}
}

// release recycles the buffer; no frame returned before may be used after.
func (f *framer) release() {
	if cap(f.buf) == pooledFrameBuf {
		b := f.buf[:pooledFrameBuf]
		frameBufs.Put(&b)
	}
	f.buf, f.peeked = nil, nil
}

// frameTooLargeError reports an event larger than the cap; it bounds what
// a misbehaving competitor can make the gateway hold.
type frameTooLargeError struct{ limit int }

// Error names the cap.
func (e *frameTooLargeError) Error() string {
	return fmt.Sprintf("upstream event exceeds %d bytes", e.limit)
}

// next returns the next frame. The slice aliases the framer's buffer and is
// valid until the next call. At the end of the stream it returns the
// source's error (io.EOF for a clean end); Pending then tells whether bytes
// of an unfinished frame were dropped.
func (f *framer) next() ([]byte, error) {
	if fr := f.peeked; fr != nil {
		f.peeked = nil
		return fr, nil
	}
	for {
		if fr := f.scan(); fr != nil {
			return fr, nil
		}
		if f.err != nil {
			return nil, f.err
		}
		if err := f.fill(); err != nil {
			f.err = err
		}
	}
}

// ready reports whether the next frame has already been read, so that next
// returns it without waiting for the source. The frame last returned stays
// valid: scanning never moves the buffer, only fill does.
func (f *framer) ready() bool {
	if f.peeked == nil {
		f.peeked = f.scan()
	}
	return f.peeked != nil
}

// ended reports whether the source has been read to its clean end.
func (f *framer) ended() bool { return errors.Is(f.err, io.EOF) }

// pending is how many bytes of an unfinished frame are held.
func (f *framer) pending() int { return f.end - f.start }

// scan looks for the blank line that ends the frame at f.start.
func (f *framer) scan() []byte {
	b := f.buf
	for f.pos < f.end {
		if !f.lineStart {
			j := indexEOL(b[f.pos:f.end])
			if j < 0 {
				f.pos = f.end
				return nil
			}
			f.pos += j
			f.prevCR = b[f.pos] == '\r'
			f.lineStart = true
			f.pos++
			continue
		}
		c := b[f.pos]
		switch {
		case c == '\n' && f.prevCR:
			f.prevCR = false
			f.pos++
			if f.pos-f.start == 1 {
				// The rest of a CRLF whose CR ended the previous frame: a
				// frame of its own, so that it is forwarded now.
				fr := b[f.start:f.pos]
				f.start = f.pos
				return fr
			}
		case c == '\r' || c == '\n':
			f.pos++
			f.prevCR = false
			if c == '\r' {
				if f.pos < f.end && b[f.pos] == '\n' {
					f.pos++
				} else {
					f.prevCR = true
				}
			}
			fr := b[f.start:f.pos]
			f.start = f.pos
			return fr
		default:
			f.lineStart = false
			f.prevCR = false
		}
	}
	return nil
}

// indexEOL returns the index of the first "\r" or "\n" in s, or -1; two
// vectorised scans beat a byte loop.
func indexEOL(s []byte) int {
	j := bytes.IndexByte(s, '\n')
	if j >= 0 {
		if k := bytes.IndexByte(s[:j], '\r'); k >= 0 {
			return k
		}
		return j
	}
	return bytes.IndexByte(s, '\r')
}

// fill reads more bytes, first moving the unfinished frame to the front of
// the buffer or growing it up to the cap.
func (f *framer) fill() error {
	if f.start == f.end {
		f.start, f.pos, f.end = 0, 0, 0
	} else if f.end == len(f.buf) {
		if f.start > 0 {
			n := copy(f.buf, f.buf[f.start:f.end])
			f.pos -= f.start
			f.start, f.end = 0, n
		} else {
			if len(f.buf) >= f.max {
				return &frameTooLargeError{limit: f.max}
			}
			nb := make([]byte, min(2*len(f.buf), f.max))
			copy(nb, f.buf[:f.end])
			f.buf = nb
		}
	}
	for empty := 0; ; empty++ {
		n, err := f.src.Read(f.buf[f.end:])
		f.end += n
		if n > 0 || err != nil {
			return err
		}
		if empty >= 100 {
			return io.ErrNoProgress
		}
	}
}

// frameData returns the data of an event frame (its data: lines joined with
// "\n", as a client would see it) and whether it has any; comments and
// blank frames have none. scratch is reused for multi-line data.
func frameData(fr []byte, scratch *[]byte) ([]byte, bool) {
	// Fast path: the common single-line "data: ...\n\n".
	if bytes.HasPrefix(fr, []byte("data:")) {
		if j := indexEOL(fr); j >= 0 {
			rest := fr[j:]
			if rest[0] == '\r' && len(rest) > 1 && rest[1] == '\n' {
				rest = rest[2:]
			} else {
				rest = rest[1:]
			}
			if len(rest) == 0 || rest[0] == '\n' || rest[0] == '\r' {
				v := fr[5:j]
				if len(v) > 0 && v[0] == ' ' {
					v = v[1:]
				}
				return v, true
			}
		}
	}
	lines := 0
	var out []byte
	for len(fr) > 0 {
		j := indexEOL(fr)
		if j < 0 {
			j = len(fr)
		}
		line := fr[:j]
		if j < len(fr) {
			if fr[j] == '\r' && j+1 < len(fr) && fr[j+1] == '\n' {
				j++
			}
			j++
		}
		fr = fr[j:]
		name, value, _ := bytes.Cut(line, []byte(":"))
		if string(name) != "data" || len(line) == 0 {
			continue
		}
		if len(value) > 0 && value[0] == ' ' {
			value = value[1:]
		}
		if lines == 0 {
			out = value
		} else {
			if lines == 1 {
				*scratch = append((*scratch)[:0], out...)
			}
			*scratch = append(*scratch, '\n')
			*scratch = append(*scratch, value...)
			out = *scratch
		}
		lines++
	}
	return out, lines > 0
}
