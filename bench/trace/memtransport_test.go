package trace

import (
	"context"
	"io"
	"net/http"
	"net/http/httptrace"
	"sync"
)

// handlerTransport serves each request with a handler in this process,
// the response streamed through an in-memory pipe: the client reads each
// write when the handler makes it, as over TCP, but no socket is opened, so
// a testing/synctest bubble can host both ends and the stream's timing runs
// on the bubble's fake clock (budgets and timeouts asserted exactly). As
// with net/http's server, the handler's context ends when the client
// cancels or closes the body; closing it also waits for the handler to
// return, so nothing outlives the bubble.
type handlerTransport struct{ h http.Handler }

func (ht handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	// The request is "on the wire" at once, as net/http's transport says
	// once it has written one: the client times the response head from it.
	if ct := httptrace.ContextClientTrace(req.Context()); ct != nil && ct.WroteRequest != nil {
		ct.WroteRequest(httptrace.WroteRequestInfo{})
	}
	hctx, hcancel := context.WithCancel(req.Context())
	hreq := req.WithContext(hctx)
	pr, pw := io.Pipe()
	rw := &pipeResponse{header: http.Header{}, w: pw, ready: make(chan struct{})}
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		ht.h.ServeHTTP(rw, hreq)
		rw.WriteHeader(http.StatusOK)          // a handler that wrote nothing
		pw.CloseWithError(req.Context().Err()) // nil: a clean EOF
	}()
	// As net/http does, a cancelled request fails the body's reads at
	// once, whatever the handler is doing (the first close's error wins).
	go func() {
		select {
		case <-req.Context().Done():
			pw.CloseWithError(req.Context().Err())
		case <-finished:
		}
	}()
	body := &pipeBody{PipeReader: pr, stop: func() { hcancel(); pr.Close(); <-finished }}
	select {
	case <-rw.ready:
	case <-req.Context().Done():
		body.Close()
		return nil, req.Context().Err()
	}
	return &http.Response{StatusCode: rw.status, Status: http.StatusText(rw.status), Header: rw.sent,
		Body: body, ContentLength: -1, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Request: req}, nil
}

// pipeBody is the client's end of the pipe.
type pipeBody struct {
	*io.PipeReader
	stop func()
	once sync.Once
}

func (b *pipeBody) Close() error { b.once.Do(b.stop); return nil }

// pipeResponse is the handler's http.ResponseWriter (and Flusher).
type pipeResponse struct {
	header, sent http.Header
	w            *io.PipeWriter
	status       int
	once         sync.Once
	ready        chan struct{}
}

func (p *pipeResponse) Header() http.Header { return p.header }

func (p *pipeResponse) WriteHeader(code int) {
	p.once.Do(func() {
		p.status, p.sent = code, p.header.Clone()
		close(p.ready)
	})
}

func (p *pipeResponse) Write(b []byte) (int, error) {
	p.WriteHeader(http.StatusOK)
	return p.w.Write(b)
}

func (p *pipeResponse) Flush() {}
