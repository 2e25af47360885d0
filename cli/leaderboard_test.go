package cli

import (
	"testing"

	ucli "github.com/urfave/cli/v2"

	"github.com/janus-bench/janus/internal/service"
	"github.com/janus-bench/janus/leaderboard"
	"github.com/janus-bench/janus/tui"
)

// TestServerTUIOptions: janus leaderboard --server at a terminal opens the
// board on the service's API with the command's filters and key.
func TestServerTUIOptions(t *testing.T) {
	var got tui.Options
	app := &ucli.App{Commands: []*ucli.Command{leaderboardCommand()}}
	app.Commands[0].Action = func(c *ucli.Context) error {
		got = serverTUIOptions(c, leaderboard.Query{Suite: "smoke", Split: "dev"})
		return nil
	}
	if err := app.Run([]string{"janus", "leaderboard", "--server", "http://127.0.0.1:9", "--key", "k1"}); err != nil {
		t.Fatal(err)
	}
	src, ok := got.Source.(tui.ServerSource)
	if !ok || got.Start != tui.ScreenLeaderboard || got.Store != "-" {
		t.Fatalf("options: %+v", got)
	}
	cl, ok := src.Client.(*service.Client)
	if !ok || cl.Base != "http://127.0.0.1:9" || cl.Key != "k1" || src.Server != cl.Base ||
		src.Query.Get("suite") != "smoke" || src.Query.Get("split") != "dev" {
		t.Errorf("source: %+v client %+v", src, cl)
	}
}
