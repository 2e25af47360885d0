package gateway

import "net/http"

// HeaderUserID names the end user a request speaks for; with
// Options.ForwardUserID the gateway passes it on to the competitor.
const HeaderUserID = "X-Janus-User-Id"

// userID is the client's user id to forward, "" when forwarding is off or
// the header is absent or malformed.
func (s *Server) userID(r *http.Request) string {
	if !s.opts.ForwardUserID {
		return ""
	}
	return headerID(r.Header.Get(HeaderUserID))
}
