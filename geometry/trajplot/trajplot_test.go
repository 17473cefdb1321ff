package trajplot

import (
	"bytes"
	"image"
	"image/png"
	"testing"

	"github.com/trajdiff/trajdiff/geometry"
	"gonum.org/v1/plot"
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

func TestViewsAreTheThreeProjections(t *testing.T) {
	tr, err := geometry.SimulateIndex(geometry.NewCharged(5), 1, "plot", 0, geometry.Run{Steps: 1000, SampleFreq: 100, MaxFrames: 10})
	if err != nil {
		t.Fatal(err)
	}
	s := geometry.Shape{Frames: tr.Frames, Nodes: tr.Nodes, Dim: geometry.Dim}
	ps, err := Views(s, tr.X, Options{Title: "charged", Axes: [2]int{2, 1}})
	if err != nil {
		t.Fatal(err)
	}
	want := [][3]string{{"charged: xy", "x", "y"}, {"charged: xz", "x", "z"}, {"charged: yz", "y", "z"}}
	if len(ps) != len(want) {
		t.Fatalf("%d views, want %d", len(ps), len(want))
	}
	for i, p := range ps {
		if got := [3]string{p.Title.Text, p.X.Label.Text, p.Y.Label.Text}; got != want[i] {
			t.Errorf("view %d is %q, want %q", i, got, want[i])
		}
	}
	// A 2-D trajectory has one view; a bad shape is refused with NBody's error.
	flat := make([]float64, 0, s.Frames*s.Nodes*2)
	for k := 0; k < len(tr.X); k += 3 {
		flat = append(flat, tr.X[k], tr.X[k+1])
	}
	if ps, err := Views(geometry.Shape{Frames: s.Frames, Nodes: s.Nodes, Dim: 2}, flat, Options{}); err != nil || len(ps) != 1 || ps[0].Title.Text != "xy" {
		t.Errorf("2-D views: %d plots, err %v", len(ps), err)
	}
	if _, err := Views(geometry.Shape{Frames: s.Frames, Nodes: s.Nodes, Dim: 1}, tr.X[:s.Frames*s.Nodes], Options{}); err == nil {
		t.Error("1-D trajectory accepted")
	}
}

func TestWriteGridPNGTilesRowsOfViews(t *testing.T) {
	tr, err := geometry.SimulateIndex(geometry.NewCharged(5), 1, "plot", 0, geometry.Run{Steps: 1000, SampleFreq: 100, MaxFrames: 10})
	if err != nil {
		t.Fatal(err)
	}
	s := geometry.Shape{Frames: tr.Frames, Nodes: tr.Nodes, Dim: geometry.Dim}
	var rows [][]*plot.Plot
	for range 2 {
		ps, err := Views(s, tr.X, Options{Reference: tr.X})
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, ps)
	}
	var buf bytes.Buffer
	if err := WriteGridPNG(&buf, rows, 6*vg.Inch, 4*vg.Inch); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 576 || b.Dy() != 384 { // 96 dpi
		t.Errorf("image is %v, want 576 x 384", b)
	}
	// Every tile is drawn: each of the 2 x 3 cells has ink.
	b := img.Bounds()
	for r := range 2 {
		for c := range 3 {
			tile := img.(interface {
				SubImage(image.Rectangle) image.Image
			}).SubImage(image.Rect(b.Dx()*c/3, b.Dy()*r/2, b.Dx()*(c+1)/3, b.Dy()*(r+1)/2))
			if frac, _ := inked(t, tile); frac < 0.01 {
				t.Errorf("tile (%d, %d) is blank (%.4f inked)", r, c, frac)
			}
		}
	}
	if err := WriteGridPNG(&buf, [][]*plot.Plot{rows[0], rows[1][:2]}, 6*vg.Inch, 4*vg.Inch); err == nil {
		t.Error("ragged rows accepted")
	}
}
