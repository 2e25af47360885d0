// Package gateway is the Janus gateway: a thin OpenAI-compatible router in
// front of competitors. It exists because the competition's clients (the
// chat UI, SDKs, the bench harness) talk to one endpoint, while the answers
// come from untrusted competitor containers. The router must pick the
// right competitor and keep the client's stream alive and continuous
// whatever the competitor does, and it must not itself be what the
// benchmark ends up measuring.
//
// Hence its shape. It forwards the request body byte for byte (minus its
// own competitor_id) and relays each upstream event block as raw bytes,
// flushed as it arrives, never re-serialised. It injects ": ping" only
// when the stream is idle, retries cold upstreams while those pings flow,
// and turns every failure after the first byte into an OpenAI error
// event followed by [DONE]. Guards (validation, size and time limits, keys,
// rate limits) answer with OpenAI error JSON before any upstream is
// touched.
//
// What must outlive the process (arena prompts and votes, artifacts the
// competitors returned) goes to append-only, fsynced JSON Lines files under
// a data directory, never only to memory, because a vote the gateway has
// acknowledged is a result. Artifact capture sits beside the relay, not in
// it: only events that mention artifacts are parsed, and only their url
// values are spliced. The helper APIs (search, research, sandbox) sit
// behind one-method interfaces so that a real provider replaces the local
// offline one without touching the routes.
package gateway
