package service

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// apiError is an error answered in the OpenAI error envelope; Param names
// the offending field as a JSON path ("$.suite") or a query parameter.
type apiError struct {
	Status  int
	Type    string
	Param   string
	Code    string
	Message string
}

func (e *apiError) Error() string { return e.Message }

// errorBody is the wire shape: {"error": {...}}.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    string  `json:"code,omitempty"`
}

func badRequest(param, format string, args ...any) *apiError {
	return &apiError{Status: http.StatusBadRequest, Type: "invalid_request_error", Param: param, Code: "invalid_value",
		Message: fmt.Sprintf(format, args...)}
}

func unprocessable(param, code, format string, args ...any) *apiError {
	return &apiError{Status: http.StatusUnprocessableEntity, Type: "invalid_request_error", Param: param, Code: code,
		Message: fmt.Sprintf(format, args...)}
}

func notFound(what string) *apiError {
	return &apiError{Status: http.StatusNotFound, Type: "not_found_error", Code: "not_found", Message: what + " not found"}
}

func forbidden(msg string) *apiError {
	return &apiError{Status: http.StatusForbidden, Type: "permission_error", Code: "forbidden", Message: msg}
}

func unauthorized(msg string) *apiError {
	return &apiError{Status: http.StatusUnauthorized, Type: "authentication_error", Code: "invalid_api_key", Message: msg}
}

func internalError() *apiError {
	return &apiError{Status: http.StatusInternalServerError, Type: "server_error", Code: "internal", Message: "internal error (see the service log)"}
}

// writeError answers e; any other error is logged by the caller and
// answered as an opaque 500, so no internal detail (a DSN) leaks.
func writeError(w http.ResponseWriter, e *apiError) {
	body := errorBody{Error: errorDetail{Message: e.Message, Type: e.Type, Code: e.Code}}
	if e.Param != "" {
		p := e.Param
		body.Error.Param = &p
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(e.Status)
	_ = json.NewEncoder(w).Encode(body)
}

// decodeJSON reads one JSON object of at most max bytes into v, refusing
// unknown fields, wrong types and trailing data, each with the field's
// JSON path.
func decodeJSON(w http.ResponseWriter, r *http.Request, max int64, v any) *apiError {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(strings.ToLower(ct), "application/json") {
		return &apiError{Status: http.StatusUnsupportedMediaType, Type: "invalid_request_error", Code: "unsupported_media_type",
			Message: fmt.Sprintf("Content-Type %q: want application/json", ct)}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, max))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			return badRequest("$", "request body: data after the JSON object")
		}
		return nil
	}
	return decodeError(err)
}

// decodeError maps a json decoding error to an apiError naming the field.
func decodeError(err error) *apiError {
	var (
		typ    *json.UnmarshalTypeError
		syn    *json.SyntaxError
		tooBig *http.MaxBytesError
	)
	switch {
	case errors.As(err, &tooBig):
		return &apiError{Status: http.StatusRequestEntityTooLarge, Type: "invalid_request_error", Param: "$", Code: "body_too_large",
			Message: fmt.Sprintf("request body larger than %d bytes", tooBig.Limit)}
	case errors.As(err, &typ):
		if typ.Field == "" {
			return badRequest("$", "request body: want a JSON object, got JSON %s", typ.Value)
		}
		p := "$." + typ.Field
		return badRequest(p, "%s: want %s, got JSON %s", p, typ.Type.String(), typ.Value)
	case errors.As(err, &syn):
		return badRequest("$", "request body is not valid JSON at byte %d: %v", syn.Offset, syn)
	case errors.Is(err, io.EOF):
		return badRequest("$", "request body is empty: want a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("$", "request body: truncated JSON")
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name := strings.Trim(f, `"`)
		return badRequest("$."+name, "$.%s: unknown field", name)
	}
	return badRequest("$", "request body: %v", err)
}
