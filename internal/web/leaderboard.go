package web

import (
	"cmp"
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/janus-bench/janus/leaderboard"
	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/stats"
)

// column is a sortable leaderboard column.
type column struct {
	Key, Label, Title string
	Href              string
	Aria              string // aria-sort: ascending, descending or none
	Arrow             string
}

// dimCell is a score cell: its text (value and interval) and its bar.
type dimCell struct {
	Text string
	Bar  template.HTML
}

// lbRow is one competitor's row.
type lbRow struct {
	E    leaderboard.Entry
	Dims []dimCell // composite, quality, speed, cost, streaming, multimodal
	CPC  string
}

// lbGroup is one (suite, version, split) board.
type lbGroup struct {
	Suite, Version, Split string
	Cols                  []column
	Rows                  []lbRow
	Total                 int
	ShowAll               string
	CostChart, TTFTChart  template.HTML
}

type lbData struct {
	Suites []string
	Suite  string
	Arena  bool
	Groups []lbGroup
	// Votes and Ratings are the arena tab.
	Votes   int
	Ratings []leaderboard.Rating
}

// dimNames are the board's score columns: the composite and the
// dimensions, in report order.
func dimNames() []string {
	var out []string
	for _, d := range record.WithComposite(record.DefaultDimensions()) {
		out = append(out, string(d))
	}
	return out
}

// sortKeys are the columns a board sorts by, with whether they sort
// descending first (scores: best first).
func sortKeys() map[string]bool {
	m := map[string]bool{"rank": false, "competitor": false, "cpc": false, "tasks": true, "finished": true}
	for _, d := range dimNames() {
		m[d] = true
	}
	return m
}

func (w *Web) leaderboardPage(_ http.ResponseWriter, r *http.Request) (string, *view, *httpError) {
	q := r.URL.Query()
	d := lbData{Suite: q.Get("suite"), Arena: q.Get("tab") == "arena"}
	if d.Arena {
		votes, rt, err := w.ratings(r.Context())
		if err != nil {
			return "", nil, internal(err)
		}
		d.Votes, d.Ratings = votes, rt
		return "leaderboard", &view{Title: "Arena ratings", Nav: "board", Data: d}, nil
	}
	key, desc := sortParams(q)
	all := q.Get("all") == "1"
	groups, suites, err := w.board(r.Context(), d.Suite, key, desc, all, q)
	if err != nil {
		return "", nil, internal(err)
	}
	d.Groups, d.Suites = groups, suites
	return "leaderboard", &view{Title: "Leaderboard", Nav: "board", Data: d}, nil
}

// sortParams reads ?sort= and ?dir=; unknown keys fall back to rank.
func sortParams(q url.Values) (string, bool) {
	key := q.Get("sort")
	first, ok := sortKeys()[key]
	if !ok {
		key, first = "rank", false
	}
	switch q.Get("dir") {
	case "asc":
		return key, false
	case "desc":
		return key, true
	}
	return key, first
}

// board reads the leaderboard and builds each group's view.
func (w *Web) board(ctx context.Context, suite, key string, desc, all bool, q url.Values) ([]lbGroup, []string, error) {
	b, err := w.st.Leaderboard(ctx, leaderboard.Query{})
	if err != nil {
		return nil, nil, err
	}
	var suites []string
	var groups []lbGroup
	for start := 0; start < len(b.Rows); {
		end := start + 1
		e0 := b.Rows[start]
		for end < len(b.Rows) && b.Rows[end].Suite == e0.Suite && b.Rows[end].SuiteVersion == e0.SuiteVersion && b.Rows[end].Split == e0.Split {
			end++
		}
		if !slices.Contains(suites, e0.Suite) {
			suites = append(suites, e0.Suite)
		}
		if suite == "" || suite == e0.Suite {
			g, err := w.group(ctx, b.Rows[start:end], key, desc, all, q)
			if err != nil {
				return nil, nil, err
			}
			groups = append(groups, g)
		}
		start = end
	}
	return groups, suites, nil
}

func (w *Web) group(ctx context.Context, es []leaderboard.Entry, key string, desc, all bool, q url.Values) (lbGroup, error) {
	e0 := es[0]
	g := lbGroup{Suite: e0.Suite, Version: e0.SuiteVersion, Split: e0.Split, Total: len(es)}
	g.Cols = columns(q, key, desc)
	// Sorting indices, not the wide entries; rank breaks ties, so the
	// order is total and the same on every load.
	idx := make([]int, len(es))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(i, j int) int {
		c := compareBy(key, &es[i], &es[j])
		if desc {
			c = -c
		}
		return cmp.Or(c, cmp.Compare(es[i].Rank, es[j].Rank))
	})
	if !all && len(idx) > w.o.Limit {
		idx = idx[:w.o.Limit]
		u := cloneQuery(q)
		u.Set("all", "1")
		g.ShowAll = "?" + u.Encode()
	}
	g.Rows = make([]lbRow, 0, len(idx))
	for _, i := range idx {
		g.Rows = append(g.Rows, rowOf(es[i]))
	}
	var err error
	g.CostChart, g.TTFTChart, err = w.paretoCharts(ctx, es)
	return g, err
}

func cloneQuery(q url.Values) url.Values {
	u := url.Values{}
	for k, v := range q {
		u[k] = slices.Clone(v)
	}
	return u
}

func columns(q url.Values, key string, desc bool) []column {
	defs := []column{{Key: "rank", Label: "Rank", Title: "rank by composite, with its range given the 95% intervals"},
		{Key: "competitor", Label: "Competitor"}}
	for _, d := range dimNames() {
		defs = append(defs, column{Key: d, Label: strings.ToUpper(d[:1]) + d[1:]})
	}
	defs = append(defs, column{Key: "cpc", Label: "$/correct", Title: "cost per correct answer, USD"},
		column{Key: "tasks", Label: "Passed"}, column{Key: "finished", Label: "Finished"})
	sorts := sortKeys()
	for i := range defs {
		c := &defs[i]
		u := cloneQuery(q)
		u.Set("sort", c.Key)
		dir := "desc"
		if !sorts[c.Key] {
			dir = "asc"
		}
		c.Aria = "none"
		if c.Key == key {
			if desc {
				c.Aria, c.Arrow, dir = "descending", " ▼", "asc"
			} else {
				c.Aria, c.Arrow, dir = "ascending", " ▲", "desc"
			}
		}
		u.Set("dir", dir)
		u.Del("all")
		if q.Get("all") == "1" {
			u.Set("all", "1")
		}
		c.Href = "?" + u.Encode()
	}
	return defs
}

// dimOf is an entry's score on a dimension (nil when it has none).
func dimOf(e *leaderboard.Entry, name string) *leaderboard.Score {
	if record.Dimension(name) == record.Composite {
		return &e.Composite
	}
	return e.Dims[record.Dimension(name)]
}

// compareBy orders two entries by a column, ascending; missing values
// sort first.
func compareBy(key string, a, b *leaderboard.Entry) int {
	switch key {
	case "competitor":
		return cmp.Compare(strings.ToLower(a.Competitor.Name), strings.ToLower(b.Competitor.Name))
	case "cpc":
		return cmpPtr(a.CostPerCorrect, b.CostPerCorrect)
	case "tasks":
		return cmp.Compare(a.Passed, b.Passed)
	case "finished":
		if a.FinishedAt == nil || b.FinishedAt == nil {
			return cmp.Compare(boolInt(a.FinishedAt != nil), boolInt(b.FinishedAt != nil))
		}
		return a.FinishedAt.Compare(*b.FinishedAt)
	case "rank":
		return cmp.Compare(a.Rank, b.Rank)
	}
	sa, sb := dimOf(a, key), dimOf(b, key)
	var va, vb *float64
	if sa != nil {
		va = &sa.Value
	}
	if sb != nil {
		vb = &sb.Value
	}
	return cmpPtr(va, vb)
}

func cmpPtr(a, b *float64) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	return cmp.Compare(*a, *b)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func rowOf(e leaderboard.Entry) lbRow {
	row := lbRow{E: e, CPC: "–"}
	if e.CostPerCorrect != nil {
		row.CPC = "$" + short(*e.CostPerCorrect)
	}
	for _, n := range dimNames() {
		row.Dims = append(row.Dims, scoreCell(dimOf(&e, n)))
	}
	return row
}

// scoreCell is a score's text ("72.3 [70.1, 74.5]") and interval bar.
func scoreCell(s *leaderboard.Score) dimCell {
	if s == nil {
		return dimCell{Text: "–"}
	}
	t := f1(s.Value)
	if s.CI95 != nil {
		t += " [" + f1(s.CI95[0]) + ", " + f1(s.CI95[1]) + "]"
	}
	return dimCell{Text: t, Bar: intervalBar(s.Value, s.CI95)}
}

// maxChartPoints bounds a Pareto chart to the best entries by composite.
const maxChartPoints = 200

// paretoCharts draws quality against cost per correct answer and against
// the median TTFT of each run's tasks.
func (w *Web) paretoCharts(ctx context.Context, es []leaderboard.Entry) (template.HTML, template.HTML, error) {
	es = es[:min(len(es), maxChartPoints)] // es is in rank order
	var cost, ttft []point
	ids := make([]string, 0, len(es))
	for _, e := range es {
		ids = append(ids, e.RunID)
	}
	med, err := medianTTFT(ctx, w.st, ids)
	if err != nil {
		return "", "", err
	}
	for _, e := range es {
		q := e.Dims[record.Quality]
		if q == nil {
			continue
		}
		href := "/runs/" + url.PathEscape(e.RunID)
		if e.CostPerCorrect != nil && *e.CostPerCorrect > 0 {
			cost = append(cost, point{Label: e.Competitor.Name, X: *e.CostPerCorrect, Y: q.Value, Href: href})
		}
		if m, ok := med[e.RunID]; ok {
			ttft = append(ttft, point{Label: e.Competitor.Name, X: m, Y: q.Value, Href: href})
		}
	}
	c := scatter(cost, scatterOpts{Title: "Quality against cost per correct answer (USD, log scale; lower is better)",
		XLabel: "$ per correct answer (log)", YLabel: "quality", LogX: true, LowerX: true})
	t := scatter(ttft, scatterOpts{Title: "Quality against median TTFT (ms; lower is better)",
		XLabel: "median TTFT, ms", YLabel: "quality", LowerX: true})
	return c, t, nil
}

// medianTTFT is each run's median task TTFT, read from the task rows.
func medianTTFT(ctx context.Context, st *leaderboard.Store, ids []string) (map[string]float64, error) {
	out := map[string]float64{}
	if len(ids) == 0 {
		return out, nil
	}
	db, err := st.SQLDB()
	if err != nil {
		return nil, err
	}
	ph := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		ph[i], args[i] = "?", id
		if st.Dialect() == "postgres" {
			ph[i] = "$" + strconv.Itoa(i+1)
		}
	}
	rows, err := db.QueryContext(ctx, "SELECT run_id, ttft_ms FROM task_results WHERE ttft_ms IS NOT NULL AND run_id IN ("+
		strings.Join(ph, ",")+")", args...)
	if err != nil {
		return nil, fmt.Errorf("task TTFTs: %w", err)
	}
	defer rows.Close()
	by := map[string][]float64{}
	for rows.Next() {
		var id string
		var v float64
		if err := rows.Scan(&id, &v); err != nil {
			return nil, fmt.Errorf("task TTFTs: %w", err)
		}
		by[id] = append(by[id], v)
	}
	for id, vs := range by {
		out[id], _ = stats.HighMedian(vs)
	}
	return out, rows.Err()
}

// ratings are the arena's Bradley-Terry ratings over every stored vote.
func (w *Web) ratings(ctx context.Context) (int, []leaderboard.Rating, error) {
	votes, err := w.st.Votes(ctx, leaderboard.VoteFilter{})
	if err != nil {
		return 0, nil, err
	}
	rs, err := leaderboard.BradleyTerry(votes, leaderboard.BTOptions{})
	return len(votes), rs, err
}
