package web

import (
	"fmt"
	"html/template"
	"net/url"
	"time"

	"github.com/janus-bench/janus/leaderboard"
)

var pages = []string{"leaderboard", "run", "task", "compare", "competitor", "submit", "signin", "error"}

// parseTemplates parses each page with the shared layout.
func parseTemplates() (map[string]*template.Template, error) {
	out := map[string]*template.Template{}
	for _, p := range pages {
		t, err := template.New(p).Funcs(funcs).ParseFS(files, "templates/layout.html", "templates/"+p+".html")
		if err != nil {
			return nil, fmt.Errorf("parse page template %s: %w", p, err)
		}
		out[p] = t
	}
	return out, nil
}

// stateIcons give each run state a symbol beside its name, so the state
// is never told by colour alone.
var stateIcons = map[string]string{leaderboard.StatusQueued: "◷", leaderboard.StatusPending: "◷", leaderboard.StatusRunning: "▶",
	leaderboard.StatusCompleted: "✔", leaderboard.StatusFailed: "✖", leaderboard.StatusCancelled: "⊘", "ok": "✔", "error": "✖", "timeout": "✖"}

var funcs = template.FuncMap{
	"path": url.PathEscape,
	"f1":   f1,
	"ms": func(p *float64) string {
		if p == nil {
			return "–"
		}
		return f1(*p) + " ms"
	},
	"pct":   func(v float64) string { return f1(100 * v) },
	"icon":  func(s string) string { return stateIcons[s] },
	"state": stateOf,
	// when renders a time as <time>: UTC text the script turns into the
	// viewer's zone.
	"when": func(t any) template.HTML {
		var tt time.Time
		switch v := t.(type) {
		case time.Time:
			tt = v
		case *time.Time:
			if v == nil {
				return "–"
			}
			tt = *v
		}
		if tt.IsZero() {
			return "–"
		}
		u := tt.UTC()
		return template.HTML(`<time datetime="` + u.Format(time.RFC3339) + `">` + u.Format("2006-01-02 15:04 UTC") + `</time>`)
	},
	"ci": func(ci *[2]float64) string {
		if ci == nil {
			return ""
		}
		return "[" + f1(ci[0]) + ", " + f1(ci[1]) + "]"
	},
	"add": func(a, b int) int { return a + b },
}
