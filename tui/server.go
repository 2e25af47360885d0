package tui

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"

	"github.com/janus-bench/janus/leaderboard"
	"github.com/janus-bench/janus/record"
)

// ServerClient is the part of a scoring service's API client
// (service.Client) the leaderboard screen reads through.
type ServerClient interface {
	// Leaderboard is GET /api/v1/leaderboard with the API's parameters.
	Leaderboard(ctx context.Context, q url.Values) (*leaderboard.Board, error)
	// Report is GET /api/v1/runs/{id}/report.
	Report(ctx context.Context, id string) (*record.Report, error)
}

// ServerSource is a scoring service (janus serve) as the leaderboard
// screen sees it: the board and the runs' reports come from its API; it
// stores nothing, so runs driven from the TUI keep only their report
// files.
type ServerSource struct {
	Client ServerClient
	// Server is the service URL, named in errors.
	Server string
	// Query holds the API's leaderboard parameters (suite, suite_version,
	// split, baseline, since).
	Query url.Values
}

var _ Source = ServerSource{}

// ErrReadOnly is what ServerSource answers to what only a run store does.
var ErrReadOnly = errors.New("the board is read from a scoring service, which this screen does not write to")

// Board implements Source.
func (s ServerSource) Board(ctx context.Context) ([]BoardRow, error) {
	b, err := s.Client.Leaderboard(ctx, s.Query)
	if err != nil {
		return nil, serverError(s.Server, err)
	}
	return boardRows(b), nil
}

// serverError names the server in err, and keeps a network failure short
// enough for one line of the screen ("cannot reach URL: connect:
// connection refused").
func serverError(server string, err error) error {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return fmt.Errorf("cannot reach %s: %w", server, oe.Err)
	}
	return fmt.Errorf("server %s: %w", server, err)
}

// Arena implements Source: the arena tab reads a run store only.
func (s ServerSource) Arena(context.Context) ([]ArenaRow, error) {
	return nil, errors.New("arena ratings are read from a run store, not from a scoring service (janus leaderboard without --server)")
}

// Report implements Source.
func (s ServerSource) Report(ctx context.Context, runID string) (*record.Report, error) {
	rep, err := s.Client.Report(ctx, runID)
	if err != nil {
		return nil, serverError(s.Server, err)
	}
	return rep, nil
}

// Save implements Source: a scoring service's runs are submitted to it
// (janus runs submit), not saved from here.
func (s ServerSource) Save(context.Context, *record.Report) error {
	return fmt.Errorf("not saved to %s: %w; submit runs with janus runs submit", s.Server, ErrReadOnly)
}
