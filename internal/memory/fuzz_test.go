package memory

import (
	"testing"
	"unicode/utf8"
)

// FuzzParseExtraction: whatever a model answers, the parser returns
// either an error or items that all satisfy the schema.
func FuzzParseExtraction(f *testing.F) {
	for _, s := range []string{
		`{"memories":[]}`,
		`{"memories":[{"caption":"My cat is Miso","full_text":"My cat is Miso.","source_message":0}]}`,
		"```json\n{\"memories\":[]}\n```",
		`{"memories":[{"caption":"x","full_text":"y","source_message":-1}]}`,
		`[1,2]`, `null`, ``, `{"memories":null}`,
	} {
		f.Add(s, 3)
	}
	f.Fuzz(func(t *testing.T, content string, n int) {
		if n < 0 || n > 1000 {
			return
		}
		items, err := parseExtraction(content, n)
		if err != nil {
			if !errIsExtract(err) {
				t.Fatalf("error of the wrong type: %T %v", err, err)
			}
			return
		}
		if len(items) > MaxPerExtraction {
			t.Fatalf("%d items", len(items))
		}
		for _, it := range items {
			if it.Caption == "" || utf8.RuneCountInString(it.Caption) > MaxCaptionChars || it.FullText == "" ||
				utf8.RuneCountInString(it.FullText) > MaxFullTextChars || it.SourceMessage == nil || *it.SourceMessage < 0 || *it.SourceMessage >= n {
				t.Fatalf("item outside the schema accepted: %+v", it)
			}
		}
	})
}
