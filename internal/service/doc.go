// Package service is janus's scoring service: a REST API (under /api/v1)
// over submitted runs, competitors and the leaderboard, a durable queue of
// runs (River, on the run store's database: SQLite embedded, PostgreSQL at
// scale), and the workers that take runs from it and execute them with the
// same engine as `janus bench run` (bench.Run).
//
// The files keep the parts apart: wire.go holds the JSON types and pure
// converters, api*.go the HTTP handlers, queue.go the River client, job.go
// the run worker, auth.go API keys, ssrf.go the target guard, metrics.go
// the Prometheus collectors.
package service
