package cli

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"

	ucli "github.com/urfave/cli/v2"

	"github.com/janus-bench/janus/internal/suitegen"
	"github.com/janus-bench/janus/suites"
)

// suiteKeyEnv holds a private suite's key as 64 hex digits, when no
// --suite-key-file is given.
const suiteKeyEnv = "JANUS_SUITE_KEY"

func suiteKeyFlag() ucli.Flag {
	return &ucli.StringFlag{Name: "suite-key-file", Usage: "file holding the AES-256 key of an encrypted suite (.enc): 64 hex digits or 32 raw bytes (default: $" + suiteKeyEnv + ")"}
}

// suiteKey reads the key of encrypted suites: --suite-key-file, else the
// environment; nil when neither is set. The library gets bytes, never a
// path or a variable name.
func suiteKey(c *ucli.Context) ([]byte, error) {
	var raw []byte
	if p := c.String("suite-key-file"); p != "" {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, usageErrorf("--suite-key-file: %v", err)
		}
		raw = b
	} else if v := os.Getenv(suiteKeyEnv); v != "" {
		raw = []byte(v)
	} else {
		return nil, nil
	}
	return parseSuiteKey(raw)
}

func parseSuiteKey(raw []byte) ([]byte, error) {
	if t := bytes.TrimSpace(raw); len(t) == 64 {
		k := make([]byte, 32)
		if _, err := hex.Decode(k, t); err == nil {
			return k, nil
		}
	}
	if len(raw) == 32 {
		return raw, nil
	}
	return nil, usageErrorf("suite key: want 64 hex digits or 32 raw bytes, got %d bytes", len(raw))
}

// suitesEncryptCommand seals a tasks file for a private suite.
func suitesEncryptCommand() *ucli.Command {
	return &ucli.Command{
		Name:      "encrypt",
		Usage:     "seal a tasks file (JSONL or YAML) with AES-256-GCM for a private suite",
		ArgsUsage: "IN OUT (OUT should end in .jsonl.enc or .yaml.enc)",
		Flags:     []ucli.Flag{suiteKeyFlag()},
		Action: func(c *ucli.Context) error {
			if c.NArg() != 2 {
				return usageErrorf("suites encrypt takes IN and OUT")
			}
			key, err := suiteKey(c)
			if err != nil {
				return err
			}
			if key == nil {
				return usageErrorf("suites encrypt needs a key: --suite-key-file or $%s", suiteKeyEnv)
			}
			return encryptSuiteFile(c.Args().Get(0), c.Args().Get(1), key)
		},
	}
}

func encryptSuiteFile(in, out string, key []byte) error {
	b, err := os.ReadFile(in)
	if err != nil {
		return fmt.Errorf("suites encrypt: %w", err)
	}
	if _, err := suites.LoadBytes(b, in, in, nil); err != nil {
		return fmt.Errorf("suites encrypt: %w", err)
	}
	sealed, err := suites.Encrypt(b, key)
	if err != nil {
		return fmt.Errorf("suites encrypt: %w", err)
	}
	if err := os.WriteFile(out, sealed, 0o600); err != nil {
		return fmt.Errorf("suites encrypt: %w", err)
	}
	return nil
}

// suitesGenerateCommand writes janus-default generated from a seed, for a
// private suite (generate from a secret seed, encrypt, host) or to read
// the tasks a fresh run's printed seed gave.
func suitesGenerateCommand() *ucli.Command {
	return &ucli.Command{
		Name:      "generate",
		Usage:     "write janus-default generated from --seed (default: a secret one, printed) into DIR",
		ArgsUsage: "DIR",
		Flags:     []ucli.Flag{&ucli.Uint64Flag{Name: "seed", Usage: "generation seed (0: draw a secret one)"}},
		Action: func(c *ucli.Context) error {
			if c.NArg() != 1 {
				return usageErrorf("suites generate takes one directory")
			}
			seed := c.Uint64("seed")
			if seed == 0 {
				var b [8]byte
				if _, err := rand.Read(b[:]); err != nil {
					return fmt.Errorf("suites generate: %w", err)
				}
				seed = binary.LittleEndian.Uint64(b[:]) | 1
				fmt.Fprintf(c.App.ErrWriter, "janus: seed %d\n", seed)
			}
			dir := c.Args().First()
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return fmt.Errorf("suites generate: %w", err)
			}
			for name, b := range suitegen.FreshSuiteFiles(seed) {
				if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
					return fmt.Errorf("suites generate: %w", err)
				}
			}
			return nil
		},
	}
}
