package service

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/internal/container"
	"github.com/janus-bench/janus/internal/suitegen"
	"github.com/janus-bench/janus/leaderboard"
	"github.com/janus-bench/janus/suites"
)

func withCaller(ctx context.Context, c caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// newRunID is a time-ordered id with 48 random bits.
func newRunID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return time.Now().UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

// submitRun validates a submission completely — suite, target (SSRF guard
// and a GET /models probe), image, options, ownership, quota — before
// anything is stored, then stores the run queued and queues its job.
func (s *Server) submitRun(w http.ResponseWriter, r *http.Request) *apiError {
	var req SubmitRequest
	if e := decodeJSON(w, r, s.cfg.MaxBody, &req); e != nil {
		return e
	}
	ctx := r.Context()
	c := callerOf(ctx)
	qr, spec, e := s.validateSubmit(ctx, c, req)
	if e != nil {
		return e
	}
	if quota := s.quotaOf(c); quota > 0 {
		n, err := s.st.CountActive(ctx, c.id())
		if err != nil {
			s.log.Error("count active runs", "err", err)
			return internalError()
		}
		if n >= quota {
			return &apiError{Status: http.StatusTooManyRequests, Type: "rate_limit_error", Code: "quota_exceeded",
				Message: fmt.Sprintf("this key has %d queued or running runs; its quota is %d", n, quota)}
		}
	}
	qr.Spec, _ = json.Marshal(spec)
	qr.ID, qr.SubmittedBy = newRunID(), c.id()
	if err := s.st.QueueRun(ctx, qr); err != nil {
		s.log.Error("store run", "err", err)
		return internalError()
	}
	var at time.Time
	if req.ScheduledAt != nil {
		at = *req.ScheduledAt
	}
	jid, err := s.q.insert(ctx, qr.ID, at)
	if err == nil {
		err = s.st.SetRunJob(ctx, qr.ID, jid)
	}
	if err != nil {
		// The run is stored queued: the next start re-queues it.
		s.log.Error("queue run", "run", qr.ID, "err", err)
		return internalError()
	}
	s.log.Info("run submitted", "run", qr.ID, "competitor", qr.Competitor.Name, "suite", qr.Suite, "by", c.owner())
	d, err := s.st.GetRun(ctx, qr.ID)
	if err != nil {
		return internalError()
	}
	w.Header().Set("Location", apiPrefix+"/runs/"+qr.ID)
	return writeJSON(w, r, http.StatusCreated, runOf(d.RunSummary))
}

func (s *Server) quotaOf(c caller) int {
	if c.key == nil {
		return 0
	}
	if c.key.Quota > 0 {
		return c.key.Quota
	}
	if c.admin {
		return 0
	}
	return s.cfg.DefaultQuota
}

// validateSubmit checks a submission and returns the run to store and the
// spec its worker needs.
func (s *Server) validateSubmit(ctx context.Context, c caller, req SubmitRequest) (leaderboard.QueuedRun, runSpec, *apiError) {
	var qr leaderboard.QueuedRun
	spec := runSpec{Target: strings.TrimSpace(req.Target), Image: strings.TrimSpace(req.Image), Model: req.Model,
		APIKey: req.APIKey, Suite: req.Suite, Limit: req.Limit, Seed: req.Seed, Concurrency: req.Concurrency,
		Categories: req.Categories, Splits: req.Splits, NoStream: req.NoStream}
	if spec.Suite == "" {
		spec.Suite = bench.DefaultSuite
	}
	if spec.Concurrency == 0 {
		spec.Concurrency = 4
	}
	switch {
	case spec.Concurrency < 1 || spec.Concurrency > 64:
		return qr, spec, badRequest("$.concurrency", "$.concurrency %d: want 1 to 64", spec.Concurrency)
	case spec.Limit < 0:
		return qr, spec, badRequest("$.limit", "$.limit %d: must not be negative", spec.Limit)
	case spec.Target != "" && spec.Image != "":
		return qr, spec, badRequest("$.image", "$.image: give target or image, not both")
	case len(req.Competitor) > 200 || len(req.Model) > 200 || len(req.Team) > 200:
		return qr, spec, badRequest("$.competitor", "competitor, model and team are at most 200 bytes")
	}
	if !slices.Contains(suites.Builtin(), spec.Suite) {
		return qr, spec, unprocessable("$.suite", "unknown_suite", "$.suite %q: not a built-in suite (%s)", spec.Suite, strings.Join(suites.Builtin(), ", "))
	}
	suite, e := submitSuite(ctx, &spec)
	if e != nil {
		return qr, spec, e
	}
	planned := len(suites.Select(filterCategories(suites.FilterSplit(suite.Tasks, spec.Splits), spec.Categories), spec.Seed, spec.Limit))
	if planned == 0 {
		return qr, spec, unprocessable("$.categories", "no_tasks", "no task of suite %s matches categories %q and splits %q",
			suite.Name, spec.Categories, spec.Splits)
	}
	if e := s.checkCompetitor(ctx, &spec); e != nil {
		return qr, spec, e
	}
	comp := leaderboard.Competitor{Name: strings.TrimSpace(req.Competitor), Team: req.Team, Image: spec.Image, TargetURL: spec.Target}
	if comp.Name == "" {
		comp.Name = competitorName(spec)
	}
	comp.Baseline = spec.Target == "" && spec.Image == ""
	owner, exists, err := s.st.CompetitorOwner(ctx, comp.Name)
	if err != nil {
		return qr, spec, internalError()
	}
	if exists && !c.admin && owner != "" && owner != c.owner() {
		return qr, spec, forbidden(fmt.Sprintf("competitor %q belongs to another owner", comp.Name))
	}
	qr = leaderboard.QueuedRun{Competitor: comp, Owner: c.owner(), Suite: suite.Name, SuiteVersion: suite.Version,
		SuiteSHA256: suite.SHA256, Seed: spec.Seed, Limit: spec.Limit, TasksPlanned: planned, Model: spec.Model,
		Target: spec.Target}
	if spec.Image != "" {
		qr.Target = "docker-image://" + spec.Image
	}
	if len(spec.Splits) > 0 {
		sp := slices.Clone(spec.Splits)
		slices.Sort(sp)
		qr.Split = strings.Join(slices.Compact(sp), ",")
	}
	return qr, spec, nil
}

func competitorName(spec runSpec) string {
	switch {
	case spec.Model != "":
		return spec.Model
	case spec.Image != "":
		return spec.Image
	case spec.Target != "":
		return spec.Target
	}
	return "janus-sim"
}

// checkCompetitor refuses internal URLs, probes a URL competitor's
// GET /models (and picks its model) and checks an image exists locally.
func (s *Server) checkCompetitor(ctx context.Context, spec *runSpec) *apiError {
	switch {
	case spec.Target != "":
		if err := s.guard.check(ctx, spec.Target); err != nil {
			return unprocessable("$.target", "target_refused", "$.target: %v", err)
		}
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		cl := &trace.Client{BaseURL: spec.Target, APIKey: spec.APIKey, HTTP: &http.Client{Timeout: 10 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
		ids, status, err := bench.ListModels(pctx, cl)
		if err != nil {
			return unprocessable("$.target", "target_unreachable", "$.target: GET /models failed: %v", err)
		}
		if spec.Model == "" {
			if len(ids) == 0 {
				return unprocessable("$.model", "model_unknown", "$.model: the target's GET /models gave HTTP %d with no model; name one", status)
			}
			spec.Model = ids[0]
		}
	case spec.Image != "":
		api, err := container.Connect(ctx)
		if err != nil {
			return unprocessable("$.image", "docker_unavailable", "$.image: no Docker engine answers on this service: %v", err)
		}
		defer api.Close()
		if _, err := api.ImageInspect(ctx, spec.Image); err != nil {
			return unprocessable("$.image", "image_not_found", "$.image %q: not in the service's Docker engine (it never pulls)", spec.Image)
		}
	}
	return nil
}

func filterCategories(tasks []suites.Task, cats []string) []suites.Task {
	if len(cats) == 0 {
		return tasks
	}
	var out []suites.Task
	for _, t := range tasks {
		if slices.Contains(cats, t.Category) || slices.Contains(cats, suites.Family(t.Category)) {
			out = append(out, t)
		}
	}
	return out
}

// listRuns is GET /runs with filters suite, competitor, state, since,
// until and paging.
func (s *Server) listRuns(w http.ResponseWriter, r *http.Request) *apiError {
	if e := knownParams(r, "suite", "competitor", "state", "since", "until", "limit", "offset"); e != nil {
		return e
	}
	limit, offset, e := paging(r)
	if e != nil {
		return e
	}
	q := r.URL.Query()
	f := leaderboard.RunFilter{Suite: q.Get("suite"), Competitor: q.Get("competitor"), Status: q.Get("state"),
		Limit: limit + 1, Offset: offset}
	if f.Status != "" && !slices.Contains([]string{"queued", "running", "completed", "failed", "cancelled"}, f.Status) {
		return badRequest("state", "state %q: want queued, running, completed, failed or cancelled", f.Status)
	}
	if f.Since, e = timeParam(r, "since"); e != nil {
		return e
	}
	if f.Until, e = timeParam(r, "until"); e != nil {
		return e
	}
	runs, err := s.st.ListRuns(r.Context(), f)
	if err != nil {
		s.log.Error("list runs", "err", err)
		return internalError()
	}
	page := Page[Run]{Data: make([]Run, 0, len(runs))}
	for i, x := range runs {
		if i == limit {
			next := offset + limit
			page.NextOffset = &next
			break
		}
		page.Data = append(page.Data, runOf(x))
	}
	return writeJSON(w, r, http.StatusOK, page)
}

func (s *Server) runDetail(r *http.Request) (*leaderboard.RunDetail, *apiError) {
	d, err := s.st.GetRun(r.Context(), r.PathValue("id"))
	if errors.Is(err, leaderboard.ErrNotFound) {
		return nil, notFound("run " + r.PathValue("id"))
	}
	if err != nil {
		s.log.Error("get run", "err", err)
		return nil, internalError()
	}
	return d, nil
}

func (s *Server) getRun(w http.ResponseWriter, r *http.Request) *apiError {
	d, e := s.runDetail(r)
	if e != nil {
		return e
	}
	return writeJSON(w, r, http.StatusOK, runOf(d.RunSummary))
}

func (s *Server) runResults(w http.ResponseWriter, r *http.Request) *apiError {
	d, e := s.runDetail(r)
	if e != nil {
		return e
	}
	return writeJSON(w, r, http.StatusOK, Page[any]{Data: toAny(d.Tasks)})
}

func toAny[T any](xs []T) []any {
	out := make([]any, len(xs))
	for i := range xs {
		out[i] = xs[i]
	}
	return out
}

func (s *Server) runSummary(w http.ResponseWriter, r *http.Request) *apiError {
	d, e := s.runDetail(r)
	if e != nil {
		return e
	}
	return writeJSON(w, r, http.StatusOK, summaryOf(runOf(d.RunSummary)))
}

// runReport is the JSON report the CLI writes, the same schema.
func (s *Server) runReport(w http.ResponseWriter, r *http.Request) *apiError {
	d, e := s.runDetail(r)
	if e != nil {
		return e
	}
	if d.Report == nil {
		return &apiError{Status: http.StatusConflict, Type: "invalid_request_error", Code: "no_report",
			Message: fmt.Sprintf("run %s is %s and has no report yet", d.ID, runOf(d.RunSummary).State)}
	}
	return writeJSON(w, r, http.StatusOK, d.Report)
}

// runTask is one task's stored result: metrics, violations, error and
// verdict (the store keeps results, not raw SSE bytes).
func (s *Server) runTask(w http.ResponseWriter, r *http.Request) *apiError {
	d, e := s.runDetail(r)
	if e != nil {
		return e
	}
	for _, t := range d.Tasks {
		if t.ID == r.PathValue("task") {
			return writeJSON(w, r, http.StatusOK, t)
		}
	}
	return notFound("task " + r.PathValue("task") + " of run " + d.ID)
}

// cancelRun is DELETE /runs/{id}: a queued run is cancelled at once, a
// running one at its worker's next lease renewal.
func (s *Server) cancelRun(w http.ResponseWriter, r *http.Request) *apiError {
	ctx := r.Context()
	id := r.PathValue("id")
	c := callerOf(ctx)
	by, err := s.st.RunSubmitter(ctx, id)
	if errors.Is(err, leaderboard.ErrNotFound) {
		return notFound("run " + id)
	}
	if err != nil {
		return internalError()
	}
	if !c.admin && by != c.id() {
		return forbidden("only its submitter or an admin may cancel a run")
	}
	prev, jid, err := s.st.CancelRun(ctx, id)
	if err != nil {
		s.log.Error("cancel run", "err", err)
		return internalError()
	}
	if prev == leaderboard.StatusQueued {
		if err := s.q.cancel(ctx, jid); err != nil {
			s.log.Warn("cancel queue job", "run", id, "err", err)
		}
	}
	d, e := s.runDetail(r)
	if e != nil {
		return e
	}
	return writeJSON(w, r, http.StatusAccepted, runOf(d.RunSummary))
}

// submitSuite loads the suite a submission names. A generated suite
// (janus-default, and smoke, the default) is made from the run's seed as
// `janus bench run` does: with no seed
// the service draws a secret one now and keeps it in the spec (never
// returned; the run's seed is shown only once it has ended), so a run a
// worker resumes regenerates the very same tasks.
func submitSuite(ctx context.Context, spec *runSpec) (*suites.Suite, *apiError) {
	generate, ok := suitegen.Generator(spec.Suite)
	if !ok {
		suite, err := suites.Load(ctx, spec.Suite)
		if err != nil {
			return nil, unprocessable("$.suite", "unknown_suite", "$.suite %q: %v", spec.Suite, err)
		}
		return suite, nil
	}
	if spec.Seed == 0 {
		seed, err := bench.SecretSeed()
		if err != nil {
			return nil, internalError()
		}
		spec.Seed, spec.SeedSecret = seed, true
	}
	suite, err := generate(spec.Seed)
	if err != nil {
		return nil, internalError()
	}
	return suite, nil
}
