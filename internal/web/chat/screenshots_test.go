package chat

import (
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/janus-bench/janus/baseline"
)

// screenshotDir, when set (make screenshots-chat), is where
// TestScreenshots writes the chat and arena pages at phone and desktop
// widths; otherwise the test skips.
var screenshotDir = flag.String("screenshots", "", "write chat and arena screenshots to this directory")

func TestScreenshots(t *testing.T) {
	if *screenshotDir == "" {
		t.Skip("pass -screenshots DIR to write screenshots")
	}
	if err := os.MkdirAll(*screenshotDir, 0o755); err != nil {
		t.Fatal(err)
	}
	s := startStack(t, baseline.Unpaced())
	for _, width := range []int64{375, 1280} {
		for _, page := range []string{"chat", "arena"} {
			t.Run(page+"-"+strconv.FormatInt(width, 10), func(t *testing.T) {
				ctx := tab(t, s, "ann")
				height := int64(800)
				if width < 500 {
					height = 812
				}
				if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, height)); err != nil {
					t.Fatal(err)
				}
				path := "/chat"
				if page == "arena" {
					path = "/chat/arena"
				}
				open(t, ctx, s, path)
				pick(t, ctx, "alpha")
				ask(t, ctx, promptRich)
				if page == "arena" {
					poll[bool](t, ctx, `!document.getElementById('votes').hidden`)
					if width < 500 {
						eval[bool](t, ctx, `(document.getElementById('votes').scrollIntoView({block: 'end'}), true)`)
					}
				} else {
					poll[bool](t, ctx, answerDone)
					eval[bool](t, ctx, `(document.querySelector('#thread .trace').open = true, true)`)
				}
				poll[bool](t, ctx, `[...document.querySelectorAll('.artifact img')].every(i => i.complete && i.naturalWidth > 0)`)
				png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
				if err != nil {
					t.Fatal(err)
				}
				name := page
				if page == "arena" {
					name = "chat-arena" // "arena" is the leaderboard's ratings tab (web/screenshots)
				}
				out := filepath.Join(*screenshotDir, name+"-"+strconv.FormatInt(width, 10)+".png")
				if err := os.WriteFile(out, png, 0o644); err != nil {
					t.Fatal(err)
				}
				t.Logf("wrote %s", out)
			})
		}
	}
}
