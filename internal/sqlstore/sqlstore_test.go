package sqlstore

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
)

type note struct {
	ID   string `gorm:"primaryKey"`
	Text string
}

func (note) TableName() string { return "notes" }

var errNoNote = errors.New("no such note")

// TestTakeAndUpdateTake: a row found, a row missing (the caller's
// sentinel), an update read back, an update of nothing, and a failed
// update turned by the caller's function.
func TestTakeAndUpdateTake(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "s.db"), "test", []Migration{{Version: 1, Name: "notes",
		Stmts: []string{`CREATE TABLE notes (id TEXT PRIMARY KEY, text TEXT NOT NULL UNIQUE)`}}})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Gorm.Create(&[]note{{"a", "one"}, {"b", "two"}}).Error; err != nil {
		t.Fatal(err)
	}
	conflict := errors.New("conflict")
	turn := func(error) error { return conflict }
	cases := []struct {
		name    string
		run     func() (note, error)
		want    note
		wantErr error
	}{
		{"take", func() (note, error) { return Take[note](db.Gorm.Where("id = ?", "a"), errNoNote) }, note{"a", "one"}, nil},
		{"take missing", func() (note, error) { return Take[note](db.Gorm.Where("id = ?", "z"), errNoNote) }, note{}, errNoNote},
		{"update", func() (note, error) {
			return UpdateTake[note](ctx, db.Gorm, map[string]any{"text": "uno"}, errNoNote, turn, "id = ?", "a")
		}, note{"a", "uno"}, nil},
		{"update missing", func() (note, error) {
			return UpdateTake[note](ctx, db.Gorm, map[string]any{"text": "x"}, errNoNote, turn, "id = ?", "z")
		}, note{}, errNoNote},
		{"update fails", func() (note, error) {
			return UpdateTake[note](ctx, db.Gorm, map[string]any{"text": "two"}, errNoNote, turn, "id = ?", "a")
		}, note{}, conflict},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.run()
			if !errors.Is(err, c.wantErr) || (c.wantErr == nil && err != nil) {
				t.Fatalf("error %v, want %v", err, c.wantErr)
			}
			if err == nil && got != c.want {
				t.Errorf("row %+v, want %+v", got, c.want)
			}
		})
	}
}
