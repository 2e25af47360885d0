package cli

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/bench/load"
	"github.com/janus-bench/janus/internal/app"
	"github.com/janus-bench/janus/internal/loadapp"
)

// TestTextMetricsMatchClientGolang: janus-load's hand-written exposition
// (loadapp.TextMetrics) serves byte for byte what janus's client_golang
// one (loadMetrics) serves for the same counters, with the same content
// type, for a fresh run and for one that sent requests (fractional
// seconds, bucket counts, step index).
func TestTextMetricsMatchClientGolang(t *testing.T) {
	fresh := load.NewLive()
	ran := load.NewLive()
	_, err := loadMount().Run(context.Background(), app.LoadOptions{
		Options: load.Options{Profile: "closed:c=1,2", Duration: 200 * time.Millisecond}, Live: ran,
		Out: filepath.Join(t.TempDir(), "r.json"), Pace: app.Pace(baseline.Unpaced())})
	if err != nil {
		t.Fatal(err)
	}
	if ran.Snapshot().Requests == 0 {
		t.Fatal("the run counted no requests")
	}
	for name, live := range map[string]*load.Live{"fresh": fresh, "ran": ran} {
		t.Run(name, func(t *testing.T) {
			want, wantType := scrape(t, loadMetrics(live))
			got, gotType := scrape(t, loadapp.TextMetrics(live))
			if got != want {
				t.Errorf("TextMetrics:\n%s\nclient_golang:\n%s", got, want)
			}
			if gotType != wantType {
				t.Errorf("Content-Type %q, client_golang's %q", gotType, wantType)
			}
		})
	}
}

// scrape GETs h as a scraper that names no format and takes no gzip.
func scrape(t *testing.T, h http.Handler) (body, contentType string) {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept-Encoding", "identity")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b), resp.Header.Get("Content-Type")
}
