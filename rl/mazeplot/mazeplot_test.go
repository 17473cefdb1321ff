package mazeplot

import (
	"bytes"
	"context"
	"image/png"
	"testing"

	"github.com/trajdiff/trajdiff/rl"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
)

// TestMazePNG draws the large maze with three dataset segments and checks that a PNG with walls
// (dark grey pixels) and coloured paths comes out.
func TestMazePNG(t *testing.T) {
	l, err := rl.LayoutByName("large")
	if err != nil {
		t.Fatal(err)
	}
	var paths [][]float64
	var targets [][2]float64
	err = rl.GenerateDataset(context.Background(), rl.DatasetConfig{Layout: "large", Steps: 600, Seed: 2}, func(ep *rl.Episode) error {
		var xy []float64
		for s := 0; s < ep.Len(); s++ {
			xy = append(xy, ep.Observations[4*s], ep.Observations[4*s+1])
		}
		paths = append(paths, xy)
		targets = append(targets, [2]float64{ep.Goals[0], ep.Goals[1]})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	p, err := Maze(l, paths, Options{Title: "maze2d-large", Targets: targets})
	if err != nil {
		t.Fatal(err)
	}
	w, h := Size(l, 5*vg.Inch)
	if w <= h {
		t.Errorf("size %v x %v: the large maze has 12 columns (image width) and 9 rows", w, h)
	}
	var buf bytes.Buffer
	if err := WritePNG(&buf, p, w, h); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	b := img.Bounds()
	grey, coloured := 0, 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			r, g, bl = r>>8, g>>8, bl>>8
			switch {
			case r == 90 && g == 90 && bl == 90:
				grey++
			case max(r, g, bl)-min(r, g, bl) > 60:
				coloured++
			}
		}
	}
	n := float64(b.Dx() * b.Dy())
	t.Logf("%dx%d, %.1f%% wall, %.2f%% path pixels, %d paths", b.Dx(), b.Dy(), 100*float64(grey)/n, 100*float64(coloured)/n, len(paths))
	// 62 of 108 cells are walls; the plot area is most of the image.
	if float64(grey)/n < 0.25 || float64(coloured)/n < 0.002 {
		t.Errorf("walls %.3f and paths %.4f of the image: not drawn?", float64(grey)/n, float64(coloured)/n)
	}
	if _, err := Maze(l, [][]float64{{1, 2, 3}}, Options{}); err == nil {
		t.Error("odd path accepted")
	}
	if _, err := Maze(l, paths, Options{Targets: targets[:1]}); err == nil {
		t.Error("mismatched targets accepted")
	}
}

// TestWriteGridPNGDrawsEveryMaze tiles three mazes in a row and checks that each third of the image has walls.
func TestWriteGridPNGDrawsEveryMaze(t *testing.T) {
	l, err := rl.LayoutByName("umaze")
	if err != nil {
		t.Fatal(err)
	}
	var row []*plot.Plot
	for range 3 {
		p, err := Maze(l, [][]float64{{1, 1, 1, 2, 2, 2}}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		row = append(row, p)
	}
	w, h := Size(l, 2*vg.Inch)
	var buf bytes.Buffer
	if err := WriteGridPNG(&buf, [][]*plot.Plot{row}, 3*w, h); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	b := img.Bounds()
	for k := range 3 {
		grey := 0
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Dx() * k / 3; x < b.Dx()*(k+1)/3; x++ {
				if r, g, bl, _ := img.At(x, y).RGBA(); r>>8 == 90 && g>>8 == 90 && bl>>8 == 90 {
					grey++
				}
			}
		}
		if frac := float64(grey) / float64(b.Dx()*b.Dy()/3); frac < 0.2 {
			t.Errorf("maze %d: %.3f of its third is wall: not drawn?", k, frac)
		}
	}
	if err := WriteGridPNG(&buf, nil, w, h); err == nil {
		t.Error("no plots accepted")
	}
}
