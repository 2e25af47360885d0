package service

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/leaderboard"
	"github.com/janus-bench/janus/record"
)

func (s *Server) health(w http.ResponseWriter, r *http.Request) *apiError {
	return writeJSON(w, r, http.StatusOK, Health{Status: "ok", Version: s.cfg.Version, Store: s.st.Dialect(), Workers: s.cfg.Workers})
}

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) *apiError {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPIDoc)
	return nil
}

func (s *Server) listCompetitors(w http.ResponseWriter, r *http.Request) *apiError {
	if e := knownParams(r, "owner", "name", "limit", "offset"); e != nil {
		return e
	}
	limit, offset, e := paging(r)
	if e != nil {
		return e
	}
	cs, err := s.st.ListCompetitors(r.Context(), leaderboard.CompetitorFilter{Owner: r.URL.Query().Get("owner"),
		Name: r.URL.Query().Get("name"), Limit: limit + 1, Offset: offset})
	if err != nil {
		s.log.Error("list competitors", "err", err)
		return internalError()
	}
	page := Page[leaderboard.CompetitorInfo]{Data: cs}
	if len(cs) > limit {
		page.Data = cs[:limit]
		next := offset + limit
		page.NextOffset = &next
	}
	return writeJSON(w, r, http.StatusOK, page)
}

// registerCompetitor is POST /competitors: a competitor by image or URL,
// owned by the caller (an admin may name another owner).
func (s *Server) registerCompetitor(w http.ResponseWriter, r *http.Request) *apiError {
	var req CompetitorRequest
	if e := decodeJSON(w, r, s.cfg.MaxBody, &req); e != nil {
		return e
	}
	ctx := r.Context()
	c := callerOf(ctx)
	req.Name = strings.TrimSpace(req.Name)
	switch {
	case req.Name == "" || len(req.Name) > 200:
		return badRequest("$.name", "$.name: want 1 to 200 bytes")
	case req.Image == "" && req.Target == "":
		return badRequest("$.target", "$.target or $.image: a competitor is an image or a URL")
	case req.Image != "" && req.Target != "":
		return badRequest("$.image", "$.image: give target or image, not both")
	case req.Owner != "" && !c.admin:
		return forbidden("$.owner: only an admin may register a competitor for another owner")
	}
	spec := runSpec{Target: req.Target, Image: req.Image, Model: "-"}
	if e := s.checkCompetitor(ctx, &spec); e != nil {
		return e
	}
	owner := c.owner()
	if req.Owner != "" {
		owner = req.Owner
	}
	check := owner
	if c.admin {
		check = ""
	}
	comp := leaderboard.Competitor{Name: req.Name, Team: req.Team, Image: req.Image, TargetURL: req.Target}
	if err := s.st.RegisterCompetitor(ctx, comp, check); errors.Is(err, leaderboard.ErrOwned) {
		return forbidden("competitor " + req.Name + " belongs to another owner")
	} else if err != nil {
		s.log.Error("register competitor", "err", err)
		return internalError()
	}
	if c.admin && owner != "" {
		_ = s.st.RegisterCompetitor(ctx, leaderboard.Competitor{Name: req.Name}, owner)
	}
	cs, err := s.st.ListCompetitors(ctx, leaderboard.CompetitorFilter{Name: req.Name, Limit: 1})
	if err != nil || len(cs) == 0 {
		return internalError()
	}
	return writeJSON(w, r, http.StatusCreated, cs[0])
}

func (s *Server) leaderboard(w http.ResponseWriter, r *http.Request) *apiError {
	if e := knownParams(r, "suite", "suite_version", "split", "baseline", "since"); e != nil {
		return e
	}
	q := r.URL.Query()
	lq := leaderboard.Query{Suite: q.Get("suite"), SuiteVersion: q.Get("suite_version"), Split: q.Get("split"), Baseline: q.Get("baseline")}
	if lq.Baseline == "include" {
		lq.Baseline = leaderboard.BaselineInclude
	}
	if lq.Baseline != leaderboard.BaselineInclude && lq.Baseline != leaderboard.BaselineOnly && lq.Baseline != leaderboard.BaselineExclude {
		return badRequest("baseline", "baseline %q: want include, only or exclude", lq.Baseline)
	}
	var e *apiError
	if lq.Since, e = timeParam(r, "since"); e != nil {
		return e
	}
	b, err := s.st.Leaderboard(r.Context(), lq)
	if err != nil {
		s.log.Error("leaderboard", "err", err)
		return internalError()
	}
	if b.Rows == nil {
		b.Rows = []leaderboard.Entry{}
	}
	return writeJSON(w, r, http.StatusOK, b)
}

// compare is GET /compare?base=&next=: the paired verdict of
// `janus bench compare` between two stored runs' reports.
func (s *Server) compare(w http.ResponseWriter, r *http.Request) *apiError {
	if e := knownParams(r, "base", "next"); e != nil {
		return e
	}
	var reps [2]*record.Report
	for i, p := range []string{"base", "next"} {
		id := r.URL.Query().Get(p)
		if id == "" {
			return badRequest(p, "%s: a run id is required", p)
		}
		d, err := s.st.GetRunBrief(r.Context(), id)
		if errors.Is(err, leaderboard.ErrNotFound) {
			return unprocessable(p, "not_found", "%s: no run %q", p, id)
		}
		if err != nil {
			return internalError()
		}
		if d.Report == nil {
			return unprocessable(p, "no_report", "%s: run %s has no report (state %s)", p, id, runOf(d.RunSummary).State)
		}
		reps[i] = d.Report
	}
	c, err := bench.Compare(reps[0], reps[1], bench.CompareOptions{})
	if err != nil {
		return unprocessable("next", "not_comparable", "%v", err)
	}
	return writeJSON(w, r, http.StatusOK, c)
}

// vote is POST /arena/vote: one pairwise judgement, stored with the
// voter's key as a hash.
func (s *Server) vote(w http.ResponseWriter, r *http.Request) *apiError {
	var req VoteRequest
	if e := decodeJSON(w, r, s.cfg.MaxBody, &req); e != nil {
		return e
	}
	c := callerOf(r.Context())
	v := leaderboard.Vote{ID: req.ID, PromptID: req.PromptID, CompetitorA: req.CompetitorA, CompetitorB: req.CompetitorB,
		Winner: req.Winner, VotedAt: time.Now().UTC()}
	if v.ID == "" {
		var b [12]byte
		_, _ = rand.Read(b[:])
		v.ID = "vote-" + hex.EncodeToString(b[:])
	}
	if c.id() != "" {
		sum := sha256.Sum256([]byte(c.id()))
		v.Voter = hex.EncodeToString(sum[:8])
	}
	if err := v.Validate(); err != nil {
		field, _, _ := strings.Cut(err.Error(), ":")
		return badRequest("$."+field, "$.%v", err)
	}
	if _, err := s.st.AddVotes(r.Context(), []leaderboard.Vote{v}); err != nil {
		s.log.Error("add vote", "err", err)
		return internalError()
	}
	return writeJSON(w, r, http.StatusCreated, v)
}

func (s *Server) arenaBoard(w http.ResponseWriter, r *http.Request) *apiError {
	if e := knownParams(r, "method"); e != nil {
		return e
	}
	method := r.URL.Query().Get("method")
	if method == "" {
		method = "bt"
	}
	if method != "bt" && method != "elo" {
		return badRequest("method", "method %q: want bt or elo", method)
	}
	votes, err := s.st.Votes(r.Context(), leaderboard.VoteFilter{})
	if err != nil {
		return internalError()
	}
	var rs []leaderboard.Rating
	if method == "elo" {
		rs = leaderboard.Elo(votes, leaderboard.EloOptions{})
	} else if rs, err = leaderboard.BradleyTerry(votes, leaderboard.BTOptions{}); err != nil {
		return internalError()
	}
	if rs == nil {
		rs = []leaderboard.Rating{}
	}
	return writeJSON(w, r, http.StatusOK, leaderboard.RatingsReport{Method: method, Votes: len(votes), Ratings: rs})
}
