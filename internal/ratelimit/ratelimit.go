// Package ratelimit is the token bucket per client the janus servers
// share (the gateway's per-key and sandbox limits, the memory service's
// per-user limit).
package ratelimit

import (
	"math"
	"sync"
	"time"
)

// MaxBuckets bounds a Limiter's memory: past it, buckets that have
// refilled completely (idle clients) are forgotten, which changes nothing
// for them.
const MaxBuckets = 10000

// Limiter is a token bucket per key: Rate tokens a second, up to Burst.
// It is safe for concurrent use.
type Limiter struct {
	rate, burst float64
	mu          sync.Mutex
	b           map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// New returns a limiter of rate tokens a second and burst at most; a rate
// of zero or less allows everything.
func New(rate float64, burst int) *Limiter {
	return &Limiter{rate: rate, burst: float64(burst), b: map[string]*bucket{}}
}

// Allow takes a token for key at now, or reports how long until one is
// available. A key's bucket starts full.
func (l *Limiter) Allow(key string, now time.Time) (bool, time.Duration) {
	if l.rate <= 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	bk := l.b[key]
	if bk == nil {
		if len(l.b) >= MaxBuckets {
			l.prune(now)
		}
		bk = &bucket{tokens: l.burst, at: now}
		l.b[key] = bk
	}
	bk.tokens = math.Min(l.burst, bk.tokens+now.Sub(bk.at).Seconds()*l.rate)
	bk.at = now
	if bk.tokens >= 1 {
		bk.tokens--
		return true, 0
	}
	return false, time.Duration((1 - bk.tokens) / l.rate * float64(time.Second))
}

// prune forgets the buckets that are full again at now.
func (l *Limiter) prune(now time.Time) {
	for k, bk := range l.b {
		if bk.tokens+now.Sub(bk.at).Seconds()*l.rate >= l.burst {
			delete(l.b, k)
		}
	}
}

// Len is how many keys the limiter remembers.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.b)
}
