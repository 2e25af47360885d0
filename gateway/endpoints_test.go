package gateway

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/janus-bench/janus/internal/wire"
)

// listModels fetches GET /v1/models from a gateway.
func listModels(t testing.TB, base string) []wire.Model {
	t.Helper()
	resp, err := http.Get(base + "/models")
	if err != nil {
		t.Fatal(err)
	}
	var ml wire.ModelList
	if err := json.Unmarshal(readAll(t, resp), &ml); err != nil || ml.Object != "list" {
		t.Fatalf("models list: %v", err)
	}
	return ml.Data
}

// TestModelsUnion checks GET /v1/models: one entry per competitor model,
// owned_by the competitor, cached for the TTL, and /v1/models/{id}.
func TestModelsUnion(t *testing.T) {
	var served atomic.Pointer[[]string]
	first := []string{"m1", "m2"}
	served.Store(&first)
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/models", func(w http.ResponseWriter, r *http.Request) {
		ml := wire.ModelList{Object: "list"}
		for _, id := range *served.Load() {
			ml.Data = append(ml.Data, wire.Model{ID: id, Object: "model", Created: 42, OwnedBy: "whoever"})
		}
		_ = json.NewEncoder(w).Encode(ml)
	})
	dyn := httptest.NewServer(mux)
	defer dyn.Close()
	fixed := echoUpstream(t, "f", nil)
	cfg := writeFile(t, "g.yaml", "competitors:\n  - id: fixed\n    url: "+fixed.URL+"\n    models: [f1]\n")
	gw := startGateway(t, Options{ConfigFile: cfg, Competitors: []string{"dyn=" + dyn.URL + ",default"},
		ModelsTTL: 2 * time.Second})

	got := listModels(t, gw.URL)
	want := []wire.Model{{ID: "f1", Object: "model", OwnedBy: "fixed"},
		{ID: "m1", Object: "model", Created: 42, OwnedBy: "dyn"}, {ID: "m2", Object: "model", Created: 42, OwnedBy: "dyn"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("models %+v, want %+v", got, want)
	}
	second := []string{"m3"}
	served.Store(&second)
	if got := listModels(t, gw.URL); len(got) != 3 {
		t.Errorf("cache not used within the TTL: %+v", got)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := listModels(t, gw.URL)
		if len(got) == 2 && got[1].ID == "m3" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("models never refreshed: %+v", got)
		}
		// Polls (bounded) for the gateway's background refresh over real
		// HTTP; a synctest bubble cannot host the loopback listeners.
		time.Sleep(100 * time.Millisecond)
	}
	resp, _ := http.Get(gw.URL + "/models/m3")
	var m wire.Model
	if err := json.Unmarshal(readAll(t, resp), &m); err != nil || m.OwnedBy != "dyn" {
		t.Errorf("GET /models/m3: %+v %v", m, err)
	}
	resp, _ = http.Get(gw.URL + "/models/nope")
	errorEnvelope(t, resp, http.StatusNotFound)
}

// TestHealthAndReady checks liveness and readiness as competitors' health
// changes under the background checks.
func TestHealthAndReady(t *testing.T) {
	var healthy atomic.Bool
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		if !healthy.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	up := httptest.NewServer(mux)
	defer up.Close()
	cfg := writeFile(t, "g.yaml", "competitors:\n  - id: u\n    url: "+up.URL+"\n    health_path: /healthz\n    default: true\n")
	gw := startGateway(t, Options{ConfigFile: cfg, HealthInterval: 50 * time.Millisecond})
	root := strings.TrimSuffix(gw.URL, "/v1")
	waitStatus := func(path string, want int) []byte {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			resp, err := http.Get(root + path)
			if err != nil {
				t.Fatal(err)
			}
			b := readAll(t, resp)
			if resp.StatusCode == want {
				return b
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s stayed %d, want %d: %s", path, resp.StatusCode, want, b)
			}
			// Polls (bounded) for the background health checks over real
			// HTTP; a synctest bubble cannot host the loopback listeners.
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitStatus("/ready", http.StatusServiceUnavailable)
	if b := waitStatus("/health", http.StatusOK); !strings.Contains(string(b), `"status":"ok"`) {
		t.Errorf("health %s", b)
	}
	healthy.Store(true)
	if b := waitStatus("/ready", http.StatusOK); !strings.Contains(string(b), `"healthy":true`) {
		t.Errorf("ready %s", b)
	}
	healthy.Store(false)
	waitStatus("/ready", http.StatusServiceUnavailable)
}

// TestMetricsExposition checks the Prometheus text after a streamed and a
// plain request.
func TestMetricsExposition(t *testing.T) {
	up := newUpstream(t, nil, func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.Header.Get("Accept"), "event-stream") {
			sseHeaders(w)
			send(w, chunk("x"))
			send(w, "data: [DONE]\n\n")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":"c","object":"chat.completion","choices":[]}`)
	})
	gw := startGateway(t, Options{Competitors: []string{"u=" + up.URL + ",default"}})
	readAll(t, post(t, context.Background(), gw.URL, chatBody("m", true, ""), nil))
	readAll(t, post(t, context.Background(), gw.URL, chatBody("m", false, ""), nil))
	readAll(t, post(t, context.Background(), gw.URL, `{"model":"m"}`, nil))
	text := metricsText(t, gw.URL)
	for _, want := range []string{
		`janus_gateway_requests_total{competitor="u",status="200",stream="true"} 1`,
		`janus_gateway_requests_total{competitor="u",status="200",stream="false"} 1`,
		`janus_gateway_requests_total{competitor="none",status="400",stream="false"} 1`,
		`janus_gateway_rejected_total{reason="invalid"} 1`,
		`janus_gateway_active_streams{competitor="u"} 0`,
		`janus_gateway_keepalives_sent_total{competitor="u"} 0`,
		`janus_gateway_ttft_seconds_count{competitor="u"} 1`,
		`janus_gateway_stream_duration_seconds_count{competitor="u"} 1`,
		`janus_gateway_request_duration_seconds_count{competitor="u"} 1`,
		`janus_gateway_ttft_seconds_bucket{competitor="u",le="+Inf"} 1`,
		"# TYPE janus_gateway_ttft_seconds histogram",
	} {
		t.Run(want, func(t *testing.T) {
			if !strings.Contains(text, want) {
				t.Errorf("metrics lack %q", want)
			}
		})
	}
	line := regexp.MustCompile(`^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? [0-9.e+-]+$`)
	for _, l := range strings.Split(strings.TrimSpace(text), "\n") {
		if !strings.HasPrefix(l, "# ") && !line.MatchString(l) {
			t.Errorf("malformed exposition line %q", l)
		}
	}
}

// TestUnknownPathsAndMethods checks that routing errors are OpenAI JSON.
func TestUnknownPathsAndMethods(t *testing.T) {
	up := echoUpstream(t, "a", nil)
	gw := startGateway(t, Options{Competitors: []string{"a=" + up.URL + ",default"}})
	resp, _ := http.Get(gw.URL + "/nope")
	errorEnvelope(t, resp, http.StatusNotFound)
	resp, _ = http.Get(gw.URL + "/chat/completions")
	errorEnvelope(t, resp, http.StatusMethodNotAllowed)
}
