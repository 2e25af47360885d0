package sse

import (
	"bytes"
	"io"
	"testing"
	"testing/iotest"
)

// splitReader returns data in reads whose sizes are taken, cyclically, from
// the bytes of key (1 to 8 bytes each), so the split points are derived from
// the fuzz input itself.
type splitReader struct {
	data []byte
	key  []byte
	k    int
}

func (s *splitReader) Read(p []byte) (int, error) {
	if len(s.data) == 0 {
		return 0, io.EOF
	}
	n := 1
	if len(s.key) > 0 {
		n = int(s.key[s.k%len(s.key)]%8) + 1
		s.k++
	}
	n = min(n, len(p), len(s.data))
	copy(p, s.data[:n])
	s.data = s.data[n:]
	return n, nil
}

func FuzzReader(f *testing.F) {
	for _, tc := range specCases {
		f.Add([]byte(tc.in))
	}
	f.Add([]byte(benchChunk + ": ping\n\n" + benchChunk + "data: [DONE]\n\n"))
	f.Add([]byte(":" + string(bytes.Repeat([]byte("x"), 40)) + "\r\ndata: " + string(bytes.Repeat([]byte("y"), 40)) + "\r\n\r\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		whole := collect(bytes.NewReader(in))
		if whole.err != io.EOF.Error() {
			t.Fatalf("whole read ended with %s", whole.err)
		}
		checkInvariants(t, string(in), whole)
		reads := map[string]result{
			"split":         collect(&splitReader{data: in, key: in}),
			"split-rotated": collect(&splitReader{data: in, key: in, k: 3}, WithBufferSize(4)),
			"one-byte-buf4": collect(iotest.OneByteReader(bytes.NewReader(in)), WithBufferSize(4)),
		}
		for name, got := range reads {
			if d := whole.diff(got); d != "" {
				t.Fatalf("%s differs from a whole read: %s", name, d)
			}
		}
		// With a small cap, over-long lines must fail identically however
		// the stream is split.
		capped := collect(bytes.NewReader(in), WithMaxLineBytes(24))
		for name, got := range map[string]result{
			"capped-split":    collect(&splitReader{data: in, key: in}, WithMaxLineBytes(24), WithBufferSize(4)),
			"capped-one-byte": collect(iotest.OneByteReader(bytes.NewReader(in)), WithMaxLineBytes(24), WithBufferSize(8)),
		} {
			if d := capped.diff(got); d != "" {
				t.Fatalf("%s differs from a whole capped read: %s", name, d)
			}
		}
		for _, it := range capped.items {
			if bytes.IndexByte([]byte(it.Data), '\r') >= 0 {
				t.Fatalf("Data contains CR: %q", it.Data)
			}
		}
	})
}
