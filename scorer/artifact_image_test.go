package scorer

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/internal/wire"
	"github.com/janus-bench/janus/suites"
)

// chartPNG draws a w×h image on bg with one filled rectangle per colour
// (each a tenth of the width, half the height), encoded by enc.
func chartPNG(t *testing.T, w, h int, bg color.RGBA, bars []color.RGBA, asJPEG bool) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.NewUniform(bg), image.Point{}, draw.Src)
	for i, c := range bars {
		x0 := w/10 + i*w/5
		draw.Draw(img, image.Rect(x0, h/2, x0+w/10, h), image.NewUniform(c), image.Point{}, draw.Src)
	}
	var buf bytes.Buffer
	var err error
	if asJPEG {
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80})
	} else {
		err = png.Encode(&buf, img)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestArtifactImageProperties is issue 15's fake artifact: an image that
// merely decodes (blank, wrong size, someone else's chart) fails when the
// task declares what the image must show.
func TestArtifactImageProperties(t *testing.T) {
	white := color.RGBA{255, 255, 255, 255}
	red, blue, green := color.RGBA{220, 30, 30, 255}, color.RGBA{30, 70, 220, 255}, color.RGBA{30, 160, 60, 255}
	spec := suites.Check{Type: CheckArtifact, Value: "image", Image: &suites.ImageSpec{Width: 256, Height: 256,
		Background: "#ffffff", Colours: []string{"#dc1e1e", "#1e46dc"}}}
	art := func(body []byte, mime string) *trace.Trace {
		tr := contentAt(100)
		tr.Artifacts = []wire.Artifact{{ID: "a", Type: "image", MimeType: mime,
			URL: "data:" + mime + ";base64," + base64.StdEncoding.EncodeToString(body), SizeBytes: int64(len(body))}}
		return tr
	}
	runTraceCases(t, []traceCase{
		{"the asked-for chart", spec, art(chartPNG(t, 256, 256, white, []color.RGBA{red, blue}, false), "image/png"), 1, "1 of 1"},
		{"the asked-for chart as JPEG", spec, art(chartPNG(t, 256, 256, white, []color.RGBA{red, blue}, true), "image/jpeg"), 1, "1 of 1"},
		{"extra colours are fine", spec, art(chartPNG(t, 256, 256, white, []color.RGBA{red, blue, green}, false), "image/png"), 1, ""},
		{"blank square", spec, art(chartPNG(t, 256, 256, white, nil, false), "image/png"), 0, "#dc1e1e covers 0.00%"},
		{"one colour missing", spec, art(chartPNG(t, 256, 256, white, []color.RGBA{red, green}, false), "image/png"), 0, "#1e46dc covers"},
		{"wrong size", spec, art(chartPNG(t, 64, 64, white, []color.RGBA{red, blue}, false), "image/png"), 0, "image is 64×64, want 256×256"},
		{"wrong background", spec, art(chartPNG(t, 256, 256, color.RGBA{0, 0, 0, 255}, []color.RGBA{red, blue}, false), "image/png"), 0, "want the background #ffffff"},
		{"properties on a non-image", suites.Check{Type: CheckArtifact, Image: &suites.ImageSpec{Width: 1}},
			func() *trace.Trace {
				tr := contentAt(100)
				tr.Artifacts = []wire.Artifact{{ID: "a", Type: "file", URL: "data:text/plain,hello"}}
				return tr
			}(), 0, "not an image"},
	})
	runSpecCases(t, []specCase{
		{"bad colour", suites.Check{Type: CheckArtifact, Image: &suites.ImageSpec{Colours: []string{"red"}}}, false, "#rrggbb"},
		{"bad background", suites.Check{Type: CheckArtifact, Image: &suites.ImageSpec{Background: "#12345g"}}, false, "#rrggbb"},
		{"negative width", suites.Check{Type: CheckArtifact, Image: &suites.ImageSpec{Width: -1}}, false, "width"},
		{"share above 1", suites.Check{Type: CheckArtifact, Image: &suites.ImageSpec{Width: 1, MinShare: 2}}, false, "min_share"},
		{"empty spec", suites.Check{Type: CheckArtifact, Image: &suites.ImageSpec{}}, false, "nothing to check"},
		{"full spec", spec, true, ""},
	})
}

// FuzzImageSpecCheck: any bytes are judged without panicking, and a
// decompression bomb's declared size is refused before decoding.
func FuzzImageSpecCheck(f *testing.F) {
	var buf bytes.Buffer
	png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 3, 2)))
	f.Add(buf.Bytes(), "#ffffff")
	f.Add([]byte("GIF89a"), "#12345g")
	f.Add([]byte{}, "")
	s := &imageSpec{background: &rgb{255, 255, 255}, colours: []rgb{{1, 2, 3}}, minShare: defaultMinShare}
	f.Fuzz(func(t *testing.T, b []byte, colour string) {
		_ = s.check(b)
		if c, err := parseHexColour(colour); err == nil && !strings.EqualFold(c.String(), colour) {
			t.Fatalf("colour %q parsed as %s", colour, c)
		}
	})
}
