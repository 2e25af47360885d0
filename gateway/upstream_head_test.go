package gateway

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/janus-bench/janus/internal/h1"
)

// rawUpstream answers every connection with handle after reading one
// request head, for answers net/http's server would never give.
func rawUpstream(t *testing.T, handle func(c net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				req, err := http.ReadRequest(br)
				if err != nil {
					return
				}
				_, _ = io.Copy(io.Discard, req.Body)
				handle(c)
				_, _ = io.Copy(io.Discard, br) // until the gateway closes
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

// TestUpstreamHeadBounds: the gateway's upstream transport for a plain-http
// competitor is internal/h1's, and it keeps net/http's bounds on a hostile
// upstream's response head: a head that never ends is cut off by the
// competitor's header_timeout, one that grows without bound by the 10 MiB
// budget; either way the client gets a 502 envelope, not a hang.
func TestUpstreamHeadBounds(t *testing.T) {
	stall := func(c net.Conn) { _, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\n") }
	endless := func(c net.Conn) {
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\n")
		line := "X-Filler: " + strings.Repeat("a", 4000) + "\r\n"
		for {
			if _, err := io.WriteString(c, line); err != nil {
				return
			}
		}
	}
	tests := []struct {
		name   string
		handle func(net.Conn)
		extra  string // competitor config lines
		want   string
	}{
		{"header timeout", stall, "    header_timeout: 100ms\n", "timeout awaiting response headers"},
		{"endless head", endless, "", "server response headers exceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := rawUpstream(t, tt.handle)
			cfg := filepath.Join(t.TempDir(), "gw.yaml")
			yaml := "competitors:\n  - id: up\n    url: " + up + "\n    default: true\n" + tt.extra
			if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			gw := startGateway(t, Options{ConfigFile: cfg, Logger: testLogger()})
			if _, ok := gw.Server.reg.load().byID["up"].rt.(*h1.Transport); !ok {
				t.Fatalf("a plain-http competitor's transport is %T, want *h1.Transport", gw.Server.reg.load().byID["up"].rt)
			}
			env := errorEnvelope(t, post(t, context.Background(), gw.URL, chatBody("m", false, ""), nil), http.StatusBadGateway)
			if !strings.Contains(env.Error.Message, tt.want) {
				t.Errorf("error %q, want it to name %q", env.Error.Message, tt.want)
			}
		})
	}
}
