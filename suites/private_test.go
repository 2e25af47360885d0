package suites

import (
	"bytes"
	"errors"
	"testing"
)

const privateTasks = `{"id":"p1","category":"quality/chat","messages":[{"role":"user","content":"Say blorp."}],"expect":{"checks":[{"type":"exact","value":"blorp"}]},"reference":{"content":"blorp"}}
`

func TestEncryptedSuiteRoundTrip(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	sealed, err := Encrypt([]byte(privateTasks), key)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := LoadBytes([]byte(privateTasks), "private.jsonl", "mem", nil)
	if err != nil {
		t.Fatal(err)
	}
	tampered := append([]byte(nil), sealed...)
	tampered[len(tampered)-1] ^= 1
	cases := []struct {
		name    string
		b       []byte
		file    string
		key     []byte
		wantErr error
		ok      bool
	}{
		{"right key", sealed, "private.jsonl.enc", key, nil, true},
		{"wrong key", sealed, "private.jsonl.enc", bytes.Repeat([]byte{8}, 32), ErrDecrypt, false},
		{"tampered", tampered, "private.jsonl.enc", key, ErrDecrypt, false},
		{"no key", sealed, "private.jsonl.enc", nil, nil, false},
		{"short key", sealed, "private.jsonl.enc", key[:16], nil, false},
		{"plain file", []byte(privateTasks), "private.jsonl", nil, nil, true},
		{"bad name", []byte(privateTasks), "private.txt", nil, nil, false},
		{"truncated", sealed[:len(EncryptedMagic)+5], "private.jsonl.enc", key, nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := LoadBytes(c.b, c.file, "mem", c.key)
			if c.ok != (err == nil) {
				t.Fatalf("err = %v, want ok=%v", err, c.ok)
			}
			if c.wantErr != nil && !errors.Is(err, c.wantErr) {
				t.Fatalf("err = %v, want %v", err, c.wantErr)
			}
			if c.ok && (s.Name != "private" || len(s.Tasks) != 1 || s.SHA256 != plain.SHA256) {
				t.Fatalf("suite %s, %d tasks, hash %s (plain %s)", s.Name, len(s.Tasks), s.SHA256, plain.SHA256)
			}
		})
	}
}

func FuzzLoadBytes(f *testing.F) {
	key := bytes.Repeat([]byte{1}, 32)
	sealed, _ := Encrypt([]byte(privateTasks), key)
	f.Add(sealed, true)
	f.Add([]byte(privateTasks), false)
	f.Add([]byte(EncryptedMagic+"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"), true)
	// A memory task: its earlier conversations are checked by the loader.
	f.Add([]byte(`{"id":"m","category":"quality/memory","messages":[{"role":"user","content":"code?"}],"expect":{"checks":[{"type":"contains","values":["4821"]}]},"reference":{"content":"4821"},"memory":{"earlier":[[{"role":"user","content":"my code is 4821"}]],"settle_ms":5,"decoy":{"earlier":[[{"role":"assistant","content":"x"}]],"expect":{"checks":[]}}}}`+"\n"), false)
	f.Fuzz(func(t *testing.T, b []byte, enc bool) {
		name := "f.jsonl"
		if enc {
			name += EncryptedExt
		}
		s, err := LoadBytes(b, name, "fuzz", key)
		if err == nil && (s == nil || len(s.Tasks) == 0) {
			t.Fatal("a suite without tasks loaded")
		}
	})
}
