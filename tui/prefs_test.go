package tui

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestPrefsRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "janus")
	want := prefs{URL: "http://127.0.0.1:8000/v1", UseURL: true, Model: "m", Suite: "smoke", Categories: []string{"tools"}, Concurrency: 8, Limit: 16}
	if err := savePrefs(dir, want); err != nil {
		t.Fatal(err)
	}
	got := loadPrefs(dir)
	if got.URL != want.URL || !got.UseURL || got.Model != "m" || got.Suite != "smoke" || !slices.Equal(got.Categories, want.Categories) ||
		got.Concurrency != 8 || got.Limit != 16 {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	cases := []struct {
		name, file string
		conc, lim  int
	}{
		// A damaged file is ignored.
		{"damaged", `{"concurrency": 8,`, 0, 0},
		// A hand-edited concurrency is capped at what the set-up offers.
		{"huge concurrency", `{"concurrency": 1000000000, "limit": 7}`, maxConcurrency, 0},
		// A negative one is dropped.
		{"negative", `{"concurrency": -3, "limit": 32}`, 0, 32},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := os.WriteFile(filepath.Join(dir, prefsFile), []byte(c.file), 0o644); err != nil {
				t.Fatal(err)
			}
			if p := loadPrefs(dir); p.Concurrency != c.conc || p.Limit != c.lim {
				t.Errorf("%s: concurrency %d limit %d, want %d %d", c.name, p.Concurrency, p.Limit, c.conc, c.lim)
			}
		})
	}
}

// FuzzPrefs: no remembered file, however damaged, breaks the set-up or
// asks it for more than it offers.
func FuzzPrefs(f *testing.F) {
	f.Add([]byte(`{"url":"http://h/v1","use_url":true,"model":"m","suite":"smoke","categories":["tools"],"concurrency":4,"limit":8}`))
	f.Add([]byte(`{"concurrency": 99999999999}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p := parsePrefs(b)
		if p.Concurrency < 0 || p.Concurrency > maxConcurrency || !slices.Contains(limits, p.Limit) {
			t.Fatalf("out of range: %+v", p)
		}
	})
}

// TestPrefsCommandLineTarget: janus up's gateway URL is used for the run
// but not remembered over the URL chosen in an earlier session.
func TestPrefsCommandLineTarget(t *testing.T) {
	dir := t.TempDir()
	if err := savePrefs(dir, prefs{URL: "http://mine:8000/v1", UseURL: true, Suite: "smoke"}); err != nil {
		t.Fatal(err)
	}
	sh := &shared{o: Options{ConfigDir: dir, Target: "http://127.0.0.1:41234/v1"}}
	sh.o.defaults()
	s := newSetup(sh)
	s.apply(loadPrefs(dir))
	if o := s.runOptions(); o.Target != "http://127.0.0.1:41234/v1" {
		t.Errorf("run target %q, want the command line's", o.Target)
	}
	if p := s.prefs(); p.URL != "http://mine:8000/v1" || !p.UseURL {
		t.Errorf("remembered %+v, want the earlier URL kept", p)
	}
}
