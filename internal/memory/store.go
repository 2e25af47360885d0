package memory

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/janus-bench/janus/internal/sqlstore"
)

// service names the store's migrations table (memory_schema_migrations).
const service = "memory"

var migrations = []sqlstore.Migration{
	{Version: 1, Name: "memories and extractions", Stmts: []string{
		`CREATE TABLE memories (
			id TEXT PRIMARY KEY,
			user_id TEXT NOT NULL,
			caption TEXT NOT NULL,
			full_text TEXT NOT NULL,
			source_message INTEGER NOT NULL DEFAULT 0,
			source_role TEXT NOT NULL DEFAULT '',
			source_text TEXT NOT NULL DEFAULT '',
			seq BIGINT NOT NULL,
			created_at {TS} NOT NULL,
			last_used_at {TS} NOT NULL,
			use_count INTEGER NOT NULL DEFAULT 0)`,
		`CREATE INDEX memories_user_lru ON memories (user_id, last_used_at, seq)`,
		`CREATE TABLE memory_extractions (
			user_id TEXT NOT NULL,
			conversation_hash TEXT NOT NULL,
			memories_extracted INTEGER NOT NULL DEFAULT 0,
			processed_at {TS} NOT NULL,
			PRIMARY KEY (user_id, conversation_hash))`,
	}},
	// Vectors for embedding recall live beside the text; embed_model says
	// which model made them, so a change of model re-embeds lazily.
	{Version: 2, Name: "embedding vectors", Stmts: []string{
		`ALTER TABLE memories ADD COLUMN embedding {BLOB}`,
		`ALTER TABLE memories ADD COLUMN embed_model TEXT NOT NULL DEFAULT ''`,
	}},
}

// row is one stored memory.
type row struct {
	ID            string `gorm:"primaryKey"`
	UserID        string
	Caption       string
	FullText      string
	SourceMessage int
	SourceRole    string
	SourceText    string
	Seq           int64
	CreatedAt     time.Time `gorm:"autoCreateTime:false"`
	LastUsedAt    time.Time
	UseCount      int
	Embedding     []byte
	EmbedModel    string
}

// TableName implements gorm's tabler.
func (row) TableName() string { return "memories" }

func (r row) full() Full {
	return Full{ID: r.ID, Caption: r.Caption, FullText: r.FullText, SourceMessage: r.SourceMessage,
		SourceRole: r.SourceRole, SourceText: r.SourceText, CreatedAt: r.CreatedAt.UTC(), LastUsedAt: r.LastUsedAt.UTC(), UseCount: r.UseCount}
}

// errNotFound is a memory that does not exist for the user.
var errNotFound = errors.New("memory not found")

// store is the memory store.
type store struct {
	db *sqlstore.DB
}

func newID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "mem_" + hex.EncodeToString(b[:])
}

// normCaption is the key under which two memories are the same fact.
func normCaption(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}

// saveResult is what save did.
type saveResult struct {
	saved     []row
	refreshed []string
	evicted   []string
	total     int
	duplicate bool
}

// userLock serialises one user's writes on PostgreSQL (SQLite's BEGIN
// IMMEDIATE already serialises all writers), so two extractions cannot
// both see room under the cap.
func (s *store) userLock(tx *gorm.DB, user string) error {
	if s.db.Dialect != "postgres" {
		return nil
	}
	h := fnv.New64a()
	h.Write([]byte("memory:" + user))
	return tx.Exec("SELECT pg_advisory_xact_lock(?)", int64(h.Sum64()>>1)).Error
}

// save stores new memories, the extraction record and the cap's evictions
// in one transaction: all of it or none. A memory whose caption the user
// already has refreshes that one instead of adding a twin.
func (s *store) save(ctx context.Context, user, convHash string, items []row, capacity int, now time.Time) (saveResult, error) {
	var res saveResult
	err := s.db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.userLock(tx, user); err != nil {
			return fmt.Errorf("lock user: %w", err)
		}
		var seen int64
		if err := tx.Table("memory_extractions").Where("user_id = ? AND conversation_hash = ?", user, convHash).Count(&seen).Error; err != nil {
			return fmt.Errorf("read extractions: %w", err)
		}
		if seen > 0 {
			res.duplicate = true
			return nil
		}
		var existing []row
		if err := tx.Select("id", "caption").Where("user_id = ?", user).Find(&existing).Error; err != nil {
			return fmt.Errorf("read memories: %w", err)
		}
		byCaption := map[string]string{}
		for _, e := range existing {
			byCaption[normCaption(e.Caption)] = e.ID
		}
		for i := range items {
			it := items[i]
			if id, dup := byCaption[normCaption(it.Caption)]; dup {
				if err := tx.Model(&row{}).Where("id = ?", id).Updates(map[string]any{"last_used_at": now}).Error; err != nil {
					return fmt.Errorf("refresh memory: %w", err)
				}
				res.refreshed = append(res.refreshed, id)
				continue
			}
			it.ID, it.UserID, it.CreatedAt, it.LastUsedAt, it.Seq = newID(), user, now, now, now.UnixNano()+int64(i)
			if err := tx.Create(&it).Error; err != nil {
				return fmt.Errorf("insert memory: %w", err)
			}
			byCaption[normCaption(it.Caption)] = it.ID
			res.saved = append(res.saved, it)
		}
		if err := tx.Exec("INSERT INTO memory_extractions (user_id, conversation_hash, memories_extracted, processed_at) VALUES (?, ?, ?, ?)",
			user, convHash, len(res.saved), now).Error; err != nil {
			return fmt.Errorf("record extraction: %w", err)
		}
		ev, err := evict(tx, user, capacity)
		if err != nil {
			return err
		}
		res.evicted = ev
		return nil
	})
	if err != nil {
		return saveResult{}, err
	}
	kept := res.saved[:0]
	gone := map[string]bool{}
	for _, id := range res.evicted {
		gone[id] = true
	}
	for _, r := range res.saved {
		if !gone[r.ID] {
			kept = append(kept, r)
		}
	}
	res.saved = kept
	total, err := s.count(ctx, user)
	res.total = total
	return res, err
}

// evict deletes the user's least recently used memories beyond capacity:
// oldest last_used_at first, and among equals the oldest insertion.
func evict(tx *gorm.DB, user string, capacity int) ([]string, error) {
	var n int64
	if err := tx.Model(&row{}).Where("user_id = ?", user).Count(&n).Error; err != nil {
		return nil, fmt.Errorf("count memories: %w", err)
	}
	if capacity <= 0 || int(n) <= capacity {
		return nil, nil
	}
	var ids []string
	if err := tx.Model(&row{}).Where("user_id = ?", user).Order("last_used_at ASC, seq ASC").
		Limit(int(n)-capacity).Pluck("id", &ids).Error; err != nil {
		return nil, fmt.Errorf("pick evictions: %w", err)
	}
	if err := tx.Where("id IN ?", ids).Delete(&row{}).Error; err != nil {
		return nil, fmt.Errorf("evict: %w", err)
	}
	return ids, nil
}

func (s *store) count(ctx context.Context, user string) (int, error) {
	var n int64
	if err := s.db.Gorm.WithContext(ctx).Model(&row{}).Where("user_id = ?", user).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count memories: %w", err)
	}
	return int(n), nil
}

// all returns the user's memories, newest first.
func (s *store) all(ctx context.Context, user string) ([]row, error) {
	var rs []row
	if err := s.db.Gorm.WithContext(ctx).Where("user_id = ?", user).Order("seq DESC").Find(&rs).Error; err != nil {
		return nil, fmt.Errorf("read memories: %w", err)
	}
	return rs, nil
}

// page returns limit memories from offset, newest first.
func (s *store) page(ctx context.Context, user string, limit, offset int) ([]row, error) {
	var rs []row
	if err := s.db.Gorm.WithContext(ctx).Where("user_id = ?", user).Order("seq DESC").Limit(limit).Offset(offset).Find(&rs).Error; err != nil {
		return nil, fmt.Errorf("list memories: %w", err)
	}
	return rs, nil
}

// byIDs returns the user's memories among ids (others' are not found) and
// marks them used.
func (s *store) byIDs(ctx context.Context, user string, ids []string, now time.Time) ([]row, error) {
	var rs []row
	if err := s.db.Gorm.WithContext(ctx).Where("user_id = ? AND id IN ?", user, ids).Order("seq DESC").Find(&rs).Error; err != nil {
		return nil, fmt.Errorf("read memories: %w", err)
	}
	return rs, s.touch(ctx, user, rowIDs(rs), now)
}

func rowIDs(rs []row) []string {
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	return ids
}

// touch marks memories as used: recall and reads keep them from eviction.
func (s *store) touch(ctx context.Context, user string, ids []string, now time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	err := s.db.Gorm.WithContext(ctx).Model(&row{}).Where("user_id = ? AND id IN ?", user, ids).
		Updates(map[string]any{"last_used_at": now, "use_count": gorm.Expr("use_count + 1")}).Error
	if err != nil {
		return fmt.Errorf("mark memories used: %w", err)
	}
	return nil
}

// setVectors stores embeddings computed for existing memories.
func (s *store) setVectors(ctx context.Context, user, model string, rs []row) error {
	return s.db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, r := range rs {
			if err := tx.Model(&row{}).Where("user_id = ? AND id = ?", user, r.ID).
				Updates(map[string]any{"embedding": r.Embedding, "embed_model": model}).Error; err != nil {
				return fmt.Errorf("store vector: %w", err)
			}
		}
		return nil
	})
}

// patch changes a memory's caption and/or text (and its vector).
func (s *store) patch(ctx context.Context, user, id string, upd map[string]any) (row, error) {
	return sqlstore.UpdateTake[row](ctx, s.db.Gorm, upd, errNotFound,
		func(err error) error { return fmt.Errorf("update memory: %w", err) }, "user_id = ? AND id = ?", user, id)
}

// get returns one of the user's memories.
func (s *store) get(ctx context.Context, user, id string) (row, error) {
	return sqlstore.Take[row](s.db.Gorm.WithContext(ctx).Where("user_id = ? AND id = ?", user, id), errNotFound)
}

// remove deletes one memory, or every memory of the user when id is "".
func (s *store) remove(ctx context.Context, user, id string) (int, error) {
	q := s.db.Gorm.WithContext(ctx).Where("user_id = ?", user)
	if id != "" {
		q = q.Where("id = ?", id)
	}
	res := q.Delete(&row{})
	if res.Error != nil {
		return 0, fmt.Errorf("delete memories: %w", res.Error)
	}
	if id == "" {
		if err := s.db.Gorm.WithContext(ctx).Exec("DELETE FROM memory_extractions WHERE user_id = ?", user).Error; err != nil {
			return 0, fmt.Errorf("delete extraction records: %w", err)
		}
	}
	return int(res.RowsAffected), nil
}
