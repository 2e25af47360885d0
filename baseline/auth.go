package baseline

import (
	"net/http"

	"github.com/janus-bench/janus/internal/apikeys"
)

// requireKey answers 401 to any request but /health that does not present
// one of keys (Authorization: Bearer, X-Api-Key or api-key), as the
// gateway does.
func (s *Server) requireKey(keys *apikeys.Set, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/health" && !keys.Allows(apikeys.Presented(r)) {
			s.writeError(r.Context(), w, "", &RequestError{Status: http.StatusUnauthorized, Type: "invalid_request_error",
				Message: "a valid API key is required (Authorization: Bearer <key>)"})
			return
		}
		next.ServeHTTP(w, r)
	})
}
