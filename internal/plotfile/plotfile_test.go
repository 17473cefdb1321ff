package plotfile

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
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
	if err := Write(&want, p, 2*vg.Inch, 1*vg.Inch, "png"); err != nil {
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

// The extension picks the format: each file starts with its format's signature, and an unknown extension is
// refused before anything is rendered.
func TestTheExtensionPicksTheFormat(t *testing.T) {
	dir := t.TempDir()
	p := linePlot(t)
	for ext, magic := range map[string]string{".png": "\x89PNG", ".svg": "<?xml", ".pdf": "%PDF",
		".jpg": "\xff\xd8", ".JPEG": "\xff\xd8", ".tif": "II*\x00"} {
		path := filepath.Join(dir, "line"+ext)
		if err := WriteFile(path, p, 2*vg.Inch, vg.Inch); err != nil {
			t.Fatalf("%s: %v", ext, err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte(magic)) {
			t.Errorf("%s starts with %q, want %q", ext, b[:min(len(b), 8)], magic)
		}
	}
	for _, bad := range []string{"line.gif", "line.eps", "line", "line.png.bak"} {
		if err := WriteFile(filepath.Join(dir, bad), p, vg.Inch, vg.Inch); err == nil || !strings.Contains(err.Error(), "unknown image format") {
			t.Errorf("%s: want an unknown-format error, got %v", bad, err)
		}
		if _, err := os.Stat(filepath.Join(dir, bad)); err == nil {
			t.Errorf("%s was written", bad)
		}
	}
}

// A grid of plots renders in the vector formats too.
func TestGridsRenderAsSVG(t *testing.T) {
	var b bytes.Buffer
	p := linePlot(t)
	if err := WriteGrid(&b, [][]*plot.Plot{{p, linePlot(t)}}, 4*vg.Inch, 2*vg.Inch, "svg"); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(b.String(), "<path"); n < 2 {
		t.Errorf("svg grid holds %d paths, want both lines", n)
	}
}
