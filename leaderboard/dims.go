package leaderboard

import (
	"bytes"
	"cmp"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"gorm.io/gorm"

	"github.com/janus-bench/janus/record"
)

// dimRow is one run's score on one dimension: a run_scores row. The
// dimensions are rows, not run columns, so a dimension the scorer adds is
// stored, and read back, without a schema change. The composite stays a
// run column: the board orders and indexes by it.
type dimRow struct {
	RunID     string `gorm:"primaryKey"`
	Dimension string `gorm:"primaryKey"`
	Value     float64
	Lo        *float64
	Hi        *float64
}

func (dimRow) TableName() string { return "run_scores" }

// saveDims replaces run id's dimension rows with dims.
func saveDims(tx *gorm.DB, id string, dims Dims) error {
	if err := tx.Where("run_id = ?", id).Delete(&dimRow{}).Error; err != nil {
		return fmt.Errorf("clear dimension scores: %w", err)
	}
	rows := make([]dimRow, 0, len(dims))
	for d, sc := range dims {
		if sc == nil {
			continue
		}
		r := dimRow{RunID: id, Dimension: string(d), Value: sc.Value}
		if sc.CI95 != nil {
			lo, hi := sc.CI95[0], sc.CI95[1]
			r.Lo, r.Hi = &lo, &hi
		}
		rows = append(rows, r)
	}
	// A stable insert order keeps the statement the same for the same run.
	slices.SortFunc(rows, func(a, b dimRow) int { return cmp.Compare(a.Dimension, b.Dimension) })
	if len(rows) == 0 {
		return nil
	}
	if err := tx.Create(&rows).Error; err != nil {
		return fmt.Errorf("save dimension scores: %w", err)
	}
	return nil
}

// fillDims fills rows' Dims: from their dims_json, or, for runs stored
// before it, from run_scores (loadDims).
func fillDims(db *gorm.DB, rows ...*runRow) error {
	var rest []*runRow
	for _, r := range rows {
		if r.DimsJSON == "" {
			rest = append(rest, r)
			continue
		}
		r.Dims = Dims{}
		if err := json.Unmarshal([]byte(r.DimsJSON), &r.Dims); err != nil {
			return fmt.Errorf("decode dimension scores of run %s: %w", r.ID, err)
		}
	}
	if len(rest) == 0 {
		return nil
	}
	return loadDims(db, rest...)
}

// loadDims fills rows' Dims from run_scores, 500 runs per query. The rows
// are scanned by hand: a board reads five per entry, and reflection-based
// scanning doubled the board's time.
func loadDims(db *gorm.DB, rows ...*runRow) error {
	byID := make(map[string][]*runRow, len(rows))
	ids := make([]string, 0, len(rows))
	for _, r := range rows {
		r.Dims = Dims{}
		if _, seen := byID[r.ID]; !seen {
			ids = append(ids, r.ID)
		}
		byID[r.ID] = append(byID[r.ID], r)
	}
	for chunk := range slices.Chunk(ids, 500) {
		rs, err := db.Raw("SELECT run_id, dimension, value, lo, hi FROM run_scores WHERE run_id IN ?", chunk).Rows()
		if err != nil {
			return fmt.Errorf("read dimension scores: %w", err)
		}
		err = scanDims(rs, byID)
		if cerr := rs.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("read dimension scores: %w", err)
		}
	}
	return nil
}

// scanDims reads run_scores rows into the Dims of the runs byID names.
func scanDims(rs *sql.Rows, byID map[string][]*runRow) error {
	for rs.Next() {
		var (
			id, dim string
			v       float64
			lo, hi  *float64
		)
		if err := rs.Scan(&id, &dim, &v, &lo, &hi); err != nil {
			return err
		}
		sc := score(&v, lo, hi)
		for _, r := range byID[id] {
			r.Dims[record.Dimension(dim)] = sc
		}
	}
	return rs.Err()
}

// Dims are a run's scores on the dimensions it has, keyed by dimension.
// Summaries and board entries carry them as one map, and write each as a
// member of their own JSON object (the members they had as fields), so a
// dimension the scorer adds reaches the API without a field of its own.
type Dims map[record.Dimension]*Score

// members are d's scores as JSON object members in report order
// (record.Ordered), nil scores left out.
func (d Dims) members() ([]byte, error) {
	var b bytes.Buffer
	for _, name := range record.Ordered(slices.Collect(maps.Keys(d))) {
		sc := d[name]
		if sc == nil {
			continue
		}
		k, err := json.Marshal(string(name))
		if err != nil {
			return nil, fmt.Errorf("encode dimension %s: %w", name, err)
		}
		v, err := json.Marshal(sc)
		if err != nil {
			return nil, fmt.Errorf("encode dimension %s: %w", name, err)
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	return b.Bytes(), nil
}

// withDims is the JSON object obj with dims' members inserted before the
// first of the top-level keys before that obj has, or at its end. A key
// of obj is found by its bytes ,"key": which cannot occur inside a string
// (encoding/json escapes its quotes); callers name keys that nested
// objects do not use.
func withDims(obj []byte, dims Dims, before ...string) ([]byte, error) {
	m, err := dims.members()
	if err != nil || len(m) == 0 {
		return obj, err
	}
	at := len(obj) - 1 // the closing brace
	for _, k := range before {
		if i := bytes.Index(obj, []byte(`,"`+k+`":`)); i >= 0 && i < at {
			at = i
		}
	}
	out := make([]byte, 0, len(obj)+len(m)+1)
	out = append(out, obj[:at]...)
	if at == len(obj)-1 && bytes.Equal(bytes.TrimSpace(obj), []byte("{}")) {
		out = append(out, m...)
	} else {
		out = append(append(out, ','), m...)
	}
	return append(out, obj[at:]...), nil
}

// dimsOf reads the dimensions of a summary or an entry from its JSON
// object b: every member whose value is an object of Score's fields and
// nothing else. Other objects (the competitor, a report) have other
// fields and are left out.
func dimsOf(b []byte) (Dims, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("decode dimensions: %w", err)
	}
	var out Dims
	for k, v := range raw {
		v = bytes.TrimSpace(v)
		if len(v) == 0 || v[0] != '{' {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(v))
		dec.DisallowUnknownFields()
		var sc Score
		if dec.Decode(&sc) != nil || record.Dimension(k) == record.Composite {
			continue
		}
		if out == nil {
			out = Dims{}
		}
		out[record.Dimension(k)] = &sc
	}
	return out, nil
}

// MergeObjects is the JSON object with head's members and then tail's:
// how a type that embeds a summary (whose MarshalJSON would otherwise be
// promoted, losing the embedder's fields) writes itself.
func MergeObjects(head, tail []byte) []byte {
	head, tail = bytes.TrimSpace(head), bytes.TrimSpace(tail)
	if bytes.Equal(tail, []byte("{}")) {
		return head
	}
	if bytes.Equal(head, []byte("{}")) {
		return tail
	}
	out := make([]byte, 0, len(head)+len(tail))
	out = append(out, head[:len(head)-1]...)
	out = append(out, ',')
	return append(out, tail[1:]...)
}

// MarshalJSON writes the summary's fields with its dimensions after the
// composite, where they were fields.
func (s RunSummary) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(plainSummary(s))
	if err != nil {
		return nil, err
	}
	return withDims(b, s.Dims, "cost_usd", "cost_per_correct", "note")
}

// UnmarshalJSON reads MarshalJSON's form.
func (s *RunSummary) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, (*plainSummary)(s)); err != nil {
		return err
	}
	d, err := dimsOf(b)
	s.Dims = d
	return err
}

// plainSummary is RunSummary without its JSON methods.
type plainSummary RunSummary

// plainDetail is RunDetail's JSON form without the dimensions: the
// summary embedded as before, so its "tasks" count is still hidden by the
// task list.
type plainDetail struct {
	plainSummary
	Report *record.Report      `json:"report,omitempty"`
	Tasks  []record.TaskResult `json:"tasks"`
}

// MarshalJSON writes the summary with its dimensions after the composite,
// then the report and tasks.
func (d RunDetail) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(plainDetail{plainSummary: plainSummary(d.RunSummary), Report: d.Report, Tasks: d.Tasks})
	if err != nil {
		return nil, err
	}
	// The summary's keys come before the report's, so the first match is
	// the summary's own.
	return withDims(b, d.Dims, "cost_usd", "cost_per_correct", "note", "report", "tasks")
}

// UnmarshalJSON reads MarshalJSON's form.
func (d *RunDetail) UnmarshalJSON(b []byte) error {
	var p plainDetail
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	dims, err := dimsOf(b)
	*d = RunDetail{RunSummary: RunSummary(p.plainSummary), Report: p.Report, Tasks: p.Tasks}
	d.Dims = dims
	return err
}

// MarshalJSON writes the entry's fields with its dimensions after the
// composite, where they were fields.
func (e Entry) MarshalJSON() ([]byte, error) {
	type plain Entry
	b, err := json.Marshal(plain(e))
	if err != nil {
		return nil, err
	}
	return withDims(b, e.Dims, "cost_per_correct", "pareto_cost")
}

// UnmarshalJSON reads MarshalJSON's form.
func (e *Entry) UnmarshalJSON(b []byte) error {
	type plain Entry
	if err := json.Unmarshal(b, (*plain)(e)); err != nil {
		return err
	}
	d, err := dimsOf(b)
	e.Dims = d
	return err
}
