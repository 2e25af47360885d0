package sessions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/janus-bench/janus/internal/sqlstore"
)

const service = "sessions"

var migrations = []sqlstore.Migration{
	{Version: 1, Name: "browser sessions", Stmts: []string{
		`CREATE TABLE browser_sessions (
			id TEXT PRIMARY KEY,
			user_id TEXT NOT NULL,
			name TEXT NOT NULL,
			description TEXT,
			domains TEXT NOT NULL,
			state {BLOB} NOT NULL,
			key_id TEXT NOT NULL,
			expires_at {TS},
			created_at {TS} NOT NULL,
			updated_at {TS} NOT NULL,
			UNIQUE (user_id, name))`,
	}},
}

// row is one stored session; State is the sealed storage state.
type row struct {
	ID          string `gorm:"primaryKey"`
	UserID      string
	Name        string
	Description *string
	Domains     string
	State       []byte
	KeyID       string
	ExpiresAt   *time.Time
	CreatedAt   time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt   time.Time `gorm:"autoUpdateTime:false"`
}

// TableName implements gorm's tabler.
func (row) TableName() string { return "browser_sessions" }

func (r row) summary() Summary {
	var ds []string
	_ = json.Unmarshal([]byte(r.Domains), &ds)
	if ds == nil {
		ds = []string{}
	}
	s := Summary{ID: r.ID, Name: r.Name, Description: r.Description, Domains: ds, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if r.ExpiresAt != nil {
		t := r.ExpiresAt.UTC()
		s.ExpiresAt = &t
	}
	return s
}

var (
	errNotFound = errors.New("session not found")
	errConflict = errors.New("a session with this name exists")
)

func isUnique(err error) bool {
	s := strings.ToLower(err.Error())
	return strings.Contains(s, "unique") || strings.Contains(s, "duplicate key")
}

type store struct{ db *sqlstore.DB }

func (s *store) create(ctx context.Context, r row) error {
	if err := s.db.Gorm.WithContext(ctx).Create(&r).Error; err != nil {
		if isUnique(err) {
			return errConflict
		}
		return fmt.Errorf("insert session: %w", err)
	}
	return nil
}

func (s *store) get(ctx context.Context, user, id string) (row, error) {
	return sqlstore.Take[row](s.db.Gorm.WithContext(ctx).Where("user_id = ? AND id = ?", user, id), errNotFound)
}

func (s *store) byName(ctx context.Context, user, name string) (row, error) {
	return sqlstore.Take[row](s.db.Gorm.WithContext(ctx).Where("user_id = ? AND name = ?", user, name), errNotFound)
}

func (s *store) list(ctx context.Context, user string) ([]row, error) {
	var rs []row
	err := s.db.Gorm.WithContext(ctx).Omit("state").Where("user_id = ?", user).Order("created_at DESC, id").Find(&rs).Error
	return rs, err
}

func (s *store) update(ctx context.Context, user, id string, upd map[string]any) (row, error) {
	return sqlstore.UpdateTake[row](ctx, s.db.Gorm, upd, errNotFound, func(err error) error {
		if isUnique(err) {
			return errConflict
		}
		return fmt.Errorf("update session: %w", err)
	}, "user_id = ? AND id = ?", user, id)
}

func (s *store) remove(ctx context.Context, user, id string) error {
	res := s.db.Gorm.WithContext(ctx).Where("user_id = ? AND id = ?", user, id).Delete(&row{})
	if res.Error != nil {
		return fmt.Errorf("delete session: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return errNotFound
	}
	return nil
}

// RotateSecret re-encrypts every session sealed under from with to, in
// one transaction: if any row fails to decrypt, nothing changes and the
// error names the row. Rows already under to are left alone. It returns
// how many rows were re-encrypted.
func RotateSecret(ctx context.Context, dsn string, from, to *Keyring) (int, error) {
	db, err := sqlstore.Open(ctx, dsn, service, migrations)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	n := 0
	err = db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if db.Dialect == "postgres" {
			if err := tx.Exec("LOCK TABLE browser_sessions IN EXCLUSIVE MODE").Error; err != nil {
				return fmt.Errorf("lock sessions: %w", err)
			}
		}
		var rs []row
		if err := tx.Select("id", "user_id", "state", "key_id").Find(&rs).Error; err != nil {
			return fmt.Errorf("read sessions: %w", err)
		}
		for _, r := range rs {
			if r.KeyID == to.ID() {
				continue
			}
			if r.KeyID != from.ID() {
				return fmt.Errorf("session %s is sealed under key %s, neither the old (%s) nor the new secret", r.ID, r.KeyID, from.ID())
			}
			pt, err := from.Open(r.UserID, r.ID, r.State)
			if err != nil {
				return fmt.Errorf("session %s: %w", r.ID, err)
			}
			sealed, err := to.Seal(r.UserID, r.ID, pt)
			clear(pt)
			if err != nil {
				return fmt.Errorf("session %s: seal: %w", r.ID, err)
			}
			if err := tx.Model(&row{}).Where("id = ?", r.ID).Updates(map[string]any{"state": sealed, "key_id": to.ID()}).Error; err != nil {
				return fmt.Errorf("session %s: write: %w", r.ID, err)
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("rotate secret: %w (nothing was changed)", err)
	}
	return n, nil
}
