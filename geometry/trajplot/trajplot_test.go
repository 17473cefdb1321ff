package trajplot

import (
	"bytes"
	"image"
	"image/png"
	"testing"

	"github.com/trajdiff/trajdiff/geometry"
	"gonum.org/v1/plot/vg"
)

// inked returns the fraction of non-white pixels and the number of distinct colours.
func inked(t *testing.T, img image.Image) (float64, int) {
	t.Helper()
	b := img.Bounds()
	colours := map[[3]uint32]bool{}
	n := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			colours[[3]uint32{r >> 8, g >> 8, bl >> 8}] = true
			if r < 0xf000 || g < 0xf000 || bl < 0xf000 {
				n++
			}
		}
	}
	return float64(n) / float64(b.Dx()*b.Dy()), len(colours)
}

func TestNBodyPNG(t *testing.T) {
	sys := geometry.NewSprings(5)
	tr, err := geometry.SimulateIndex(sys, 1, "plot", 0, geometry.DefaultRun())
	if err != nil {
		t.Fatal(err)
	}
	s := geometry.Shape{Frames: tr.Frames, Nodes: tr.Nodes, Dim: geometry.Dim}
	p, err := NBody(s, tr.X, Options{Title: "springs", Axes: [2]int{0, 2}, Reference: tr.X})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WritePNG(&buf, p, 4*vg.Inch, 4*vg.Inch); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 200 || b.Dx() != b.Dy() {
		t.Errorf("image is %v", b)
	}
	frac, colours := inked(t, img)
	t.Logf("%.1f%% inked, %d colours", 100*frac, colours)
	if frac < 0.01 || frac > 0.6 || colours < 6 {
		t.Errorf("image has %.3f inked pixels and %d colours: no paths drawn?", frac, colours)
	}
	// Validation.
	if _, err := NBody(s, tr.X[:10], Options{}); err == nil {
		t.Error("short trajectory accepted")
	}
	if _, err := NBody(s, tr.X, Options{Axes: [2]int{1, 3}}); err == nil {
		t.Error("axis 3 of 3-D accepted")
	}
	if _, err := NBody(s, tr.X, Options{Reference: tr.X[1:]}); err == nil {
		t.Error("mismatched reference accepted")
	}
}
