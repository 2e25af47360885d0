package scorer

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"strconv"
	"strings"

	"github.com/janus-bench/janus/suites"
)

// Bounds of the pixel checks: an image larger than maxImagePixels is
// refused before it is decoded (a 64 MiB PNG can inflate to gigabytes),
// and at most maxImageSamples pixels are read, on an even grid.
const (
	maxImagePixels  = 4096 * 4096
	maxImageSamples = 1 << 18
	// colourTolerance is how far (per channel) a pixel may be from a
	// declared colour and still count as it: anti-aliasing and lossy
	// encoders shift edges and flat areas a little.
	colourTolerance = 40
	// defaultMinShare is the share of pixels a declared colour must cover.
	defaultMinShare = 0.005
)

// rgb is a colour without alpha.
type rgb struct{ r, g, b uint8 }

func (c rgb) String() string { return fmt.Sprintf("#%02x%02x%02x", c.r, c.g, c.b) }

// near reports whether two colours are within colourTolerance on every
// channel.
func (c rgb) near(o rgb) bool {
	d := func(a, b uint8) int { return max(int(a)-int(b), int(b)-int(a)) }
	return d(c.r, o.r) <= colourTolerance && d(c.g, o.g) <= colourTolerance && d(c.b, o.b) <= colourTolerance
}

// parseHexColour reads "#rrggbb".
func parseHexColour(s string) (rgb, error) {
	if len(s) != 7 || s[0] != '#' {
		return rgb{}, fmt.Errorf("colour %s: want #rrggbb", show(s))
	}
	v, err := strconv.ParseUint(s[1:], 16, 32)
	if err != nil {
		return rgb{}, fmt.Errorf("colour %s: want #rrggbb", show(s))
	}
	return rgb{uint8(v >> 16), uint8(v >> 8), uint8(v)}, nil
}

// imageSpec is a parsed suites.ImageSpec.
type imageSpec struct {
	width, height int
	background    *rgb
	colours       []rgb
	minShare      float64
}

func newImageSpec(s *suites.ImageSpec) (*imageSpec, error) {
	if s == nil {
		return nil, nil
	}
	out := &imageSpec{width: s.Width, height: s.Height, minShare: s.MinShare}
	if s.Width < 0 || s.Height < 0 {
		return nil, fmt.Errorf("image: width %d and height %d must be ≥ 0", s.Width, s.Height)
	}
	if !(s.MinShare >= 0 && s.MinShare <= 1) {
		return nil, fmt.Errorf("image: min_share %v must be between 0 and 1", s.MinShare)
	}
	if out.minShare == 0 {
		out.minShare = defaultMinShare
	}
	if s.Background != "" {
		c, err := parseHexColour(s.Background)
		if err != nil {
			return nil, fmt.Errorf("image: background: %w", err)
		}
		out.background = &c
	}
	for _, h := range s.Colours {
		c, err := parseHexColour(h)
		if err != nil {
			return nil, fmt.Errorf("image: colours: %w", err)
		}
		out.colours = append(out.colours, c)
	}
	if s.Width == 0 && s.Height == 0 && s.Background == "" && len(s.Colours) == 0 {
		return nil, errors.New("image: declares nothing to check")
	}
	return out, nil
}

// check verifies an image's pixels against the spec: its dimensions, the
// colour covering the most pixels, and each declared colour's share.
func (s *imageSpec) check(body []byte) error {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("image does not decode: %w", err)
	}
	if (s.width > 0 && cfg.Width != s.width) || (s.height > 0 && cfg.Height != s.height) {
		return fmt.Errorf("image is %d×%d, want %d×%d", cfg.Width, cfg.Height, s.width, s.height)
	}
	if s.background == nil && len(s.colours) == 0 {
		return nil
	}
	if int64(cfg.Width)*int64(cfg.Height) > maxImagePixels {
		return fmt.Errorf("image is %d×%d, more than the %d pixels the colour check reads", cfg.Width, cfg.Height, maxImagePixels)
	}
	img, _, err := image.Decode(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("image does not decode: %w", err)
	}
	hist, n := sampleColours(img)
	if n == 0 {
		return errors.New("image has no pixels")
	}
	var probs []string
	if s.background != nil {
		top := topColour(hist)
		if !top.near(*s.background) {
			probs = append(probs, fmt.Sprintf("most pixels are %s, want the background %s", top, *s.background))
		}
	}
	for _, c := range s.colours {
		share := float64(countNear(hist, c)) / float64(n)
		if share < s.minShare {
			probs = append(probs, fmt.Sprintf("%s covers %.2f%% of the image, want ≥ %.2f%%", c, 100*share, 100*s.minShare))
		}
	}
	if len(probs) > 0 {
		return errors.New(strings.Join(probs, "; "))
	}
	return nil
}

// sampleColours counts the colours of up to maxImageSamples pixels on an
// even grid, alpha composited over white.
func sampleColours(img image.Image) (map[rgb]int, int) {
	b := img.Bounds()
	step := 1
	for (b.Dx()/step)*(b.Dy()/step) > maxImageSamples {
		step++
	}
	hist := map[rgb]int{}
	n := 0
	for y := b.Min.Y; y < b.Max.Y; y += step {
		for x := b.Min.X; x < b.Max.X; x += step {
			r, g, bl, a := img.At(x, y).RGBA()
			over := func(c uint32) uint8 { return uint8((c + (0xffff - a)) >> 8) } // premultiplied, over white
			hist[rgb{over(r), over(g), over(bl)}]++
			n++
		}
	}
	return hist, n
}

// topColour is the colour whose neighbourhood (colourTolerance) holds the
// most sampled pixels, among the 64 most frequent exact colours, so that
// a background with a little noise still wins over a flat bar.
func topColour(hist map[rgb]int) rgb {
	type kv struct {
		c rgb
		n int
	}
	all := make([]kv, 0, len(hist))
	for c, n := range hist {
		all = append(all, kv{c, n})
	}
	// Partial selection of the most frequent colours, ties by value so the
	// result does not depend on map order.
	for i := 0; i < len(all) && i < 64; i++ {
		best := i
		for j := i + 1; j < len(all); j++ {
			if all[j].n > all[best].n || (all[j].n == all[best].n && all[j].c.String() < all[best].c.String()) {
				best = j
			}
		}
		all[i], all[best] = all[best], all[i]
	}
	var top rgb
	topN := -1
	for i := 0; i < len(all) && i < 64; i++ {
		if n := countNear(hist, all[i].c); n > topN {
			top, topN = all[i].c, n
		}
	}
	return top
}

// countNear counts the sampled pixels within colourTolerance of c.
func countNear(hist map[rgb]int, c rgb) int {
	n := 0
	for h, k := range hist {
		if h.near(c) {
			n += k
		}
	}
	return n
}
