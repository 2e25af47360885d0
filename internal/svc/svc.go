// Package svc holds the HTTP plumbing shared by janus's platform services
// (memory, browser sessions): JSON answers, errors in the OpenAI error
// envelope, strict bounded JSON decoding that names the offending field,
// and a listener with graceful shutdown.
package svc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/janus-bench/janus/internal/baseurl"
	"github.com/janus-bench/janus/internal/wire"
)

// Error is a request a service refuses: an HTTP status and an OpenAI
// error envelope naming the parameter (a JSON path or query name).
type Error struct {
	Status  int
	Type    string
	Code    string
	Param   string
	Message string
}

// Error implements error.
func (e *Error) Error() string {
	if e.Param != "" {
		return fmt.Sprintf("%s (param %s)", e.Message, e.Param)
	}
	return e.Message
}

// Bad is a 400 invalid_request_error naming param.
func Bad(param, format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Type: "invalid_request_error", Param: param, Message: fmt.Sprintf(format, args...)}
}

// NotFound is a 404 naming what was not found.
func NotFound(param, format string, args ...any) *Error {
	return &Error{Status: http.StatusNotFound, Type: "invalid_request_error", Code: "not_found", Param: param, Message: fmt.Sprintf(format, args...)}
}

// WriteJSON writes v with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	WriteJSONLogged(context.Background(), nil, w, status, v)
}

// WriteJSONLogged is WriteJSON that logs to log (when not nil) a value it
// cannot encode (an error) and a write that fails (debug: the client
// went away).
func WriteJSONLogged(ctx context.Context, log *slog.Logger, w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		if log != nil {
			log.LogAttrs(ctx, slog.LevelError, "encode response", slog.Any("error", err))
		}
		http.Error(w, "encode response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	if _, err := w.Write(append(b, '\n')); err != nil && log != nil {
		log.LogAttrs(ctx, slog.LevelDebug, "write response", slog.Any("error", err))
	}
}

// WriteError writes err: an *Error as itself, anything else as a 500
// server_error with its message.
func WriteError(w http.ResponseWriter, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Status: http.StatusInternalServerError, Type: "server_error", Message: err.Error()}
	}
	env := wire.NewError(e.Type, e.Message, e.Param)
	if e.Code != "" {
		env.Error.Code = e.Code
	}
	if e.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="janus"`)
	}
	WriteJSON(w, e.Status, env)
}

// Decode reads one JSON object of at most limit bytes into v, refusing
// unknown fields and trailing data. Errors name the field (param) or the
// byte offset: a body over limit is a 413.
func Decode(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	if r.ContentLength > limit {
		return &Error{Status: http.StatusRequestEntityTooLarge, Type: "invalid_request_error", Param: "body",
			Message: fmt.Sprintf("request body is %d bytes; the limit is %d", r.ContentLength, limit)}
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &Error{Status: http.StatusRequestEntityTooLarge, Type: "invalid_request_error", Param: "body",
				Message: fmt.Sprintf("request body exceeds the limit of %d bytes", limit)}
		}
		return Bad("body", "read request body: %v", err)
	}
	return Unmarshal(data, v)
}

// Unmarshal is Decode's strict JSON parse of data.
func Unmarshal(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return Bad("body", "invalid JSON at byte %d: %v", se.Offset, se)
		case errors.As(err, &te):
			return Bad(te.Field, "%s: want %s, got JSON %s", te.Field, te.Type, te.Value)
		case errors.Is(err, io.EOF):
			return Bad("body", "empty request body: want a JSON object")
		default:
			return Bad("body", "invalid JSON: %v", err)
		}
	}
	if dec.More() {
		return Bad("body", "trailing data after the JSON object")
	}
	return nil
}

// Serve listens on addr and serves h until ctx is done, then lets requests
// in flight finish for up to 10 s. onListen, if set, gets the base URL once
// listening.
func Serve(ctx context.Context, addr string, h http.Handler, log *slog.Logger, onListen func(url string)) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
		IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	url := strings.TrimSuffix(baseurl.For(ln.Addr()), "/v1")
	if onListen != nil {
		onListen(url)
	}
	select {
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		err := hs.Shutdown(sctx)
		if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
			err = errors.Join(err, serr)
		}
		return err
	case err := <-errc:
		return fmt.Errorf("serve %s: %w", url, err)
	}
}
