package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// announcer wraps a logger's handler so that a server's "… listening"
// record is always printed as one plain line, "janus: baseline listening
// on http://127.0.0.1:8081/v1", whatever --log-level says: a person (or
// a script) starting a server must see when it is ready and where.
type announcer struct {
	inner slog.Handler
	w     io.Writer
}

// announceLogger is logger() with servers' readiness announced on w.
func announceLogger(w io.Writer) *slog.Logger {
	return slog.New(announcer{inner: logger().Handler(), w: w})
}

func (a announcer) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelInfo || a.inner.Enabled(ctx, l)
}

func (a announcer) Handle(ctx context.Context, r slog.Record) error {
	if strings.HasSuffix(r.Message, " listening") {
		url := ""
		r.Attrs(func(at slog.Attr) bool {
			if at.Key == "url" {
				url = at.Value.String()
				return false
			}
			return true
		})
		fmt.Fprintf(a.w, "janus: %s on %s\n", r.Message, url)
	}
	if a.inner.Enabled(ctx, r.Level) {
		return a.inner.Handle(ctx, r)
	}
	return nil
}

func (a announcer) WithAttrs(as []slog.Attr) slog.Handler {
	return announcer{inner: a.inner.WithAttrs(as), w: a.w}
}

func (a announcer) WithGroup(name string) slog.Handler {
	return announcer{inner: a.inner.WithGroup(name), w: a.w}
}
