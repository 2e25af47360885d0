package h1

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httputil"
	"net/textproto"
	"sync/atomic"
)

// readResponse reads a response head as http.ReadResponse does, without
// most of its allocations (a textproto reader, a transfer reader, a
// string per header line: a sixth of a non-stream request's allocations
// and a tenth of janus's CPU at 10,000 requests/s), for the plain
// responses a chat endpoint gives: HTTP/1.1, a final status other than
// 204 and 304, a head already in the buffer, Content-Length or chunked
// framing, no Connection or Trailer header, no folded lines, ASCII
// values. Anything else goes to http.ReadResponse untouched: the head is
// only peeked at until it is known to be plain.
func readResponse(br *bufio.Reader, req *http.Request) (*http.Response, error) {
	for {
		resp, err := readOneResponse(br, req)
		// An interim response (100 Continue, 103 Early Hints) has no body
		// and the final one follows it: skip it, as net/http does, or the
		// final answer would be read as the next request's.
		if err != nil || resp.StatusCode < 100 || resp.StatusCode >= 200 || resp.StatusCode == http.StatusSwitchingProtocols {
			return resp, err
		}
	}
}

// readOneResponse reads one response head, interim or final.
func readOneResponse(br *bufio.Reader, req *http.Request) (*http.Response, error) {
	// Wait for the first bytes as http.ReadResponse would, with its error.
	if _, err := br.Peek(1); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	buf, _ := br.Peek(br.Buffered())
	end := bytes.Index(buf, []byte("\r\n\r\n"))
	if end < 0 || req.Method == http.MethodHead {
		return http.ReadResponse(br, req)
	}
	resp, ok := parseHead(buf[:end+2])
	if !ok {
		return http.ReadResponse(br, req)
	}
	if _, err := br.Discard(end + 4); err != nil {
		return nil, err
	}
	resp.Request = req
	switch {
	case resp.ContentLength == 0:
		resp.Body = http.NoBody
	case resp.ContentLength > 0:
		resp.Body = &lengthBody{r: br, n: resp.ContentLength}
	default:
		resp.Body = &chunkedBody{r: br, cr: httputil.NewChunkedReader(br)}
	}
	return resp, nil
}

// parseHead parses a head (status line and header lines, each ending in
// CRLF) or reports false when it is not plain.
func parseHead(h []byte) (*http.Response, bool) {
	line, rest, _ := bytes.Cut(h, []byte("\r\n"))
	code, ok := parseStatusLine(line)
	if !ok {
		return nil, false
	}
	resp := &http.Response{StatusCode: code, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: make(http.Header, 8), ContentLength: -1}
	resp.Status = statusText(line[9:])
	var fr framing
	// One backing array for every header's values, as textproto does.
	strs := make([]string, bytes.Count(rest, []byte("\r\n")))
	for len(rest) > 0 {
		line, rest, _ = bytes.Cut(rest, []byte("\r\n"))
		key, val, ok := splitHeaderLine(line)
		if !ok {
			return nil, false
		}
		k := headerKey(key)
		keep, ok := fr.take(k, val, resp)
		if !ok {
			return nil, false
		}
		if !keep {
			continue
		}
		v := headerValue(k, val)
		if vs, ok := resp.Header[k]; ok {
			resp.Header[k] = append(vs, v)
		} else {
			strs[0] = v
			resp.Header[k], strs = strs[:1:1], strs[1:]
		}
	}
	if !fr.finish(resp) {
		return nil, false
	}
	return resp, true
}

// parseStatusLine reads the status code of a plain status line:
// "HTTP/1.1 200 OK", "HTTP/1.1 200 " or "HTTP/1.1 200", printable ASCII,
// with a status that has a body (not 1xx, 204 or 304).
func parseStatusLine(line []byte) (int, bool) {
	if len(line) < 12 || string(line[:9]) != "HTTP/1.1 " || (len(line) > 12 && line[12] != ' ') {
		return 0, false
	}
	for _, c := range line {
		if c < 0x20 || c >= 0x7f {
			return 0, false // a bare line feed or the like
		}
	}
	code := 0
	for _, c := range line[9:12] {
		if c < '0' || c > '9' {
			return 0, false
		}
		code = code*10 + int(c-'0')
	}
	if code < 200 || code == 204 || code == 304 || code > 999 {
		return 0, false
	}
	return code, true
}

// splitHeaderLine splits "Key: value" into a token key and its value
// without optional white space; false when either has a byte a plain
// header does not.
func splitHeaderLine(line []byte) (key, val []byte, ok bool) {
	colon := bytes.IndexByte(line, ':')
	if colon <= 0 {
		return nil, nil, false
	}
	key, val = line[:colon], trimOWS(line[colon+1:])
	for _, c := range key {
		if !isTokenByte(c) {
			return nil, nil, false
		}
	}
	for _, c := range val {
		if (c < 0x20 && c != '\t') || c >= 0x7f {
			return nil, nil, false
		}
	}
	return key, val, true
}

// framing is what a head's headers say about where its body ends.
type framing struct{ clSeen, chunked bool }

// take reads the framing headers as they come: keep is false for a header
// that does not stay in the response's header, ok false for a head that
// is not plain (connection control, trailers, a second or bad length, a
// coding other than chunked).
func (fr *framing) take(k string, val []byte, resp *http.Response) (keep, ok bool) {
	switch k {
	case "Connection", "Trailer":
		return false, false
	case "Content-Length":
		n, ok := parseLength(val)
		if !ok || fr.clSeen {
			return false, false
		}
		fr.clSeen, resp.ContentLength = true, n
	case "Transfer-Encoding":
		if fr.chunked || string(val) != "chunked" {
			return false, false
		}
		fr.chunked = true
		// http.ReadResponse moves it out of the header into the
		// response's TransferEncoding.
		return false, true
	}
	return true, true
}

// finish sets the response's transfer encoding; false when the body's end
// is ambiguous (both framings) or the connection's close (neither, which
// http.ReadResponse handles).
func (fr *framing) finish(resp *http.Response) bool {
	switch {
	case fr.chunked && fr.clSeen:
		return false
	case fr.chunked:
		resp.TransferEncoding = []string{"chunked"}
	case !fr.clSeen:
		return false // read until close: http.ReadResponse's case
	}
	return true
}

// lengthBody is a Content-Length body: io.EOF after n bytes, and
// io.ErrUnexpectedEOF when the connection ends first, as net/http's.
type lengthBody struct {
	r *bufio.Reader
	n int64
}

func (b *lengthBody) Read(p []byte) (int, error) {
	if b.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > b.n {
		p = p[:b.n]
	}
	n, err := b.r.Read(p)
	b.n -= int64(n)
	if b.n == 0 {
		return n, io.EOF
	}
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

func (b *lengthBody) Close() error { return nil }

// chunkedBody is a chunked body; after the last chunk it reads the
// trailer section (discarded: a chat answer has none that janus reads),
// so that a kept connection starts at the next response.
type chunkedBody struct {
	r   *bufio.Reader
	cr  io.Reader
	eof bool
}

func (b *chunkedBody) Read(p []byte) (int, error) {
	if b.eof {
		return 0, io.EOF
	}
	n, err := b.cr.Read(p)
	if errors.Is(err, io.EOF) {
		if terr := readTrailer(b.r); terr != nil {
			return n, terr
		}
		b.eof = true
		return n, io.EOF
	}
	return n, err
}

var errTrailerEOF = errors.New("unexpected EOF reading trailer")

// readTrailer reads (and discards) the trailer section after the last
// chunk exactly as net/http does, so that a malformed trailer fails where
// it fails there and a kept connection starts at the same byte (found by
// FuzzReadResponse: a lenient reader swallowed the next response as a
// trailer, or took a line textproto refuses). The common empty trailer
// costs no allocation; anything else goes through textproto itself, and
// only once a blank line is in the buffer (net/http's bound on a trailer).
func readTrailer(r *bufio.Reader) error {
	buf, err := r.Peek(2)
	if bytes.Equal(buf, []byte("\r\n")) {
		_, _ = r.Discard(2)
		return nil
	}
	if len(buf) < 2 {
		return errTrailerEOF
	}
	if err != nil {
		return err
	}
	if !upcomingDoubleCRLF(r) {
		return errors.New("suspiciously long trailer after chunked body")
	}
	if _, err := textproto.NewReader(r).ReadMIMEHeader(); err != nil {
		if errors.Is(err, io.EOF) {
			return errTrailerEOF
		}
		return err
	}
	return nil
}

// upcomingDoubleCRLF reports whether the end of a header block is already
// in r's buffer (or can be peeked into it).
func upcomingDoubleCRLF(r *bufio.Reader) bool {
	for size := 4; ; size++ {
		buf, err := r.Peek(size)
		if bytes.HasSuffix(buf, []byte("\r\n\r\n")) {
			return true
		}
		if err != nil {
			return false
		}
	}
}

func (b *chunkedBody) Close() error { return nil }

func isTokenByte(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
		return true
	}
	return false
}

// trimOWS trims spaces and tabs, as textproto does to header values.
func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// parseLength parses a Content-Length value: digits only, as net/http
// accepts it.
func parseLength(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// headerKey returns the canonical form of a header key, without
// allocating for the keys chat endpoints send.
func headerKey(k []byte) string {
	switch string(k) {
	case "Content-Type", "content-type":
		return "Content-Type"
	case "Content-Length", "content-length":
		return "Content-Length"
	case "Transfer-Encoding", "transfer-encoding":
		return "Transfer-Encoding"
	case "Date", "date":
		return "Date"
	case "Connection", "connection":
		return "Connection"
	case "Trailer", "trailer":
		return "Trailer"
	case "X-Request-Id", "x-request-id":
		return "X-Request-Id"
	case "Cache-Control", "cache-control":
		return "Cache-Control"
	case "Server", "server":
		return "Server"
	}
	return textproto.CanonicalMIMEHeaderKey(string(k))
}

// headerValue returns v as a string, without allocating for the values
// every answer repeats, nor for a Date that has not changed since the
// last response (it changes once a second).
func headerValue(k string, v []byte) string {
	switch string(v) {
	case "application/json":
		return "application/json"
	case "text/event-stream":
		return "text/event-stream"
	case "no-cache":
		return "no-cache"
	}
	if k == "Date" {
		if d := lastDate.Load(); d != nil && *d == string(v) {
			return *d
		}
		d := string(v)
		lastDate.Store(&d)
		return d
	}
	return string(v)
}

var lastDate atomic.Pointer[string]

// statusText is Response.Status for "NNN reason" (or "NNN").
func statusText(b []byte) string {
	switch string(b) {
	case "200 OK":
		return "200 OK"
	}
	return string(b)
}
