package leaderboard

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm/clause"
)

// Vote winners.
const (
	WinnerA       = "A"
	WinnerB       = "B"
	WinnerTie     = "tie"
	WinnerBothBad = "both_bad"
)

// Vote is one arena judgement between two competitors' answers to the same
// prompt, in the JSON shape the gateway writes one per line.
type Vote struct {
	ID          string `json:"id"`
	PromptID    string `json:"prompt_id"`
	PromptHash  string `json:"prompt_hash"`
	CompetitorA string `json:"competitor_a"`
	CompetitorB string `json:"competitor_b"`
	Winner      string `json:"winner"`
	// Voter is a hashed key or address, never the raw one.
	Voter     string    `json:"voter"`
	CreatedAt time.Time `json:"created_at"`
	VotedAt   time.Time `json:"voted_at"`
}

// UnmarshalJSON reads the times as RFC 3339 strings, allowing an empty
// created_at (a vote whose prompt time the writer did not know); voted_at
// is checked by Validate.
func (v *Vote) UnmarshalJSON(b []byte) error {
	type plain Vote
	var w struct {
		plain
		CreatedAt string `json:"created_at"`
		VotedAt   string `json:"voted_at"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return err
	}
	*v = Vote(w.plain)
	for _, f := range []struct {
		name string
		s    string
		t    *time.Time
	}{{"created_at", w.CreatedAt, &v.CreatedAt}, {"voted_at", w.VotedAt, &v.VotedAt}} {
		if f.s == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, f.s)
		if err != nil {
			return fmt.Errorf("%s: %q is not an RFC 3339 time", f.name, f.s)
		}
		*f.t = t
	}
	return nil
}

// Validate checks what the ratings rely on.
func (v Vote) Validate() error {
	switch {
	case v.ID == "":
		return errors.New("id: empty")
	case v.CompetitorA == "":
		return errors.New("competitor_a: empty")
	case v.CompetitorB == "":
		return errors.New("competitor_b: empty")
	case v.CompetitorA == v.CompetitorB:
		return fmt.Errorf("competitor_b: same as competitor_a (%q)", v.CompetitorA)
	case v.Winner != WinnerA && v.Winner != WinnerB && v.Winner != WinnerTie && v.Winner != WinnerBothBad:
		return fmt.Errorf("winner: %q: want A, B, tie or both_bad", v.Winner)
	case v.VotedAt.IsZero():
		return errors.New("voted_at: missing")
	}
	return nil
}

// VoteError is a bad line of a votes file.
type VoteError struct {
	File string
	Line int
	Err  error
}

func (e *VoteError) Error() string { return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err) }
func (e *VoteError) Unwrap() error { return e.Err }

// maxVoteLine bounds one JSONL line (a vote is a few hundred bytes).
const maxVoteLine = 1 << 20

// ParseVotes reads votes as JSON Lines (blank lines skipped); name is used
// in errors, which carry the line number. Unknown fields are rejected so a
// schema drift between writer and reader shows at once.
func ParseVotes(r io.Reader, name string) ([]Vote, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxVoteLine)
	var out []Vote
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		var v Vote
		if err := dec.Decode(&v); err != nil {
			return nil, &VoteError{File: name, Line: line, Err: err}
		}
		if dec.More() {
			return nil, &VoteError{File: name, Line: line, Err: errors.New("more than one JSON value on the line")}
		}
		if err := v.Validate(); err != nil {
			return nil, &VoteError{File: name, Line: line, Err: err}
		}
		v.CreatedAt, v.VotedAt = v.CreatedAt.UTC(), v.VotedAt.UTC()
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		return nil, &VoteError{File: name, Line: line + 1, Err: err}
	}
	return out, nil
}

type voteRow struct {
	ID          string `gorm:"primaryKey"`
	PromptID    string
	PromptHash  string
	CompetitorA string `gorm:"column:competitor_a"`
	CompetitorB string `gorm:"column:competitor_b"`
	Winner      string
	Voter       string
	CreatedAt   time.Time `gorm:"autoCreateTime:false"`
	VotedAt     time.Time
}

func (voteRow) TableName() string { return "votes" }

// AddVotes stores votes, skipping ids already stored; added counts the new
// ones. Invalid votes are rejected before anything is written.
func (s *Store) AddVotes(ctx context.Context, votes []Vote) (int, error) {
	rows := make([]voteRow, 0, len(votes))
	for i, v := range votes {
		if err := v.Validate(); err != nil {
			return 0, fmt.Errorf("add votes: vote %d: %w", i, err)
		}
		rows = append(rows, voteRow{ID: v.ID, PromptID: v.PromptID, PromptHash: v.PromptHash, CompetitorA: v.CompetitorA,
			CompetitorB: v.CompetitorB, Winner: v.Winner, Voter: v.Voter, CreatedAt: v.CreatedAt.UTC(), VotedAt: v.VotedAt.UTC()})
	}
	added := 0
	tx := s.db.WithContext(ctx).Begin()
	if tx.Error != nil {
		return 0, fmt.Errorf("add votes: %w", tx.Error)
	}
	for chunk := range slices.Chunk(rows, 500) {
		res := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "id"}}, DoNothing: true}).Create(&chunk)
		if res.Error != nil {
			tx.Rollback()
			return 0, fmt.Errorf("add votes: %w", res.Error)
		}
		added += int(res.RowsAffected)
	}
	if err := tx.Commit().Error; err != nil {
		return 0, fmt.Errorf("add votes: %w", err)
	}
	return added, nil
}

// VoteFilter selects stored votes; zero fields do not filter.
type VoteFilter struct {
	Since time.Time
	// Competitor keeps votes where it is A or B.
	Competitor string
}

// Votes returns stored votes ordered by vote time, then id.
func (s *Store) Votes(ctx context.Context, f VoteFilter) ([]Vote, error) {
	q := s.db.WithContext(ctx).Model(&voteRow{})
	if !f.Since.IsZero() {
		q = q.Where("voted_at >= ?", f.Since.UTC())
	}
	if c := strings.TrimSpace(f.Competitor); c != "" {
		q = q.Where("competitor_a = ? OR competitor_b = ?", c, c)
	}
	var rows []voteRow
	if err := q.Order("voted_at, id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("read votes: %w", err)
	}
	out := make([]Vote, len(rows))
	for i, r := range rows {
		out[i] = Vote{ID: r.ID, PromptID: r.PromptID, PromptHash: r.PromptHash, CompetitorA: r.CompetitorA,
			CompetitorB: r.CompetitorB, Winner: r.Winner, Voter: r.Voter, CreatedAt: r.CreatedAt.UTC(), VotedAt: r.VotedAt.UTC()}
	}
	return out, nil
}
