package sessions

import (
	"encoding/json"
	"testing"
)

// FuzzParseState: any input is either rejected with a StateError or
// accepted as a state that survives a round trip and passes again.
func FuzzParseState(f *testing.F) {
	for _, s := range []string{
		`{"cookies":[],"origins":[]}`,
		`{"cookies":[{"name":"sid","value":"v","domain":".a.com","path":"/","expires":-1,"httpOnly":true,"secure":true,"sameSite":"Lax"}],"origins":[{"origin":"https://a.com","localStorage":[{"name":"k","value":"v"}]}]}`,
		`{"cookies":[{"name":"a b","value":"v","domain":"a.com","path":"/"}],"origins":[]}`,
		`{"cookies":null,"origins":[]}`, `[]`, `null`, ``, `{"cookies":[],"origins":[{"origin":"http://[::1]:80","localStorage":[]}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		st, err := ParseState(raw, "storage_state")
		if err != nil {
			if _, ok := err.(*StateError); !ok {
				t.Fatalf("error of the wrong type: %T %v", err, err)
			}
			return
		}
		b, err := json.Marshal(st)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseState(b, "storage_state"); err != nil {
			t.Fatalf("accepted state fails after a round trip: %v\n%s", err, b)
		}
	})
}
