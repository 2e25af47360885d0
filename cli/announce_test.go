package cli

import (
	"bytes"
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
)

// TestAnnouncerStopsClaimingInfo: a warn-level server logger claims info
// records only until the server has announced itself, so per-request info
// lines are not built for nothing afterwards; the announcement and warn
// records still get through.
func TestAnnouncerStopsClaimingInfo(t *testing.T) {
	ctx := context.Background()
	var out, logs bytes.Buffer
	inner := slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn})
	log := slog.New(announcer{inner: inner, w: &out, announced: new(atomic.Bool)}).With("server", "gw")
	if !log.Enabled(ctx, slog.LevelInfo) {
		t.Fatal("info not claimed before the announcement: it could never pass")
	}
	log.Info("gateway configuration loaded")
	log.Info("gateway listening", "url", "http://127.0.0.1:1/v1")
	if got, want := out.String(), "janus: gateway listening on http://127.0.0.1:1/v1\n"; got != want {
		t.Errorf("announcement %q, want %q", got, want)
	}
	if log.Enabled(ctx, slog.LevelInfo) {
		t.Error("info still claimed after the announcement at warn level")
	}
	log.Warn("competitor health")
	if !bytes.Contains(logs.Bytes(), []byte("competitor health")) || bytes.Contains(logs.Bytes(), []byte("loaded")) {
		t.Errorf("inner handler got %q: want the warn record only", logs.String())
	}
}
