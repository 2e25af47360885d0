package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/janus-bench/janus/baseline"
)

// startEmbedded boots the reference target in-process (its Config.Suites
// are the run's own suite, generated tasks included: the reference target
// is handed the answers by the harness on purpose, an external target gets
// nothing but the prompts) on a loopback port
// and returns its base URL and a stop func that shuts it down within 1 s:
// the caller's own connections are done by then, and a connection that was
// dialled but never used would otherwise hold a graceful shutdown for its
// full timeout.
func startEmbedded(ctx context.Context, cfg baseline.Config) (string, func(), error) {
	url, stop, err := baseline.Start(ctx, "127.0.0.1:0", cfg)
	if err != nil {
		return "", nil, fmt.Errorf("start embedded reference target: %w", err)
	}
	return url, func() {
		sctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = stop(sctx)
	}, nil
}
