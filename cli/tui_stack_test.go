package cli

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/record"
)

// TestStartStack boots janus up's reference stack and scores a run
// through the gateway; after Stop nothing answers any more.
func TestStartStack(t *testing.T) {
	t.Setenv("JANUS_SELFTEST_FILE", filepath.Join(t.TempDir(), "none.json"))
	ctx := context.Background()
	st, err := startStack(ctx, baseline.Pace{TTFT: time.Millisecond, PerToken: time.Millisecond}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("start stack: %v", err)
	}
	rep, err := bench.Run(ctx, bench.RunOptions{Target: st.URL, Suite: "smoke@stored", Limit: 3, Out: filepath.Join(t.TempDir(), "r.json")})
	if err != nil {
		st.Stop()
		t.Fatalf("run through the gateway: %v", err)
	}
	if len(rep.Tasks) != 3 || rep.Scores[record.Quality].Value != 100 {
		t.Errorf("%d tasks, quality %v; want 3 and 100 (the sim's oracle knows the suite)", len(rep.Tasks), rep.Scores[record.Quality].Value)
	}
	if err := st.Stop(); err != nil {
		t.Errorf("stop: %v", err)
	}
	// A port freed by Stop may be taken at once by another process on a
	// shared machine: only our stack answering counts.
	for _, u := range []string{st.URL + "/models", st.BaselineURL + "/models"} {
		if resp, err := http.Get(u); err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if strings.Contains(string(b), rep.Run.Model) {
				t.Errorf("%s still answers after Stop", u)
			}
		}
	}
}
