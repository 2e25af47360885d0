package scorer

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/internal/wire"
	"github.com/janus-bench/janus/suites"
)

const msNs = int64(1e6)

// streamed builds a streamed trace: token events of the given kinds at the
// given milliseconds after sending, then data: [DONE] 10 ms after the last.
func streamed(kinds []trace.Kind, atMs []int64) *trace.Trace {
	t := &trace.Trace{Stream: true, Status: 200, ContentType: "text/event-stream", SentNs: 0, HeadersNs: 5 * msNs,
		FirstByteNs: -1, FirstEventNs: -1, FirstReasoningNs: -1, FirstContentNs: -1, FirstTokenNs: -1, DoneNs: -1, EndNs: -1,
		Content: "Hello world"}
	for i, k := range kinds {
		at := atMs[i] * msNs
		t.Events = append(t.Events, trace.Event{Kind: k, AtNs: at, FirstByteNs: at, Bytes: 40, Text: "x"})
		if t.FirstEventNs < 0 {
			t.FirstEventNs, t.FirstByteNs = at, at
		}
		if k.TokenBearing() && t.FirstTokenNs < 0 {
			t.FirstTokenNs = at
		}
		if k == trace.KindContent && t.FirstContentNs < 0 {
			t.FirstContentNs = at
		}
		if k == trace.KindReasoning && t.FirstReasoningNs < 0 {
			t.FirstReasoningNs = at
		}
	}
	end := atMs[len(atMs)-1]*msNs + 10*msNs
	t.Events = append(t.Events, trace.Event{Kind: trace.KindDone, AtNs: end, FirstByteNs: end, Bytes: 14})
	t.DoneNs, t.EndNs = end, end
	return t
}

func contentAt(atMs ...int64) *trace.Trace {
	kinds := make([]trace.Kind, len(atMs))
	for i := range kinds {
		kinds[i] = trace.KindContent
	}
	return streamed(kinds, atMs)
}

// traceCase is one trace judged by one check through Evaluate.
type traceCase struct {
	name   string
	check  suites.Check
	tr     *trace.Trace
	want   float64
	reason string
}

func runTraceCases(t *testing.T, cases []traceCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if err := CheckSpec(c.check); err != nil {
				t.Fatalf("spec rejected: %v", err)
			}
			v := Evaluate(task(c.check), c.tr)
			t.Logf("%v %s", v.Score, v.Reason)
			if v.Score != c.want {
				t.Errorf("score %v, want %v (reason %q)", v.Score, c.want, v.Reason)
			}
			if !strings.Contains(v.Reason, c.reason) {
				t.Errorf("reason %q lacks %q", v.Reason, c.reason)
			}
		})
	}
}

func TestStreamingCheck(t *testing.T) {
	plain := suites.Check{Type: CheckStreaming}
	notStreamed := contentAt(100)
	notStreamed.Stream = false
	noDone := contentAt(100, 150)
	noDone.DoneNs = -1
	noDone.Events = noDone.Events[:len(noDone.Events)-1]
	garbled := contentAt(100, 150)
	garbled.Events = append(garbled.Events[:1], append([]trace.Event{{Kind: trace.KindUnparsable, AtNs: 120 * msNs}}, garbled.Events[1:]...)...)
	afterDone := contentAt(100, 150)
	afterDone.Events = append(afterDone.Events, trace.Event{Kind: trace.KindAfterDone, AtNs: 200 * msNs})
	runTraceCases(t, []traceCase{
		// true positives
		{"clean stream", plain, contentAt(100, 150, 200, 250), 1, "streamed 4 token events, first after 100 ms, largest gap 95 ms"},
		{"own budgets", suites.Check{Type: CheckStreaming, TTFTMs: 3000, GapMs: 3000}, contentAt(2500, 2550), 1, ""},
		{"enough events", suites.Check{Type: CheckStreaming, Min: 3}, contentAt(100, 110, 120), 1, ""},
		{"reasoning first", suites.Check{Type: CheckStreaming, Reasoning: true},
			streamed([]trace.Kind{trace.KindReasoning, trace.KindReasoning, trace.KindContent}, []int64{100, 200, 300}), 1, ""},
		{"within e2e", suites.Check{Type: CheckStreaming, E2EMs: 1000}, contentAt(100, 500), 1, ""},
		// true negatives
		{"not streamed", plain, notStreamed, 0, "not streamed"},
		{"slow first token", plain, contentAt(2500, 2550), 0, "first token after 2500 ms (budget 2000 ms)"},
		{"long gap", plain, contentAt(100, 2700), 0, "largest gap 2600 ms (budget 2000 ms)"},
		{"no done", plain, noDone, 0, "no data: [DONE]"},
		{"unparsable event", plain, garbled, 0, "1 unparsable event(s)"},
		{"data after done", plain, afterDone, 0, "after_done"},
		{"over e2e", suites.Check{Type: CheckStreaming, E2EMs: 1000}, contentAt(100, 1500), 0, "stream took 1510 ms"},
		// adversarial near-misses
		{"one chunk is not a stream", suites.Check{Type: CheckStreaming, Min: 3}, contentAt(100), 0, "1 token event(s), want ≥ 3"},
		{"just over budget", suites.Check{Type: CheckStreaming, TTFTMs: 500}, contentAt(501), 0, "first token after 501 ms"},
		{"no reasoning", suites.Check{Type: CheckStreaming, Reasoning: true}, contentAt(100, 200), 0, "no reasoning_content"},
		{"reasoning after content", suites.Check{Type: CheckStreaming, Reasoning: true},
			streamed([]trace.Kind{trace.KindContent, trace.KindReasoning}, []int64{100, 200}), 0, "content began before reasoning_content"},
	})
	runSpecCases(t, []specCase{
		{"negative ttft", suites.Check{Type: CheckStreaming, TTFTMs: -1}, false, "ttft_ms"},
		{"negative min", suites.Check{Type: CheckStreaming, Min: -1}, false, "min"},
		{"defaults", plain, true, ""},
	})
}

// TestTraceChecksWithoutTrace: validation has content only, so trace-aware
// checks are left out of the combination instead of failing references or
// passing non-answers.
func TestTraceChecksWithoutTrace(t *testing.T) {
	exact := suites.Check{Type: CheckExact, Value: "Hello world"}
	stream := suites.Check{Type: CheckStreaming, Min: 3}
	art := suites.Check{Type: CheckArtifact, Value: "image"}
	both := &suites.Task{ID: "t", Category: suites.CatStreaming, Expect: suites.Expect{Checks: []suites.Check{exact, stream}}}
	anyMode := &suites.Task{ID: "t", Category: suites.CatStreaming, Expect: suites.Expect{Mode: ModeAny, Checks: []suites.Check{stream, exact}}}
	weighted := &suites.Task{ID: "t", Category: suites.CatStreaming, Expect: suites.Expect{Mode: ModeWeighted,
		Checks: []suites.Check{{Type: CheckExact, Value: "Hello world", Weight: 1}, {Type: CheckStreaming, Weight: 3}}}}
	cases := []struct {
		name    string
		tk      *suites.Task
		content string
		want    float64
		reason  string
	}{
		{"reference passes on its content", both, "Hello world", 1, ""},
		{"non-answer fails on its content", both, "I don't know.", 0, "exact"},
		{"any mode: streaming does not pass a non-answer", anyMode, "", 0, ""},
		{"weighted: only the judged weight counts", weighted, "Hello world", 1, ""},
		{"streaming alone cannot be judged", task(stream), "Hello world", 0, "no check could be judged: streaming: not judged without a live trace"},
		{"artifact alone cannot be judged", task(art), "Here is your image.", 0, "no check could be judged: artifact"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := EvaluateAnswer(c.tk, c.content, nil)
			if v.Score != c.want || !strings.Contains(v.Reason, c.reason) {
				t.Errorf("%s: %+v, want score %v and a reason with %q", c.name, v, c.want, c.reason)
			}
		})
	}
	// With a trace both are judged.
	if v := Evaluate(both, contentAt(100, 200, 300)); v.Score != 1 {
		t.Errorf("live trace: %+v, want 1", v)
	}
	if v := Evaluate(both, contentAt(100)); v.Score != 0 {
		t.Errorf("live trace with one chunk: %+v, want 0", v)
	}
}

// pngBytes encodes a w×h PNG.
func pngBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := 0; x < w; x++ {
		for y := 0; y < h; y++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 200, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestArtifactCheck(t *testing.T) {
	pic := pngBytes(t, 64, 64)
	sum := sha256.Sum256(pic)
	dataURL := "data:image/png;base64," + base64.StdEncoding.EncodeToString(pic)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/img.png" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		w.Write(pic)
	}))
	t.Cleanup(srv.Close) // after the parallel subtests, unlike defer

	with := func(arts ...wire.Artifact) *trace.Trace {
		tr := contentAt(100)
		tr.Artifacts = arts
		return tr
	}
	good := wire.Artifact{ID: "a1", Type: "image", MimeType: "image/png", URL: dataURL, SizeBytes: int64(len(pic)), SHA256: hex.EncodeToString(sum[:])}
	image1 := suites.Check{Type: CheckArtifact, Value: "image", MIME: "image/*", MinBytes: 100}
	mod := func(f func(*wire.Artifact)) wire.Artifact { a := good; f(&a); return a }
	runTraceCases(t, []traceCase{
		// true positives
		{"data URL image", image1, with(good), 1, "1 of 1 artifacts as expected"},
		{"exact MIME", suites.Check{Type: CheckArtifact, MIME: "image/png"}, with(good), 1, ""},
		{"MIME from the data URL", image1, with(mod(func(a *wire.Artifact) { a.MimeType = "" })), 1, ""},
		{"two of two", suites.Check{Type: CheckArtifact, Min: 2}, with(good, mod(func(a *wire.Artifact) { a.ID = "a2" })), 1, "2 of 2"},
		// true negatives
		{"no artifacts", image1, contentAt(100), 0, "no artifacts"},
		{"wrong type", image1, with(mod(func(a *wire.Artifact) { a.Type = "audio" })), 0, `type "audio", want "image"`},
		{"wrong MIME", suites.Check{Type: CheckArtifact, MIME: "audio/*"}, with(good), 0, `MIME type "image/png"`},
		{"too small", suites.Check{Type: CheckArtifact, MinBytes: 1 << 20}, with(good), 0, "want ≥ 1048576"},
		{"one of two", suites.Check{Type: CheckArtifact, Min: 2}, with(good, mod(func(a *wire.Artifact) { a.ID = "" })), 0, "1 of 2 artifacts"},
		// adversarial near-misses
		{"size lies", image1, with(mod(func(a *wire.Artifact) { a.SizeBytes++ })), 0, "size_bytes says"},
		{"hash lies", image1, with(mod(func(a *wire.Artifact) { a.SHA256 = strings.Repeat("0", 64) })), 0, "sha256"},
		{"not an image", image1, with(mod(func(a *wire.Artifact) {
			a.URL = "data:image/png;base64," + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("not a png "), 20))
			a.SizeBytes, a.SHA256 = 0, ""
		})), 0, "image does not decode"},
		{"MIME says jpeg, content is png", image1, with(mod(func(a *wire.Artifact) { a.MimeType = "image/jpeg" })), 0, "content is png, MIME type says image/jpeg"},
		{"path URL declaring too little", image1, with(mod(func(a *wire.Artifact) { a.URL = "/v1/artifacts/a1"; a.SizeBytes = 10 })), 0, "not verified"},
		// Without a target to fetch from, a descriptor is not taken on its
		// word (issue 15); fetching is TestArtifactFetch's.
		{"http URL not fetched", image1, with(mod(func(a *wire.Artifact) { a.URL = srv.URL + "/img.png" })), 0, "not verified"},
		{"path URL with a claimed size not fetched", image1, with(mod(func(a *wire.Artifact) { a.URL = "/v1/artifacts/a1" })), 0, "not verified"},
		{"unusable URL", image1, with(mod(func(a *wire.Artifact) { a.URL = "ftp://x/y.png" })), 0, "not a data, http(s) or absolute-path URL"},
	})
	runSpecCases(t, []specCase{
		{"bad MIME", suites.Check{Type: CheckArtifact, MIME: "png"}, false, "media type"},
		{"negative min_bytes", suites.Check{Type: CheckArtifact, MinBytes: -1}, false, "min_bytes"},
		{"negative min", suites.Check{Type: CheckArtifact, Min: -1}, false, "min"},
		{"bare", suites.Check{Type: CheckArtifact}, true, ""},
	})
}
