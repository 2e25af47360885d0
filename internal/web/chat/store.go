package chat

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/janus-bench/janus/internal/sqlstore"
)

// service names the chat's migrations table (chat_schema_migrations), so
// the chat shares the service's database without touching its schema.
const service = "chat"

var migrations = []sqlstore.Migration{
	{Version: 1, Name: "chat conversations", Stmts: []string{
		`CREATE TABLE chat_conversations (
			id TEXT PRIMARY KEY,
			owner TEXT NOT NULL,
			title TEXT NOT NULL DEFAULT '',
			messages TEXT NOT NULL DEFAULT '[]',
			created_at {TS} NOT NULL,
			updated_at {TS} NOT NULL)`,
		`CREATE INDEX chat_conversations_owner ON chat_conversations (owner, updated_at)`,
	}},
}

// Store limits: a conversation is stored whole on every save, so its size
// is bounded; a user's count is bounded so one account cannot fill the disk.
const (
	// MaxTitle is the longest title, in characters.
	MaxTitle = 200
	// DefaultMaxConversationBytes bounds one conversation's stored messages.
	DefaultMaxConversationBytes = 8 << 20
	// DefaultMaxConversations bounds the conversations one user keeps.
	DefaultMaxConversations = 500
)

// ErrNotFound is returned for a conversation that does not exist or
// belongs to another user: the two are not told apart, so ids cannot be
// probed.
var ErrNotFound = errors.New("conversation not found")

// LimitError is a save refused because it would break a store limit.
type LimitError struct{ Msg string }

func (e *LimitError) Error() string { return e.Msg }

// Store keeps conversations per user in a sqlstore database.
type Store struct {
	db       *sqlstore.DB
	own      bool
	maxBytes int
	maxConvs int
	now      func() time.Time
}

// Conversation is one stored thread. Messages is the client's JSON array,
// kept as sent (the client renders it; the server only bounds it).
type Conversation struct {
	ID        string          `json:"id"`
	Title     string          `json:"title"`
	Messages  json.RawMessage `json:"messages,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
}

type convRow struct {
	ID        string `gorm:"primaryKey"`
	Owner     string
	Title     string
	Messages  string
	CreatedAt time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt time.Time `gorm:"autoUpdateTime:false"`
}

// TableName implements gorm's tabler.
func (convRow) TableName() string { return "chat_conversations" }

// Open opens the chat store at dsn (the service's store DSN: SQLite path
// or postgres:// URL) and applies its migrations.
func Open(ctx context.Context, dsn string) (*Store, error) {
	db, err := sqlstore.Open(ctx, dsn, service, migrations)
	if err != nil {
		return nil, err
	}
	s := NewStore(db)
	s.own = true
	return s, nil
}

// NewStore uses an already open database; Close then leaves it open.
// The caller must have applied Migrations (Open does).
func NewStore(db *sqlstore.DB) *Store {
	return &Store{db: db, maxBytes: DefaultMaxConversationBytes, maxConvs: DefaultMaxConversations, now: time.Now}
}

// Close closes the database if Open opened it.
func (s *Store) Close() error {
	if s.own {
		return s.db.Close()
	}
	return nil
}

// List returns the owner's conversations, newest first, without messages.
func (s *Store) List(ctx context.Context, owner string) ([]Conversation, error) {
	var rows []convRow
	err := s.db.Gorm.WithContext(ctx).Select("id", "title", "created_at", "updated_at").
		Where("owner = ?", owner).Order("updated_at DESC").Limit(s.maxConvs).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list conversations: %w", err)
	}
	out := make([]Conversation, len(rows))
	for i, r := range rows {
		out[i] = Conversation{ID: r.ID, Title: r.Title, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	}
	return out, nil
}

// Get returns one of the owner's conversations with its messages.
func (s *Store) Get(ctx context.Context, owner, id string) (Conversation, error) {
	r, err := sqlstore.Take[convRow](s.db.Gorm.WithContext(ctx).Where("id = ? AND owner = ?", id, owner), ErrNotFound)
	if errors.Is(err, ErrNotFound) {
		return Conversation{}, err
	}
	if err != nil {
		return Conversation{}, fmt.Errorf("get conversation %s: %w", id, err)
	}
	return Conversation{ID: r.ID, Title: r.Title, Messages: json.RawMessage(r.Messages),
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}, nil
}

// Create starts a conversation for owner.
func (s *Store) Create(ctx context.Context, owner, title string) (Conversation, error) {
	title, err := cleanTitle(title)
	if err != nil {
		return Conversation{}, err
	}
	var n int64
	if err := s.db.Gorm.WithContext(ctx).Model(&convRow{}).Where("owner = ?", owner).Count(&n).Error; err != nil {
		return Conversation{}, fmt.Errorf("count conversations: %w", err)
	}
	if n >= int64(s.maxConvs) {
		return Conversation{}, &LimitError{fmt.Sprintf("you keep %d conversations, the most allowed; delete some first", n)}
	}
	now := s.now().UTC()
	r := convRow{ID: newID(), Owner: owner, Title: title, Messages: "[]", CreatedAt: now, UpdatedAt: now}
	if err := s.db.Gorm.WithContext(ctx).Create(&r).Error; err != nil {
		return Conversation{}, fmt.Errorf("create conversation: %w", err)
	}
	return Conversation{ID: r.ID, Title: r.Title, Messages: json.RawMessage(r.Messages), CreatedAt: now, UpdatedAt: now}, nil
}

// Update renames a conversation (title non-nil) and/or replaces its
// messages (messages non-nil: a JSON array within the size limit).
func (s *Store) Update(ctx context.Context, owner, id string, title *string, messages json.RawMessage) error {
	set := map[string]any{"updated_at": s.now().UTC()}
	if title != nil {
		t, err := cleanTitle(*title)
		if err != nil {
			return err
		}
		set["title"] = t
	}
	if messages != nil {
		if err := s.checkMessages(messages); err != nil {
			return err
		}
		set["messages"] = string(messages)
	}
	res := s.db.Gorm.WithContext(ctx).Model(&convRow{}).Where("id = ? AND owner = ?", id, owner).Updates(set)
	if res.Error != nil {
		return fmt.Errorf("update conversation %s: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// Delete removes one of the owner's conversations.
func (s *Store) Delete(ctx context.Context, owner, id string) error {
	res := s.db.Gorm.WithContext(ctx).Where("id = ? AND owner = ?", id, owner).Delete(&convRow{})
	if res.Error != nil {
		return fmt.Errorf("delete conversation %s: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// checkMessages accepts a JSON array within the size limit.
func (s *Store) checkMessages(m json.RawMessage) error {
	if len(m) > s.maxBytes {
		return &LimitError{fmt.Sprintf("messages: %d bytes, more than the %d a conversation may keep", len(m), s.maxBytes)}
	}
	var arr []json.RawMessage
	if err := json.Unmarshal(m, &arr); err != nil {
		return &LimitError{"messages: must be a JSON array: " + err.Error()}
	}
	return nil
}

// cleanTitle trims a title and checks its length and encoding.
func cleanTitle(t string) (string, error) {
	t = strings.TrimSpace(t)
	if !utf8.ValidString(t) {
		return "", &LimitError{"title: not valid UTF-8"}
	}
	if utf8.RuneCountInString(t) > MaxTitle {
		return "", &LimitError{fmt.Sprintf("title: longer than %d characters", MaxTitle)}
	}
	if t == "" {
		t = "New chat"
	}
	return t, nil
}

// newID is a random conversation id, also sent to competitors as the
// thread id (x-openwebui-chat-id).
func newID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "c-" + hex.EncodeToString(b[:])
}
