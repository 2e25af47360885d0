package app

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The default report path sorts by start time and names the model, made
// safe for a file name.
func TestReportPath(t *testing.T) {
	at := time.Date(2026, 12, 7, 6, 5, 4, 0, time.FixedZone("CET", 3600))
	for _, c := range []struct{ model, want string }{
		{"gpt-4o", "runs/20261207T050504Z-gpt-4o.json"},
		{"org/model:tag", "runs/20261207T050504Z-org_model_tag.json"},
		{"", "runs/20261207T050504Z-model.json"},
	} {
		t.Run(c.model, func(t *testing.T) {
			if got := ReportPath(DefaultOutDir, at, c.model); got != filepath.FromSlash(c.want) {
				t.Errorf("ReportPath(%q) = %s, want %s", c.model, got, c.want)
			}
		})
	}
}

// A resume with no path continues the newest partial run; with none it
// says so and asks for the path.
func TestLatestPartial(t *testing.T) {
	dir := t.TempDir()
	if _, err := LatestPartial(dir); err == nil {
		t.Fatal("no partial run: want an error")
	}
	for _, name := range []string{"20261207T050504Z-a.json.partial.jsonl", "20261207T060504Z-b.json.partial.jsonl", "20261207T070504Z-c.json"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	got, err := LatestPartial(dir)
	if want := filepath.Join(dir, "20261207T060504Z-b.json"); err != nil || got != want {
		t.Fatalf("LatestPartial = %s, %v; want %s", got, err, want)
	}
}
