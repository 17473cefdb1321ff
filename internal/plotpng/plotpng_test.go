package plotpng

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

func linePlot(t *testing.T) *plot.Plot {
	t.Helper()
	p := plot.New()
	l, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 1}})
	if err != nil {
		t.Fatal(err)
	}
	p.Add(l)
	return p
}

// TestWriteFile: the file is a PNG of the requested size (96 dpi: 2 inches = 192 pixels), identical to
// Write's bytes, and no temporary file is left next to it.
func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "line.png")
	p := linePlot(t)
	if err := WriteFile(path, p, 2*vg.Inch, 1*vg.Inch); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := Write(&want, p, 2*vg.Inch, 1*vg.Inch); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Error("WriteFile and Write produced different bytes")
	}
	img, err := png.Decode(bytes.NewReader(got))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 2*b.Dy() {
		t.Errorf("image %v, want a 2:1 aspect", b)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the image", len(entries))
	}
}

func TestWriteFileMissingDirectory(t *testing.T) {
	if err := WriteFile(filepath.Join(t.TempDir(), "no", "such", "x.png"), linePlot(t), vg.Inch, vg.Inch); err == nil {
		t.Error("no error for a missing directory")
	}
}
