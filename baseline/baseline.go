// Package baseline is janus's reference competitor: an OpenAI-compatible
// /v1/chat/completions server that every benchmark run can measure itself
// against. It exists so that a run always has a known-good target whose
// answers, pacing and usage figures are known in advance. That lets the
// harness be checked end to end and calibrated (see EventObserver) without
// any network, API key or model.
//
// The HTTP layer speaks only internal/wire types and delegates the answer to
// a Provider. The default provider classifies each request (Classify) and
// answers the fast path with the deterministic sim, which knows suite
// prompts' reference answers and paces them, and the agent path with a
// tool loop (agent.go) over local tools (internal/agenttools). The openai
// provider puts any OpenAI-compatible upstream behind the same loop
// (upstream.go).
package baseline

import (
	"log/slog"
	"time"

	"github.com/janus-bench/janus/baseline/threads"
	"github.com/janus-bench/janus/internal/agenttools"
	"github.com/janus-bench/janus/internal/search"
	"github.com/janus-bench/janus/pricing"
	"github.com/janus-bench/janus/suites"
)

// DefaultModel is the model id the sim serves when Config.Model is empty.
const DefaultModel = "janus-baseline-sim"

// Sim prices in US dollars per million tokens. They are documented constants
// rather than configuration so that cost scores against the sim are
// comparable across runs and machines.
const (
	SimPromptUSDPerMillion     = 0.50
	SimCompletionUSDPerMillion = 1.50
)

// Frame kinds passed to an EventObserver, one per SSE frame written.
const (
	KindRole      = "role"
	KindReasoning = "reasoning"
	KindContent   = "content"
	KindToolCall  = "tool_call"
	// KindArtifact carries artifact descriptors (delta.artifacts).
	KindArtifact  = "artifact"
	KindFinish    = "finish"
	KindUsage     = "usage"
	KindDone      = "done"
	KindKeepAlive = "keepalive"
	// KindError is a mid-stream error chunk. The sim never sends one, but a
	// provider that fails after the stream has started does.
	KindError = "error"
)

// Pace is the sim's timing: the first output token is due TTFT after the
// request arrived and every further token PerToken later. Each token has an
// absolute deadline, so a slow write never shifts the tokens after it.
type Pace struct {
	TTFT     time.Duration
	PerToken time.Duration
}

// DefaultPace is a plausible hosted-model pace (150 ms to the first token,
// 50 tokens per second after it). It is slow enough that timing metrics are
// meaningful and fast enough that the smoke suite runs in seconds.
func DefaultPace() Pace {
	return Pace{TTFT: 150 * time.Millisecond, PerToken: 20 * time.Millisecond}
}

// Unpaced is a Pace with no waiting at all, for tests and throughput runs.
// A zero Pace in Config means DefaultPace, so "no pacing" has to be spelled
// with negative durations; Unpaced does that.
func Unpaced() Pace {
	return Pace{TTFT: -1, PerToken: -1}
}

// normalized clamps negative durations to zero.
func (p Pace) normalized() Pace {
	return Pace{TTFT: max(p.TTFT, 0), PerToken: max(p.PerToken, 0)}
}

// due returns when the output token with index slot (0-based, counted over
// the whole answer) is due for a request that arrived at start.
func (p Pace) due(start time.Time, slot int) time.Time {
	return start.Add(p.TTFT + time.Duration(slot)*p.PerToken)
}

// EventObserver is told about every SSE frame right after it was flushed to
// the client: the request id, the frame's 0-based sequence number in its
// stream, its kind (KindRole, KindContent, …) and when the flush returned.
// Self-calibration compares these true send times with what the harness
// measured on the other end of the socket. It runs on the stream's hot path
// with the stream locked, so it must be fast and must not block.
type EventObserver func(requestID string, seq int, kind string, at time.Time)

// Config configures a Server. The zero value is usable: it serves the sim
// as DefaultModel at DefaultPace, answering the embedded smoke suite.
type Config struct {
	// Model is the model id served and echoed in every response; default
	// the first of Models, else DefaultModel. Requests may name any model: the baseline is a single
	// model and answers as itself.
	Model string
	// Pace is the sim's timing. The zero Pace means DefaultPace(); negative
	// fields mean zero (see Unpaced). Requests can override it through
	// metadata.sim_pace_ttft_ms and metadata.sim_pace_token_ms.
	Pace Pace
	// Suites are the oracle: tasks whose messages the sim recognises and
	// answers with their reference. nil loads the embedded "smoke" suite; an
	// empty non-nil slice disables the oracle.
	Suites []*suites.Suite
	// KeepAlive is the longest a stream stays silent before a ": ping"
	// comment is sent; default DefaultKeepAlive; negative disables keep-alives.
	KeepAlive time.Duration
	// KeepAliveLineOnly sends keep-alives as ": ping\n", without the blank
	// line of the contract's ": ping\n\n", as the gateway's option of the
	// same name: spec-compliant readers treat both alike, but openai-go up
	// to v1.12 (and older openai-python) dispatch an empty event at every
	// blank line and fail to decode it, killing any stream that receives a
	// keep-alive.
	KeepAliveLineOnly bool
	// Seed makes the sim's answers to unknown prompts and its tool call ids
	// differ between deployments while staying reproducible.
	Seed uint64
	// Observer, if set, sees the true send time of every streamed frame.
	Observer EventObserver
	// Logger receives request and lifecycle logs; nil discards them.
	Logger *slog.Logger
	// Provider answers the requests; nil means the sim built from Pace,
	// Suites, Seed and the profile fields below.
	Provider Provider
	// Profile makes the sim misbehave in one known way (ProfileSlow,
	// ProfileNoisy, …; see Profiles), so that scores can be checked against
	// a known ranking. Empty means ProfileOracle. A request picks its own
	// with metadata.sim_profile.
	Profile string
	// TimeScale multiplies the profiles' built-in delays (slow's 3 s first
	// token, stall's 3 s silence) so tests can run them in a fraction of
	// the time; 0 means 1. metadata.sim_time_scale overrides it per request.
	TimeScale float64
	// NoisyShare is the share of each suite's tasks ProfileNoisy answers
	// wrongly; 0 means DefaultNoisyShare.
	NoisyShare float64

	// Jangar mode and thread memory (jangar.go).

	// StreamingOnly rejects non-streamed requests with a 400, as Jangar does.
	StreamingOnly bool
	// Models are the model ids served, Model first; when set, a request
	// naming any other model gets a 404. Empty means any model is answered.
	Models []string
	// DataDir is a Jan-style data dir (see baseline/janstore): models,
	// assistants ("model": "assistant:<id>") and threads, with its API
	// under /v1/assistants and /v1/threads. Empty means none.
	DataDir string
	// Threads keeps the conversations that requests name with the
	// x-openwebui-chat-id or X-Janus-Thread-Id header. nil means the file
	// store in DataDir, or ThreadStore's choice, or no thread memory.
	Threads threads.Store
	// ThreadStore picks the thread memory when Threads is nil: "file" (the
	// DataDir's; the default without a RedisURL) or "redis" (RedisURL, keys under
	// ThreadKeyPrefix, default threads.DefaultKeyPrefix). A Server that
	// opened Redis closes it when it stops (Start's stop, Serve, Close).
	ThreadStore     string
	RedisURL        string
	ThreadKeyPrefix string
	// ProviderName picks the brain when Provider is nil: ProviderSim (the
	// default) or ProviderOpenAI, which calls Upstream (probing local
	// servers when Upstream.URL is empty, falling back to the sim with a
	// warning when none answers).
	ProviderName string
	// Upstream configures ProviderOpenAI.
	Upstream UpstreamConfig
	// Tools is the agent path's tool box; nil means agenttools.Default().
	Tools *agenttools.Registry
	// Corpus serves the search and fetch tools; nil means search.Default().
	Corpus *search.Corpus
	// Prices prices usage (cost_usd, sandbox seconds); nil means the sim's
	// documented rates for the sim and pricing.DefaultPrices() upstream.
	Prices *pricing.Prices
	// MaxAgentSteps bounds the tool loop; 0 means DefaultMaxAgentSteps.
	MaxAgentSteps int
	// ArtifactTTL is how long tool outputs stay downloadable; 0 means
	// DefaultArtifactTTL.
	ArtifactTTL time.Duration
	// Image is the image model generation_flags.generate_image uses; nil
	// means the baseline draws a deterministic picture itself (flags.go).
	Image *ImageProvider
	// MemoryURL is a memory service (janus memory): requests that name a
	// user (HeaderUserID or the body's "user") get that user's relevant
	// memories in a system message, and each finished turn is sent for
	// extraction in the background (memory.go). Empty disables.
	MemoryURL string
	// MemoryRecallTimeout bounds the recall before an answer; default
	// DefaultMemoryRecallTimeout.
	MemoryRecallTimeout time.Duration
	// MemoryMaxInFlight bounds the extractions running in the background
	// (past it a turn's extraction is skipped and logged); default
	// DefaultMemoryMaxInFlight.
	MemoryMaxInFlight int
	// MaxConcurrency, when positive, runs at most that many chat
	// completions at once and queues the rest (limit.go), so load sweeps
	// have a known capacity to find.
	MaxConcurrency int
	// ReadHeaderTimeout bounds reading a request's headers (a partial
	// head past it is answered 408) and BodyReadTimeout reading its body
	// (408); 0 means httpguard's defaults, 10 s and 1 min, as the gateway.
	ReadHeaderTimeout time.Duration
	BodyReadTimeout   time.Duration
	// ThreadLimits bound a stored thread (message and thread size, the
	// window of history loaded per turn); zero fields are the defaults.
	ThreadLimits threads.Limits
	// EnableCodeTool offers the run_code tool (model-written code run in
	// the sandbox, internal/sandbox) on the agent path. Off by default:
	// any user who can chat could otherwise run code on this host.
	// Ignored when Tools is set.
	EnableCodeTool bool
	// APIKeysFile, when set, lists the keys clients must present (as the
	// gateway's --api-keys: one per line, clear or sha256:<hex>) for
	// everything but /health.
	APIKeysFile string
}
