package gateway

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/internal/wire"
)

// pngBytes is a real PNG image.
func pngBytes(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 32, 16))
	for x := range 32 {
		img.Set(x, x%16, color.RGBA{R: 200, A: 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// artifactCompetitor serves a stream whose events are frames, files under
// /files/ and counts the file fetches.
type artifactCompetitor struct {
	*httptest.Server
	files   map[string][]byte
	fetches atomic.Int64
	frames  []string
	whole   string // non-stream answer
}

func newArtifactCompetitor(t *testing.T, files map[string][]byte) *artifactCompetitor {
	ac := &artifactCompetitor{files: files}
	mux := http.NewServeMux()
	mux.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, `{"status":"ok"}`) })
	mux.HandleFunc("/v1/models", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, `{"object":"list","data":[]}`) })
	mux.HandleFunc("/files/{name}", func(w http.ResponseWriter, r *http.Request) {
		ac.fetches.Add(1)
		b, ok := ac.files[r.PathValue("name")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = w.Write(b)
	})
	mux.HandleFunc("/v1/chat/completions", func(w http.ResponseWriter, r *http.Request) {
		var req wire.ChatRequest
		_ = json.NewDecoder(r.Body).Decode(&req)
		if !req.Stream {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, ac.whole)
			return
		}
		sseHeaders(w)
		for _, f := range ac.frames {
			send(w, f)
		}
	})
	ac.Server = httptest.NewServer(mux)
	t.Cleanup(ac.Close)
	return ac
}

// artifactChunk renders a chunk event carrying descriptors in its delta.
func artifactChunk(arts ...wire.Artifact) string {
	b, _ := json.Marshal(wire.ContentChunk("chatcmpl-a", "m", 1, wire.Delta{Artifacts: arts}))
	return "data: " + string(b) + "\n\n"
}

// streamArtifacts sends a streamed request and returns the raw body and
// the artifact descriptors it carried.
func streamArtifacts(t *testing.T, gw *Running) (string, []wire.Artifact) {
	t.Helper()
	return streamArtifactsBody(t, gw, chatBody("m", true, ""))
}

// streamArtifactsBody is streamArtifacts with a given request body.
func streamArtifactsBody(t *testing.T, gw *Running, body string) (string, []wire.Artifact) {
	t.Helper()
	raw := string(readAll(t, post(t, context.Background(), gw.URL, body, nil)))
	var arts []wire.Artifact
	for block := range strings.SplitSeq(raw, "\n\n") {
		var data []string
		for line := range strings.SplitSeq(block, "\n") {
			if v, ok := strings.CutPrefix(line, "data: "); ok {
				data = append(data, v)
			}
		}
		payload := strings.Join(data, "\n")
		if len(data) == 0 || payload == "[DONE]" {
			continue
		}
		var ch wire.Chunk
		if err := json.Unmarshal([]byte(payload), &ch); err != nil {
			t.Fatalf("event is not a chunk: %s", payload)
		}
		for _, c := range ch.Choices {
			arts = append(arts, c.Delta.Artifacts...)
		}
		arts = append(arts, ch.Artifacts...)
	}
	return raw, arts
}

// getArtifact fetches a URL the gateway handed out.
func getArtifact(t *testing.T, u string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	return resp, readAll(t, resp)
}

// TestArtifactsStoredAndServed checks the whole path: a streamed
// descriptor's url is rewritten to the gateway's and nothing else in the
// event changes; the content is fetched from the competitor, stored under
// its sha256 and served with the descriptor's type; events without
// artifacts are relayed byte for byte.
func TestArtifactsStoredAndServed(t *testing.T) {
	img := pngBytes(t)
	ac := newArtifactCompetitor(t, map[string][]byte{"chart.png": img})
	desc := wire.Artifact{ID: "img-1", Type: "image", MimeType: "image/png", DisplayName: "chart.png",
		URL: "/files/chart.png", SizeBytes: int64(len(img)), SHA256: sha(img), CreatedAt: "2026-11-23T12:00:00Z", TTLSeconds: 3600}
	plain := chunk("here is the chart")
	artEv := artifactChunk(desc)
	ac.frames = []string{plain, artEv, "data: [DONE]\n\n"}
	dir := t.TempDir()
	clk := newTestClock()
	gw := startGateway(t, Options{Competitors: []string{"c=" + ac.URL + ",default"}, DataDir: dir, Now: clk.now})

	raw, arts := streamArtifacts(t, gw)
	if !strings.HasPrefix(raw, plain) {
		t.Fatalf("the plain event changed: %q", raw[:min(len(raw), len(plain))])
	}
	if len(arts) != 1 {
		t.Fatalf("%d artifacts in the stream, want 1", len(arts))
	}
	got := arts[0]
	prefix := strings.TrimSuffix(gw.URL, "/v1") + "/v1/artifacts/"
	id, ok := strings.CutPrefix(got.URL, prefix)
	if !ok || !validArtifactID(id) {
		t.Fatalf("url %q is not the gateway's %s<id>", got.URL, prefix)
	}
	if want := strings.Replace(artEv, `"url":"/files/chart.png"`, `"url":"`+got.URL+`"`, 1); !strings.Contains(raw, want) {
		t.Fatalf("the artifact event changed beyond its url:\n got %s\nwant %s", raw, want)
	}
	resp, body := getArtifact(t, got.URL)
	if resp.StatusCode != 200 || !bytes.Equal(body, img) {
		t.Fatalf("GET artifact: status %d, %d bytes (want %d)", resp.StatusCode, len(body), len(img))
	}
	for k, v := range map[string]string{"Content-Type": "image/png", "X-Content-Type-Options": "nosniff",
		"X-Janus-Artifact-Sha256": sha(img)} {
		t.Run(k, func(t *testing.T) {
			if resp.Header.Get(k) != v {
				t.Errorf("%s = %q, want %q", k, resp.Header.Get(k), v)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "artifacts", "blobs", sha(img)[:2], sha(img))); err != nil {
		t.Errorf("blob not content-addressed: %v", err)
	}

	// A second stream returns the same content: a new id, one blob.
	_, arts2 := streamArtifacts(t, gw)
	if len(arts2) != 1 || arts2[0].URL == got.URL {
		t.Fatalf("second stream's artifact %+v", arts2)
	}
	if r, b := getArtifact(t, arts2[0].URL); r.StatusCode != 200 || !bytes.Equal(b, img) {
		t.Fatalf("second artifact: %d", r.StatusCode)
	}
	blobs, _ := filepath.Glob(filepath.Join(dir, "artifacts", "blobs", "*", "*"))
	if len(blobs) != 1 {
		t.Errorf("%d blobs, want 1 (same content): %v", len(blobs), blobs)
	}

	// A restart on the same dir still serves it.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := gw.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	gw2 := startGateway(t, Options{Competitors: []string{"c=" + ac.URL + ",default"}, DataDir: dir, Now: clk.now})
	if r, b := getArtifact(t, strings.Replace(got.URL, strings.TrimSuffix(gw.URL, "/v1"), strings.TrimSuffix(gw2.URL, "/v1"), 1)); r.StatusCode != 200 || !bytes.Equal(b, img) {
		t.Fatalf("after restart: status %d", r.StatusCode)
	}
}

// TestArtifactDataURLNonStream checks a data: URL in a non-streamed
// message.artifacts: decoded, stored and served with its type, with no
// fetch from the competitor.
func TestArtifactDataURLNonStream(t *testing.T) {
	csv := []byte("a,b\n1,2\n")
	ac := newArtifactCompetitor(t, nil)
	comp := wire.Completion{ID: "c1", Object: wire.ObjectCompletion, Created: 1, Model: "m", Choices: []wire.Choice{{
		Message: wire.Message{Role: "assistant", Content: "table attached", Artifacts: []wire.Artifact{{
			ID: "t1", Type: "dataset", MimeType: "text/csv", DisplayName: "t.csv",
			URL: "data:text/csv;base64," + base64.StdEncoding.EncodeToString(csv)}}},
		FinishReason: "stop"}}}
	b, _ := json.Marshal(comp)
	ac.whole = string(b)
	gw := startGateway(t, Options{Competitors: []string{"c=" + ac.URL + ",default"}, DataDir: t.TempDir()})
	resp := post(t, context.Background(), gw.URL, chatBody("m", false, ""), nil)
	body := readAll(t, resp)
	var got wire.Completion
	if err := json.Unmarshal(body, &got); err != nil || len(got.Choices) != 1 || len(got.Choices[0].Message.Artifacts) != 1 {
		t.Fatalf("completion %s (%v)", body, err)
	}
	if got.Choices[0].Message.Content != "table attached" {
		t.Errorf("content changed: %q", got.Choices[0].Message.Content)
	}
	r, data := getArtifact(t, got.Choices[0].Message.Artifacts[0].URL)
	if r.StatusCode != 200 || !bytes.Equal(data, csv) || r.Header.Get("Content-Type") != "text/csv" {
		t.Fatalf("GET: %d %q %q", r.StatusCode, r.Header.Get("Content-Type"), data)
	}
	if !strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("a dataset should download, Content-Disposition %q", r.Header.Get("Content-Disposition"))
	}
	if ac.fetches.Load() != 0 {
		t.Errorf("%d fetches for a data: URL", ac.fetches.Load())
	}
}

// TestArtifactRefusals checks what is not stored or served: guessed and
// path-traversing ids, content over the size limit, content whose sha256
// differs from the descriptor's, and URLs off the competitor's host.
func TestArtifactRefusals(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 5000)
	small := []byte("small file")
	var foreignHits atomic.Int64
	foreign := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		foreignHits.Add(1)
		_, _ = w.Write(small)
	}))
	t.Cleanup(foreign.Close)
	ac := newArtifactCompetitor(t, map[string][]byte{"big.bin": big, "small.txt": small})
	ac.frames = []string{artifactChunk(
		wire.Artifact{ID: "1", Type: "binary", URL: "/files/big.bin"},
		wire.Artifact{ID: "2", Type: "file", URL: "/files/small.txt", SHA256: strings.Repeat("ab", 32)},
		wire.Artifact{ID: "3", Type: "file", URL: foreign.URL + "/secret"},
		wire.Artifact{ID: "4", Type: "file", MimeType: "text/plain", URL: ac.URL + "/files/small.txt"},
	), "data: [DONE]\n\n"}
	dir := t.TempDir()
	gw := startGateway(t, Options{Competitors: []string{"c=" + ac.URL + ",default"}, DataDir: dir, ArtifactMaxBytes: 1000})
	_, arts := streamArtifacts(t, gw)
	if len(arts) != 4 {
		t.Fatalf("%d artifacts, want 4", len(arts))
	}
	for i, want := range []string{"over the size limit", "differs from the descriptor", "not on the competitor's host"} {
		t.Run(want, func(t *testing.T) {
			env := errorEnvelope(t, mustGet(t, arts[i].URL), 404)
			if env.Error.Code != "artifact_unavailable" || !strings.Contains(env.Error.Message, want) {
				t.Errorf("artifact %d: %v %q, want artifact_unavailable with %q", i+1, env.Error.Code, env.Error.Message, want)
			}
		})
	}
	if foreignHits.Load() != 0 {
		t.Errorf("the gateway fetched from a foreign host %d times", foreignHits.Load())
	}
	if r, b := getArtifact(t, arts[3].URL); r.StatusCode != 200 || !bytes.Equal(b, small) {
		t.Fatalf("the absolute URL on the competitor's host: %d %q", r.StatusCode, b)
	}
	blobs, _ := filepath.Glob(filepath.Join(dir, "artifacts", "blobs", "*", "*"))
	if len(blobs) != 1 || filepath.Base(blobs[0]) != sha(small) {
		t.Errorf("blobs %v, want only the small file's", blobs)
	}
	m := metricsText(t, gw.URL)
	for _, want := range []string{`janus_gateway_artifacts_total{outcome="failed"} 3`, `janus_gateway_artifacts_total{outcome="stored"} 1`} {
		t.Run(want, func(t *testing.T) {
			if !strings.Contains(m, want+"\n") {
				t.Errorf("metrics lack %s", want)
			}
		})
	}

	base := strings.TrimSuffix(gw.URL, "/v1")
	id := strings.TrimPrefix(arts[3].URL, base+"/v1/artifacts/")
	for _, tc := range []struct{ name, path string }{
		// Right shape, never handed out.
		{"guessed id", "/v1/artifacts/art_" + strings.Repeat("a", 26)},
		// The blob's own name is not an id.
		{"sha as id", "/v1/artifacts/" + sha(small)},
		// Encoded traversal.
		{"encoded traversal", "/v1/artifacts/..%2F..%2Fartifacts%2Findex.jsonl"},
		{"traversal into blobs", "/v1/artifacts/..%2Fblobs%2F" + sha(small)[:2] + "%2F" + sha(small)},
		// A real id with a suffix or in upper case.
		{"suffix", "/v1/artifacts/" + id + "x"},
		{"upper case", "/v1/artifacts/" + strings.ToUpper(id)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := mustGet(t, base+tc.path)
			b := readAll(t, resp)
			if resp.StatusCode != 404 || bytes.Contains(b, small) {
				t.Fatalf("status %d body %q, want 404", resp.StatusCode, b)
			}
		})
	}
}

func mustGet(t *testing.T, u string) *http.Response {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// TestArtifactExpiry checks TTL expiry with the injectable clock: served
// before its ttl_seconds, 410 after, and once swept 404 with its blob gone.
// An artifact without ttl_seconds takes the gateway's default TTL.
func TestArtifactExpiry(t *testing.T) {
	a, b := []byte("short-lived"), []byte("default ttl")
	ac := newArtifactCompetitor(t, map[string][]byte{"a": a, "b": b})
	ac.frames = []string{artifactChunk(
		wire.Artifact{ID: "a", Type: "file", URL: "/files/a", TTLSeconds: 60},
		wire.Artifact{ID: "b", Type: "file", URL: "/files/b"},
	), "data: [DONE]\n\n"}
	dir := t.TempDir()
	clk := newTestClock()
	gw := startGateway(t, Options{Competitors: []string{"c=" + ac.URL + ",default"}, DataDir: dir, Now: clk.now,
		ArtifactTTL: 10 * time.Minute})
	_, arts := streamArtifacts(t, gw)
	if len(arts) != 2 {
		t.Fatalf("%d artifacts", len(arts))
	}
	steps := []struct {
		advance      time.Duration
		sweep        bool
		statusA      int
		statusB      int
		blobA, blobB bool
	}{
		// Fresh: both served.
		{0, false, 200, 200, true, true},
		// 59 s: a is still within its 60 s.
		{59 * time.Second, true, 200, 200, true, true},
		// 60 s: a expired, not yet swept.
		{time.Second, false, 410, 200, true, true},
		// Swept: a forgotten and its blob deleted.
		{0, true, 404, 200, false, true},
		// Past the default 10 min: b goes too.
		{10 * time.Minute, true, 404, 404, false, false},
	}
	for i, st := range steps {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			clk.advance(st.advance)
			if st.sweep {
				gw.Server.SweepArtifacts()
			}
			for j, want := range []int{st.statusA, st.statusB} {
				resp := mustGet(t, arts[j].URL)
				readAll(t, resp)
				if resp.StatusCode != want {
					t.Errorf("step %d artifact %d: status %d, want %d", i, j, resp.StatusCode, want)
				}
			}
			for j, want := range []bool{st.blobA, st.blobB} {
				content := [][]byte{a, b}[j]
				_, err := os.Stat(filepath.Join(dir, "artifacts", "blobs", sha(content)[:2], sha(content)))
				if (err == nil) != want {
					t.Errorf("step %d blob %d exists=%v, want %v", i, j, err == nil, want)
				}
			}
		})
	}
}

// TestArtifactMultiLineData checks an artifact event whose data spans two
// data: lines: the url is rewritten and the event stays valid JSON with
// its other fields.
func TestArtifactMultiLineData(t *testing.T) {
	f := []byte("multi")
	ac := newArtifactCompetitor(t, map[string][]byte{"m": f})
	ac.frames = []string{
		"event: message\ndata: {\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\n" +
			"data: \"choices\":[],\"artifacts\":[{\"id\":\"m\",\"type\":\"file\",\"url\":\"/files/m\"}]}\n\n",
		"data: [DONE]\n\n"}
	gw := startGateway(t, Options{Competitors: []string{"c=" + ac.URL + ",default"}, DataDir: t.TempDir()})
	raw, arts := streamArtifacts(t, gw)
	if !strings.HasPrefix(raw, "event: message\n") {
		t.Errorf("the event field was lost: %q", raw)
	}
	if len(arts) != 1 {
		t.Fatalf("artifacts %+v", arts)
	}
	if r, b := getArtifact(t, arts[0].URL); r.StatusCode != 200 || !bytes.Equal(b, f) {
		t.Fatalf("GET %d %q", r.StatusCode, b)
	}
}

// TestPublicURL checks that a configured public URL is what rewritten
// artifact URLs start with.
func TestPublicURL(t *testing.T) {
	ac := newArtifactCompetitor(t, map[string][]byte{"p": []byte("p")})
	ac.frames = []string{artifactChunk(wire.Artifact{ID: "p", Type: "file", URL: "/files/p"}), "data: [DONE]\n\n"}
	gw := startGateway(t, Options{Competitors: []string{"c=" + ac.URL + ",default"}, DataDir: t.TempDir(),
		PublicURL: "https://janus.example/"})
	_, arts := streamArtifacts(t, gw)
	if len(arts) != 1 || !strings.HasPrefix(arts[0].URL, "https://janus.example/v1/artifacts/art_") {
		t.Fatalf("artifacts %+v", arts)
	}
}

// FuzzArtifactObjects checks that the descriptor finder never panics and
// only returns spans inside the input that hold JSON objects.
func FuzzArtifactObjects(f *testing.F) {
	f.Add([]byte(artifactChunk(wire.Artifact{ID: "a", Type: "file", URL: "/x"})[6:]))
	f.Add([]byte(`{"artifacts":[{"url":"a"},1,"s"],"choices":[{"message":{"artifacts":[{}]}}]}`))
	f.Add([]byte(`{"artifacts":[{"url":"a\"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, s := range artifactObjects(b) {
			if s.start < 0 || s.end > len(b) || s.start >= s.end || b[s.start] != '{' {
				t.Fatalf("bad span %+v of %q", s, b)
			}
		}
	})
}

// TestArtifactsFromReferenceBaseline runs the real reference competitor's
// agent path (a drawn diagram) through the gateway, streamed and not: the
// artifact's url points at the gateway, and the gateway serves the very
// bytes the baseline made (the descriptor's own sha256 and size hold).
func TestArtifactsFromReferenceBaseline(t *testing.T) {
	base := startBaseline(t, baseline.Config{Pace: baseline.Unpaced()})
	gw := startGateway(t, Options{Competitors: []string{"base=" + base + ",default"}, DataDir: t.TempDir()})
	prefix := strings.TrimSuffix(gw.URL, "/v1") + "/v1/artifacts/art_"
	body := `{"model":"m","stream":%s,"messages":[{"role":"user","content":"Draw a diagram: client -> gateway -> competitor"}]}`
	check := func(mode string, a wire.Artifact) {
		if !strings.HasPrefix(a.URL, prefix) {
			t.Fatalf("%s: url %q is not the gateway's", mode, a.URL)
		}
		resp, b := getArtifact(t, a.URL)
		if resp.StatusCode != 200 || sha(b) != a.SHA256 || int64(len(b)) != a.SizeBytes || resp.Header.Get("Content-Type") != a.MimeType {
			t.Fatalf("%s: GET %d, %d bytes sha %s type %q; descriptor %+v", mode, resp.StatusCode, len(b), sha(b),
				resp.Header.Get("Content-Type"), a)
		}
	}
	_, arts := streamArtifactsBody(t, gw, strings.Replace(body, "%s", "true", 1))
	if len(arts) != 1 {
		t.Fatalf("streamed: %d artifacts", len(arts))
	}
	check("streamed", arts[0])
	var c wire.Completion
	if err := json.Unmarshal(readAll(t, post(t, context.Background(), gw.URL, strings.Replace(body, "%s", "false", 1), nil)), &c); err != nil ||
		len(c.Choices) != 1 || len(c.Choices[0].Message.Artifacts) != 1 {
		t.Fatalf("non-streamed: %+v %v", c, err)
	}
	check("non-streamed", c.Choices[0].Message.Artifacts[0])
}

// FuzzDecodeDataURL checks that no data: URL makes decoding panic, and that
// a base64 URL round-trips its content.
func FuzzDecodeDataURL(f *testing.F) {
	f.Add("data:text/plain;base64,aGVsbG8=", []byte("x"))
	f.Add("data:,a%20b", []byte{})
	f.Add("data:image/png;base64,!!", []byte{0, 1})
	f.Fuzz(func(t *testing.T, u string, content []byte) {
		if rc, _, err := decodeDataURL(u); err == nil {
			_, _ = io.ReadAll(rc)
		}
		rc, mt, err := decodeDataURL("data:application/octet-stream;base64," + base64.StdEncoding.EncodeToString(content))
		if err != nil || mt != "application/octet-stream" {
			t.Fatalf("decode: %v %q", err, mt)
		}
		if b, err := io.ReadAll(rc); err != nil || !bytes.Equal(b, content) {
			t.Fatalf("round trip: %v", err)
		}
	})
}
