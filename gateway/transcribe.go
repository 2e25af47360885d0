package gateway

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"time"

	"github.com/janus-bench/janus/internal/buildinfo"
	"github.com/janus-bench/janus/internal/chatreq"
)

// Transcription forwards POST /v1/audio/transcriptions to an
// OpenAI-compatible speech-to-text provider (the architecture puts
// transcription on the gateway). Without one the endpoint answers 501.
type Transcription struct {
	// URL is the provider's base URL ending in /v1; the request goes to
	// {URL}/audio/transcriptions.
	URL string
	// APIKey is sent as a Bearer token; the client's credentials never are.
	APIKey string
	// MaxBytes caps the multipart body; 0 means DefaultTranscriptionMaxBytes.
	MaxBytes int64
	// Timeout bounds one transcription; 0 means 5 minutes.
	Timeout time.Duration
	// Client makes the requests; nil means http.DefaultClient.
	Client *http.Client
}

// DefaultTranscriptionMaxBytes is OpenAI's own upload limit, 25 MiB.
const DefaultTranscriptionMaxBytes = 25 << 20

// maxTranscriptBody bounds the provider's answer relayed to the client.
const maxTranscriptBody = 16 << 20

// handleTranscription serves POST /v1/audio/transcriptions.
func (s *Server) handleTranscription(w http.ResponseWriter, r *http.Request) {
	ri := info(r.Context())
	tc := s.opts.Tools.Transcription
	if tc == nil || tc.URL == "" {
		ri.errMsg = "no transcription provider"
		writeError(w, http.StatusNotImplemented, "invalid_request_error", "transcription_not_configured", "",
			"this gateway has no transcription provider; start it with --transcription-url (an OpenAI-compatible /v1 base URL)")
		return
	}
	limit := tc.MaxBytes
	if limit <= 0 {
		limit = DefaultTranscriptionMaxBytes
	}
	if r.ContentLength > limit {
		w.Header().Set("Connection", "close")
		s.reject(w, ri, chatreq.TooLarge(limit))
		return
	}
	body, verr := s.readBody(w, r)
	if verr != nil {
		s.reject(w, ri, verr)
		return
	}
	if int64(len(body)) > limit {
		s.reject(w, ri, chatreq.TooLarge(limit))
		return
	}
	ct := r.Header.Get("Content-Type")
	if verr := checkTranscriptionForm(ct, body); verr != nil {
		s.reject(w, ri, verr)
		return
	}
	s.forwardTranscription(r.Context(), w, ri, tc, ct, body)
}

// checkTranscriptionForm checks that body is multipart/form-data with a
// file part and a model field, as OpenAI requires, before anything is
// sent on.
func checkTranscriptionForm(ct string, body []byte) *chatreq.Error {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return chatreq.BadRequest("", "the body must be multipart/form-data (file and model fields), got Content-Type %q", ct)
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	var hasFile, hasModel bool
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return chatreq.BadRequest("", "malformed multipart body: %v", err)
		}
		switch p.FormName() {
		case "file":
			hasFile = p.FileName() != ""
		case "model":
			b, _ := io.ReadAll(io.LimitReader(p, 256))
			hasModel = strings.TrimSpace(string(b)) != ""
		}
	}
	switch {
	case !hasFile:
		return chatreq.BadRequest("file", "file is required: a part named file with a filename")
	case !hasModel:
		return chatreq.BadRequest("model", "model is required")
	}
	return nil
}

// forwardTranscription sends the body as it came and relays the answer's
// status, content type and (bounded) body.
func (s *Server) forwardTranscription(ctx context.Context, w http.ResponseWriter, ri *reqInfo, tc *Transcription, ct string, body []byte) {
	timeout := tc.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(tc.URL, "/")+"/audio/transcriptions", bytes.NewReader(body))
	if err != nil {
		writeError(w, http.StatusInternalServerError, "server_error", "transcription_failed", "", "build request: "+err.Error())
		return
	}
	req.Header.Set("Content-Type", ct)
	req.Header.Set("User-Agent", "janus-gateway/"+buildinfo.Get())
	if ri.requestID != "" {
		req.Header.Set("X-Request-Id", ri.requestID)
	}
	if tc.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+tc.APIKey)
	}
	hc := tc.Client
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		status := http.StatusBadGateway
		if errors.Is(err, context.DeadlineExceeded) {
			status = http.StatusGatewayTimeout
		}
		ri.errMsg = "transcription: " + err.Error()
		writeError(w, status, "server_error", "transcription_failed", "", "transcription provider failed: "+err.Error())
		return
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxTranscriptBody+1))
	if err != nil || len(b) > maxTranscriptBody {
		ri.errMsg = "transcription: bad answer"
		writeError(w, http.StatusBadGateway, "server_error", "transcription_failed", "",
			fmt.Sprintf("transcription provider answer unreadable or over %d bytes", maxTranscriptBody))
		return
	}
	if rct := resp.Header.Get("Content-Type"); rct != "" {
		w.Header().Set("Content-Type", rct)
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(b)
}
