// Package chat is the chat and arena pages of `janus serve`: a page that
// talks to any competitor through a configured gateway (streamed answers,
// reasoning traces, janus events, artifacts, image input), conversations
// kept per signed-in user, and the arena (two anonymous answers, a vote).
//
// The browser never talks to the gateway: every call goes through this
// package's same-origin routes, which reach only the configured gateway's
// fixed paths, cap bodies and times, and cancel the upstream request when
// the page stops. Who is signed in and the CSRF check are injected
// (Options.User, Options.CSRF), so the package works with any session.
package chat

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

//go:embed static
var staticFS embed.FS

// Defaults of Options.
const (
	DefaultPrefix        = "/chat"
	DefaultMaxBody       = 40 << 20
	DefaultStreamTimeout = 10 * time.Minute
	DefaultMaxStream     = 64 << 20
	DefaultMaxArtifact   = 64 << 20
)

// CSRF is the session's cross-site request forgery protection: Token is
// put in the page (it may set the cookie it derives from, hence the
// ResponseWriter), and Check must accept every state-changing request
// (the page sends the token in the X-CSRF-Token header).
type CSRF struct {
	Token func(http.ResponseWriter, *http.Request) string
	Check func(*http.Request) bool
}

// Options configures the chat pages.
type Options struct {
	// Gateway is the base URL of the janus gateway (http://host:port); the
	// pages reach only its /v1/models, /v1/chat/completions(/arena),
	// /v1/arena/vote and /v1/artifacts/{id}.
	Gateway string
	// GatewayKey, if set, is sent to the gateway as a bearer token.
	GatewayKey string
	// User names who is signed in; requests without a user are refused
	// (pages redirect to SignInURL when set).
	User func(*http.Request) (user string, ok bool)
	// CSRF guards every POST, PUT and DELETE.
	CSRF CSRF
	// SignInURL is where a page sends a visitor who is not signed in.
	SignInURL string
	// Prefix is where the pages are mounted; default DefaultPrefix.
	Prefix string
	// MaxBody bounds a request body from the page; default DefaultMaxBody.
	MaxBody int64
	// MaxImageBytes bounds one attached image; default DefaultMaxImageBytes.
	MaxImageBytes int
	// StreamTimeout bounds one answer; default DefaultStreamTimeout.
	StreamTimeout time.Duration
	// MaxStream bounds the bytes relayed for one answer; MaxArtifact one
	// artifact download.
	MaxStream, MaxArtifact int64
	// VotesPerHour caps the votes one user casts (behind this proxy the
	// gateway sees one address for everyone, so the cap is kept here too);
	// default 50, the gateway's own.
	VotesPerHour int
	// Client reaches the gateway; nil means a client with connect and
	// header timeouts and no overall timeout (answers stream).
	Client *http.Client
	// Logger receives proxy errors; nil discards them.
	Logger *slog.Logger
}

// Handler serves the pages and their API.
type Handler struct {
	opts  Options
	base  *url.URL
	st    *Store
	mux   *http.ServeMux
	page  *template.Template
	log   *slog.Logger
	arena *arenaBook
}

// New checks opts and builds the handler over st.
func New(opts Options, st *Store) (*Handler, error) {
	if opts.User == nil || opts.CSRF.Token == nil || opts.CSRF.Check == nil {
		return nil, errors.New("chat: Options.User, CSRF.Token and CSRF.Check are required")
	}
	if st == nil {
		return nil, errors.New("chat: a store is required")
	}
	u, err := url.Parse(strings.TrimSuffix(opts.Gateway, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("chat: --gateway %q: want an http(s) base URL such as http://127.0.0.1:8000", opts.Gateway)
	}
	u.Path = strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), "/v1")
	opts.defaults()
	h := &Handler{opts: opts, base: u, st: st, mux: http.NewServeMux(), log: opts.Logger,
		arena: newArenaBook(opts.VotesPerHour)}
	h.page, err = template.ParseFS(staticFS, "static/page.html")
	if err != nil {
		return nil, fmt.Errorf("chat: page template: %w", err)
	}
	h.routes()
	return h, nil
}

func (o *Options) defaults() {
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	o.Prefix = "/" + strings.Trim(o.Prefix, "/")
	if o.MaxBody <= 0 {
		o.MaxBody = DefaultMaxBody
	}
	if o.MaxImageBytes <= 0 {
		o.MaxImageBytes = DefaultMaxImageBytes
	}
	if o.StreamTimeout <= 0 {
		o.StreamTimeout = DefaultStreamTimeout
	}
	if o.MaxStream <= 0 {
		o.MaxStream = DefaultMaxStream
	}
	if o.MaxArtifact <= 0 {
		o.MaxArtifact = DefaultMaxArtifact
	}
	if o.VotesPerHour <= 0 {
		o.VotesPerHour = 50
	}
	if o.Client == nil {
		o.Client = defaultClient()
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// Prefix is the path the handler serves under (Options.Prefix).
func (h *Handler) Prefix() string { return h.opts.Prefix }

// ServeHTTP implements http.Handler; mount it at Prefix and Prefix+"/".
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("X-Frame-Options", "DENY")
	h.mux.ServeHTTP(w, r)
}

// Mount adds the handler to a mux-like router (service.Server.Handle).
func (h *Handler) Mount(handle func(pattern string, h http.Handler)) {
	handle(h.opts.Prefix, h)
	handle(h.opts.Prefix+"/", h)
}

func (h *Handler) routes() {
	p := h.opts.Prefix
	static, _ := fs.Sub(staticFS, "static")
	h.mux.Handle("GET "+p+"/static/", http.StripPrefix(p+"/static/", http.FileServer(http.FS(static))))
	h.mux.HandleFunc("GET "+p+"/{$}", h.pageHandler("chat"))
	h.mux.HandleFunc("GET "+p, h.pageHandler("chat"))
	h.mux.HandleFunc("GET "+p+"/arena", h.pageHandler("arena"))
	h.mux.HandleFunc("GET "+p+"/api/models", h.signedIn(h.models))
	h.mux.HandleFunc("POST "+p+"/api/completions", h.changing(h.completions))
	h.mux.HandleFunc("POST "+p+"/api/arena", h.changing(h.arenaRound))
	h.mux.HandleFunc("POST "+p+"/api/vote", h.changing(h.vote))
	h.mux.HandleFunc("GET "+p+"/api/artifacts/{id}", h.signedIn(h.artifact))
	h.mux.HandleFunc("GET "+p+"/api/conversations", h.signedIn(h.listConversations))
	h.mux.HandleFunc("POST "+p+"/api/conversations", h.changing(h.createConversation))
	h.mux.HandleFunc("GET "+p+"/api/conversations/{id}", h.signedIn(h.getConversation))
	h.mux.HandleFunc("PUT "+p+"/api/conversations/{id}", h.changing(h.updateConversation))
	h.mux.HandleFunc("DELETE "+p+"/api/conversations/{id}", h.changing(h.deleteConversation))
}

// pageCSP keeps the page's own script the only script: model text can
// never run even if a renderer bug let markup through.
const pageCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// pageData fills page.html.
type pageData struct {
	Mode, User, CSRF, Prefix string
}

func (h *Handler) pageHandler(mode string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		user, ok := h.opts.User(r)
		if !ok {
			if h.opts.SignInURL != "" {
				http.Redirect(w, r, h.opts.SignInURL+"?next="+url.QueryEscape(r.URL.Path), http.StatusSeeOther)
				return
			}
			http.Error(w, "sign in to use the chat", http.StatusUnauthorized)
			return
		}
		var buf bytes.Buffer
		if err := h.page.Execute(&buf, pageData{Mode: mode, User: user, CSRF: h.opts.CSRF.Token(w, r), Prefix: h.opts.Prefix}); err != nil {
			http.Error(w, "could not render the page", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Security-Policy", pageCSP)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(buf.Bytes())
	}
}

// userHandler is a handler for a signed-in user.
type userHandler func(w http.ResponseWriter, r *http.Request, user string)

// signedIn refuses requests without a user.
func (h *Handler) signedIn(next userHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		user, ok := h.opts.User(r)
		if !ok {
			writeErr(w, http.StatusUnauthorized, "not_signed_in", "sign in to use the chat")
			return
		}
		next(w, r, user)
	}
}

// changing is signedIn plus the CSRF check and the body cap.
func (h *Handler) changing(next userHandler) http.HandlerFunc {
	return h.signedIn(func(w http.ResponseWriter, r *http.Request, user string) {
		if !h.opts.CSRF.Check(r) {
			writeErr(w, http.StatusForbidden, "csrf", "the page's security token is missing or stale; reload the page")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, h.opts.MaxBody)
		next(w, r, user)
	})
}

// arenaBook remembers which user started which arena prompt (only they
// may vote on it) and caps each user's votes per hour. It is bounded: the
// oldest prompts are forgotten first.
type arenaBook struct {
	mu      sync.Mutex
	owner   map[string]string
	order   []string
	votes   map[string][]time.Time
	perHour int
	now     func() time.Time
}

// maxArenaPrompts bounds the prompts the book remembers.
const maxArenaPrompts = 10000

func newArenaBook(perHour int) *arenaBook {
	return &arenaBook{owner: map[string]string{}, votes: map[string][]time.Time{}, perHour: perHour, now: time.Now}
}

func (b *arenaBook) add(prompt, user string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.order) >= maxArenaPrompts {
		delete(b.owner, b.order[0])
		b.order = b.order[1:]
	}
	b.owner[prompt] = user
	b.order = append(b.order, prompt)
}

// allow says whether user may vote on prompt now.
func (b *arenaBook) allow(prompt, user string) (ok bool, msg string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.owner[prompt] != user {
		return false, "you can only vote on an arena round you started here"
	}
	now := b.now()
	recent := b.votes[user][:0]
	for _, t := range b.votes[user] {
		if now.Sub(t) < time.Hour {
			recent = append(recent, t)
		}
	}
	if len(recent) >= b.perHour {
		b.votes[user] = recent
		return false, fmt.Sprintf("you have voted %d times in the last hour, the most allowed; thank you — try again later", len(recent))
	}
	b.votes[user] = recent
	return true, ""
}

// voted counts a vote the gateway recorded.
func (b *arenaBook) voted(user string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.votes[user] = append(b.votes[user], b.now())
}
