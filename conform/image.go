package conform

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"sync"
)

// imageSide is the side of the test image in pixels. Vision encoders and
// input validators reject or upscale tiny images, and a 1×1 pixel proves
// nothing about a target's image path, so the image is a real picture that
// a model can describe.
const imageSide = 64

// imageDataURL returns the PNG test image (a red square on white) as a data
// URL. It is built once: the bytes are identical on every run.
var imageDataURL = sync.OnceValue(func() string {
	b, err := testPNG()
	if err != nil {
		panic(fmt.Sprintf("conform: encode test image: %v", err))
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(b)
})

// testPNG draws and encodes the test image.
func testPNG() ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, imageSide, imageSide))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	q := imageSide / 4
	draw.Draw(img, image.Rect(q, q, imageSide-q, imageSide-q), image.NewUniform(color.RGBA{R: 220, A: 255}), image.Point{}, draw.Src)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("png: %w", err)
	}
	return buf.Bytes(), nil
}
