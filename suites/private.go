package suites

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"path"
	"strings"
)

// EncryptedMagic starts an encrypted suite file: the magic, a 12-byte
// nonce, then the AES-256-GCM sealed tasks file (JSONL or a YAML list).
const EncryptedMagic = "janus-suite-aes256gcm-v1\n"

// EncryptedExt is the extension of an encrypted tasks file
// ("private.jsonl.enc": the name without it decides JSONL or YAML).
const EncryptedExt = ".enc"

// ErrDecrypt is returned when an encrypted suite does not open with the
// key: a wrong key, or a file changed after it was sealed.
var ErrDecrypt = errors.New("suite does not decrypt with this key (wrong key or tampered file)")

// Encrypt seals a tasks file with a 32-byte key (AES-256-GCM, a random
// nonce), in the format Decrypt and LoadBytes read.
func Encrypt(plain, key []byte) ([]byte, error) {
	aead, err := gcm(key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("encrypt suite: %w", err)
	}
	out := append([]byte(EncryptedMagic), nonce...)
	return aead.Seal(out, nonce, plain, []byte(EncryptedMagic)), nil
}

// Decrypt opens an encrypted suite file with a 32-byte key.
func Decrypt(b, key []byte) ([]byte, error) {
	aead, err := gcm(key)
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(b, []byte(EncryptedMagic)) {
		return nil, fmt.Errorf("decrypt suite: not an encrypted suite (no %q header)", strings.TrimSpace(EncryptedMagic))
	}
	b = b[len(EncryptedMagic):]
	if len(b) < aead.NonceSize()+aead.Overhead() {
		return nil, fmt.Errorf("decrypt suite: %d bytes after the header, too short", len(b))
	}
	plain, err := aead.Open(nil, b[:aead.NonceSize()], b[aead.NonceSize():], []byte(EncryptedMagic))
	if err != nil {
		return nil, ErrDecrypt
	}
	return plain, nil
}

func gcm(key []byte) (cipher.AEAD, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("suite key: %d bytes, want 32 (AES-256)", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("suite key: %w", err)
	}
	return cipher.NewGCM(block)
}

// LoadBytes loads a suite from one tasks file's bytes, as fetched from a
// URL or read from a private file: name ("private.jsonl", with or
// without EncryptedExt) decides the format and the suite's name, source
// is where it came from. An encrypted file (EncryptedMagic) needs key; a
// plain one is loaded as it is.
func LoadBytes(b []byte, name, source string, key []byte) (*Suite, error) {
	name = strings.TrimSuffix(path.Base(name), EncryptedExt)
	if bytes.HasPrefix(b, []byte(EncryptedMagic)) {
		if key == nil {
			return nil, fmt.Errorf("load suite %s: it is encrypted; give its key", source)
		}
		plain, err := Decrypt(b, key)
		if err != nil {
			return nil, fmt.Errorf("load suite %s: %w", source, err)
		}
		b = plain
	}
	if !strings.HasSuffix(name, ".jsonl") && !strings.HasSuffix(name, ".yaml") && !strings.HasSuffix(name, ".yml") {
		return nil, &FormatError{File: source, Msg: "a suite file must be named *.jsonl, *.yaml or *.yml (optionally + " + EncryptedExt + ")"}
	}
	tasks, err := parseTasks(b, name)
	if err != nil {
		return nil, err
	}
	for i := range tasks {
		tasks[i].File = source
	}
	base := strings.TrimSuffix(name, path.Ext(name))
	return finish(&Suite{Name: base, Version: "0.0.0", Source: source, Tasks: tasks})
}
