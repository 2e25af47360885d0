package web

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/bench/report"
	"github.com/janus-bench/janus/leaderboard"
	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/scorer"
	"github.com/janus-bench/janus/suites"
)

// scoreRow is one dimension on the run page.
type scoreRow struct {
	Name string
	Cell dimCell
}

// catRow is one category of a run.
type catRow struct {
	Name                 string
	Score                string
	N, Passed, Failed    int
	PassedPct, FailedPct string
}

// violRow is a violation code and how many tasks had it.
type violRow struct {
	Code  string
	Count int
}

type runData struct {
	R          leaderboard.RunSummary
	State      string
	Live       bool
	Scores     []scoreRow
	Categories []catRow
	Violations []violRow
	Report     *record.Report
	Tasks      []record.TaskResult
	Mean       string
}

// stateOf names a stored status as the API does.
func stateOf(s string) string {
	if s == leaderboard.StatusPending {
		return leaderboard.StatusQueued
	}
	return s
}

// getRun reads a run; brief skips its tasks' details (answers and
// stream events), which only the task page and the downloads show.
func (w *Web) getRun(ctx context.Context, id string, brief bool) (*leaderboard.RunDetail, *httpError) {
	get := w.st.GetRun
	if brief {
		get = w.st.GetRunBrief
	}
	d, err := get(ctx, id)
	if errors.Is(err, leaderboard.ErrNotFound) {
		return nil, notFound("run " + id)
	}
	if err != nil {
		return nil, internal(err)
	}
	return d, nil
}

func (w *Web) runPage(_ http.ResponseWriter, r *http.Request) (string, *view, *httpError) {
	d, herr := w.getRun(r.Context(), r.PathValue("id"), true)
	if herr != nil {
		return "", nil, herr
	}
	rd := runData{R: d.RunSummary, State: stateOf(d.Status), Report: d.Report, Tasks: d.Tasks}
	rd.Live = rd.State == leaderboard.StatusQueued || rd.State == leaderboard.StatusRunning
	s := &d.RunSummary
	rd.Scores = append(rd.Scores, scoreRow{Name: string(record.Composite), Cell: scoreCell(s.Composite)})
	for _, n := range record.Columns(slices.Collect(maps.Keys(s.Dims))) {
		rd.Scores = append(rd.Scores, scoreRow{Name: string(n), Cell: scoreCell(s.Dims[n])})
	}
	if len(d.Tasks) > 0 {
		sum := 0.0
		for _, t := range d.Tasks {
			sum += t.Score
		}
		rd.Mean = f1(100 * sum / float64(len(d.Tasks)))
	}
	rd.Categories, rd.Violations = categories(d), violations(d)
	return "run", &view{Title: "Run " + d.ID, Nav: "runs", Data: rd}, nil
}

// categories is the report's per-category table, or one computed from the
// stored tasks while the run has no report.
func categories(d *leaderboard.RunDetail) []catRow {
	cats := map[string]record.CategoryScore{}
	if d.Report != nil && len(d.Report.Categories) > 0 {
		cats = d.Report.Categories
	} else {
		for _, t := range d.Tasks {
			c := cats[t.Category]
			c.Score = (c.Score*float64(c.N) + 100*t.Score) / float64(c.N+1)
			c.N++
			if scorer.Passed(t) {
				c.Passed++
			}
			if t.Status != record.StatusOK {
				c.Failed++
			}
			cats[t.Category] = c
		}
	}
	var out []catRow
	for _, name := range slices.Sorted(maps.Keys(cats)) {
		c := cats[name]
		row := catRow{Name: name, Score: f1(c.Score), N: c.N, Passed: c.Passed, Failed: c.Failed}
		if c.N > 0 {
			row.PassedPct = f1(100 * float64(c.Passed) / float64(c.N))
		}
		out = append(out, row)
	}
	return out
}

// violations counts tasks per violation code, most frequent first.
func violations(d *leaderboard.RunDetail) []violRow {
	m := map[string]int{}
	if d.Report != nil && d.Report.Violations != nil {
		m = d.Report.Violations
	} else {
		for _, t := range d.Tasks {
			for _, v := range t.Violations {
				m[v.Code]++
			}
		}
	}
	var out []violRow
	for code, n := range m {
		if n > 0 {
			out = append(out, violRow{Code: code, Count: n})
		}
	}
	slices.SortFunc(out, func(a, b violRow) int { return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Code, b.Code)) })
	return out
}

// download serves the run's report as JSON, Markdown or JUnit XML.
func (w *Web) download(rw http.ResponseWriter, r *http.Request) {
	d, herr := w.getRun(r.Context(), r.PathValue("id"), false)
	if herr != nil {
		w.errorPage(rw, r, herr)
		return
	}
	if d.Report == nil {
		w.errorPage(rw, r, &httpError{Status: http.StatusConflict, Msg: "run " + d.ID + " has no report yet (state " + stateOf(d.Status) + ")"})
		return
	}
	var write func(io.Writer) error
	var ctype, ext string
	switch r.PathValue("fmt") {
	case "json":
		write, ctype, ext = record.JSON(d.Report), "application/json", "json"
	case "md":
		write, ctype, ext = report.Markdown(d.Report), "text/markdown; charset=utf-8", "md"
	case "junit":
		write, ctype, ext = report.JUnit(d.Report, nil), "application/xml", "xml"
	default:
		w.errorPage(rw, r, notFound("format "+r.PathValue("fmt")+" (json, md or junit)"))
		return
	}
	rw.Header().Set("Content-Type", ctype)
	rw.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="janus-%s.%s"`, safeFile(d.ID), ext))
	if err := write(rw); err != nil {
		w.log.Error("write report download", "run", d.ID, "err", err)
	}
}

// safeFile keeps a file name to letters, digits, dash, dot and underscore.
func safeFile(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '.' || r == '_' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') {
			return r
		}
		return '_'
	}, s)
}

// live proxies the API's progress stream (GET /api/v1/runs/{id}/stream)
// with the visitor's key, so the live view works when reading needs one.
func (w *Web) live(rw http.ResponseWriter, r *http.Request) {
	req := r.Clone(r.Context())
	req.URL = &url.URL{Path: "/api/v1/runs/" + url.PathEscape(r.PathValue("id")) + "/stream"}
	req.RequestURI = req.URL.Path
	req.Header = http.Header{}
	if s, ok := w.sess.Lookup(r); ok {
		req.Header.Set("Authorization", "Bearer "+s.BearerToken())
	}
	w.api.ServeHTTP(rw, req)
}

// taskData is the task page.
type taskData struct {
	RunID, Suite string
	T            record.TaskResult
	Task         *suites.Task
	TaskNote     string
	Messages     []message
	Reference    string
	Timeline     timeline
	Request      string
	// From the task's stored detail (runs since TaskResult.Detail):
	// the last user message, the answer, and the diff of the reference
	// against it. RefCut says the reference is an excerpt.
	HasDetail        bool
	LastUser         string
	LastUserCut      bool
	Answer           string
	AnswerCut        bool
	RefCut           bool
	Diff             []diffLine
	DiffCut, DiffAll bool
}

type message struct{ Role, Content string }

func (w *Web) taskPage(_ http.ResponseWriter, r *http.Request) (string, *view, *httpError) {
	runID, id := r.PathValue("id"), r.PathValue("task")
	d, task, err := w.st.GetTask(r.Context(), runID, id)
	switch {
	case errors.Is(err, leaderboard.ErrNotFound) && d == nil:
		return "", nil, notFound("run " + runID)
	case errors.Is(err, leaderboard.ErrNotFound):
		return "", nil, notFound("task " + id + " of run " + runID)
	case err != nil:
		return "", nil, internal(err)
	}
	td := taskData{RunID: d.ID, Suite: d.Suite, T: *task, Timeline: buildTimeline(*task)}
	if det := task.Detail; det != nil {
		td.fromDetail(det)
		// The run's own record of the task is what was sent; the suite's
		// copy adds the whole conversation and options only when it is
		// provably the same suite (tasks may be generated per run).
		if d.SuiteSHA256 != "" {
			w.taskRequest(r.Context(), d, &td, true)
		}
	} else {
		w.taskRequest(r.Context(), d, &td, false)
	}
	return "task", &view{Title: "Task " + id, Nav: "runs", Data: td}, nil
}

// fromDetail fills the page from the task's stored detail. The store is
// read as hostile too (a report can be imported): each text is cut to its
// bound again before the diff sees it.
func (td *taskData) fromDetail(det *record.TaskDetail) {
	var cut bool
	td.HasDetail = true
	td.LastUser, cut = scorer.Excerpt(det.Request, scorer.MaxRequestExcerpt)
	td.LastUserCut = cut || det.RequestTruncated
	td.Answer, cut = scorer.Excerpt(det.Answer, scorer.MaxAnswerExcerpt)
	td.AnswerCut = cut || det.AnswerTruncated
	td.Reference, cut = scorer.Excerpt(det.Reference, scorer.MaxReferenceExcerpt)
	td.RefCut = cut || det.ReferenceTruncated
	if td.Reference != "" {
		td.Diff, td.DiffCut = lineDiff(td.Reference, td.Answer)
		td.DiffAll = !slices.ContainsFunc(td.Diff, func(l diffLine) bool { return l.Op != "=" })
	}
}

// taskRequest finds the task in its suite (built-in suites only) to show
// the request and the reference; a suite whose hash differs from the
// run's is said to be a different version. With exact, only a suite with
// the run's hash is used, and only for the conversation and options.
func (w *Web) taskRequest(ctx context.Context, d *leaderboard.RunSummary, td *taskData, exact bool) {
	if !slices.Contains(suites.Builtin(), d.Suite) {
		if !exact {
			td.TaskNote = "suite " + d.Suite + " is not built in, so its request is not available here"
		}
		return
	}
	s, err := suites.Load(ctx, d.Suite)
	if err != nil {
		if !exact {
			td.TaskNote = "suite " + d.Suite + " could not be loaded: " + err.Error()
		}
		return
	}
	i := slices.IndexFunc(s.Tasks, func(t suites.Task) bool { return t.ID == td.T.ID })
	if i < 0 || (exact && s.SHA256 != d.SuiteSHA256) {
		if !exact {
			td.TaskNote = "task not found in this server's copy of suite " + d.Suite
		}
		return
	}
	if d.SuiteSHA256 != "" && s.SHA256 != d.SuiteSHA256 {
		td.TaskNote = "this server's copy of suite " + d.Suite + " (version " + s.Version + ") differs from the run's; the request below may differ"
	}
	t := s.Tasks[i]
	td.Task = &t
	for _, m := range t.Messages {
		c := m.Content
		if c == "" && len(m.MultiContent) > 0 {
			parts := make([]string, 0, len(m.MultiContent))
			for _, p := range m.MultiContent {
				if p.Text != "" {
					parts = append(parts, p.Text)
				} else {
					parts = append(parts, "["+string(p.Type)+"]")
				}
			}
			c = strings.Join(parts, "\n")
		}
		td.Messages = append(td.Messages, message{Role: m.Role, Content: c})
	}
	if b, err := json.MarshalIndent(t.Request, "", "  "); err == nil && string(b) != "{}" {
		td.Request = string(b)
	}
	if exact {
		return
	}
	td.Reference = t.Reference.Content
	if td.Reference == "" && len(t.Reference.ToolCalls) > 0 {
		b, _ := json.MarshalIndent(t.Reference.ToolCalls, "", "  ")
		td.Reference = string(b)
	}
}

// compareData is the compare page.
type compareData struct {
	Base, Next string
	C          *bench.Comparison
	Err        string
	Recent     []leaderboard.RunSummary
}

func (w *Web) comparePage(_ http.ResponseWriter, r *http.Request) (string, *view, *httpError) {
	q := r.URL.Query()
	cd := compareData{Base: q.Get("base"), Next: q.Get("next")}
	recent, err := w.st.ListRuns(r.Context(), leaderboard.RunFilter{Status: leaderboard.StatusCompleted, Limit: 50})
	if err != nil {
		return "", nil, internal(err)
	}
	cd.Recent = recent
	if cd.Base != "" && cd.Next != "" {
		cd.C, cd.Err = w.compare(r.Context(), cd.Base, cd.Next)
	}
	return "compare", &view{Title: "Compare runs", Nav: "compare", Data: cd}, nil
}

// compare is `janus bench compare` between two stored runs; a problem is
// said on the page rather than as an error status.
func (w *Web) compare(ctx context.Context, base, next string) (*bench.Comparison, string) {
	var reps [2]*record.Report
	for i, id := range []string{base, next} {
		d, err := w.st.GetRunBrief(ctx, id)
		if errors.Is(err, leaderboard.ErrNotFound) {
			return nil, "no run " + id
		}
		if err != nil {
			w.log.Error("compare: get run", "run", id, "err", err)
			return nil, "run " + id + " could not be read"
		}
		if d.Report == nil {
			return nil, "run " + id + " has no report yet (state " + stateOf(d.Status) + ")"
		}
		reps[i] = d.Report
	}
	c, err := bench.Compare(reps[0], reps[1], bench.CompareOptions{})
	if err != nil {
		return nil, "these runs cannot be compared: " + err.Error()
	}
	return c, ""
}

// competitorData is the competitor page.
type competitorData struct {
	C       leaderboard.CompetitorInfo
	Target  string
	Runs    []leaderboard.RunSummary
	History []suiteHistory
}

type suiteHistory struct {
	Suite string
	Chart any
}

func (w *Web) competitorPage(_ http.ResponseWriter, r *http.Request) (string, *view, *httpError) {
	name := r.PathValue("name")
	cs, err := w.st.ListCompetitors(r.Context(), leaderboard.CompetitorFilter{Name: name, Limit: 1})
	if err != nil {
		return "", nil, internal(err)
	}
	if len(cs) == 0 {
		return "", nil, notFound("competitor " + name)
	}
	runs, err := w.st.ListRuns(r.Context(), leaderboard.RunFilter{Competitor: name, Limit: 200})
	if err != nil {
		return "", nil, internal(err)
	}
	cd := competitorData{C: cs[0], Runs: runs, Target: report.RedactURL(cs[0].TargetURL)}
	by := map[string][]historyPoint{}
	for i := len(runs) - 1; i >= 0; i-- { // oldest first
		x := runs[i]
		if x.Composite == nil || x.Status != leaderboard.StatusCompleted {
			continue
		}
		by[x.Suite] = append(by[x.Suite], historyPoint{At: float64(x.StartedAt.Unix()), Value: x.Composite.Value, CI: x.Composite.CI95,
			Label: fmt.Sprintf("%s: composite %s (%s)", x.ID, f1(x.Composite.Value), x.StartedAt.Format("2006-01-02 15:04Z")),
			Href:  "/runs/" + url.PathEscape(x.ID)})
	}
	for _, s := range slices.Sorted(maps.Keys(by)) {
		cd.History = append(cd.History, suiteHistory{Suite: s, Chart: history(by[s], "composite score history on "+s)})
	}
	return "competitor", &view{Title: name, Nav: "board", Data: cd}, nil
}
