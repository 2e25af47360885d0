package baseline

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/baseline/janstore"
	"github.com/janus-bench/janus/baseline/threads"
	"github.com/janus-bench/janus/internal/wire"
)

// AssistantPrefix marks a request model that names an assistant of the data
// dir ("assistant:homework-helper") rather than a model.
const AssistantPrefix = "assistant:"

// persistTimeout bounds saving a finished turn. The save runs even when the
// client has just gone away: the answer was complete, so it is kept.
const persistTimeout = 10 * time.Second

// jangar is the baseline's Jangar mode and thread memory: the streaming-only
// switch, the served model list, the Jan-style data dir and the thread store.
// Its zero features (no list, no store) leave requests exactly as they were.
type jangar struct {
	// def is the default model (Config.Model), always served.
	def           string
	streamingOnly bool
	models        []string
	jan           *janstore.Store
	store         threads.Store
	limits        threads.Limits
	// upstream are the openai provider's upstream models, served by name
	// whatever the list or the data dir says.
	upstream map[string]bool
	// closer is the store when the server opened it itself.
	closer interface{ Close() error }
	log    *slog.Logger
}

// close releases what newJangar opened.
func (j *jangar) close() error {
	if j.closer == nil {
		return nil
	}
	err := j.closer.Close()
	j.closer = nil
	return err
}

// Thread store kinds of Config.ThreadStore.
const (
	ThreadStoreFile  = "file"
	ThreadStoreRedis = "redis"
)

// redisDialTimeout bounds connecting to Redis at start-up.
const redisDialTimeout = 10 * time.Second

// ConfigError is a Jangar-mode setting that cannot work (an unknown thread
// store, Redis without a URL): a usage error, not a runtime failure.
type ConfigError struct {
	Field string
	Msg   string
}

// Error implements error.
func (e *ConfigError) Error() string { return e.Field + ": " + e.Msg }

// newJangar opens the data dir and picks the thread store: cfg.Threads when
// set, else Redis when asked for, else the file store in the data dir.
func newJangar(cfg Config) (*jangar, error) {
	j := &jangar{def: cfg.Model, streamingOnly: cfg.StreamingOnly, log: cfg.Logger, store: cfg.Threads,
		limits: cfg.ThreadLimits.WithDefaults()}
	if cfg.Threads == nil {
		kind := cfg.ThreadStore
		if kind == "" && cfg.RedisURL != "" {
			kind = ThreadStoreRedis
		}
		switch kind {
		case "", ThreadStoreFile:
			if cfg.ThreadStore == ThreadStoreFile && cfg.DataDir == "" {
				return nil, &ConfigError{Field: "thread store", Msg: "the file store needs a data dir (--data)"}
			}
		case ThreadStoreRedis:
			if cfg.RedisURL == "" {
				return nil, &ConfigError{Field: "thread store", Msg: "the redis store needs a URL (--redis redis://host:6379/0)"}
			}
			ctx, cancel := context.WithTimeout(context.Background(), redisDialTimeout)
			defer cancel()
			rs, err := threads.NewRedisStore(ctx, cfg.RedisURL, cfg.ThreadKeyPrefix)
			if err != nil {
				return nil, err
			}
			j.store, j.closer = rs, rs
		default:
			return nil, &ConfigError{Field: "thread store", Msg: fmt.Sprintf("unknown thread store %q (want %s or %s)",
				cfg.ThreadStore, ThreadStoreFile, ThreadStoreRedis)}
		}
	}
	for _, m := range append([]string{cfg.Model}, cfg.Models...) {
		if m = strings.TrimSpace(m); m != "" && !slices.Contains(j.models, m) {
			j.models = append(j.models, m)
		}
	}
	if len(cfg.Models) == 0 {
		// Without a list the baseline answers any model as itself (the
		// benchmark's rule); only the data dir's models are then enforced.
		j.models = j.models[:0]
	}
	if cfg.DataDir != "" {
		st, err := janstore.Open(cfg.DataDir)
		if err != nil {
			_ = j.close()
			return nil, err
		}
		j.jan = st
		if j.store == nil {
			j.store = st
		}
	}
	return j, nil
}

// register adds the data dir's API, if there is a data dir.
func (j *jangar) register(mux *http.ServeMux) {
	if j.jan != nil {
		janstore.NewAPI(j.jan, j.log).Register(mux)
	}
}

// features lists what /health should advertise.
func (j *jangar) features() []string {
	var f []string
	if j.streamingOnly {
		f = append(f, "streaming_only")
	}
	if j.store != nil {
		f = append(f, "threads", "threads_"+j.store.Name())
	}
	if j.jan != nil {
		f = append(f, "assistants")
	}
	return f
}

// modelIDs are the ids GET /v1/models lists after the default model: the
// configured list, the data dir's models and its assistants.
func (j *jangar) modelIDs(ctx context.Context) []string {
	ids := slices.Clone(j.models)
	if j.jan == nil {
		return ids
	}
	if ms, err := j.jan.Models(ctx); err == nil {
		ids = append(ids, ms...)
	} else {
		j.log.LogAttrs(ctx, slog.LevelWarn, "list data dir models", slog.Any("error", err))
	}
	if as, err := j.jan.Assistants(ctx); err == nil {
		for _, a := range as {
			ids = append(ids, AssistantPrefix+a.ID)
		}
	} else {
		j.log.LogAttrs(ctx, slog.LevelWarn, "list data dir assistants", slog.Any("error", err))
	}
	return ids
}

// knownModel reports whether a plain model may be used: anything when no
// list is configured and the data dir has no models, else a listed model.
func (j *jangar) knownModel(ctx context.Context, id string) bool {
	if id == j.def || slices.Contains(j.models, id) || j.upstream[id] {
		return true
	}
	if j.jan != nil && j.jan.HasModel(id) {
		return true
	}
	if len(j.models) > 0 {
		return false
	}
	if j.jan != nil {
		if ms, err := j.jan.Models(ctx); err == nil && len(ms) > 0 {
			return false
		}
	}
	return true
}

// fileModel reports whether id is a model of the data dir (a
// models/<id>/model.json).
func (j *jangar) fileModel(id string) bool {
	return j.jan != nil && id != "" && j.jan.HasModel(id)
}

// servesModel reports whether GET /v1/models/{model} knows id: the
// default model or anything GET /v1/models lists.
func (j *jangar) servesModel(ctx context.Context, id string) bool {
	return id == j.def || slices.Contains(j.modelIDs(ctx), id)
}

// turn is what a chat request needs to be remembered after it is answered.
type turn struct {
	store       threads.Store
	maxBytes    int64
	threadID    string
	assistantID string
	model       string
	// fresh are the request's messages the thread does not have yet.
	fresh []openai.ChatCompletionMessage
	// keep is how many stored messages the request continues from when it
	// rewrites the thread (a regenerated or edited turn), -1 to append.
	keep int
}

// prepare applies Jangar mode to a decoded request before the provider sees
// it: the streaming-only rule, the model or assistant named, the effective
// settings (model < assistant < thread) and the stored history. It returns
// the turn to remember, nil when the request names no thread.
func (j *jangar) prepare(ctx context.Context, r *http.Request, chat *wire.ChatRequest) (*turn, *RequestError) {
	if j.streamingOnly && !chat.Stream {
		return nil, badRequest("stream", `this server is streaming-only: set "stream": true`)
	}
	tid, err := threads.IDFromHeaders(r.Header.Get)
	if err != nil {
		return nil, badRequest("", "%v", err)
	}
	reqAsst, isAsst := strings.CutPrefix(chat.Model, AssistantPrefix)
	if !isAsst {
		reqAsst = ""
	}
	if isAsst && j.jan == nil {
		return nil, notFound("model", "model %q names an assistant, but this server has no data dir (--data)", chat.Model)
	}
	if !isAsst && !j.knownModel(ctx, chat.Model) {
		return nil, notFound("model", "the model %q does not exist; GET /v1/models lists the models served", chat.Model)
	}
	var th *threads.Thread
	if tid != "" && j.store != nil {
		if th, err = j.store.LoadWindow(ctx, tid, j.limits.Window); err != nil {
			return nil, storeRequestError(err)
		}
	}
	asst := reqAsst
	if th != nil {
		switch {
		case th.Locked() && isAsst && reqAsst != th.AssistantID:
			return nil, storeRequestError(&threads.LockedError{ThreadID: tid, Bound: th.AssistantID, Requested: reqAsst})
		case !isAsst && th.AssistantID != "":
			// A thread with an assistant talks to it whatever plain model
			// the client sends (OpenWebUI always sends one).
			asst = th.AssistantID
		}
	}
	if j.jan != nil {
		if rerr := j.applyLayers(ctx, chat, isAsst, asst, tid, th); rerr != nil {
			return nil, rerr
		}
	}
	if th == nil {
		return nil, nil
	}
	if j.jan != nil {
		attachMessageFiles(j.jan, th.Messages)
	}
	t := &turn{store: j.store, maxBytes: j.limits.MaxThreadBytes, threadID: tid, assistantID: asst, model: chat.Model}
	chat.Messages, t.fresh, t.keep = withHistory(chat.Messages, th.Messages, th.Total)
	if rerr := j.checkSize(th, t.fresh); rerr != nil {
		return nil, rerr
	}
	return t, nil
}

// applyLayers applies the effective settings (model < assistant <
// thread) to chat. An assistant deleted under its thread leaves the
// thread read-only (409); an unknown model or assistant is a 404.
func (j *jangar) applyLayers(ctx context.Context, chat *wire.ChatRequest, isAsst bool, asst, tid string, th *threads.Thread) *RequestError {
	// The model used unless a layer names one: the request's plain
	// model, or the default model for a request naming an assistant.
	fallback := chat.Model
	if isAsst {
		fallback = j.def
	}
	settings, err := j.jan.Resolve(ctx, fallback, asst, tid)
	if err != nil {
		if errors.Is(err, janstore.ErrNotFound) && th != nil && asst != "" && th.AssistantID == asst {
			return &RequestError{Status: http.StatusConflict, Type: "invalid_request_error", Param: "model",
				Message: fmt.Sprintf("assistant %q was deleted; thread %q is read-only", asst, tid)}
		}
		if errors.Is(err, janstore.ErrNotFound) {
			return notFound("model", "%v", err)
		}
		return storeRequestError(err)
	}
	applySettings(chat, settings)
	return nil
}

// checkSize refuses with 413 a turn whose new messages are too large to
// store, one by one or together with the thread and room for the reply
// (one message of the per-message limit), before any work is done, so a
// turn is not answered and then lost for want of room.
func (j *jangar) checkSize(th *threads.Thread, fresh []openai.ChatCompletionMessage) *RequestError {
	var adding int64
	for _, m := range fresh {
		b, err := threads.MarshalLine(threads.FromChat(m))
		if err != nil {
			return badRequest("messages", "a message cannot be stored: %v", err)
		}
		if n := int64(len(b)); n > j.limits.MaxMessageBytes {
			return &RequestError{Status: http.StatusRequestEntityTooLarge, Type: "invalid_request_error", Param: "messages",
				Message: fmt.Sprintf("a %s message of %d bytes is larger than the %d bytes a thread stores per message", m.Role, n, j.limits.MaxMessageBytes)}
		}
		adding += int64(len(b))
	}
	if th.Bytes+adding+j.limits.MaxMessageBytes > j.limits.MaxThreadBytes {
		return storeRequestError(&threads.FullError{ThreadID: th.ID, Bytes: th.Bytes,
			Adding: adding + j.limits.MaxMessageBytes, Max: j.limits.MaxThreadBytes})
	}
	return nil
}

// applySettings fills what the request leaves unset from the effective
// settings; what the request says explicitly wins, being the most specific
// layer of all.
func applySettings(chat *wire.ChatRequest, s janstore.Settings) {
	if s.Model != "" {
		chat.Model = s.Model
	}
	if chat.Temperature == nil && s.Temperature != nil {
		chat.Temperature = new(*s.Temperature)
	}
	if chat.TopP == nil && s.TopP != nil {
		chat.TopP = new(*s.TopP)
	}
	if chat.MaxTokens == nil && s.MaxTokens != nil {
		chat.MaxTokens = new(*s.MaxTokens)
	}
	if s.SystemPrompt != "" && !slices.ContainsFunc(chat.Messages, isSystem) {
		chat.Messages = append([]openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleSystem,
			Content: s.SystemPrompt}}, chat.Messages...)
	}
	if len(s.Files) > 0 {
		// After the system prompt: withHistory keeps system messages first,
		// in order.
		at := 0
		for at < len(chat.Messages) && isSystem(chat.Messages[at]) {
			at++
		}
		chat.Messages = slices.Insert(chat.Messages, at, openai.ChatCompletionMessage{
			Role: openai.ChatMessageRoleSystem, Content: filesText(s.Files)})
	}
}

// attachMessageFiles gives each stored message that names files (Jan's
// message.files) their text as extra text parts, read from the data dir.
// The newest messages go first, so when the turn's files together exceed
// janstore.MaxFilesBytes it is the oldest that are skipped.
func attachMessageFiles(jan *janstore.Store, hist []threads.Message) {
	room := janstore.MaxFilesBytes
	for i := len(hist) - 1; i >= 0; i-- {
		if len(hist[i].Files) > 0 {
			files, used := jan.MessageFiles(hist[i].Files, room)
			hist[i].FileParts, room = fileParts(files), room-used
		}
	}
}

// filesText renders an assistant's files as one system message text (a
// plain string: every provider takes that for a system message).
func filesText(files []janstore.AttachedFile) string {
	var b strings.Builder
	b.WriteString("The assistant's files:")
	for _, f := range files {
		b.WriteString("\n\n")
		b.WriteString(f.Part())
	}
	return b.String()
}

// fileParts renders a message's attached files as text parts.
func fileParts(files []janstore.AttachedFile) []openai.ChatMessagePart {
	parts := make([]openai.ChatMessagePart, 0, len(files))
	for _, f := range files {
		parts = append(parts, openai.ChatMessagePart{Type: openai.ChatMessagePartTypeText, Text: f.Part()})
	}
	return parts
}

func isSystem(m openai.ChatCompletionMessage) bool {
	return m.Role == openai.ChatMessageRoleSystem || m.Role == openai.ChatMessageRoleDeveloper
}

// withHistory builds the conversation the provider sees: the request's
// system messages, the stored history, then the request's new messages.
// A client that sends the whole conversation anyway (its messages start
// with the stored history) is not doubled: only what follows is new. hist
// is the window of the latest stored messages, total how many there are.
// A client that sends the history only up to an earlier point (it
// regenerates the last answer, or edits a turn) continues from there:
// keep is that point, and the stored messages after it are not sent
// (and are replaced when the turn is saved); keep is -1 otherwise.
// System messages are never stored; they come with each request or from
// the settings.
func withHistory(msgs []openai.ChatCompletionMessage, hist []threads.Message, total int) (all, fresh []openai.ChatCompletionMessage, keep int) {
	var sys, rest []openai.ChatCompletionMessage
	for _, m := range msgs {
		if isSystem(m) {
			sys = append(sys, m)
		} else {
			rest = append(rest, m)
		}
	}
	// The window starts at stored message skip: the request repeats the
	// thread when its messages from skip on match the window.
	total = max(total, len(hist))
	skip, k := total-len(hist), 0
	for skip+k < len(rest) && k < len(hist) && sameMessage(rest[skip+k], hist[k]) {
		k++
	}
	keep, fresh, base := -1, rest, hist
	switch {
	case len(hist) > 0 && k == len(hist):
		fresh = rest[skip+k:]
	case k > 0:
		// The request shares the thread's first skip+k messages and then
		// stops or goes elsewhere: a regenerate or an edit, not a new turn.
		keep, fresh, base = skip+k, rest[skip+k:], hist[:k]
	}
	all = make([]openai.ChatCompletionMessage, 0, len(sys)+len(base)+len(fresh))
	all = append(all, sys...)
	for _, h := range base {
		all = append(all, h.Chat())
	}
	return append(all, fresh...), fresh, keep
}

// sameMessage compares a request message with a stored one by what a
// client resends: role, text and tool call id.
func sameMessage(m openai.ChatCompletionMessage, h threads.Message) bool {
	h.FileParts = nil // a client resends the message, not its files' text
	return m.Role == h.Role && wire.TextOf(m) == wire.TextOf(h.Chat()) && m.ToolCallID == h.ToolCallID
}

// wrap makes gen remember the turn once it has been answered in full.
func (t *turn) wrap(gen Generation) Generation {
	if t == nil {
		return gen
	}
	return &threadGeneration{inner: gen, turn: t}
}

// threadGeneration records a generation's output and, when it ends without
// error, appends the request's new messages and the reply to the thread.
// A failed save fails the turn (an error chunk instead of [DONE]), so the
// client learns that the thread did not keep it.
type threadGeneration struct {
	inner Generation
	turn  *turn
}

// Unwrap returns the wrapped generation.
func (g *threadGeneration) Unwrap() Generation { return g.inner }

// Run implements Generation.
func (g *threadGeneration) Run(ctx context.Context, sink Sink) (Outcome, error) {
	rec := &collector{}
	out, err := g.inner.Run(ctx, teeSink{sink, rec})
	if err != nil {
		return out, err
	}
	t := g.turn
	now := time.Now().Unix()
	msgs := make([]threads.Message, 0, len(t.fresh)+1)
	for _, m := range t.fresh {
		sm := threads.FromChat(m)
		msgs = append(msgs, sm)
	}
	reply := threads.Message{Role: openai.ChatMessageRoleAssistant, Content: rec.content.String(),
		ReasoningContent: rec.reasoning.String(), ToolCalls: rec.calls, AssistantID: t.assistantID, Model: t.model}
	msgs = append(msgs, reply)
	for i := range msgs {
		msgs[i].ID, msgs[i].Object, msgs[i].CreatedAt, msgs[i].ThreadID =
			"msg_"+strings.ToLower(rand.Text()), threads.ObjectMessage, now, t.threadID
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), persistTimeout)
	defer cancel()
	save := func() error { return t.store.AppendCapped(sctx, t.threadID, t.assistantID, msgs, t.maxBytes) }
	if t.keep >= 0 {
		save = func() error { return t.store.Branch(sctx, t.threadID, t.assistantID, t.keep, msgs) }
	}
	if err := save(); err != nil {
		return out, fmt.Errorf("save the turn to thread %s: %w", t.threadID, err)
	}
	return out, nil
}

// teeSink passes events on and records them.
type teeSink struct {
	Sink
	rec *collector
}

// Emit implements Sink.
func (s teeSink) Emit(ctx context.Context, ev Event) error {
	if err := s.Sink.Emit(ctx, ev); err != nil {
		return err
	}
	return s.rec.Emit(ctx, ev)
}

// notFound is a 404 model_not_found naming param.
func notFound(param, format string, args ...any) *RequestError {
	return &RequestError{Status: http.StatusNotFound, Type: "invalid_request_error", Param: param,
		Code: "model_not_found", Message: fmt.Sprintf(format, args...)}
}

// storeRequestError maps a thread or data store failure to a response.
func storeRequestError(err error) *RequestError {
	status, typ, _ := janstore.StatusOf(err)
	if status == 499 {
		status = http.StatusServiceUnavailable
	}
	var fe *threads.FullError
	if errors.As(err, &fe) {
		return &RequestError{Status: http.StatusRequestEntityTooLarge, Type: "invalid_request_error", Param: "messages", Message: err.Error()}
	}
	param := ""
	var le *threads.LockedError
	if errors.As(err, &le) {
		param = "model"
	}
	return &RequestError{Status: status, Type: typ, Param: param, Message: err.Error()}
}

// JangarChatPath is Jangar's chat route, served besides /v1/chat/completions.
const JangarChatPath = "/openai/v1/chat/completions"

// Jangar's environment variables (jangar-readme.md), read in Jangar mode
// (janus baseline --jangar) for every setting no flag set.
const (
	EnvJangarModels        = "JANGAR_MODELS"
	EnvJangarDefaultModel  = "JANGAR_DEFAULT_MODEL"
	EnvJangarRedisURL      = "JANGAR_REDIS_URL"
	EnvJangarChatKeyPrefix = "JANGAR_CHAT_KEY_PREFIX"
)

// ApplyJangarEnv fills cfg from Jangar's environment variables, skipping
// each setting whose flag isSet says was given (flags win). Jangar mode is
// streaming-only, as Jangar is, unless the streaming-only flag was given.
// The key prefix defaults to Jangar's, threads.DefaultKeyPrefix.
func ApplyJangarEnv(cfg *Config, getenv func(string) string, isSet func(flag string) bool) {
	if !isSet("streaming-only") {
		cfg.StreamingOnly = true
	}
	if v := strings.TrimSpace(getenv(EnvJangarModels)); v != "" && !isSet("models") {
		cfg.Models = nil
		for _, m := range strings.Split(v, ",") {
			if m = strings.TrimSpace(m); m != "" {
				cfg.Models = append(cfg.Models, m)
			}
		}
		if !isSet("model") {
			cfg.Model = ""
		}
	}
	if v := strings.TrimSpace(getenv(EnvJangarDefaultModel)); v != "" && !isSet("model") {
		cfg.Model = v
	}
	if v := strings.TrimSpace(getenv(EnvJangarRedisURL)); v != "" && !isSet("redis") {
		cfg.RedisURL = v
	}
	if v := strings.TrimSpace(getenv(EnvJangarChatKeyPrefix)); v != "" && !isSet("thread-key-prefix") {
		cfg.ThreadKeyPrefix = v
	}
	if cfg.ThreadKeyPrefix == "" {
		cfg.ThreadKeyPrefix = threads.DefaultKeyPrefix
	}
}
