package bench

import "net/http"

// Client identities a run's requests can wear (RunOptions.ClientIdentity):
// a competitor must not tell janus's requests from its users' by their
// headers, so by default they carry the headers of the most common client
// of OpenAI-compatible endpoints, the OpenAI Python SDK (openai 1.x on
// CPython, as its Stainless-generated client sends them), instead of Go's
// "Go-http-client/1.1".
const (
	IdentityOpenAIPython = "openai-python"
	// IdentityNone sends Go's default headers (and whatever --header adds).
	IdentityNone = "none"
)

// openAIPythonVersion is the SDK version the default identity claims.
const openAIPythonVersion = "1.54.4"

// identityHeaders are the headers of identity; user-given headers
// (--header, --user-agent) are set over them.
func identityHeaders(identity string) http.Header {
	h := http.Header{}
	if identity != IdentityOpenAIPython {
		return h
	}
	h.Set("User-Agent", "OpenAI/Python "+openAIPythonVersion)
	h.Set("X-Stainless-Lang", "python")
	h.Set("X-Stainless-Package-Version", openAIPythonVersion)
	h.Set("X-Stainless-OS", "Linux")
	h.Set("X-Stainless-Arch", "x64")
	h.Set("X-Stainless-Runtime", "CPython")
	h.Set("X-Stainless-Runtime-Version", "3.12.7")
	h.Set("X-Stainless-Async", "false")
	h.Set("X-Stainless-Retry-Count", "0")
	return h
}

// requestHeader is what every request of a run carries besides janus's
// own Content-Type, Accept and Authorization: the identity's headers,
// overridden by userAgent and the user's headers.
func requestHeader(identity, userAgent string, user http.Header) http.Header {
	h := identityHeaders(identity)
	if userAgent != "" {
		h.Set("User-Agent", userAgent)
	}
	for k, vs := range user {
		h.Del(k)
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	return h
}
