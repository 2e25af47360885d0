// Package redistest connects tests to a real Redis server for the redis
// thread store. The server is JANUS_TEST_REDIS_URL (default
// redis://127.0.0.1:6379/0; .ci/run starts one and sets the variable). When
// it does not answer, tests skip with the reason printed — unless CI is set,
// where a missing server is a failure, so CI can never pass by skipping.
package redistest

import (
	"context"
	"crypto/rand"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/janus-bench/janus/baseline/threads"
)

// EnvURL names the variable holding the test server's URL.
const EnvURL = "JANUS_TEST_REDIS_URL"

// URL returns the test server's URL.
func URL() string {
	if u := os.Getenv(EnvURL); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/0"
}

// Server is a reachable test server and a key prefix unique to one test;
// every key under the prefix is deleted when the test ends.
type Server struct {
	URL    string
	Prefix string
	// Client is a raw client, for inspecting and damaging data.
	Client *redis.Client
}

// Connect returns a Server or skips (fails under CI) when none answers.
func Connect(t testing.TB) *Server {
	t.Helper()
	url := URL()
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("%s=%q: %v", EnvURL, url, err)
	}
	opt.MaxRetries = -1 // an absent server should skip at once
	rdb := redis.NewClient(opt)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		_ = rdb.Close()
		if os.Getenv("CI") != "" {
			t.Fatalf("redis at %s does not answer (%v); CI is set, so this is a failure: .ci/run starts redis-server", url, err)
		}
		t.Skipf("skipping: no redis at %s (%v); set %s or run redis-server", url, err, EnvURL)
	}
	s := &Server{URL: url, Prefix: "janustest:" + strings.ToLower(rand.Text()[:12]), Client: rdb}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		iter := rdb.Scan(ctx, 0, s.Prefix+":*", 100).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
		_ = rdb.Close()
	})
	return s
}

// Store opens a RedisStore under the Server's prefix, closed at cleanup.
func (s *Server) Store(t testing.TB) *threads.RedisStore {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := threads.NewRedisStore(ctx, s.URL, s.Prefix)
	if err != nil {
		t.Fatalf("NewRedisStore: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}
