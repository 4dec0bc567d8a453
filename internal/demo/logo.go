package demo

import (
	"bytes"
	"hash/fnv"
	"image"
	"image/color"
	"image/png"
	"math"
)

// logoColours are the demo logos' background colours: dark enough for
// the white motif to stand out.
var logoColours = []color.RGBA{
	{0x0b, 0x5d, 0x57, 0xff}, {0x7a, 0x2e, 0x0e, 0xff}, {0x1f, 0x3a, 0x93, 0xff}, {0x6b, 0x21, 0x68, 0xff},
	{0x2f, 0x5d, 0x1a, 0xff}, {0x8a, 0x1c, 0x2b, 0xff}, {0x11, 0x4e, 0x7a, 0xff}, {0x5b, 0x4a, 0x0c, 0xff},
}

// drawLogo draws a fictional organisation's logo, 256 pixels square: a
// coloured tile with a white motif (rings, bars, a mountain, a sun, waves
// or a leaf), both chosen from the slug, so every demo organisation has
// its own and a second seed draws the same. No third-party image, no
// font: geometry only.
func drawLogo(slug string) []byte {
	h := fnv.New32a()
	_, _ = h.Write([]byte(slug))
	n := h.Sum32()
	bg := logoColours[n%uint32(len(logoColours))]
	motif := (n / 8) % 6
	const size = 256
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	white := color.RGBA{0xff, 0xff, 0xff, 0xff}
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			fx, fy := float64(x)-size/2+0.5, float64(y)-size/2+0.5
			r := math.Hypot(fx, fy)
			on := false
			switch motif {
			case 0: // rings
				on = r < 100 && int(r/20)%2 == 0
			case 1: // three bars of rising height
				for i, top := range []float64{150, 100, 50} {
					left := 48 + float64(i)*60
					on = on || (float64(x) >= left && float64(x) < left+40 && float64(y) >= top && y < 208)
				}
			case 2: // a mountain and its sun
				on = float64(y) > 200-1.4*(110-math.Abs(fx)) && y < 200 || math.Hypot(fx-60, fy+60) < 22
			case 3: // a sun with rays
				angle := math.Atan2(fy, fx)
				on = r < 46 || (r > 60 && r < 104 && math.Mod(angle+math.Pi+0.2, math.Pi/4) < 0.4)
			case 4: // waves
				on = math.Abs(math.Mod(fy+20*math.Sin(fx/22)+300, 48)-24) < 9 && r < 104
			default: // a leaf
				on = math.Hypot(fx-40, fy+40) < 100 && math.Hypot(fx+40, fy-40) < 100 && math.Abs(fx-fy) >= 5
			}
			c := bg
			if on {
				c = white
			}
			img.SetRGBA(x, y, c)
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img) // into memory: cannot fail
	return b.Bytes()
}
