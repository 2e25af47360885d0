// Package web is janus's browser front end: server-rendered pages (the
// leaderboard, a run, a task, a comparison, a competitor, the submit form)
// mounted on the scoring service's mux by Mount, so pages and API share one
// process and port. Pages are html/template over the service's store; the
// only script is a small embedded file (local times, the live run view).
//
// Everything a competitor controls (names, URLs, verdict reasons, errors)
// reaches the page through html/template's contextual escaping, and the
// Content-Security-Policy allows scripts from this origin only, so an
// injected <script> neither renders as markup nor could run.
package web

import (
	"bytes"
	"crypto/rand"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/janus-bench/janus/internal/service"
	"github.com/janus-bench/janus/leaderboard"
)

//go:embed assets templates
var files embed.FS

// Options configure the pages. Zero values mean the defaults.
type Options struct {
	// PublicRead lets visitors without a session read pages (it should
	// match the service's Config.PublicRead); otherwise every page but
	// sign-in needs one.
	PublicRead bool
	// SessionTTL is how long a sign-in lasts (default 12 h).
	SessionTTL time.Duration
	// MaxSessions bounds the sessions held in memory (default 10000); the
	// oldest goes first.
	MaxSessions int
	// Limit is how many leaderboard rows a page shows before "show all"
	// (default 100).
	Limit  int
	Logger *slog.Logger
}

// Web is the mounted front end.
type Web struct {
	srv  *service.Server
	st   *leaderboard.Store
	api  http.Handler
	o    Options
	tpl  map[string]*template.Template
	sess *Sessions
	log  *slog.Logger
}

// Mount adds the pages to srv's mux (/, /runs/…, /competitors/…,
// /compare, /submit, /signin, /assets/…) and returns the front end, whose
// Sessions a sibling UI (the chat page) can share.
func Mount(srv *service.Server, o Options) (*Web, error) {
	w, err := New(srv, o)
	if err != nil {
		return nil, err
	}
	for pattern, h := range w.routes() {
		srv.Handle(pattern, h)
	}
	return w, nil
}

// New builds the front end without mounting it (Handler serves it alone).
func New(srv *service.Server, o Options) (*Web, error) {
	if o.SessionTTL <= 0 {
		o.SessionTTL = 12 * time.Hour
	}
	if o.MaxSessions <= 0 {
		o.MaxSessions = 10000
	}
	if o.Limit <= 0 {
		o.Limit = 100
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	tpl, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	var secret [32]byte
	_, _ = rand.Read(secret[:])
	w := &Web{srv: srv, st: srv.Store(), api: srv.Handler(), o: o, tpl: tpl, log: o.Logger}
	w.sess = newSessions(srv.Store(), secret[:], o.SessionTTL, o.MaxSessions)
	return w, nil
}

// Sessions is the sign-in store the pages use.
func (w *Web) Sessions() *Sessions { return w.sess }

// Handler serves the pages alone (tests, a separate listener).
func (w *Web) Handler() http.Handler {
	mux := http.NewServeMux()
	for pattern, h := range w.routes() {
		mux.Handle(pattern, h)
	}
	return mux
}

func (w *Web) routes() map[string]http.Handler {
	assets, _ := fs.Sub(files, "assets")
	static := http.StripPrefix("/assets/", http.FileServerFS(assets))
	return map[string]http.Handler{
		"GET /{$}":                      w.page(w.leaderboardPage, true),
		"GET /runs/{id}":                w.page(w.runPage, true),
		"GET /runs/{id}/live":           w.guard(http.HandlerFunc(w.live), true),
		"GET /runs/{id}/download/{fmt}": w.guard(http.HandlerFunc(w.download), true),
		"GET /runs/{id}/tasks/{task}":   w.page(w.taskPage, true),
		"GET /compare":                  w.page(w.comparePage, true),
		"GET /competitors/{name}":       w.page(w.competitorPage, true),
		"GET /submit":                   w.page(w.submitPage, false),
		"POST /submit":                  w.guard(http.HandlerFunc(w.submitPost), false),
		"GET /signin":                   w.page(w.signinPage, false),
		"POST /signin":                  w.guard(http.HandlerFunc(w.signinPost), false),
		"POST /signout":                 w.guard(http.HandlerFunc(w.signoutPost), false),
		"GET /assets/":                  headers(static, true),
		"GET /favicon.ico":              http.RedirectHandler("/assets/icon.svg", http.StatusMovedPermanently),
	}
}

// csp allows this origin's script and style only: no inline script or
// style attribute, no plugin, no framing.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// headers sets the security headers every response of the front end has.
func headers(h http.Handler, cache bool) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		hd := rw.Header()
		hd.Set("Content-Security-Policy", csp)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("X-Frame-Options", "DENY")
		if cache {
			hd.Set("Cache-Control", "public, max-age=3600")
		} else {
			hd.Set("Cache-Control", "no-store")
		}
		h.ServeHTTP(rw, r)
	})
}

// guard adds the headers and, when reading needs a session (PublicRead
// off) or the route is not a read, sends visitors without one to sign in.
func (w *Web) guard(h http.Handler, read bool) http.Handler {
	return headers(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if read && !w.o.PublicRead {
			if _, ok := w.sess.Lookup(r); !ok {
				http.Redirect(rw, r, "/signin?next="+template.URLQueryEscaper(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
		}
		h.ServeHTTP(rw, r)
	}), false)
}

// view is what every page template gets besides its own data.
type view struct {
	Title   string
	Nav     string
	Session *Session
	CSRF    string
	Data    any
}

// pageFunc builds a page: its template name and view, or an HTTP error.
type pageFunc func(rw http.ResponseWriter, r *http.Request) (name string, v *view, err *httpError)

// httpError is a page that cannot be shown.
type httpError struct {
	Status int
	Msg    string
}

func (w *Web) page(fn pageFunc, read bool) http.Handler {
	return w.guard(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		name, v, herr := fn(rw, r)
		if herr != nil {
			w.errorPage(rw, r, herr)
			return
		}
		if name == "" {
			return // the page answered itself (a redirect)
		}
		w.render(rw, r, http.StatusOK, name, v)
	}), read)
}

func (w *Web) errorPage(rw http.ResponseWriter, r *http.Request, e *httpError) {
	if e.Status >= 500 {
		w.log.Error("web page failed", "path", r.URL.Path, "err", e.Msg)
		e = &httpError{Status: e.Status, Msg: "internal error; the server log has the details"}
	}
	w.render(rw, r, e.Status, "error", &view{Title: http.StatusText(e.Status), Data: e})
}

// render executes a page into a buffer first, so a template error becomes
// a 500 rather than half a page.
func (w *Web) render(rw http.ResponseWriter, r *http.Request, status int, name string, v *view) {
	if s, ok := w.sess.Lookup(r); ok {
		v.Session = &s
	}
	v.CSRF = w.sess.CSRFToken(rw, r)
	var b bytes.Buffer
	if err := w.tpl[name].ExecuteTemplate(&b, "layout", v); err != nil {
		w.log.Error("render page", "page", name, "err", err)
		http.Error(rw, "internal error rendering the page", http.StatusInternalServerError)
		return
	}
	rw.Header().Set("Content-Type", "text/html; charset=utf-8")
	rw.WriteHeader(status)
	_, _ = rw.Write(b.Bytes())
}

func notFound(what string) *httpError {
	return &httpError{Status: http.StatusNotFound, Msg: what + " not found"}
}

func internal(err error) *httpError {
	return &httpError{Status: http.StatusInternalServerError, Msg: err.Error()}
}
