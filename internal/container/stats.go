package container

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"sync"
	"time"

	ctypes "github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// Usage is what a container used over its life, from the engine's stats
// stream (one sample a second) and its final state.
type Usage struct {
	// CPUSeconds is the CPU time of all the container's processes.
	CPUSeconds float64
	// MemPeakBytes and MemMeanBytes are the largest and the mean sampled
	// working set: usage less inactive file cache, as `docker stats`
	// shows it.
	MemPeakBytes int64
	MemMeanBytes int64
	// GBSeconds is the working set integrated over the sampled time, in
	// GB (10^9 bytes) × seconds: what compute memory is billed by.
	GBSeconds float64
	// NetRxBytes and NetTxBytes are summed over the container's
	// interfaces.
	NetRxBytes int64
	NetTxBytes int64
	// PIDsPeak is the largest sampled number of processes and threads.
	PIDsPeak int
	// Samples is how many stats samples the figures come from.
	Samples int
	// Seconds is the time the samples span.
	Seconds   float64
	OOMKilled bool
	Restarts  int
}

// sampler reads the engine's stats stream of one container until stopped.
type sampler struct {
	api    *client.Client
	id     string
	log    *slog.Logger
	cancel context.CancelFunc
	done   chan struct{}

	mu       sync.Mutex
	u        Usage
	memSum   float64
	first    time.Time
	lastRead time.Time
	lastMem  float64
}

func startSampler(ctx context.Context, api *client.Client, id string, log *slog.Logger) *sampler {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s := &sampler{api: api, id: id, log: log, cancel: cancel, done: make(chan struct{})}
	go s.loop(ctx)
	return s
}

func (s *sampler) loop(ctx context.Context) {
	defer close(s.done)
	res, err := s.api.ContainerStats(ctx, s.id, client.ContainerStatsOptions{Stream: true})
	if err != nil {
		s.log.Warn("container stats unavailable", "err", err)
		return
	}
	defer res.Body.Close()
	dec := json.NewDecoder(res.Body)
	for {
		var st ctypes.StatsResponse
		if err := dec.Decode(&st); err != nil {
			if err != io.EOF && ctx.Err() == nil {
				s.log.Debug("container stats stream ended", "err", err)
			}
			return
		}
		s.add(&st)
	}
}

// final stops the stream and takes one last sample, so that CPU time and
// network bytes are those at the end of the run, not up to a second old.
func (s *sampler) final(ctx context.Context) {
	s.stop()
	res, err := s.api.ContainerStats(ctx, s.id, client.ContainerStatsOptions{})
	if err != nil {
		return
	}
	defer res.Body.Close()
	var st ctypes.StatsResponse
	if json.NewDecoder(res.Body).Decode(&st) == nil {
		s.add(&st)
	}
}

func (s *sampler) stop() {
	s.cancel()
	<-s.done
}

// workingSet is memory usage less the inactive page cache, the figure
// `docker stats` shows (cgroup v1 and v2 name the cache differently).
func workingSet(m ctypes.MemoryStats) float64 {
	u := m.Usage
	for _, k := range []string{"total_inactive_file", "inactive_file"} {
		if v, ok := m.Stats[k]; ok && v < u {
			return float64(u - v)
		}
	}
	return float64(u)
}

// add folds one sample in. A stopped container yields samples with a zero
// read time and no figures; they are skipped.
func (s *sampler) add(st *ctypes.StatsResponse) {
	if st.Read.IsZero() || st.CPUStats.CPUUsage.TotalUsage == 0 && st.MemoryStats.Usage == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.lastRead.IsZero() && !st.Read.After(s.lastRead) {
		return // the final one-shot sample may repeat the stream's last
	}
	u := &s.u
	mem := workingSet(st.MemoryStats)
	if s.first.IsZero() {
		s.first = st.Read
	} else {
		dt := st.Read.Sub(s.lastRead).Seconds()
		u.GBSeconds += (s.lastMem + mem) / 2 / 1e9 * dt // trapezoid
	}
	s.lastRead, s.lastMem = st.Read, mem
	u.Samples++
	u.Seconds = st.Read.Sub(s.first).Seconds()
	// Counters are cumulative: the newest sample holds the totals.
	u.CPUSeconds = float64(st.CPUStats.CPUUsage.TotalUsage) / 1e9
	var rx, tx uint64
	for _, n := range st.Networks {
		rx += n.RxBytes
		tx += n.TxBytes
	}
	u.NetRxBytes, u.NetTxBytes = int64(rx), int64(tx)
	if int64(mem) > u.MemPeakBytes {
		u.MemPeakBytes = int64(mem)
	}
	s.memSum += mem
	u.MemMeanBytes = int64(s.memSum / float64(u.Samples))
	if p := int(st.PidsStats.Current); p > u.PIDsPeak {
		u.PIDsPeak = p
	}
}

func (s *sampler) usage() Usage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.u
}
