package baseline

import (
	"net/http"
)

// limitConcurrency lets at most n chat completions run at once; the rest
// queue (in arrival order as far as the runtime's channel wait queue goes)
// until one finishes or their client goes away. The queue wait comes
// before the handler starts the sim's clock, so a queued request's time
// to first token grows by its wait, as on a server with n batch slots.
// That gives a load sweep a known capacity to find.
func limitConcurrency(next http.Handler, n int) http.Handler {
	slots := make(chan struct{}, n)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/chat/completions" {
			next.ServeHTTP(w, r)
			return
		}
		select {
		case slots <- struct{}{}:
		case <-r.Context().Done():
			return
		}
		defer func() { <-slots }()
		next.ServeHTTP(w, r)
	})
}
