package fieldplot

import (
	"bytes"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot/vg"
)

func wave(frames, cells int, amp float64) []float64 {
	v := make([]float64, frames*cells)
	for r := range frames {
		for c := range cells {
			v[r*cells+c] = amp * math.Sin(2*math.Pi*float64(c)/float64(cells-1)) * math.Exp(-float64(r)/float64(frames))
		}
	}
	return v
}

// Three rows of two panels become a PNG of the requested size, with colour in it and blue and red on
// both sides of zero.
func TestFigurePNG(t *testing.T) {
	g := Grid{Frames: 9, Cells: 12, X: [2]float64{1.0 / 13, 12.0 / 13}, Dt: 0.125}
	u, f := wave(9, 12, 1.5), wave(9, 12, -0.3)
	zero := make([]float64, len(u))
	fig, err := New(g, [][]Panel{
		{{Title: "u", Values: u, Limit: 1.5}, {Title: "f", Values: f}},
		{{Title: "truth u", Values: u, Limit: 1.5}, {Title: "truth f", Values: f}},
		{{Title: "u - truth", Values: zero}, {Title: "f - truth", Values: zero}},
	})
	if err != nil {
		t.Fatal(err)
	}
	w, h := fig.Size(vg.Length(480 * 72 / 96))
	path := filepath.Join(t.TempDir(), "fields.png")
	if err := fig.WriteFile(path, w, h); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if s := img.Bounds().Size(); s.X != 480 || s.Y != 720 {
		t.Fatalf("image %v, want 480 x 720", s)
	}
	var reds, blues int
	for y := 0; y < 720; y++ {
		for x := 0; x < 480; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			switch {
			case r > 0xa000 && bl < 0x6000 && g < 0x6000:
				reds++
			case bl > 0xa000 && r < 0x6000:
				blues++
			}
		}
	}
	if reds < 500 || blues < 500 {
		t.Errorf("%d strongly red and %d strongly blue pixels: the diverging map is not showing", reds, blues)
	}
}

func TestFigureErrors(t *testing.T) {
	g := Grid{Frames: 3, Cells: 4}
	for _, c := range []struct {
		g    Grid
		rows [][]Panel
		want string
	}{
		{g, [][]Panel{{{Title: "u", Values: make([]float64, 11)}}}, "has 11 values, want 3 frames x 4 cells"},
		{g, nil, "no panels"},
		{g, [][]Panel{{{Values: make([]float64, 12)}}, {}}, "row 1 has 0 panels"},
		{Grid{Frames: 1, Cells: 4}, [][]Panel{{{Values: make([]float64, 4)}}}, "at least 2 frames"},
		{g, [][]Panel{{{Values: make([]float64, 12), Limit: -1}}}, "colour limit"},
	} {
		if _, err := New(c.g, c.rows); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("want an error containing %q, got %v", c.want, err)
		}
	}
}

// Plane reads the datasets' (frame, x, y, channel) rows: the value stored for (f, x, y, c) lands at row y,
// column x of the panel.
func TestPlaneTakesXAcrossAndYUp(t *testing.T) {
	const frames, nx, ny, ch = 2, 3, 4, 2
	v := make([]float64, frames*nx*ny*ch)
	for f := range frames {
		for x := range nx {
			for y := range ny {
				for c := range ch {
					v[((f*nx+x)*ny+y)*ch+c] = float64(1000*f + 100*c + 10*x + y)
				}
			}
		}
	}
	p, err := Plane(v, nx, ny, ch, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	for y := range ny {
		for x := range nx {
			if want := float64(1000 + 100 + 10*x + y); p[y*nx+x] != want {
				t.Fatalf("(x %d, y %d) = %v, want %v", x, y, p[y*nx+x], want)
			}
		}
	}
	if _, err := Plane(v, nx, ny, ch, 2, 0); err == nil {
		t.Error("no error for a frame beyond the trajectory")
	}
	if _, err := Plane(v, nx, ny, ch, 0, 2); err == nil {
		t.Error("no error for a channel beyond the field")
	}
	// A plane draws on a Grid with a vertical space axis.
	fig, err := New(Grid{Frames: ny, Cells: nx, X: [2]float64{0, 1}, Y: [2]float64{0, 2}}, [][]Panel{{{Title: "density", Values: p}}})
	if err != nil {
		t.Fatal(err)
	}
	if fig.plots[0][0].Y.Label.Text != "y" || fig.plots[0][0].Y.Max < 2 {
		t.Errorf("vertical axis %q up to %v, want y up to 2", fig.plots[0][0].Y.Label.Text, fig.plots[0][0].Y.Max)
	}
}
