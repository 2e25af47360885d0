package agenttools

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/janus-bench/janus/internal/clip"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// Image size of every generated picture.
const (
	imgW = 640
	imgH = 400
	// maxSeries bounds how many bars, points or boxes one picture has.
	maxSeries = 24
)

// ImageSpec is what generate_image draws. Kind is bar, line or diagram;
// an empty Kind is inferred from Prompt (numbers → bar chart, "a -> b"
// chains → diagram).
type ImageSpec struct {
	Kind   string    `json:"kind"`
	Title  string    `json:"title"`
	Labels []string  `json:"labels"`
	Values []float64 `json:"values"`
	Prompt string    `json:"prompt"`
}

// ImageTool draws charts and box-and-arrow diagrams in pure Go. It is a
// stand-in for an image model: deterministic, offline and honest about
// what it can draw (data charts and simple diagrams, not photographs).
func ImageTool() Tool {
	return Tool{Name: NameImage,
		Description: "Draw a PNG chart or diagram (not a photo): kind bar or line with labels and values, or diagram with labels as boxes joined by arrows. A prompt alone is parsed for numbers or 'a -> b' chains.",
		Parameters: schema(`{"type":"object","properties":{"kind":{"type":"string","enum":["bar","line","diagram"]},"title":{"type":"string"},` +
			`"labels":{"type":"array","items":{"type":"string"}},"values":{"type":"array","items":{"type":"number"}},"prompt":{"type":"string"}}}`),
		Run: func(_ context.Context, _ *Env, args json.RawMessage) (Result, error) {
			var s ImageSpec
			if err := decodeArgs(args, &s); err != nil {
				return Result{}, err
			}
			png, desc, err := DrawImage(s)
			if err != nil {
				return Result{}, err
			}
			name := SafeName(firstNonEmpty(s.Title, s.Kind, "image")) + ".png"
			return Result{Output: "drew " + desc, Files: []File{{Name: name, MimeType: "image/png", Type: "image", Data: png}}}, nil
		}}
}

var (
	numRe   = regexp.MustCompile(`(?i)([a-z][a-z ]{0,20}?)\s*[:=]?\s*(-?\d+(?:\.\d+)?)`)
	arrowRe = regexp.MustCompile(`\s*(?:->|→|=>)\s*`)
)

// InferSpec fills Kind, Labels and Values from Prompt when they are empty.
func InferSpec(s ImageSpec) ImageSpec {
	inferredKind := s.Kind == ""
	if s.Kind == "" {
		switch {
		case len(arrowRe.FindAllStringIndex(s.Prompt, -1)) > 0:
			s.Kind = "diagram"
		case strings.Contains(strings.ToLower(s.Prompt), "line"):
			s.Kind = "line"
		default:
			s.Kind = "bar"
		}
	}
	if len(s.Labels) == 0 && len(s.Values) == 0 && s.Prompt != "" {
		if s.Kind == "diagram" {
			// "draw a diagram: client -> gateway -> competitor"
			p := s.Prompt
			if i := strings.LastIndex(p, ":"); i >= 0 {
				p = p[i+1:]
			}
			for _, part := range arrowRe.Split(p, -1) {
				if part = strings.TrimSpace(strings.Trim(part, ".!? ")); part != "" {
					s.Labels = append(s.Labels, part)
				}
			}
		} else {
			for _, m := range numRe.FindAllStringSubmatch(s.Prompt, maxSeries) {
				v, err := strconv.ParseFloat(m[2], 64)
				if err != nil {
					continue
				}
				label := strings.TrimSpace(m[1])
				if f := strings.Fields(label); len(f) > 0 {
					label = f[len(f)-1]
				}
				s.Labels = append(s.Labels, label)
				s.Values = append(s.Values, v)
			}
		}
	}
	if s.Kind == "bar" && len(s.Values) == 0 && s.Prompt != "" && inferredKind {
		// Nothing to plot and no chain to draw: a titled card holding the
		// request, rather than a failure. This tool is not an image model.
		s.Kind = "card"
	}
	if s.Title == "" {
		s.Title = strings.TrimSpace(s.Prompt)
		if len(s.Title) > 60 {
			s.Title = s.Title[:60]
		}
	}
	return s
}

// DrawImage renders s as a PNG and says in a few words what it drew.
func DrawImage(s ImageSpec) ([]byte, string, error) {
	s = InferSpec(s)
	img := image.NewRGBA(image.Rect(0, 0, imgW, imgH))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.RGBA{255, 255, 255, 255}), image.Point{}, draw.Src)
	label(img, 12, 20, s.Title, color.RGBA{0, 0, 0, 255})
	var desc string
	switch s.Kind {
	case "bar", "line":
		n := min(len(s.Values), maxSeries)
		if n == 0 {
			return nil, "", errors.New("draw chart: no values (give values, or numbers in the prompt)")
		}
		for _, v := range s.Values[:n] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, "", errors.New("draw chart: values must be finite numbers")
			}
		}
		chart(img, s.Kind, s.Labels, s.Values[:n])
		desc = fmt.Sprintf("a %s chart of %d values", s.Kind, n)
	case "diagram":
		n := min(len(s.Labels), maxSeries/3)
		if n == 0 {
			return nil, "", errors.New("draw diagram: no labels (give labels, or 'a -> b' in the prompt)")
		}
		diagram(img, s.Labels[:n])
		desc = fmt.Sprintf("a diagram of %d boxes: %s", n, strings.Join(s.Labels[:n], " → "))
	case "card":
		card(img, s.Prompt)
		desc = "a placeholder card with the request (this tool draws charts and diagrams, not pictures)"
	default:
		return nil, "", fmt.Errorf("draw image: unknown kind %q (bar, line, diagram)", s.Kind)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, "", fmt.Errorf("encode png: %w", err)
	}
	return buf.Bytes(), desc, nil
}

var palette = []color.RGBA{{66, 133, 244, 255}, {219, 68, 55, 255}, {244, 180, 0, 255}, {15, 157, 88, 255}, {171, 71, 188, 255}}

func chart(img *image.RGBA, kind string, labels []string, vals []float64) {
	x0, y0, x1, y1 := 50, 40, imgW-20, imgH-40
	lo, hi := 0.0, 0.0
	for _, v := range vals {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	if hi == lo {
		hi = lo + 1
	}
	yOf := func(v float64) int { return y1 - int(float64(y1-y0)*(v-lo)/(hi-lo)) }
	axis := color.RGBA{80, 80, 80, 255}
	fill(img, image.Rect(x0, y0, x0+1, y1+1), axis)
	fill(img, image.Rect(x0, yOf(0), x1, yOf(0)+1), axis)
	label(img, 4, y0+4, FormatNumber(hi), axis)
	label(img, 4, y1, FormatNumber(lo), axis)
	slot := (x1 - x0) / len(vals)
	px, py := -1, -1
	for i, v := range vals {
		cx := x0 + slot*i + slot/2
		c := palette[i%len(palette)]
		if kind == "bar" {
			top, bot := yOf(v), yOf(0)
			if top > bot {
				top, bot = bot, top
			}
			fill(img, image.Rect(cx-slot/3, top, cx+slot/3, bot+1), c)
		} else {
			y := yOf(v)
			fill(img, image.Rect(cx-3, y-3, cx+4, y+4), c)
			if px >= 0 {
				segment(img, px, py, cx, y, palette[0])
			}
			px, py = cx, y
		}
		if i < len(labels) {
			label(img, cx-slot/2+2, y1+16, clip.Runes(labels[i], max(1, slot/7), ""), axis)
		}
	}
}

func diagram(img *image.RGBA, labels []string) {
	n := len(labels)
	gap := 30
	w := (imgW - 40 - gap*(n-1)) / n
	y := imgH/2 - 25
	for i, l := range labels {
		x := 20 + i*(w+gap)
		c := palette[i%len(palette)]
		fill(img, image.Rect(x, y, x+w, y+50), c)
		fill(img, image.Rect(x+2, y+2, x+w-2, y+48), color.RGBA{245, 245, 245, 255})
		label(img, x+6, y+30, clip.Runes(l, max(1, (w-12)/7), ""), color.RGBA{0, 0, 0, 255})
		if i > 0 {
			ax := x - gap
			fill(img, image.Rect(ax+2, y+24, x-2, y+26), color.RGBA{0, 0, 0, 255})
			for k := 0; k < 6; k++ { // arrow head
				fill(img, image.Rect(x-2-k, y+25-k, x-1-k, y+26+k), color.RGBA{0, 0, 0, 255})
			}
		}
	}
}

// card draws the text word-wrapped inside a framed box.
func card(img *image.RGBA, text string) {
	fill(img, image.Rect(20, 40, imgW-20, imgH-20), palette[0])
	fill(img, image.Rect(23, 43, imgW-23, imgH-23), color.RGBA{250, 250, 250, 255})
	perLine := (imgW - 60) / 7
	y, line := 70, ""
	for _, w := range strings.Fields(text) {
		if len(line)+len(w)+1 > perLine && line != "" {
			label(img, 32, y, line, color.RGBA{0, 0, 0, 255})
			y, line = y+18, ""
			if y > imgH-40 {
				return
			}
		}
		if line != "" {
			line += " "
		}
		line += clip.Runes(w, perLine, "")
	}
	label(img, 32, y, line, color.RGBA{0, 0, 0, 255})
}

func fill(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	draw.Draw(img, r.Intersect(img.Bounds()), image.NewUniform(c), image.Point{}, draw.Src)
}

// segment draws a 2-pixel line by stepping along its longer axis.
func segment(img *image.RGBA, x0, y0, x1, y1 int, c color.RGBA) {
	steps := max(abs(x1-x0), abs(y1-y0), 1)
	for i := 0; i <= steps; i++ {
		x := x0 + (x1-x0)*i/steps
		y := y0 + (y1-y0)*i/steps
		fill(img, image.Rect(x, y, x+2, y+2), c)
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func label(img *image.RGBA, x, y int, s string, c color.RGBA) {
	d := font.Drawer{Dst: img, Src: image.NewUniform(c), Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}

// SafeName reduces a user-supplied file name to a harmless base name:
// letters, digits, dot, dash and underscore, at most 80 bytes, never empty
// and never a hidden file.
func SafeName(name string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	var b strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteByte('_')
		}
	}
	s := strings.TrimLeft(b.String(), ".")
	if len(s) > 80 {
		s = s[len(s)-80:]
	}
	if s == "" {
		s = "file.txt"
	}
	return s
}

// MimeFor guesses a file's MIME type and artifact type from its extension.
func MimeFor(name string) (mime, typ string) {
	switch strings.ToLower(path.Ext(name)) {
	case ".png":
		return "image/png", "image"
	case ".svg":
		return "image/svg+xml", "image"
	case ".csv":
		return "text/csv; charset=utf-8", "dataset"
	case ".json":
		return "application/json", "dataset"
	case ".md":
		return "text/markdown; charset=utf-8", "file"
	case ".html":
		return "text/html; charset=utf-8", "file"
	case ".txt", ".py", ".go", ".js", ".ts", ".sh", ".yaml", ".yml", ".toml", ".c", ".rs", ".java":
		return "text/plain; charset=utf-8", "file"
	}
	return "application/octet-stream", "binary"
}
