package scorer

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/internal/wire"
	"github.com/janus-bench/janus/suites"
)

// TestArtifactFetch: the scorer fetches an artifact only from the target's
// own origin (or an allowed one), follows no redirect off it, bounds the
// size and the time, and its errors do not echo what answered. Real
// servers on loopback: the target, and a canary on another port that
// serves a perfect image and must see no request.
func TestArtifactFetch(t *testing.T) {
	pic := pngBytes(t, 64, 64)
	var canaryHits, allowedHits atomic.Int64
	var allowedAuth atomic.Value
	allowedAuth.Store("")
	image := func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(pic)
	}
	canary := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		canaryHits.Add(1)
		image(w)
	}))
	defer canary.Close()
	allowed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		allowedHits.Add(1)
		allowedAuth.Store(r.Header.Get("Authorization"))
		image(w)
	}))
	defer allowed.Close()
	release := make(chan struct{})
	defer close(release)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/artifacts/ok.png":
			image(w)
		case "/v1/artifacts/auth.png":
			if r.Header.Get("Authorization") != "Bearer k" {
				http.Error(w, "no key", http.StatusUnauthorized)
				return
			}
			image(w)
		case "/off":
			http.Redirect(w, r, canary.URL+"/x.png", http.StatusFound)
		case "/same":
			http.Redirect(w, r, "/v1/artifacts/ok.png", http.StatusFound)
		case "/huge":
			w.Header().Set("Content-Length", fmt.Sprint(4*len(pic)))
			w.Write(make([]byte, 4*len(pic)))
		case "/huge-chunked":
			for range 4 {
				w.Write(pic)
				w.(http.Flusher).Flush()
			}
		case "/slow":
			w.Header().Set("Content-Type", "image/png")
			w.Write(pic[:8])
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
			case <-release:
			}
		case "/internal":
			http.Error(w, "NOAUTH redis at 10.1.2.3:6379", http.StatusInternalServerError)
		default:
			http.NotFound(w, r)
		}
	}))
	defer target.Close()

	fetch := func() *ArtifactFetch {
		return &ArtifactFetch{Origin: target.URL + "/v1", Header: http.Header{"Authorization": {"Bearer k"}},
			MaxBytes: int64(2 * len(pic)), Timeout: 300 * time.Millisecond}
	}
	withAllow := fetch()
	withAllow.Allow = []string{allowed.URL}
	userinfo := strings.Replace(target.URL, "http://", "http://u:p@", 1)
	art := func(u string) wire.Artifact {
		return wire.Artifact{ID: "a", Type: "image", MimeType: "image/png", URL: u}
	}
	tests := []struct {
		name   string
		f      *ArtifactFetch
		arts   []wire.Artifact
		min    int
		want   float64
		reason string
	}{
		{"on the target's origin", fetch(), []wire.Artifact{art(target.URL + "/v1/artifacts/ok.png")}, 0, 1, "1 of 1"},
		{"path URL resolved against the origin", fetch(), []wire.Artifact{art("/v1/artifacts/ok.png")}, 0, 1, "1 of 1"},
		{"the target's key goes to the target", fetch(), []wire.Artifact{art("/v1/artifacts/auth.png")}, 0, 1, "1 of 1"},
		{"same-origin redirect", fetch(), []wire.Artifact{art(target.URL + "/same")}, 0, 1, "1 of 1"},
		{"allowed origin, without the key", withAllow, []wire.Artifact{art(allowed.URL + "/x.png")}, 0, 1, "1 of 1"},
		{"another loopback port", fetch(), []wire.Artifact{art(canary.URL + "/x.png")}, 0, 0, "not on the target's origin"},
		{"scheme-relative URL to another port", fetch(), []wire.Artifact{art("//" + strings.TrimPrefix(canary.URL, "http://") + "/x.png")}, 0, 0, "not a data, http(s) or absolute-path URL"},
		{"user info in the URL", fetch(), []wire.Artifact{art(userinfo + "/v1/artifacts/ok.png")}, 0, 0, "not on the target's origin"},
		{"redirect off the origin", fetch(), []wire.Artifact{art(target.URL + "/off")}, 0, 0, "redirected off the target's origin"},
		{"declared too large", fetch(), []wire.Artifact{art(target.URL + "/huge")}, 0, 0, fmt.Sprintf("more than %d bytes", 2*len(pic))},
		{"streamed too large", fetch(), []wire.Artifact{art(target.URL + "/huge-chunked")}, 0, 0, fmt.Sprintf("more than %d bytes", 2*len(pic))},
		{"slow body", fetch(), []wire.Artifact{art(target.URL + "/slow")}, 0, 0, "not complete within 300ms"},
		{"internal error not echoed", fetch(), []wire.Artifact{art(target.URL + "/internal")}, 0, 0, "not served (not HTTP 200)"},
		{"no target: not fetched, not taken on its word", nil, []wire.Artifact{art(canary.URL + "/x.png")}, 0, 0, "not verified"},
		{"fetches per answer capped", &ArtifactFetch{Origin: target.URL, MaxFetches: 2},
			[]wire.Artifact{art("/v1/artifacts/ok.png"), art("/v1/artifacts/ok.png"), art("/v1/artifacts/ok.png")}, 3, 0, "more than 2 artifacts to fetch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check := suites.Check{Type: CheckArtifact, Value: "image", MIME: "image/png", Min: tt.min}
			tr := &trace.Trace{Content: "here", Artifacts: tt.arts}
			v := (&Evaluator{Fetch: tt.f}).Evaluate(task(check), tr)
			t.Logf("%v %s", v.Score, v.Reason)
			if v.Score != tt.want || !strings.Contains(v.Reason, tt.reason) {
				t.Fatalf("score %v (%q), want %v with %q", v.Score, v.Reason, tt.want, tt.reason)
			}
			for _, leak := range []string{"500", "NOAUTH", "10.1.2.3", "connection refused", "dial tcp"} {
				if strings.Contains(v.Reason, leak) {
					t.Errorf("the reason %q echoes %q", v.Reason, leak)
				}
			}
		})
	}
	if n := canaryHits.Load(); n != 0 {
		t.Errorf("the canary on another port got %d request(s)", n)
	}
	if allowedHits.Load() != 1 || allowedAuth.Load() != "" {
		t.Errorf("allowed origin: %d request(s), Authorization %q; want 1 and none", allowedHits.Load(), allowedAuth.Load())
	}
}
