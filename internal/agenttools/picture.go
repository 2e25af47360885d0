package agenttools

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math/rand/v2"
	"strings"

	"github.com/janus-bench/janus/internal/clip"
)

// Picture size of DrawPicture.
const (
	picW = 512
	picH = 512
)

// DrawPicture renders a prompt as a deterministic procedural picture: a
// gradient sky, a handful of shapes whose colours, places and sizes come
// from the prompt's hash, and the prompt as a caption. It is the stand-in
// for an image model the reference baseline uses when none is configured:
// the same prompt always gives the same PNG, different prompts differ, and
// nobody could take it for a photograph.
func DrawPicture(prompt string) ([]byte, error) {
	h := fnv.New64a()
	_, _ = h.Write([]byte(prompt))
	seed := h.Sum64()
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	img := image.NewRGBA(image.Rect(0, 0, picW, picH))
	top, bottom := randColor(rng), randColor(rng)
	for y := 0; y < picH; y++ {
		c := mix(top, bottom, float64(y)/float64(picH-1))
		draw.Draw(img, image.Rect(0, y, picW, y+1), image.NewUniform(c), image.Point{}, draw.Src)
	}
	for range 3 + rng.IntN(5) {
		c := randColor(rng)
		x, y, r := rng.IntN(picW), rng.IntN(picH-120), 20+rng.IntN(80)
		switch rng.IntN(3) {
		case 0:
			disc(img, x, y, r, c)
		case 1:
			fill(img, image.Rect(x-r, y-r/2, x+r, y+r/2), c)
		default:
			triangle(img, x, y, r, c)
		}
	}
	fill(img, image.Rect(0, picH-110, picW, picH), color.RGBA{250, 250, 250, 235})
	perLine := (picW - 24) / 7
	y, line := picH-90, ""
	for _, w := range strings.Fields(prompt) {
		if len(line)+len(w)+1 > perLine && line != "" {
			label(img, 12, y, line, color.RGBA{0, 0, 0, 255})
			if y, line = y+18, ""; y > picH-10 {
				break
			}
		}
		if line != "" {
			line += " "
		}
		line += clip.Runes(w, perLine, "")
	}
	if y <= picH-10 {
		label(img, 12, y, line, color.RGBA{0, 0, 0, 255})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("encode picture: %w", err)
	}
	return buf.Bytes(), nil
}

func randColor(rng *rand.Rand) color.RGBA {
	return color.RGBA{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), 255}
}

func mix(a, b color.RGBA, t float64) color.RGBA {
	f := func(x, y uint8) uint8 { return uint8(float64(x)*(1-t) + float64(y)*t) }
	return color.RGBA{f(a.R, b.R), f(a.G, b.G), f(a.B, b.B), 255}
}

// disc fills a circle of radius r around (cx, cy).
func disc(img *image.RGBA, cx, cy, r int, c color.RGBA) {
	for y := max(cy-r, 0); y <= min(cy+r, picH-1); y++ {
		for x := max(cx-r, 0); x <= min(cx+r, picW-1); x++ {
			if (x-cx)*(x-cx)+(y-cy)*(y-cy) <= r*r {
				img.SetRGBA(x, y, c)
			}
		}
	}
}

// triangle fills an upright triangle of height 2r with its apex above
// (cx, cy).
func triangle(img *image.RGBA, cx, cy, r int, c color.RGBA) {
	for dy := 0; dy <= 2*r; dy++ {
		y := cy - r + dy
		if y < 0 || y >= picH {
			continue
		}
		half := dy / 2
		for x := max(cx-half, 0); x <= min(cx+half, picW-1); x++ {
			img.SetRGBA(x, y, c)
		}
	}
}
