package tui

import (
	"context"
	"net"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/teatest"

	"github.com/janus-bench/janus/internal/service"
	"github.com/janus-bench/janus/leaderboard"
	"github.com/janus-bench/janus/record"
)

// serveStore starts a real scoring service (API only, no workers) on the
// SQLite store at dsn and returns its URL.
func serveStore(t *testing.T, dsn string, cfg service.Config) string {
	t.Helper()
	cfg.Store = dsn
	s, err := service.New(t.Context(), cfg)
	if err != nil {
		t.Fatalf("service: %v", err)
	}
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		hs.Close()
		_ = s.Close(context.Background())
	})
	return hs.URL
}

// storedRuns saves the fixture's run and a second one into a new SQLite
// store and returns its DSN and the store's own view of the board.
func storedRuns(t *testing.T, f *fixture) (string, []BoardRow) {
	t.Helper()
	ctx := context.Background()
	dsn := filepath.Join(t.TempDir(), "runs.db")
	st, err := leaderboard.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	defer st.Close()
	src := StoreSource{Store: st}
	b := *reportOf(f.run, f.rep.Tasks[:5])
	b.Run.ID, b.Run.Model = "20260102T050000Z-0f0f0f", "other-model"
	for _, rep := range []*record.Report{f.rep, &b} {
		if err := src.Save(ctx, rep); err != nil {
			t.Fatalf("save %s: %v", rep.Run.ID, err)
		}
	}
	rows, err := src.Board(ctx)
	if err != nil || len(rows) != 2 {
		t.Fatalf("store board: %v %+v", err, rows)
	}
	return dsn, rows
}

// TestServerSource reads the board and a report from a real scoring
// service over HTTP: the rows are the ones the store gives directly.
func TestServerSource(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	dsn, want := storedRuns(t, f)
	url := serveStore(t, dsn, service.Config{PublicRead: true})
	src := ServerSource{Client: &service.Client{Base: url}, Server: url}
	got, err := src.Board(ctx)
	if err != nil {
		t.Fatalf("board: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("server rows differ from the store's:\n got %+v\nwant %+v", got, want)
	}
	rep, err := src.Report(ctx, f.rep.Run.ID)
	if err != nil || rep.Run.ID != f.rep.Run.ID || len(rep.Tasks) != len(f.rep.Tasks) {
		t.Fatalf("report round trip: %v %+v", err, rep)
	}
	// Filters reach the server: no run is on this suite.
	src.Query = service.LeaderboardQuery(leaderboard.Query{Suite: "no-such-suite"})
	if rows, err := src.Board(ctx); err != nil || len(rows) != 0 {
		t.Errorf("board of another suite: %v %+v", err, rows)
	}
	if err := src.Save(ctx, f.rep); err == nil {
		t.Error("a server source saved a report")
	}
}

// closedURL is a loopback URL nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + ln.Addr().String()
	ln.Close()
	return u
}

// TestServerBoardScreen opens the leaderboard screen on a server: the
// rows it serves, or a clear error when it is unreachable or refuses.
func TestServerBoardScreen(t *testing.T) {
	f := newFixture(t)
	dsn, rows := storedRuns(t, f)
	open := serveStore(t, dsn, service.Config{PublicRead: true})
	locked := serveStore(t, dsn, service.Config{}) // keys required, none given
	down := closedURL(t)
	for _, c := range []struct {
		name, url string
		want      []string
	}{
		{"served", open, []string{rows[0].Competitor, rows[1].Competitor}},
		{"unreachable", down, []string{"leaderboard: cannot reach " + down, "connection refused"}},
		{"refused", locked, []string{"leaderboard: server " + locked, "HTTP 401"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := testOptions(t, f, ServerSource{Client: &service.Client{Base: c.url}, Server: c.url})
			o.Start = ScreenLeaderboard
			v := drawScreen(t, o, 80, 24, func(tm *teatest.TestModel) { waitFor(t, tm, c.want[0]) })
			for _, w := range c.want {
				if !strings.Contains(v, w) {
					t.Errorf("screen lacks %q:\n%s", w, v)
				}
			}
		})
	}
}
