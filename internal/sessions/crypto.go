package sessions

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
)

// SecretBytes is the server secret's length.
const SecretBytes = 32

// EnvSecret holds the server secret (base64 of 32 bytes) when no secret
// file is given.
const EnvSecret = "JANUS_SESSIONS_SECRET"

// ErrNoSecret is a start without a server secret: there is no default.
var ErrNoSecret = errors.New("sessions: no server secret: set " + EnvSecret + " or --secret-file (base64 of 32 random bytes; `janus sessions gen-secret` makes one)")

// Keyring derives per-user AES-256-GCM keys from the server secret with
// HKDF-SHA256 (info "janus-browser-session/v1:" + user id).
type Keyring struct {
	secret []byte
	// id names the secret in each row (a digest, not the secret), so a
	// row sealed under another secret is reported as such.
	id string
}

// ParseSecret reads a base64 (standard or URL, padded or not) secret of
// SecretBytes bytes.
func ParseSecret(s string) (*Keyring, error) {
	s = strings.TrimSpace(s)
	var b []byte
	var err error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err = enc.DecodeString(s); err == nil {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("sessions: server secret is not base64: %w", err)
	}
	if len(b) != SecretBytes {
		return nil, fmt.Errorf("sessions: server secret is %d bytes; want %d", len(b), SecretBytes)
	}
	d, err := hkdf.Key(sha256.New, b, nil, "janus-browser-session/key-id", 8)
	if err != nil {
		return nil, fmt.Errorf("sessions: derive key id: %w", err)
	}
	return &Keyring{secret: b, id: hex.EncodeToString(d)}, nil
}

// LoadSecret reads the secret from file, else from EnvSecret; with
// neither it returns ErrNoSecret.
func LoadSecret(file string) (*Keyring, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("sessions: read secret: %w", err)
		}
		return ParseSecret(string(b))
	}
	if v := os.Getenv(EnvSecret); v != "" {
		return ParseSecret(v)
	}
	return nil, ErrNoSecret
}

// NewSecret returns a fresh random secret, base64.
func NewSecret() string {
	b := make([]byte, SecretBytes)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// ID names the secret (a digest of it).
func (k *Keyring) ID() string { return k.id }

func (k *Keyring) aead(user string) (cipher.AEAD, error) {
	key, err := hkdf.Key(sha256.New, k.secret, nil, "janus-browser-session/v1:"+user, 32)
	if err != nil {
		return nil, fmt.Errorf("derive key: %w", err)
	}
	blk, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(blk)
}

// aad binds a ciphertext to its user and session, so a row copied to
// another session or user does not decrypt.
func aad(user, session string) []byte {
	return []byte("janus-session/v1\x00" + user + "\x00" + session)
}

// Seal encrypts plaintext for user's session: a random 12-byte nonce
// followed by the GCM ciphertext and tag.
func (k *Keyring) Seal(user, session string, plaintext []byte) ([]byte, error) {
	g, err := k.aead(user)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, g.NonceSize(), g.NonceSize()+len(plaintext)+g.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("nonce: %w", err)
	}
	return g.Seal(nonce, nonce, plaintext, aad(user, session)), nil
}

// ErrTampered is a ciphertext that fails authentication: tampered, cut,
// moved to another row, or sealed under another key.
var ErrTampered = errors.New("session state failed authentication (tampered, corrupt or sealed under another key)")

// Open decrypts what Seal made.
func (k *Keyring) Open(user, session string, sealed []byte) ([]byte, error) {
	g, err := k.aead(user)
	if err != nil {
		return nil, err
	}
	if len(sealed) < g.NonceSize()+g.Overhead() {
		return nil, ErrTampered
	}
	pt, err := g.Open(nil, sealed[:g.NonceSize()], sealed[g.NonceSize():], aad(user, session))
	if err != nil {
		return nil, ErrTampered
	}
	return pt, nil
}
