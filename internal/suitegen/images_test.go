package suitegen

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"sync"
	"testing"
)

func decode(t *testing.T, im Image) *image.RGBA {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(im.PNG))
	if err != nil {
		t.Fatalf("%s: decode: %v", im.Kind, err)
	}
	if b := img.Bounds(); b.Dx() < 256 || b.Dy() < 256 {
		t.Fatalf("%s: %v, want ≥256×256", im.Kind, b)
	}
	rgba := image.NewRGBA(img.Bounds())
	for y := 0; y < Size; y++ {
		for x := 0; x < Size; x++ {
			rgba.Set(x, y, img.At(x, y))
		}
	}
	return rgba
}

func same(a, b color.RGBA) bool { return a == b }

// components counts 4-connected regions of exactly colour c.
func components(img *image.RGBA, c color.RGBA) int {
	seen := make([]bool, Size*Size)
	n := 0
	for y := 0; y < Size; y++ {
		for x := 0; x < Size; x++ {
			if seen[y*Size+x] || !same(img.RGBAAt(x, y), c) {
				continue
			}
			n++
			stack := []image.Point{{x, y}}
			seen[y*Size+x] = true
			for len(stack) > 0 {
				p := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				for _, d := range []image.Point{{1, 0}, {-1, 0}, {0, 1}, {0, -1}} {
					q := p.Add(d)
					if q.In(img.Bounds()) && !seen[q.Y*Size+q.X] && same(img.RGBAAt(q.X, q.Y), c) {
						seen[q.Y*Size+q.X] = true
						stack = append(stack, q)
					}
				}
			}
		}
	}
	return n
}

func nameOf(c color.RGBA) string {
	for _, p := range Palette {
		if p.C == c {
			return p.Name
		}
	}
	return ""
}

// readBack derives each image's answer from its pixels alone.
func readBack(t *testing.T, im Image) string {
	img := decode(t, im)
	switch im.Kind {
	case "count":
		for _, p := range Palette {
			if bytes.Contains([]byte(im.Prompt), []byte(" "+p.Name+" ")) {
				return fmt.Sprint(components(img, p.C))
			}
		}
	case "number":
		// Template matching: render each digit at each slot on a blank
		// canvas and keep the one whose ink matches the image exactly there.
		out := ""
		for i := 0; i < 4; i++ {
			best, bestDiff := byte('?'), math.MaxInt
			for d := byte('0'); d <= '9'; d++ {
				tpl := canvas()
				DrawDigit(tpl, i, d)
				diff := 0
				for y := 60; y < 200; y++ {
					for x := 20 + i*50; x < 20+i*50+50 && x < Size; x++ {
						if tpl.RGBAAt(x, y) != img.RGBAAt(x, y) {
							diff++
						}
					}
				}
				if diff < bestDiff {
					best, bestDiff = d, diff
				}
			}
			out += string(best)
		}
		return out
	case "bars":
		best, bestH := 0, 0
		for i := range BarLabels {
			x0, x1 := BarGeometry(i)
			h := 0
			for y := 224; y >= 0 && img.RGBAAt((x0+x1)/2, y) == Palette[2].C; y-- {
				h++
			}
			if h > bestH {
				best, bestH = i, h
			}
		}
		return BarLabels[best]
	case "clock":
		angle := func(c color.RGBA) float64 {
			// The hand's farthest pixel from the centre gives its direction.
			var fx, fy, fd float64
			for y := 0; y < Size; y++ {
				for x := 0; x < Size; x++ {
					if img.RGBAAt(x, y) == c {
						dx, dy := float64(x)+0.5-128, float64(y)+0.5-128
						if d := math.Hypot(dx, dy); d > fd {
							fx, fy, fd = dx, dy, d
						}
					}
				}
			}
			a := math.Atan2(fx, -fy)
			if a < 0 {
				a += 2 * math.Pi
			}
			return a
		}
		m := int(math.Round(angle(MinuteHand)/(2*math.Pi)*12)) % 12 * 5
		h := int(math.Floor(angle(HourHand)/(2*math.Pi)*12 - float64(m)/60 + 0.5))
		if h <= 0 {
			h += 12
		}
		return fmt.Sprintf("%d:%02d", h, m)
	case "regions":
		for q, name := range Quadrants {
			if bytes.Contains([]byte(im.Prompt), []byte(name+" ")) {
				return nameOf(img.RGBAAt((q%2)*128+64, (q/2)*128+64))
			}
		}
	}
	return "?"
}

// seeds are the seeds every generator is checked with.
const seeds = 12

// made memoises each generator's image per seed: encoding a PNG at best
// compression under -race costs most of this package's time, and a second
// Make of the same seed is only worth its cost where determinism is the
// point (TestSameSeedSameBytes makes that one fresh).
var made = func() map[string][]func() Image {
	m := map[string][]func() Image{}
	for _, g := range Generators {
		for seed := uint64(1); seed <= seeds; seed++ {
			m[g.Kind] = append(m[g.Kind], sync.OnceValue(func() Image { return g.Make(seed) }))
		}
	}
	return m
}()

func TestAnswersDerivableFromPixels(t *testing.T) {
	for _, g := range Generators {
		t.Run(g.Kind, func(t *testing.T) {
			t.Parallel()
			for seed := uint64(1); seed <= seeds; seed++ {
				im := made[g.Kind][seed-1]()
				if got := readBack(t, im); got != im.Answer {
					t.Errorf("%s seed %d: pixels say %q, answer is %q", g.Kind, seed, got, im.Answer)
				}
			}
		})
	}
}

func TestSameSeedSameBytes(t *testing.T) {
	for _, g := range Generators {
		t.Run(g.Kind, func(t *testing.T) {
			t.Parallel()
			a, b, c := made[g.Kind][11-1](), g.Make(11), made[g.Kind][12-1]()
			if !bytes.Equal(a.PNG, b.PNG) {
				t.Errorf("%s: seed 11 gave different bytes twice", g.Kind)
			}
			if bytes.Equal(a.PNG, c.PNG) && a.Answer == c.Answer {
				t.Errorf("%s: seeds 11 and 12 gave the same image", g.Kind)
			}
		})
	}
}
