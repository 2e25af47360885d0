package container

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/janus-bench/janus/conform"
)

// TestJudgeLong checks the long-request verdict on measured timings of any
// image: cut, silent over the budget, short and clean, long and clean.
func TestJudgeLong(t *testing.T) {
	start := time.Unix(0, 0)
	for _, tc := range []struct {
		name string
		t    streamTiming
		want conform.Status
		say  string
	}{
		{"http error", streamTiming{status: 500}, conform.Fail, "HTTP 500"},
		{"cut", streamTiming{status: 200, start: start, end: start.Add(time.Minute)}, conform.Fail, "cut after 1m0s"},
		{"silent", streamTiming{status: 200, done: true, start: start, end: start.Add(time.Minute), maxGap: 3 * time.Second}, conform.Fail, "silent for 3s"},
		{"short and clean", streamTiming{status: 200, done: true, start: start, end: start.Add(40 * time.Second), maxGap: time.Second}, conform.Pass, "before 5 minutes"},
		{"long and clean", streamTiming{status: 200, done: true, start: start, end: start.Add(LongRequest + time.Second), maxGap: time.Second, keepAlives: 150}, conform.Pass, "150 keep-alives"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := judgeLong(conform.Result{}, tc.t)
			if r.Status != tc.want || !strings.Contains(r.Evidence, tc.say) {
				t.Fatalf("%s %q, want %s saying %q", r.Status, r.Evidence, tc.want, tc.say)
			}
		})
	}
}

// TestStreamCountsKeepAlives checks that keep-alive comments are counted
// as output on the wire (they end a silence) and data chunks (not [DONE])
// as events.
func TestStreamCountsKeepAlives(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for i := 0; i < 3; i++ {
			fmt.Fprint(w, ": keep-alive\n\n")
		}
		fmt.Fprint(w, `data: {"choices":[{"index":0,"delta":{"content":"hi"}}]}`+"\n\n")
		fmt.Fprint(w, "data: [DONE]\n\n")
	}))
	defer srv.Close()
	st := streamPrompt(context.Background(), srv.Client(), srv.URL+"/v1", CheckOptions{Model: "m"}, nil, nil, longRequestPrompt, 16)
	if !st.done || st.keepAlives != 3 || st.events != 1 || st.first.IsZero() {
		t.Fatalf("done %v, keep-alives %d, events %d, first %v", st.done, st.keepAlives, st.events, st.first)
	}
}
