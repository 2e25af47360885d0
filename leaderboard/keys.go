package leaderboard

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// API key roles of the scoring service.
const (
	RoleAdmin     = "admin"     // registers competitors and starts runs for anyone
	RoleSubmitter = "submitter" // its own competitors and runs
)

// APIKey is a scoring-service key as stored and listed: never its secret.
type APIKey struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Role      string     `json:"role"`
	Quota     int        `json:"quota"` // queued+running runs allowed; 0: no limit
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

type keyRow struct {
	ID           string `gorm:"primaryKey"`
	Name         string
	Role         string
	SecretSHA256 string `gorm:"column:secret_sha256"`
	Quota        int
	CreatedAt    time.Time
	RevokedAt    *time.Time
}

func (keyRow) TableName() string { return "api_keys" }

// keyPrefix starts every key, so a leaked one is recognisable (secret
// scanners) and a bearer token that is not a janus key is told apart.
const keyPrefix = "jk_"

// ErrBadKey is an unknown, malformed or revoked API key.
var ErrBadKey = errors.New("invalid API key")

// CreateKey stores a new key and returns it with its token, shown once:
// "jk_<id>_<secret>". Only the secret's SHA-256 is stored; the secret has
// 256 bits, so a plain hash is enough (no password stretching needed).
func (s *Store) CreateKey(ctx context.Context, name, role string, quota int) (APIKey, string, error) {
	if role != RoleAdmin && role != RoleSubmitter {
		return APIKey{}, "", &InputError{Op: "create key", Err: fmt.Errorf("role %q: want admin or submitter", role)}
	}
	if strings.TrimSpace(name) == "" {
		return APIKey{}, "", &InputError{Op: "create key", Err: errors.New("name is empty")}
	}
	if quota < 0 {
		return APIKey{}, "", &InputError{Op: "create key", Err: fmt.Errorf("quota %d: must not be negative", quota)}
	}
	var idb [8]byte
	var sec [32]byte
	if _, err := rand.Read(idb[:]); err != nil {
		return APIKey{}, "", fmt.Errorf("create key: %w", err)
	}
	if _, err := rand.Read(sec[:]); err != nil {
		return APIKey{}, "", fmt.Errorf("create key: %w", err)
	}
	id := hex.EncodeToString(idb[:])
	secret := base64.RawURLEncoding.EncodeToString(sec[:])
	sum := sha256.Sum256([]byte(secret))
	row := keyRow{ID: id, Name: name, Role: role, SecretSHA256: hex.EncodeToString(sum[:]), Quota: quota, CreatedAt: time.Now().UTC()}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return APIKey{}, "", fmt.Errorf("create key: %w", err)
	}
	return apiKeyOf(row), keyPrefix + id + "_" + secret, nil
}

func apiKeyOf(r keyRow) APIKey {
	return APIKey{ID: r.ID, Name: r.Name, Role: r.Role, Quota: r.Quota, CreatedAt: r.CreatedAt.UTC(), RevokedAt: utcPtr(r.RevokedAt)}
}

// ListKeys lists the keys, oldest first.
func (s *Store) ListKeys(ctx context.Context) ([]APIKey, error) {
	var rows []keyRow
	if err := s.db.WithContext(ctx).Order("created_at, id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	out := make([]APIKey, 0, len(rows))
	for _, r := range rows {
		out = append(out, apiKeyOf(r))
	}
	return out, nil
}

// RevokeKey revokes a key by id; an unknown id is an input error.
func (s *Store) RevokeKey(ctx context.Context, id string) error {
	res := s.db.WithContext(ctx).Model(&keyRow{}).Where("id = ? AND revoked_at IS NULL", id).Update("revoked_at", time.Now().UTC())
	if res.Error != nil {
		return fmt.Errorf("revoke key %s: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return &InputError{Op: "revoke key", Err: fmt.Errorf("no active key %q", id)}
	}
	return nil
}

// HasKeys says whether any key (revoked or not) exists.
func (s *Store) HasKeys(ctx context.Context) (bool, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&keyRow{}).Count(&n).Error; err != nil {
		return false, fmt.Errorf("count keys: %w", err)
	}
	return n > 0, nil
}

// Authenticate checks a bearer token and returns its key. The secret is
// compared by its hash in constant time; the id only finds the row.
func (s *Store) Authenticate(ctx context.Context, token string) (APIKey, error) {
	rest, ok := strings.CutPrefix(token, keyPrefix)
	id, secret, ok2 := strings.Cut(rest, "_")
	if !ok || !ok2 || len(id) != 16 || secret == "" || len(secret) > 128 {
		return APIKey{}, ErrBadKey
	}
	var row keyRow
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&row).Error
	sum := sha256.Sum256([]byte(secret))
	got := hex.EncodeToString(sum[:])
	if errors.Is(err, gorm.ErrRecordNotFound) {
		// Same work as a hit, so timing does not tell ids apart.
		subtle.ConstantTimeCompare([]byte(got), []byte(strings.Repeat("0", len(got))))
		return APIKey{}, ErrBadKey
	}
	if err != nil {
		return APIKey{}, fmt.Errorf("authenticate: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(got), []byte(row.SecretSHA256)) != 1 || row.RevokedAt != nil {
		return APIKey{}, ErrBadKey
	}
	return apiKeyOf(row), nil
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
