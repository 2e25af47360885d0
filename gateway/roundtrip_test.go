package gateway

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// TestDoAsClient checks that competitor.do, which calls the transport
// directly, answers every kind of upstream reply as the http.Client it
// replaced did (CheckRedirect answering http.ErrUseLastResponse): the same
// status, headers the upstream saw, body, and error text, redirects never
// followed.
func TestDoAsClient(t *testing.T) {
	var seen []http.Header
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		seen = append(seen, r.Header.Clone())
		_, _ = w.Write(append([]byte("got "), b...))
	})
	for _, code := range []int{301, 302, 303, 307, 308} {
		mux.HandleFunc("/redirect/"+strconv.Itoa(code), func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Location", "/ok")
			w.WriteHeader(code)
			_, _ = w.Write([]byte("moved"))
		})
	}
	mux.HandleFunc("/bad-location", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "http://[::1")
		w.WriteHeader(http.StatusFound)
	})
	mux.HandleFunc("/bad-location-200", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "http://[::1")
		_, _ = w.Write([]byte("fine"))
	})
	mux.HandleFunc("/no-location", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusFound)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	closed := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		a := l.Addr().String()
		_ = l.Close()
		return a
	}()

	cases := []struct{ name, method, url string }{
		{"ok post", http.MethodPost, srv.URL + "/ok"},
		{"ok get", http.MethodGet, srv.URL + "/ok"},
		{"basic auth from userinfo", http.MethodPost, "http://u:secret@" + host + "/ok"},
		{"refused", http.MethodPost, "http://" + closed + "/ok"},
		{"refused with a password", http.MethodPost, "http://u:secret@" + closed + "/ok"},
		{"unparseable Location on a redirect", http.MethodPost, srv.URL + "/bad-location"},
		{"unparseable Location on a 200", http.MethodPost, srv.URL + "/bad-location-200"},
		{"redirect without Location", http.MethodPost, srv.URL + "/no-location"},
		{"TLS to a plain server", http.MethodPost, "https://" + host + "/ok"},
	}
	for _, code := range []int{301, 302, 303, 307, 308} {
		for _, m := range []string{http.MethodPost, http.MethodGet} {
			cases = append(cases, struct{ name, method, url string }{
				"redirect " + http.StatusText(code) + " " + m, m, srv.URL + "/redirect/" + strconv.Itoa(code)})
		}
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tr := &http.Transport{}
			t.Cleanup(tr.CloseIdleConnections)
			client := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			}}
			// The gateway's own transport for the URL (internal/h1's for
			// plain http) must answer as the client does too.
			u, err := url.Parse(tc.url)
			if err != nil {
				t.Fatal(err)
			}
			own := newTransport(u.Scheme+"://"+u.Host, DefaultConnectTimeout, 0)
			t.Cleanup(own.CloseIdleConnections)
			send := func(do func(*http.Request) (*http.Response, error)) (string, http.Header) {
				seen = nil
				var body io.Reader
				if tc.method == http.MethodPost {
					body = bytes.NewReader([]byte(`{"a":1}`))
				}
				req, err := http.NewRequestWithContext(context.Background(), tc.method, tc.url, body)
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("X-Request-Id", "r1")
				resp, err := do(req)
				if err != nil {
					return "error: " + err.Error(), nil
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				var h http.Header
				if len(seen) > 0 {
					h = seen[0]
				}
				return resp.Status + " Location=" + resp.Header.Get("Location") + " " + string(b), h
			}
			want, wantHdr := send(client.Do)
			for _, rt := range []http.RoundTripper{tr, own} {
				comp := &competitor{rt: rt}
				got, gotHdr := send(comp.do)
				if got != want {
					t.Errorf("do on %T: %q\nclient: %q", rt, got, want)
				}
				if rt == own && wantHdr != nil {
					// The gateway's transports ask for no compression.
					wantHdr = wantHdr.Clone()
					wantHdr.Del("Accept-Encoding")
				}
				if wantHdr.Get("Authorization") != gotHdr.Get("Authorization") || len(wantHdr) != len(gotHdr) {
					t.Errorf("upstream saw headers %v through do on %T, %v through the client", gotHdr, rt, wantHdr)
				}
			}
		})
	}
}
