package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/janus-bench/janus/internal/logbuf"
	ucli "github.com/urfave/cli/v2"
)

// announcer wraps a logger's handler so that a server's "… listening"
// record is always printed as one plain line, "janus: baseline listening
// on http://127.0.0.1:8081/v1", whatever --log-level says: a person (or
// a script) starting a server must see when it is ready and where.
//
// Until it has announced, it claims every info record, since only Handle
// sees the message. After that it claims no more than inner does: a
// server's per-request info log line, which a warn-level logger drops,
// would otherwise be built (attributes, caller, record) on every request
// only to be thrown away.
type announcer struct {
	inner     slog.Handler
	w         io.Writer
	announced *atomic.Bool
}

// announceLogger is logger() with servers' readiness announced on w.
func announceLogger(w io.Writer) *slog.Logger {
	return slog.New(announcer{inner: logger().Handler(), w: w, announced: new(atomic.Bool)})
}

// bufferedAnnounceLogger is announceLogger for a server whose log lines
// are written by a logbuf.Writer over w (see there), at the level of
// --log-level; the announcement itself goes straight to w. Closing the
// returned Writer writes out what is left.
func bufferedAnnounceLogger(c *ucli.Context, w io.Writer) (*slog.Logger, *logbuf.Writer) {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(c.String("log-level"))) // checked by the app's Before
	lw := logbuf.New(w, logFlushInterval)
	h := slog.NewTextHandler(lw, &slog.HandlerOptions{Level: lvl})
	return slog.New(announcer{inner: h, w: w, announced: new(atomic.Bool)}), lw
}

// logFlushInterval bounds how long a buffered server log line waits.
const logFlushInterval = 100 * time.Millisecond

func (a announcer) Enabled(ctx context.Context, l slog.Level) bool {
	return (l >= slog.LevelInfo && !a.announced.Load()) || a.inner.Enabled(ctx, l)
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
		a.announced.Store(true)
	}
	if a.inner.Enabled(ctx, r.Level) {
		return a.inner.Handle(ctx, r)
	}
	return nil
}

func (a announcer) WithAttrs(as []slog.Attr) slog.Handler {
	return announcer{inner: a.inner.WithAttrs(as), w: a.w, announced: a.announced}
}

func (a announcer) WithGroup(name string) slog.Handler {
	return announcer{inner: a.inner.WithGroup(name), w: a.w, announced: a.announced}
}
