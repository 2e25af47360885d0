package baseline_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/internal/wire"
)

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d: %s", url, resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("GET %s: %s: %v", url, b, err)
	}
}

// TestModelsAndHealth checks the discovery endpoints.
func TestModelsAndHealth(t *testing.T) {
	ts := serve(t, fast())
	var list wire.ModelList
	getJSON(t, ts.URL+"/v1/models", &list)
	if list.Object != "list" || len(list.Data) != 1 || list.Data[0].ID != testModel ||
		list.Data[0].OwnedBy != "janus" || list.Data[0].Object != "model" {
		t.Errorf("models = %+v", list)
	}
	var one wire.Model
	getJSON(t, ts.URL+"/v1/models/"+testModel, &one)
	if one != list.Data[0] {
		t.Errorf("model = %+v, want %+v", one, list.Data[0])
	}
	var h struct {
		Status   string   `json:"status"`
		Version  string   `json:"version"`
		Uptime   *float64 `json:"uptime_seconds"`
		Provider string   `json:"provider"`
		Features []string `json:"features"`
	}
	getJSON(t, ts.URL+"/health", &h)
	if h.Status != "ok" || h.Version == "" || h.Uptime == nil || h.Provider != "sim" || len(h.Features) == 0 {
		t.Errorf("health = %+v", h)
	}
}

// TestDefaults checks the zero Config: default model, embedded oracle.
func TestDefaults(t *testing.T) {
	ts := serve(t, baseline.Config{})
	var list wire.ModelList
	getJSON(t, ts.URL+"/v1/models", &list)
	if list.Data[0].ID != baseline.DefaultModel {
		t.Errorf("model = %q", list.Data[0].ID)
	}
	if p := baseline.DefaultPace(); p.TTFT != 150*time.Millisecond || p.PerToken != 20*time.Millisecond {
		t.Errorf("DefaultPace = %+v", p)
	}
}

// TestStartStop checks Start's URL and that stop ends serving.
func TestStartStop(t *testing.T) {
	url, stop, err := baseline.Start(context.Background(), "127.0.0.1:0", fast())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(url, "http://127.0.0.1:") || !strings.HasSuffix(url, "/v1") {
		t.Fatalf("base URL %q", url)
	}
	var list wire.ModelList
	getJSON(t, url+"/models", &list)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := stop(ctx); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if err := stop(ctx); err != nil {
		t.Fatalf("second stop: %v", err)
	}
	http.DefaultClient.CloseIdleConnections()
	if resp, err := http.Get(url + "/models"); err == nil {
		resp.Body.Close()
		t.Fatal("server still answering after stop")
	}
}

// TestStartWildcardURL checks that a wildcard bind yields a dialable URL.
func TestStartWildcardURL(t *testing.T) {
	url, stop, err := baseline.Start(context.Background(), ":0", fast())
	if err != nil {
		t.Fatal(err)
	}
	defer stop(context.Background())
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("base URL %q", url)
	}
	var list wire.ModelList
	getJSON(t, url+"/models", &list)
}

// TestStopWaitsForStreams checks that a graceful stop lets an in-flight
// stream finish.
func TestStopWaitsForStreams(t *testing.T) {
	cfg := fast()
	cfg.Pace = baseline.Pace{TTFT: -1, PerToken: 2 * time.Millisecond}
	url, stop, err := baseline.Start(context.Background(), "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	base := strings.TrimSuffix(url, "/v1")
	resp := post(t, context.Background(), base, task(t, "smoke-stream-count").ChatRequest(testModel, true), nil)
	defer resp.Body.Close()
	stopped := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		stopped <- stop(ctx)
	}()
	frames := readFrames(t, resp.Body)
	if len(frames) == 0 || frames[len(frames)-1].data != "[DONE]" {
		t.Errorf("stream cut short by stop: %d frames", len(frames))
	}
	if err := <-stopped; err != nil {
		t.Errorf("stop: %v", err)
	}
}

// recorder is a slog handler that hands over the "url" of the first
// record that has one.
type recorder struct {
	once sync.Once
	url  chan string
}

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *recorder) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *recorder) WithGroup(string) slog.Handler            { return r }
func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	rec.Attrs(func(a slog.Attr) bool {
		if a.Key == "url" {
			r.once.Do(func() { r.url <- a.Value.String() })
		}
		return true
	})
	return nil
}

// TestServe checks that Serve logs its URL, serves, and returns nil when
// its context ends.
func TestServe(t *testing.T) {
	rec := &recorder{url: make(chan string, 1)}
	cfg := fast()
	cfg.Logger = slog.New(rec)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- baseline.Serve(ctx, "127.0.0.1:0", cfg) }()

	var url string
	select {
	case url = <-rec.url:
	case err := <-served:
		t.Fatalf("Serve returned early: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not log its URL")
	}
	var list wire.ModelList
	getJSON(t, url+"/models", &list)
	cancel()
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
}

// TestServeBadAddress checks that a listen failure is returned.
func TestServeBadAddress(t *testing.T) {
	err := baseline.Serve(context.Background(), "256.0.0.1:bad", fast())
	if err == nil || !strings.Contains(err.Error(), "listen") {
		t.Errorf("Serve on a bad address: %v", err)
	}
}

// TestManyConcurrentStreams holds many paced streams open at once and
// checks that every one completes intact.
func TestManyConcurrentStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("many streams")
	}
	n := 1000
	if raceEnabled {
		n = 200 // the race detector caps goroutines at 8128
	}
	cfg := fast()
	cfg.Pace = baseline.Pace{TTFT: 50 * time.Millisecond, PerToken: 5 * time.Millisecond}
	ts := serve(t, cfg)
	tr := &http.Transport{MaxIdleConnsPerHost: n}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	tk := task(t, "smoke-stream-count")
	body, err := json.Marshal(tk.ChatRequest(testModel, true))
	if err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			resp, err := client.Post(ts.URL+"/v1/chat/completions", "application/json", strings.NewReader(string(body)))
			if err != nil {
				errs <- err
				return
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			if err != nil {
				errs <- err
				return
			}
			var content strings.Builder
			for _, line := range strings.Split(string(b), "\n") {
				data, ok := strings.CutPrefix(line, "data: ")
				if !ok || data == "[DONE]" {
					continue
				}
				var c wire.Chunk
				if err := json.Unmarshal([]byte(data), &c); err != nil {
					errs <- err
					return
				}
				for _, ch := range c.Choices {
					content.WriteString(ch.Delta.Content)
				}
			}
			if content.String() != tk.Reference.Content || !strings.HasSuffix(string(b), "data: [DONE]\n\n") {
				errs <- errors.New("incomplete stream: " + content.String())
			}
		})
	}
	wg.Wait()
	close(errs)
	failed := 0
	for err := range errs {
		if failed++; failed <= 3 {
			t.Error(err)
		}
	}
	if failed > 0 {
		t.Errorf("%d of %d streams failed", failed, n)
	}
}
