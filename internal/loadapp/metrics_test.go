package loadapp

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/bench/load"
	"github.com/janus-bench/janus/internal/app"
)

// TestLiveMetrics checks janus-load's Prometheus exposition of a run's
// live counters (TextMetrics) against what the run did: the names, types
// and values --prometheus has always served. cli's
// TestTextMetricsMatchClientGolang checks it is byte for byte janus's.
func TestLiveMetrics(t *testing.T) {
	live := load.NewLive()
	_, err := simMount.Run(context.Background(), app.LoadOptions{Options: load.Options{Profile: "closed:c=1,2", Duration: 200 * time.Millisecond}, Live: live,
		Out: filepath.Join(t.TempDir(), "r.json"), Pace: app.Pace(baseline.Unpaced())})
	if err != nil {
		t.Fatal(err)
	}
	s := live.Snapshot()
	if s.Requests == 0 {
		t.Fatal("no requests counted")
	}
	ms := httptest.NewServer(TextMetrics(live))
	defer ms.Close()
	resp, err := http.Get(ms.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		fmt.Sprintf("janus_load_step %d\n", s.Step), "janus_load_inflight 0\n",
		fmt.Sprintf("janus_load_requests_total %d\n", s.Requests), fmt.Sprintf("janus_load_passed_total %d\n", s.Passed),
		fmt.Sprintf("janus_load_good_total %d\n", s.Good), fmt.Sprintf("janus_load_errors_total %d\n", s.Errors),
		fmt.Sprintf("janus_load_ttft_seconds_bucket{le=\"+Inf\"} %d\n", s.TTFTCount), "# TYPE janus_load_ttft_seconds histogram",
		"# TYPE janus_load_requests_total counter", "# TYPE janus_load_step gauge", "janus_load_ttft_seconds_bucket{le=\"0.05\"} ",
		"# TYPE janus_load_sched_lag_seconds_sum counter", "janus_load_violating_total 0\n",
	} {
		t.Run(want, func(t *testing.T) {
			if !strings.Contains(string(b), want) {
				t.Errorf("metrics lack %q:\n%s", want, b)
			}
		})
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type %q, want the text format", ct)
	}
}

// TestAppendFloat: sample values are spelled as expfmt spells them (the
// shortest 'g' form, so large counts take an exponent), which a scraper
// of janus's client_golang exposition already parses.
func TestAppendFloat(t *testing.T) {
	for _, c := range []struct {
		f    float64
		want string
	}{
		{0, "0"}, {math.Copysign(0, -1), "0"}, {1, "1"}, {-1, "-1"}, {0.05, "0.05"}, {963, "963"},
		{3e6, "3e+06"}, {0.002452618, "0.002452618"}, {1e-7, "1e-07"},
		{math.Inf(1), "+Inf"}, {math.Inf(-1), "-Inf"}, {math.NaN(), "NaN"},
	} {
		if got := string(appendFloat(nil, c.f)); got != c.want {
			t.Errorf("appendFloat(%v) = %q, want %q", c.f, got, c.want)
		}
	}
}

// TestAppendEscaped: a HELP text's backslashes and newlines are escaped,
// nothing else (quotes stay, as in expfmt's HELP lines).
func TestAppendEscaped(t *testing.T) {
	if got, want := string(appendEscaped(nil, "a\\b\nc\"d")), `a\\b\nc"d`; got != want {
		t.Errorf("appendEscaped = %q, want %q", got, want)
	}
}
