package loadapp

import (
	"context"
	"fmt"
	"io"
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

// TestLiveMetrics checks the Prometheus exposition of a run's live
// counters against what the run did: the names, types and values
// --prometheus has always served.
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
	ms := httptest.NewServer(metricsHandler(live))
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
