package load

import (
	"net/http"
	"strings"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/internal/h1"
)

var _ trace.DirectTransport = (*h1.Transport)(nil)

// newLeanTransport is the load client's plain-http transport: small
// per-connection buffers (see NewClient).
func newLeanTransport(maxIdle int) *h1.Transport {
	return h1.New(h1.Options{MaxIdle: maxIdle, BufBytes: 1 << 10})
}

// NewClient builds a load run's client for up to maxConc requests in
// flight. Small per-connection buffers: chat requests and SSE events are
// a few hundred bytes, and 5,000 streams at net/http's 4 KiB read and
// write buffers plus a 4 KiB SSE buffer would hold 60 MiB for nothing.
// Plain http targets (the usual loopback or in-cluster case) go through
// the lean transport, one goroutine per stream; https (or StdTransport)
// through net/http's.
func NewClient(o *Options, maxConc int) *trace.Client {
	var rt http.RoundTripper = newLeanTransport(maxConc)
	if strings.HasPrefix(o.Target, "https://") || o.StdTransport {
		tr := trace.NewTransport(maxConc)
		tr.ReadBufferSize, tr.WriteBufferSize = 1<<10, 1<<10
		rt = tr
	}
	return &trace.Client{BaseURL: o.Target, APIKey: o.APIKey, Header: o.Header,
		Timeout: o.Timeout, TTFTTimeout: o.TTFTTimeout, StreamBufferBytes: 1 << 10, Limits: o.Limits, SameOriginRedirects: o.FollowRedirects,
		HTTP: &http.Client{Transport: rt}}
}
