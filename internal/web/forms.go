package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/janus-bench/janus/internal/service"
	"github.com/janus-bench/janus/leaderboard"
	"github.com/janus-bench/janus/suites"
)

// maxForm bounds a form body.
const maxForm = 64 << 10

// submitData is the submit page.
type submitData struct {
	Suites []string
	Form   service.SubmitRequest
	Error  string
}

type signinData struct {
	Next  string
	Error string
}

// checkForm parses a bounded form and checks its CSRF token; false means
// the answer (403 or 400) was written.
func (w *Web) checkForm(rw http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(rw, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		w.errorPage(rw, r, &httpError{Status: http.StatusBadRequest, Msg: "unreadable form: " + err.Error()})
		return false
	}
	if !w.sess.CheckCSRF(r) {
		w.errorPage(rw, r, &httpError{Status: http.StatusForbidden,
			Msg: "the form's CSRF token is missing or stale; reload the page and send it again"})
		return false
	}
	return true
}

func (w *Web) signinPage(_ http.ResponseWriter, r *http.Request) (string, *view, *httpError) {
	return "signin", &view{Title: "Sign in", Nav: "submit", Data: signinData{Next: localNext(r.URL.Query().Get("next"))}}, nil
}

// localNext keeps a post-sign-in redirect on this site.
func localNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/submit"
	}
	// What does not parse as a URL (a stray "%") or names a host is not
	// a path on this site either.
	if u, err := url.Parse(next); err != nil || u.Host != "" || u.Scheme != "" {
		return "/submit"
	}
	return next
}

func (w *Web) signinPost(rw http.ResponseWriter, r *http.Request) {
	if !w.checkForm(rw, r) {
		return
	}
	next := localNext(r.PostFormValue("next"))
	if _, err := w.sess.SignIn(r.Context(), rw, r, strings.TrimSpace(r.PostFormValue("key"))); err != nil {
		msg := "that API key is not valid (or was revoked)"
		if !errors.Is(err, leaderboard.ErrBadKey) {
			w.log.Error("sign in", "err", err)
			msg = "sign-in failed; try again"
		}
		w.render(rw, r, http.StatusUnauthorized, "signin", &view{Title: "Sign in", Nav: "submit", Data: signinData{Next: next, Error: msg}})
		return
	}
	http.Redirect(rw, r, next, http.StatusSeeOther)
}

func (w *Web) signoutPost(rw http.ResponseWriter, r *http.Request) {
	if !w.checkForm(rw, r) {
		return
	}
	w.sess.SignOut(rw, r)
	http.Redirect(rw, r, "/", http.StatusSeeOther)
}

func (w *Web) submitPage(rw http.ResponseWriter, r *http.Request) (string, *view, *httpError) {
	if _, ok := w.sess.Lookup(r); !ok {
		http.Redirect(rw, r, "/signin?next=%2Fsubmit", http.StatusSeeOther)
		return "", nil, nil
	}
	return "submit", &view{Title: "Submit a run", Nav: "submit", Data: submitData{Suites: suites.Builtin(), Form: service.SubmitRequest{Suite: "smoke"}}}, nil
}

// submitPost sends the form to the API (POST /api/v1/runs) in-process with
// the session's key, so a page submission passes exactly the API's
// validation, SSRF guard, ownership and quota.
func (w *Web) submitPost(rw http.ResponseWriter, r *http.Request) {
	if !w.checkForm(rw, r) {
		return
	}
	s, ok := w.sess.Lookup(r)
	if !ok {
		http.Redirect(rw, r, "/signin?next=%2Fsubmit", http.StatusSeeOther)
		return
	}
	req := service.SubmitRequest{Competitor: strings.TrimSpace(r.PostFormValue("competitor")), Team: r.PostFormValue("team"),
		Target: strings.TrimSpace(r.PostFormValue("target")), Model: strings.TrimSpace(r.PostFormValue("model")),
		APIKey: r.PostFormValue("api_key"), Suite: r.PostFormValue("suite")}
	fail := func(status int, msg string) {
		req.APIKey = ""
		w.render(rw, r, status, "submit", &view{Title: "Submit a run", Nav: "submit",
			Data: submitData{Suites: suites.Builtin(), Form: req, Error: msg}})
	}
	if v := r.PostFormValue("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			fail(http.StatusBadRequest, "limit "+strconv.Quote(v)+": want a whole number ≥ 0")
			return
		}
		req.Limit = n
	}
	body, _ := json.Marshal(req)
	api, _ := http.NewRequestWithContext(r.Context(), http.MethodPost, "/api/v1/runs", bytes.NewReader(body))
	api.Header.Set("Content-Type", "application/json")
	api.Header.Set("Authorization", "Bearer "+s.BearerToken())
	rec := &recorder{h: http.Header{}}
	w.api.ServeHTTP(rec, api)
	var out struct {
		ID    string `json:"id"`
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	_ = json.Unmarshal(rec.body.Bytes(), &out)
	if rec.code != http.StatusCreated || out.ID == "" {
		msg := out.Error.Message
		if msg == "" {
			msg = "the service refused the run (HTTP " + strconv.Itoa(rec.code) + ")"
		}
		fail(max(rec.code, 400), msg)
		return
	}
	http.Redirect(rw, r, "/runs/"+url.PathEscape(out.ID), http.StatusSeeOther)
}

// recorder captures an in-process API answer.
type recorder struct {
	h    http.Header
	code int
	body bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.h }
func (r *recorder) WriteHeader(c int) {
	if r.code == 0 {
		r.code = c
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	if r.body.Len() > 1<<20 {
		return len(b), nil
	}
	return r.body.Write(b)
}
