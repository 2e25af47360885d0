package h1

import (
	"bufio"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// nextResponse follows every input so that a reader that consumes too much
// or too little of a response shows in where the next one starts.
const nextResponse = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"

// readResult is everything a caller of a response reader can observe.
type readResult struct {
	Status, Proto          string
	StatusCode             int
	Header                 http.Header
	ContentLength          int64
	TransferEncoding       []string
	Close                  bool
	Body                   string
	Err, BodyErr, NextResp string
}

// readWith reads raw (then nextResponse) with f, whole or one byte at a
// time, and reports what a caller would see.
func readWith(raw string, oneByte bool, f func(*bufio.Reader, *http.Request) (*http.Response, error)) readResult {
	var r io.Reader = strings.NewReader(raw + nextResponse)
	if oneByte {
		r = iotest.OneByteReader(r)
	}
	br := bufio.NewReaderSize(r, 1<<10)
	req, _ := http.NewRequest("POST", "http://h/v1/chat/completions", nil)
	resp, err := f(br, req)
	if err != nil {
		return readResult{Err: err.Error()}
	}
	b, berr := io.ReadAll(resp.Body)
	resp.Body.Close()
	res := readResult{Status: resp.Status, Proto: resp.Proto, StatusCode: resp.StatusCode, Header: resp.Header,
		ContentLength: resp.ContentLength, TransferEncoding: resp.TransferEncoding, Close: resp.Close, Body: string(b)}
	if berr != nil {
		res.BodyErr = berr.Error()
	}
	if nr, err := http.ReadResponse(br, req); err == nil {
		nb, _ := io.ReadAll(nr.Body)
		res.NextResp = nr.Status + " " + string(nb)
	}
	return res
}

// readFinalResponse is the oracle: http.ReadResponse with interim
// responses skipped as net/http's Transport skips them (every 1xx but 101
// Switching Protocols, which is final), so the answer a caller sees is the
// final one and the next response starts after it.
func readFinalResponse(br *bufio.Reader, req *http.Request) (*http.Response, error) {
	for {
		resp, err := http.ReadResponse(br, req)
		if err != nil || resp.StatusCode < 100 || resp.StatusCode > 199 || resp.StatusCode == http.StatusSwitchingProtocols {
			return resp, err
		}
	}
}

// FuzzReadResponse checks the lean response reader against
// readFinalResponse (http.ReadResponse skipping interim responses) on
// arbitrary bytes: the same status, header, framing, body, errors and next
// response, whether it parsed the head or handed it over.
func FuzzReadResponse(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 14\r\n\r\n{\"choices\":[]}",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nX-T: 1\r\n\r\n",
		"HTTP/1.1 429\r\nContent-Length: 5\r\n\r\nslow!",
		"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}",
		"HTTP/1.1 200 OK\r\nContent-Length: 002\r\n\r\n{}",
		"HTTP/1.1 200 OK\r\nX-A : 1\r\nContent-Length: 2\r\n\r\n{}",
		"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}",
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n",
	} {
		f.Add(s)
	}
	// Errors must happen in the same places, but their wording may differ
	// (textproto has a dozen messages for a malformed header line).
	same := func(a, b *string) {
		if *a != "" && *b != "" {
			*a, *b = "error", "error"
		}
	}
	f.Fuzz(func(t *testing.T, raw string) {
		want := readWith(raw, false, readFinalResponse)
		got := readWith(raw, false, readResponse)
		same(&got.Err, &want.Err)
		same(&got.BodyErr, &want.BodyErr)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q:\n got %+v\nwant %+v", raw, got, want)
		}
	})
}

// TestReadResponseMatchesReadResponse: the lean transport's response
// reader gives what http.ReadResponse gives — status, header, framing,
// body bytes and error, and where the next response starts — whether it
// parses the head itself or hands it over.
func TestReadResponseMatchesReadResponse(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		lean bool // parsed by readResponse itself
	}{
		{"json", "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nDate: Mon, 23 Nov 2026 23:57:08 GMT\r\nContent-Length: 14\r\n\r\n{\"choices\":[]}", true},
		{"sse chunked", "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nX-Request-Id: 7\r\nTransfer-Encoding: chunked\r\n\r\n7\r\ndata: a\r\nf\r\n\n\ndata: [DONE]\n\r\n0\r\n\r\n", true},
		{"chunk extension and trailer", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nX-T: 1\r\n\r\n", true},
		{"lower-case keys, odd key, spaces", "HTTP/1.1 200 OK\r\ncontent-type:  application/json \r\nx-custom-thing: a\tb\r\nX-Dup: 1\r\nx-dup: 2\r\ncontent-length: 2\r\n\r\n{}", true},
		{"error status, no reason", "HTTP/1.1 429\r\nContent-Length: 5\r\n\r\nslow!", true},
		{"empty body", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", true},
		{"leading zeros", "HTTP/1.1 200 OK\r\nContent-Length: 002\r\n\r\n{}", true},
		// Handed to http.ReadResponse:
		{"connection close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}", false},
		{"read to close", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it", false},
		{"http/1.0", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n{}", false},
		{"204", "HTTP/1.1 204 No Content\r\n\r\n", false},
		{"two lengths", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}", false},
		{"length and chunked", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n", false},
		{"gzip encoding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", false},
		{"bad length", "HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\n{}", false},
		{"folded line", "HTTP/1.1 200 OK\r\nX-A: 1\r\n 2\r\nContent-Length: 2\r\n\r\n{}", false},
		{"non-ascii value", "HTTP/1.1 200 OK\r\nX-A: é\r\nContent-Length: 2\r\n\r\n{}", false},
		{"bare line feeds", "HTTP/1.1 200 OK\nContent-Length: 2\n\n{}", false},
		{"declared trailer", "HTTP/1.1 200 OK\r\nTrailer: X-T\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: 1\r\n\r\n", false},
		{"space before colon", "HTTP/1.1 200 OK\r\nX-A : 1\r\nContent-Length: 2\r\n\r\n{}", false},
		{"short body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{}", true},
		{"truncated chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", true},
		{"truncated head", "HTTP/1.1 200 OK\r\nContent-Le", false},
		// Interim responses are skipped; their heads go to http.ReadResponse.
		{"103 then answer", "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", false},
		{"two interim", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", false},
		{"101 is final", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n", false},
		{"interim then nothing", "HTTP/1.1 103 Early Hints\r\n\r\n", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := readWith(tt.raw, false, readFinalResponse)
			for _, oneByte := range []bool{false, true} {
				if got := readWith(tt.raw, oneByte, readResponse); !reflect.DeepEqual(got, want) {
					t.Errorf("%s (one byte at a time %v):\n got %+v\nwant %+v", tt.name, oneByte, got, want)
				}
			}
			buf := []byte(tt.raw)
			if i := strings.Index(tt.raw, "\r\n\r\n"); i >= 0 {
				buf = buf[:i+2]
			}
			if _, ok := parseHead(buf); ok != tt.lean {
				t.Errorf("%s: parsed by readResponse itself = %v, want %v", tt.name, ok, tt.lean)
			}
		})
	}
}
