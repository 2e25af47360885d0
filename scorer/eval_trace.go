package scorer

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	_ "image/gif"  // decoders for image artifacts
	_ "image/jpeg" // decoders for image artifacts
	_ "image/png"  // decoders for image artifacts
	"math"
	"mime"
	"net/url"
	"strings"

	_ "golang.org/x/image/webp" // decoder for image artifacts

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/internal/wire"
	"github.com/janus-bench/janus/suites"
)

// The trace-aware checks.
var (
	_ traceEvaluator = streamingCheck{}
	_ traceEvaluator = artifactCheck{}
)

// notJudged is the verdict of a trace-aware check given no trace.
func notJudged(what string) (Verdict, bool) {
	return Verdict{Score: 0, Reason: "not judged without a live trace: " + what}, false
}

// --- streaming ---------------------------------------------------------------

// streamingCheck passes when the trace shows a clean stream within budget:
// the request was streamed; it ended with data: [DONE] and no transport or
// in-stream error; no event was unparsable or came after [DONE]; the first
// token (content, reasoning or tool call) arrived within TTFTMs of sending;
// no gap between events exceeded GapMs; the whole stream took at most E2EMs
// when that is set; at least Min token-bearing events arrived when Min is
// set (an answer delivered in one chunk is not streamed); and, with
// Reasoning, reasoning_content arrived and began before the content.
// TTFTMs and GapMs default to the contract's 2000 ms; they are the check's
// own budgets, independent of the task's budget block (which drives the
// streaming dimension's violations).
//
// Without a trace (EvaluateAnswer, as suite validation calls it) the check
// is not judged and the task is scored on its other checks, so a streaming
// task must also check its content.
type streamingCheck struct {
	ttft, gap, e2e float64
	min            int
	reasoning      bool
}

func newStreamingCheck(c suites.Check) (evaluator, error) {
	for name, v := range map[string]float64{"ttft_ms": c.TTFTMs, "gap_ms": c.GapMs, "e2e_ms": c.E2EMs} {
		if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%s %v must be a finite number ≥ 0", name, v)
		}
	}
	if c.Min < 0 {
		return nil, fmt.Errorf("min %d must be ≥ 0", c.Min)
	}
	s := streamingCheck{ttft: c.TTFTMs, gap: c.GapMs, e2e: c.E2EMs, min: c.Min, reasoning: c.Reasoning}
	def := trace.DefaultBudgets()
	if s.ttft == 0 {
		s.ttft = def.TTFTMs
	}
	if s.gap == 0 {
		s.gap = def.GapMs
	}
	return s, nil
}

func (s streamingCheck) evaluate(content string, calls []trace.ToolCall) Verdict {
	v, _ := s.evaluateTrace(content, calls, nil)
	return v
}

func (s streamingCheck) evaluateTrace(_ string, _ []trace.ToolCall, t *trace.Trace) (Verdict, bool) {
	if t == nil {
		return notJudged("streaming budgets")
	}
	if !t.Stream {
		return fail("request was not streamed"), true
	}
	m := trace.ComputeMetrics(t)
	var probs []string
	add := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }
	if t.Err != nil {
		add("stream failed: %s", t.Err.Error())
	}
	if t.DoneNs < 0 {
		add("no data: [DONE]")
	}
	tokens, evProbs := streamEventProblems(t.Events)
	probs = append(probs, evProbs...)
	switch {
	case m.TTFTMs == nil:
		add("no token arrived")
	case *m.TTFTMs > s.ttft:
		add("first token after %.0f ms (budget %.0f ms)", *m.TTFTMs, s.ttft)
	}
	if m.MaxGapMs != nil && *m.MaxGapMs > s.gap {
		add("largest gap %.0f ms (budget %.0f ms)", *m.MaxGapMs, s.gap)
	}
	if s.e2e > 0 {
		switch {
		case m.E2EMs == nil:
			add("stream never completed (e2e budget %.0f ms)", s.e2e)
		case *m.E2EMs > s.e2e:
			add("stream took %.0f ms (budget %.0f ms)", *m.E2EMs, s.e2e)
		}
	}
	if s.min > 0 && tokens < s.min {
		add("%d token event(s), want ≥ %d", tokens, s.min)
	}
	if s.reasoning {
		switch {
		case t.FirstReasoningNs < 0:
			add("no reasoning_content")
		case t.FirstContentNs >= 0 && t.FirstContentNs < t.FirstReasoningNs:
			add("content began before reasoning_content")
		}
	}
	if len(probs) > 0 {
		return fail("%s", strings.Join(probs, "; ")), true
	}
	gap := "no gap"
	if m.MaxGapMs != nil {
		gap = fmt.Sprintf("largest gap %.0f ms", *m.MaxGapMs)
	}
	return pass("streamed %d token events, first after %.0f ms, %s", tokens, *m.TTFTMs, gap), true
}

// streamEventProblems counts a stream's token-bearing events and says how
// many unparsable, error and after-[DONE] events it had.
func streamEventProblems(events []trace.Event) (tokens int, probs []string) {
	bad := map[trace.Kind]int{}
	for _, e := range events {
		switch {
		case e.Kind.TokenBearing():
			tokens++
		case e.Kind == trace.KindUnparsable || e.Kind == trace.KindError || e.Kind == trace.KindAfterDone:
			bad[e.Kind]++
		}
	}
	for _, k := range []trace.Kind{trace.KindUnparsable, trace.KindError, trace.KindAfterDone} {
		if bad[k] > 0 {
			probs = append(probs, fmt.Sprintf("%d %s event(s)", bad[k], k))
		}
	}
	return tokens, probs
}

// --- artifact ----------------------------------------------------------------

// artifactCheck passes when the trace carries at least Min artifacts (1
// when Min is 0) that each satisfy all of:
//
//   - the descriptor has an id, a type and a url;
//   - its type equals Value when Value is set ("image", case-insensitive);
//   - its MIME type (declared mime_type, else a data URL's own) matches
//     MIME when set: exactly, or by major type for "image/*";
//   - its content can be read: a data URL is decoded; an http(s) URL or
//     an absolute path on the target ("/v1/artifacts/…") is fetched
//     through ArtifactFetch — only from the target's own origin or an
//     allowed one, 15 s and 64 MiB at most, HTTP 200, at most 16 fetches
//     per answer — and without one (no target) the artifact fails;
//   - the content is at least MinBytes long, and agrees with the declared
//     size_bytes and sha256 when those are given (a path URL's declared
//     size_bytes must itself be at least MinBytes);
//   - an image (type "image" or an image/* MIME type) decodes as PNG, JPEG,
//     GIF or WebP, in the format its MIME type names;
//   - when Image is set, the image shows what the task asked for: its
//     exact width and height, the background colour covering the most
//     pixels, each declared colour covering at least its share (see
//     imageSpec.check), so a blank square or someone else's chart fails.
//
// A descriptor is never taken on its word: an http(s) or path URL that
// cannot be fetched (no target: a re-evaluation without one) fails.
//
// Without a trace the check is not judged (see streamingCheck).
type artifactCheck struct {
	typ, mime string
	minBytes  int64
	min       int
	// img is what an image's pixels must show; nil checks decoding only.
	img *imageSpec
	// fetch reads http(s) and path URLs; nil reads none.
	fetch *ArtifactFetch
}

// bind gives the check its Evaluator's artifact fetcher.
func (a artifactCheck) bind(e *Evaluator) (evaluator, error) {
	a.fetch = e.fetcher()
	return a, nil
}

func newArtifactCheck(c suites.Check) (evaluator, error) {
	a := artifactCheck{mime: strings.ToLower(strings.TrimSpace(c.MIME)), minBytes: c.MinBytes, min: c.Min}
	if c.Value != nil {
		s, err := scalarString(c.Value)
		if err != nil {
			return nil, fmt.Errorf("value (the artifact type): %w", err)
		}
		a.typ = strings.ToLower(strings.TrimSpace(s))
	}
	if a.mime != "" {
		major, minor, ok := strings.Cut(a.mime, "/")
		if !ok || major == "" || minor == "" {
			return nil, fmt.Errorf("mime %q is not a media type like image/png or image/*", c.MIME)
		}
	}
	if a.minBytes < 0 {
		return nil, fmt.Errorf("min_bytes %d must be ≥ 0", a.minBytes)
	}
	if a.min < 0 {
		return nil, fmt.Errorf("min %d must be ≥ 0", a.min)
	}
	if a.min == 0 {
		a.min = 1
	}
	img, err := newImageSpec(c.Image)
	if err != nil {
		return nil, err
	}
	a.img = img
	return a, nil
}

func (a artifactCheck) evaluate(content string, calls []trace.ToolCall) Verdict {
	v, _ := a.evaluateTrace(content, calls, nil)
	return v
}

func (a artifactCheck) evaluateTrace(_ string, _ []trace.ToolCall, t *trace.Trace) (Verdict, bool) {
	if t == nil {
		return notJudged("artifacts")
	}
	if len(t.Artifacts) == 0 {
		return fail("no artifacts (want ≥ %d)", a.min), true
	}
	good := 0
	var notes, probs []string
	budget := a.fetch.budget()
	for i, art := range t.Artifacts {
		note, err := a.judge(art, &budget)
		label := art.ID
		if label == "" {
			label = fmt.Sprintf("#%d", i+1)
		}
		if err != nil {
			probs = append(probs, fmt.Sprintf("artifact %s: %v", label, err))
			continue
		}
		good++
		if note != "" {
			notes = append(notes, fmt.Sprintf("artifact %s: %s", label, note))
		}
	}
	if good >= a.min {
		reason := fmt.Sprintf("%d of %d artifacts as expected", good, len(t.Artifacts))
		if len(notes) > 0 {
			reason += " (" + strings.Join(notes, "; ") + ")"
		}
		return pass("%s", reason), true
	}
	return fail("%d of %d artifacts as expected, want ≥ %d: %s", good, len(t.Artifacts), a.min, strings.Join(probs, "; ")), true
}

// judge checks one artifact; note says what was not verified.
func (a artifactCheck) judge(art wire.Artifact, budget *int) (note string, err error) {
	if art.ID == "" || art.Type == "" || art.URL == "" {
		return "", errors.New("descriptor lacks an id, type or url")
	}
	if a.typ != "" && !strings.EqualFold(art.Type, a.typ) {
		return "", fmt.Errorf("type %q, want %q", art.Type, a.typ)
	}
	declared := mediaType(art.MimeType)
	body, fromURL, fetched, err := artifactContent(art.URL, a.fetch, budget)
	if err != nil {
		return "", err
	}
	mt := declared
	if mt == "" {
		mt = fromURL
	}
	if a.mime != "" && !mimeMatches(mt, a.mime) {
		return "", fmt.Errorf("MIME type %q, want %q", mt, a.mime)
	}
	if !fetched {
		return "", fmt.Errorf("content of %s not verified: no target to fetch it from, and a descriptor is not taken on its word", show(art.URL))
	}
	if int64(len(body)) < a.minBytes {
		return "", fmt.Errorf("%d bytes, want ≥ %d", len(body), a.minBytes)
	}
	if art.SizeBytes > 0 && art.SizeBytes != int64(len(body)) {
		return "", fmt.Errorf("size_bytes says %d, content is %d bytes", art.SizeBytes, len(body))
	}
	if art.SHA256 != "" {
		sum := sha256.Sum256(body)
		if !strings.EqualFold(art.SHA256, hex.EncodeToString(sum[:])) {
			return "", errors.New("sha256 does not match the content")
		}
	}
	if strings.EqualFold(art.Type, "image") || strings.HasPrefix(mt, "image/") {
		return "", a.judgeImage(body, mt)
	} else if a.img != nil {
		return "", fmt.Errorf("the check declares image properties, but the artifact is not an image (type %q, MIME type %q)", art.Type, mt)
	}
	return "", nil
}

// judgeImage checks an image artifact's content: it decodes, its format
// is the one its MIME type mt names, it has an area, and it has the
// properties the check declares.
func (a artifactCheck) judgeImage(body []byte, mt string) error {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("image does not decode: %w", err)
	}
	if strings.HasPrefix(mt, "image/") && mt != "image/"+format && !(format == "jpeg" && mt == "image/jpg") {
		return fmt.Errorf("content is %s, MIME type says %s", format, mt)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return fmt.Errorf("image is %d×%d", cfg.Width, cfg.Height)
	}
	if a.img != nil {
		return a.img.check(body)
	}
	return nil
}

// mediaType is a MIME type without parameters, lower-cased.
func mediaType(s string) string {
	if s == "" {
		return ""
	}
	if mt, _, err := mime.ParseMediaType(s); err == nil {
		return mt
	}
	return strings.ToLower(strings.TrimSpace(s))
}

// mimeMatches compares a MIME type with a wanted one, "type/*" matching
// any subtype.
func mimeMatches(got, want string) bool {
	if major, ok := strings.CutSuffix(want, "/*"); ok {
		g, _, _ := strings.Cut(got, "/")
		return g == major
	}
	return got == want
}

// artifactContent reads an artifact's bytes: a data URL is decoded, an
// http(s) or path URL fetched through fetch (nil: not fetched, fetched is
// false), each fetch taking one from budget. mt is the MIME type the URL
// itself gives (a data URL's, or the response's Content-Type).
func artifactContent(raw string, fetch *ArtifactFetch, budget *int) (body []byte, mt string, fetched bool, err error) {
	if meta, payload, ok := strings.Cut(raw, ","); ok && strings.HasPrefix(strings.ToLower(meta), "data:") {
		return dataURLContent(meta[len("data:"):], payload)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, "", false, fmt.Errorf("url %s: %w", show(raw), err)
	}
	isHTTP := (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
	isPath := u.Scheme == "" && u.Host == "" && strings.HasPrefix(u.Path, "/")
	switch {
	case !isHTTP && !isPath:
		return nil, "", false, fmt.Errorf("url %s is not a data, http(s) or absolute-path URL", show(raw))
	case !fetch.enabled():
		return nil, "", false, nil
	}
	target, err := fetch.resolve(u)
	if err != nil {
		return nil, "", false, err
	}
	if *budget <= 0 {
		return nil, "", false, fmt.Errorf("url %s not fetched: more than %d artifacts to fetch in one answer", show(raw), fetch.maxFetches())
	}
	*budget--
	body, mt, err = fetch.fetch(target)
	return body, mt, err == nil, err
}

// dataURLContent decodes a data URL's payload.
func dataURLContent(meta, payload string) ([]byte, string, bool, error) {
	var body []byte
	var err error
	if strings.HasSuffix(strings.ToLower(meta), ";base64") {
		meta = meta[:len(meta)-len(";base64")]
		body, err = base64.StdEncoding.DecodeString(payload)
		if err != nil {
			body, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(payload, "="))
		}
		if err != nil {
			return nil, "", false, fmt.Errorf("data URL payload is not base64: %w", err)
		}
	} else {
		s, uerr := url.PathUnescape(payload)
		if uerr != nil {
			return nil, "", false, fmt.Errorf("data URL payload: %w", uerr)
		}
		body = []byte(s)
	}
	return body, mediaType(meta), true, nil
}
