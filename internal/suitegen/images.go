// Package gen makes suite content whose answers are known by construction:
// images drawn deterministically from a seed (shapes to count, a number to
// read, a bar chart, a clock face, coloured regions) and the janus-default
// suite built from them and from hand-written and generated text tasks.
// The same seed always yields byte-identical PNGs, so a suite's hash pins
// its images too.
package suitegen

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"math/rand/v2"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// Size is the width and height of every generated image: large enough that
// a vision model can see what is asked (the Janus PoC sent 1×1 pixels).
const Size = 256

// Named colours used in images; names are what answers use.
var Palette = []struct {
	Name string
	C    color.RGBA
}{
	{"red", color.RGBA{220, 30, 30, 255}},
	{"green", color.RGBA{30, 160, 60, 255}},
	{"blue", color.RGBA{30, 70, 220, 255}},
	{"yellow", color.RGBA{240, 200, 20, 255}},
	{"purple", color.RGBA{140, 40, 170, 255}},
	{"orange", color.RGBA{245, 130, 20, 255}},
}

var (
	white = color.RGBA{255, 255, 255, 255}
	black = color.RGBA{0, 0, 0, 255}
)

// Image is one generated picture with its question and known answer.
type Image struct {
	Kind   string
	PNG    []byte
	Prompt string
	Answer string
	// Number is set when the answer is numeric.
	Number *float64
}

// DataURL is the image as a data URL for an image_url content part.
func (im Image) DataURL() string {
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(im.PNG)
}

func rng(seed uint64, kind string) *rand.Rand {
	var h uint64 = 1469598103934665603
	for i := 0; i < len(kind); i++ {
		h = (h ^ uint64(kind[i])) * 1099511628211
	}
	return rand.New(rand.NewPCG(seed, h))
}

func canvas() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, Size, Size))
	draw.Draw(img, img.Bounds(), image.NewUniform(white), image.Point{}, draw.Src)
	return img
}

func encode(img image.Image) []byte { return encodeLevel(img, png.BestCompression) }

// encodeFast is the encoder of generated suites: made on every run, they
// cannot spend seconds compressing (BestCompression takes ten times as
// long for a few per cent).
func encodeFast(img image.Image) []byte { return encodeLevel(img, png.BestSpeed) }

// encodeLevel is img as PNG bytes at compression level l.
func encodeLevel(img image.Image, l png.CompressionLevel) []byte {
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: l}
	if err := enc.Encode(&b, img); err != nil {
		panic(fmt.Sprintf("png encode of an in-memory image: %v", err)) // cannot fail for *image.RGBA
	}
	return b.Bytes()
}

func disc(img *image.RGBA, cx, cy, r float64, c color.RGBA) {
	for y := int(cy - r - 1); y <= int(cy+r+1); y++ {
		for x := int(cx - r - 1); x <= int(cx+r+1); x++ {
			dx, dy := float64(x)+0.5-cx, float64(y)+0.5-cy
			if dx*dx+dy*dy <= r*r && image.Pt(x, y).In(img.Bounds()) {
				img.SetRGBA(x, y, c)
			}
		}
	}
}

func rect(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	draw.Draw(img, r, image.NewUniform(c), image.Point{}, draw.Src)
}

// line draws a thick segment as a run of discs.
func line(img *image.RGBA, x0, y0, x1, y1, w float64, c color.RGBA) {
	n := int(math.Hypot(x1-x0, y1-y0)) + 1
	for i := 0; i <= n; i++ {
		t := float64(i) / float64(n)
		disc(img, x0+(x1-x0)*t, y0+(y1-y0)*t, w/2, c)
	}
}

// CountShapes draws target-coloured discs among discs of other colours and
// asks how many of the target colour there are.
func CountShapes(seed uint64) Image { return countShapes(seed, encode) }

func countShapes(seed uint64, encode func(image.Image) []byte) Image {
	r := rng(seed, "count")
	img := canvas()
	target := r.IntN(len(Palette))
	n := 2 + r.IntN(6)
	distract := 2 + r.IntN(5)
	// A 5×5 grid of cells, one disc per cell, so discs never touch.
	cells := r.Perm(25)
	for i := 0; i < n+distract; i++ {
		cx := float64(cells[i]%5)*51 + 25.5
		cy := float64(cells[i]/5)*51 + 25.5
		ci := target
		if i >= n {
			ci = (target + 1 + r.IntN(len(Palette)-1)) % len(Palette)
		}
		disc(img, cx, cy, 17, Palette[ci].C)
	}
	f := float64(n)
	return Image{Kind: "count", PNG: encode(img), Number: &f, Answer: fmt.Sprint(n),
		Prompt: fmt.Sprintf("How many %s circles are in this image? Reply with the number only.", Palette[target].Name)}
}

// boldFont is the embedded Go Bold font, parsed once (goBold). An
// sfnt.Font is safe for concurrent use; an opentype face is not (it draws
// through a glyph buffer of its own), and suites are generated
// concurrently (a service generates one per submission), so every drawing
// gets a face of its own. It is a zero value, not a sync.OnceValue: a
// variable initialised by a call is set up by the package's init, which
// made the font and its parser (sfnt, opentype, x/text's charmaps) part
// of every binary importing this package, the lean load client among them
// (docs/PERFORMANCE.md, issue 17 item 8 fifth pass).
var boldFont struct {
	once sync.Once
	font *sfnt.Font
}

// goBold is the parsed Go Bold font.
func goBold() *sfnt.Font {
	boldFont.once.Do(func() {
		f, err := opentype.Parse(gobold.TTF)
		if err != nil {
			panic(fmt.Sprintf("parse embedded Go Bold font: %v", err)) // embedded data
		}
		boldFont.font = f
	})
	return boldFont.font
}

// newFace is a new Go Bold face of size points.
func newFace(size float64) font.Face {
	face, err := opentype.NewFace(goBold(), &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		panic(fmt.Sprintf("Go Bold face: %v", err)) // embedded data, fixed options
	}
	return face
}

func boldFace() font.Face { return newFace(72) }

// digitSlots are the pen positions of the four digits ReadNumber draws;
// the test renders each candidate digit at a slot to read the image back.
func digitSlot(i int) fixed.Point26_6 {
	return fixed.P(28+i*50, 160)
}

// DrawDigit draws one digit at slot i of img (exported for tests that read
// the number back by template matching).
func DrawDigit(img *image.RGBA, i int, d byte) {
	dr := &font.Drawer{Dst: img, Src: image.NewUniform(black), Face: boldFace(), Dot: digitSlot(i)}
	dr.DrawString(string(d))
}

// ReadNumber renders a four-digit number to read back.
func ReadNumber(seed uint64) Image { return readNumber(seed, encode) }

func readNumber(seed uint64, encode func(image.Image) []byte) Image {
	r := rng(seed, "number")
	n := 1000 + r.IntN(9000)
	s := fmt.Sprint(n)
	img := canvas()
	for i := 0; i < 4; i++ {
		DrawDigit(img, i, s[i])
	}
	f := float64(n)
	return Image{Kind: "number", PNG: encode(img), Number: &f, Answer: s,
		Prompt: "What four-digit number is written in this image? Reply with the number only."}
}

// BarLabels names the bars of TallestBar from left to right.
var BarLabels = []string{"A", "B", "C", "D", "E"}

// BarGeometry is where TallestBar puts bar i (exported for the test that
// measures bar heights from pixels).
func BarGeometry(i int) (x0, x1 int) { return 18 + i*48, 18 + i*48 + 34 }

// TallestBar draws a bar chart of five labelled bars with distinct heights
// and asks which is highest.
func TallestBar(seed uint64) Image { return tallestBar(seed, encode) }

func tallestBar(seed uint64, encode func(image.Image) []byte) Image {
	r := rng(seed, "bars")
	img := canvas()
	heights := r.Perm(9)[:5]
	best := 0
	for i, h := range heights {
		px := 40 + h*20
		x0, x1 := BarGeometry(i)
		rect(img, image.Rect(x0, 225-px, x1, 225), Palette[2].C)
		dr := &font.Drawer{Dst: img, Src: image.NewUniform(black), Face: smallFace(), Dot: fixed.P(x0+10, 250)}
		dr.DrawString(BarLabels[i])
		if h > heights[best] {
			best = i
		}
	}
	rect(img, image.Rect(10, 225, 250, 227), black)
	return Image{Kind: "bars", PNG: encode(img), Answer: BarLabels[best],
		Prompt: "This bar chart has bars labelled A to E. Which bar is the highest? Reply with its letter only."}
}

func smallFace() font.Face { return newFace(20) }

// Clock colours: the test finds each hand by its colour.
var (
	HourHand   = Palette[2].C // blue
	MinuteHand = Palette[0].C // red
)

// Clock draws a clock face with a short blue hour hand and a long red
// minute hand at a five-minute time and asks for the time.
func Clock(seed uint64) Image { return clock(seed, encode) }

func clock(seed uint64, encode func(image.Image) []byte) Image {
	r := rng(seed, "clock")
	h, m := 1+r.IntN(12), 5*r.IntN(12)
	img := canvas()
	disc(img, 128, 128, 120, black)
	disc(img, 128, 128, 114, white)
	for i := 0; i < 12; i++ {
		a := float64(i) * math.Pi / 6
		line(img, 128+100*math.Sin(a), 128-100*math.Cos(a), 128+110*math.Sin(a), 128-110*math.Cos(a), 4, black)
	}
	ma := float64(m) / 60 * 2 * math.Pi
	ha := (float64(h%12) + float64(m)/60) / 12 * 2 * math.Pi
	line(img, 128, 128, 128+95*math.Sin(ma), 128-95*math.Cos(ma), 6, MinuteHand)
	line(img, 128, 128, 128+55*math.Sin(ha), 128-55*math.Cos(ha), 10, HourHand)
	return Image{Kind: "clock", PNG: encode(img), Answer: fmt.Sprintf("%d:%02d", h, m),
		Prompt: "This clock has a short blue hour hand and a long red minute hand. What time does it show? Reply as H:MM (12-hour, no am/pm)."}
}

// Quadrants names the four regions RegionColour paints.
var Quadrants = []string{"top-left", "top-right", "bottom-left", "bottom-right"}

// RegionColour paints the four quadrants in four different colours and
// asks for the colour of one of them.
func RegionColour(seed uint64) Image { return regionColour(seed, encode) }

func regionColour(seed uint64, encode func(image.Image) []byte) Image {
	r := rng(seed, "regions")
	img := canvas()
	cols := r.Perm(len(Palette))[:4]
	for q := 0; q < 4; q++ {
		x, y := (q%2)*128, (q/2)*128
		rect(img, image.Rect(x, y, x+128, y+128), Palette[cols[q]].C)
	}
	ask := r.IntN(4)
	return Image{Kind: "regions", PNG: encode(img), Answer: Palette[cols[ask]].Name,
		Prompt: fmt.Sprintf("The image is split into four coloured quadrants. What colour is the %s quadrant? Reply with one lowercase word.", Quadrants[ask])}
}

// Generators lists every image kind, in a fixed order.
var Generators = []struct {
	Kind string
	Make func(seed uint64) Image
}{
	{"count", CountShapes}, {"number", ReadNumber}, {"bars", TallestBar}, {"clock", Clock}, {"regions", RegionColour},
}

// fastGenerators are Generators with the fast encoder, in the same order.
var fastGenerators = []struct {
	Kind string
	Make func(seed uint64, encode func(image.Image) []byte) Image
}{
	{"count", countShapes}, {"number", readNumber}, {"bars", tallestBar}, {"clock", clock}, {"regions", regionColour},
}
