package gateway

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/janus-bench/janus/internal/wire"
	"github.com/prometheus/client_golang/prometheus"
)

// Artifact defaults.
const (
	// DefaultArtifactMaxBytes caps one stored artifact.
	DefaultArtifactMaxBytes = 64 << 20
	// DefaultArtifactTTL is how long an artifact whose descriptor sets no
	// ttl_seconds is kept.
	DefaultArtifactTTL = 24 * time.Hour
	// artifactFetchTimeout bounds fetching one artifact from a competitor.
	artifactFetchTimeout = time.Minute
	// artifactWait bounds how long GET waits for an artifact still being
	// fetched.
	artifactWait = 30 * time.Second
)

// artifactsKey is what a data event must contain to be looked at for
// artifacts at all: every other event is relayed without being parsed.
var artifactsKey = []byte(`"artifacts"`)

// artifactRecord is one line of artifacts/index.jsonl: a gateway id bound
// to a content-addressed blob and the descriptor fields it is served with.
type artifactRecord struct {
	ID          string `json:"id"`
	SHA256      string `json:"sha256"`
	SizeBytes   int64  `json:"size_bytes"`
	Type        string `json:"type"`
	MimeType    string `json:"mime_type"`
	DisplayName string `json:"display_name,omitempty"`
	Competitor  string `json:"competitor"`
	SourceID    string `json:"source_id,omitempty"`
	CreatedAt   string `json:"created_at"`
	ExpiresAt   string `json:"expires_at"`
}

// artifactEntry is an artifact as the store knows it: being fetched
// (ready open), stored (rec set) or failed (err set).
type artifactEntry struct {
	ready   chan struct{}
	rec     artifactRecord
	expires time.Time
	err     error
}

// artifactStore keeps the artifacts competitors return: content-addressed
// blobs (blobs/<sha256[:2]>/<sha256>, so one image returned twice is
// stored once) under the data dir, and an index journal mapping the
// gateway's random ids to them. Ids are 130 random bits, checked against
// their exact shape before any lookup, and never used to build a path:
// the path comes from the index's sha256.
type artifactStore struct {
	dir      string
	maxBytes int64
	ttl      time.Duration
	now      func() time.Time
	log      *slog.Logger
	ctx      context.Context        // fetches outlive the request that found them
	counts   *prometheus.CounterVec // by outcome (the gateway's metrics)

	mu      sync.Mutex
	entries map[string]*artifactEntry
	idx     *journal
	wg      sync.WaitGroup
}

func openArtifactStore(ctx context.Context, dir string, maxBytes int64, ttl time.Duration, now func() time.Time,
	log *slog.Logger) (*artifactStore, error) {
	as := &artifactStore{dir: filepath.Join(dir, "artifacts"), maxBytes: maxBytes, ttl: ttl, now: now, log: log,
		ctx: ctx, entries: map[string]*artifactEntry{}}
	if err := os.MkdirAll(filepath.Join(as.dir, "blobs"), 0o700); err != nil {
		return nil, fmt.Errorf("open artifact store: %w", err)
	}
	var err error
	as.idx, err = openJournal(filepath.Join(as.dir, "index.jsonl"), func(line []byte) error {
		var r artifactRecord
		if err := json.Unmarshal(line, &r); err != nil {
			return err
		}
		exp, err := time.Parse(time.RFC3339Nano, r.ExpiresAt)
		if err != nil || !validArtifactID(r.ID) || !validSHA(r.SHA256) {
			return fmt.Errorf("bad artifact record %s", quote(r.ID))
		}
		done := make(chan struct{})
		close(done)
		as.entries[r.ID] = &artifactEntry{ready: done, rec: r, expires: exp}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("open artifact store: %w", err)
	}
	// What expired while the gateway was down goes now, before anything is
	// served, rather than on Run's first sweep: Run starts in a goroutine,
	// and a sweep that came late would forget an artifact that had just
	// failed before its client could ask about it.
	as.sweep()
	return as, nil
}

func (as *artifactStore) close() error {
	as.wg.Wait()
	return as.idx.close()
}

// newArtifactID is "art_" and 26 random base32 characters (130 bits).
func newArtifactID() string { return "art_" + strings.ToLower(cryptoText()) }

// validArtifactID reports whether id has the exact shape newArtifactID
// makes, so that nothing else (dots, slashes, encoded separators) gets as
// far as a lookup.
func validArtifactID(id string) bool {
	if len(id) != 30 || !strings.HasPrefix(id, "art_") {
		return false
	}
	for _, c := range id[4:] {
		if !(c >= 'a' && c <= 'z' || c >= '2' && c <= '7') {
			return false
		}
	}
	return true
}

func validSHA(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil && strings.ToLower(s) == s
}

func (as *artifactStore) blobPath(sum string) string {
	return filepath.Join(as.dir, "blobs", sum[:2], sum)
}

// capture looks at one data payload that mentions "artifacts": every
// descriptor with a url gets a gateway id, a fetch of its content (in the
// background, so the stream is not held up) and its url replaced by the
// gateway's. Only the url values' bytes change; the rest of the payload is
// copied as it was. It returns the new payload, or false when there was
// nothing to rewrite.
func (as *artifactStore) capture(comp *competitor, data []byte, base string) ([]byte, bool) {
	objs := artifactObjects(data)
	if len(objs) == 0 {
		return nil, false
	}
	type edit struct {
		at  span
		val []byte
	}
	var edits []edit
	for _, o := range objs {
		var d wire.Artifact
		if json.Unmarshal(data[o.start:o.end], &d) != nil || d.URL == "" {
			continue
		}
		var urlSpan span
		objectMembers(data, o.start, func(name string, v span) {
			if name == "url" {
				urlSpan = v
			}
		})
		if urlSpan.end == 0 {
			continue
		}
		id := as.start(comp, d)
		q, _ := json.Marshal(base + "/v1/artifacts/" + id)
		edits = append(edits, edit{urlSpan, q})
	}
	if len(edits) == 0 {
		return nil, false
	}
	slices.SortFunc(edits, func(a, b edit) int { return a.at.start - b.at.start })
	out := make([]byte, 0, len(data)+64*len(edits))
	pos := 0
	for _, e := range edits {
		out = append(out, data[pos:e.at.start]...)
		out = append(out, e.val...)
		pos = e.at.end
	}
	return append(out, data[pos:]...), true
}

// start registers a new artifact for d and begins storing its content in
// the background: a data: URL decoded, anything else fetched from the
// competitor.
func (as *artifactStore) start(comp *competitor, d wire.Artifact) string {
	id := newArtifactID()
	e := &artifactEntry{ready: make(chan struct{})}
	as.mu.Lock()
	as.entries[id] = e
	as.mu.Unlock()
	finish := func(r artifactRecord, exp time.Time, err error) {
		as.mu.Lock()
		e.rec, e.expires, e.err = r, exp, err
		as.mu.Unlock()
		outcome := "stored"
		if err != nil {
			outcome = "failed"
		}
		if as.counts != nil {
			as.counts.WithLabelValues(outcome).Inc()
		}
		close(e.ready)
		if err != nil {
			as.log.LogAttrs(as.ctx, slog.LevelWarn, "artifact not stored", slog.String("artifact", id),
				slog.String("competitor", comp.id), slog.Any("error", err))
		}
	}
	// Even a data: URL is stored in the background: writing and syncing
	// the blob and the index takes milliseconds the stream should not wait.
	as.wg.Go(func() {
		ctx, cancel := context.WithTimeout(as.ctx, artifactFetchTimeout)
		defer cancel()
		open := func() (io.ReadCloser, string, error) { return fetchArtifact(ctx, comp, d.URL, as.maxBytes) }
		if strings.HasPrefix(d.URL, "data:") {
			open = func() (io.ReadCloser, string, error) { return decodeDataURL(d.URL) }
		}
		r, exp, err := as.store(id, comp, d, open)
		finish(r, exp, err)
	})
	return id
}

// decodeDataURL opens the content of a base64 or plain data: URL.
func decodeDataURL(u string) (io.ReadCloser, string, error) {
	meta, payload, ok := strings.Cut(strings.TrimPrefix(u, "data:"), ",")
	if !ok {
		return nil, "", errors.New("data: URL without a comma")
	}
	mt := meta
	b64 := false
	if m, ok := strings.CutSuffix(meta, ";base64"); ok {
		mt, b64 = m, true
	}
	var r io.Reader = strings.NewReader(payload)
	if b64 {
		r = base64.NewDecoder(base64.StdEncoding, r)
	} else {
		s, err := url.PathUnescape(payload)
		if err != nil {
			return nil, "", fmt.Errorf("data: URL: %w", err)
		}
		r = strings.NewReader(s)
	}
	return io.NopCloser(r), mt, nil
}

// fetchArtifact GETs an artifact from the competitor that announced it. A
// relative URL is resolved against the competitor's base URL; an absolute
// one must point at the competitor itself, because following a URL an
// untrusted competitor chose would let it make the gateway fetch anything
// the gateway can reach (SSRF).
func fetchArtifact(ctx context.Context, comp *competitor, raw string, maxBytes int64) (io.ReadCloser, string, error) {
	base, err := url.Parse(comp.base + "/")
	if err != nil {
		return nil, "", err
	}
	ref, err := url.Parse(raw)
	if err != nil {
		return nil, "", fmt.Errorf("artifact url: %w", err)
	}
	u := base.ResolveReference(ref)
	if u.Scheme != base.Scheme || u.Host != base.Host {
		return nil, "", fmt.Errorf("artifact url %s is not on the competitor's host %s", quote(raw), base.Host)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, "", err
	}
	if comp.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+comp.apiKey)
	}
	resp, err := comp.do(req)
	if err != nil {
		return nil, "", fmt.Errorf("fetch artifact: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		drain(resp)
		return nil, "", fmt.Errorf("fetch artifact: competitor answered HTTP %d", resp.StatusCode)
	}
	if resp.ContentLength > maxBytes {
		resp.Body.Close()
		return nil, "", fmt.Errorf("artifact of %d bytes is over the limit of %d", resp.ContentLength, maxBytes)
	}
	return resp.Body, resp.Header.Get("Content-Type"), nil
}

// errArtifactTooLarge is a content over the size limit.
var errArtifactTooLarge = errors.New("artifact is over the size limit")

// store writes the content open returns to a temporary file while hashing
// it, checks size and the descriptor's sha256, moves it to its
// content-addressed place and records the id in the index.
func (as *artifactStore) store(id string, comp *competitor, d wire.Artifact,
	open func() (io.ReadCloser, string, error)) (artifactRecord, time.Time, error) {
	rc, ctype, err := open()
	if err != nil {
		return artifactRecord{}, time.Time{}, err
	}
	defer rc.Close()
	tmp, err := os.CreateTemp(filepath.Join(as.dir, "blobs"), "tmp-*")
	if err != nil {
		return artifactRecord{}, time.Time{}, fmt.Errorf("store artifact: %w", err)
	}
	defer os.Remove(tmp.Name())
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(rc, as.maxBytes+1))
	if err == nil && n > as.maxBytes {
		err = fmt.Errorf("%w of %d bytes", errArtifactTooLarge, as.maxBytes)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return artifactRecord{}, time.Time{}, fmt.Errorf("store artifact: %w", err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if d.SHA256 != "" && !strings.EqualFold(d.SHA256, sum) {
		return artifactRecord{}, time.Time{}, fmt.Errorf("store artifact: content sha256 %s differs from the descriptor's %s", sum, quote(d.SHA256))
	}
	dst := as.blobPath(sum)
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return artifactRecord{}, time.Time{}, fmt.Errorf("store artifact: %w", err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return artifactRecord{}, time.Time{}, fmt.Errorf("store artifact: %w", err)
	}
	now := as.now()
	ttl := as.ttl
	if d.TTLSeconds > 0 {
		ttl = time.Duration(d.TTLSeconds) * time.Second
	}
	mt := d.MimeType
	if _, _, err := mime.ParseMediaType(mt); err != nil || mt == "" {
		mt = ctype
		if _, _, err := mime.ParseMediaType(mt); err != nil || mt == "" {
			mt = ""
		}
	}
	typ := d.Type
	switch typ {
	case "image", "file", "dataset", "binary":
	default:
		typ = "binary"
	}
	exp := now.Add(ttl)
	r := artifactRecord{ID: id, SHA256: sum, SizeBytes: n, Type: typ, MimeType: mt, DisplayName: d.DisplayName,
		Competitor: comp.id, SourceID: d.ID, CreatedAt: now.UTC().Format(time.RFC3339Nano),
		ExpiresAt: exp.UTC().Format(time.RFC3339Nano)}
	if err := as.idx.append(r); err != nil {
		return artifactRecord{}, time.Time{}, err
	}
	return r, exp, nil
}

// lookup returns the entry of id, waiting for a fetch in progress.
func (as *artifactStore) lookup(ctx context.Context, id string) (*artifactEntry, error) {
	if !validArtifactID(id) {
		return nil, nil
	}
	as.mu.Lock()
	e := as.entries[id]
	as.mu.Unlock()
	if e == nil {
		return nil, nil
	}
	t := time.NewTimer(artifactWait)
	defer t.Stop()
	select {
	case <-e.ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-t.C:
		return nil, errors.New("the artifact is still being fetched from its competitor")
	}
	return e, nil
}

// sweep forgets expired artifacts and removes the blobs no live artifact
// refers to any more. The index journal keeps the old lines; on restart
// expired ones are swept again.
func (as *artifactStore) sweep() {
	now := as.now()
	live := map[string]bool{}
	as.mu.Lock()
	for id, e := range as.entries {
		select {
		case <-e.ready:
		default:
			live["pending"] = true // a fetch in flight: blobs may be landing
			continue
		}
		if e.err != nil || !now.Before(e.expires) {
			delete(as.entries, id)
			continue
		}
		live[e.rec.SHA256] = true
	}
	as.mu.Unlock()
	if live["pending"] {
		return
	}
	dirs, _ := os.ReadDir(filepath.Join(as.dir, "blobs"))
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		files, _ := os.ReadDir(filepath.Join(as.dir, "blobs", d.Name()))
		for _, f := range files {
			if validSHA(f.Name()) && !live[f.Name()] {
				_ = os.Remove(filepath.Join(as.dir, "blobs", d.Name(), f.Name()))
			}
		}
	}
}

// handleArtifact serves GET /v1/artifacts/{id}: the stored content with its
// type, as an attachment unless it is an image, sandboxed so that an HTML
// or SVG artifact cannot run script in the gateway's origin.
func (s *Server) handleArtifact(w http.ResponseWriter, r *http.Request) {
	ri := info(r.Context())
	if s.artifacts == nil {
		writeError(w, http.StatusNotFound, "invalid_request_error", "artifact_not_found", "",
			"this gateway stores no artifacts (janus gateway --data DIR)")
		return
	}
	id := r.PathValue("id")
	e, err := s.artifacts.lookup(r.Context(), id)
	switch {
	case err != nil:
		ri.errMsg = err.Error()
		writeError(w, http.StatusServiceUnavailable, "server_error", "artifact_pending", "", err.Error())
		return
	case e == nil:
		writeError(w, http.StatusNotFound, "invalid_request_error", "artifact_not_found", "", "no artifact "+quote(id))
		return
	case e.err != nil:
		ri.errMsg = e.err.Error()
		writeError(w, http.StatusNotFound, "invalid_request_error", "artifact_unavailable", "",
			"artifact "+quote(id)+" could not be stored: "+e.err.Error())
		return
	}
	now := s.now()
	if !now.Before(e.expires) {
		writeError(w, http.StatusGone, "invalid_request_error", "artifact_expired", "", "artifact "+quote(id)+" has expired")
		return
	}
	f, err := os.Open(s.artifacts.blobPath(e.rec.SHA256))
	if err != nil {
		ri.errMsg = err.Error()
		writeError(w, http.StatusNotFound, "invalid_request_error", "artifact_unavailable", "", "artifact "+quote(id)+" is gone from the store")
		return
	}
	defer f.Close()
	h := w.Header()
	ct := e.rec.MimeType
	if ct == "" {
		var head [512]byte
		n, _ := io.ReadFull(f, head[:])
		ct = http.DetectContentType(head[:n])
		_, _ = f.Seek(0, io.SeekStart)
	}
	h.Set("Content-Type", ct)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox")
	h.Set("Cache-Control", "private, max-age="+strconv.Itoa(int(e.expires.Sub(now).Seconds())))
	h.Set("ETag", `"`+e.rec.SHA256+`"`)
	disp := "attachment"
	if e.rec.Type == "image" && strings.HasPrefix(ct, "image/") && !strings.HasPrefix(ct, "image/svg") {
		disp = "inline"
	}
	name := e.rec.DisplayName
	if name == "" {
		name = id
	}
	h.Set("Content-Disposition", mime.FormatMediaType(disp, map[string]string{"filename": filepath.Base(name)}))
	h.Set("X-Janus-Artifact-Sha256", e.rec.SHA256)
	http.ServeContent(w, r, "", time.Time{}, f)
}

// publicBase is the gateway's own base URL as clients reach it: the
// configured public URL, else the scheme and Host of the request.
func (s *Server) publicBase(host string, tls bool) string {
	if s.opts.PublicURL != "" {
		return strings.TrimRight(s.opts.PublicURL, "/")
	}
	if tls {
		return "https://" + host
	}
	return "http://" + host
}

// rewriteFrame returns frame with its data replaced by nd. When data is
// the frame's single data line (the common case) the rest of the frame is
// kept byte for byte; a multi-line data field is written after the
// frame's other fields.
func rewriteFrame(frame, data, nd []byte) []byte {
	if len(data) > 0 && len(frame) > 0 {
		if off := subsliceOffset(frame, data); off >= 0 {
			out := make([]byte, 0, len(frame)-len(data)+len(nd))
			out = append(out, frame[:off]...)
			out = append(out, nd...)
			return append(out, frame[off+len(data):]...)
		}
	}
	var out []byte
	for line := range bytes.Lines(frame) {
		t := bytes.TrimRight(line, "\r\n")
		if len(t) == 0 || bytes.HasPrefix(t, []byte("data:")) || bytes.Equal(t, []byte("data")) {
			continue
		}
		out = append(out, t...)
		out = append(out, '\n')
	}
	// The joined data keeps the "\n" that separated its lines; each piece
	// goes out on a data: line of its own again.
	for piece := range bytes.SplitSeq(nd, []byte("\n")) {
		out = append(out, "data: "...)
		out = append(out, piece...)
		out = append(out, '\n')
	}
	return append(out, '\n')
}

// subsliceOffset is the offset of sub within b when sub aliases b's
// memory, else -1.
func subsliceOffset(b, sub []byte) int {
	if cap(sub) == 0 || cap(b) == 0 {
		return -1
	}
	// Both alias one array iff sub's end-of-capacity is b's.
	if &b[:cap(b)][cap(b)-1] != &sub[:cap(sub)][cap(sub)-1] {
		return -1
	}
	off := cap(b) - cap(sub)
	if off < 0 || off+len(sub) > len(b) {
		return -1
	}
	return off
}
