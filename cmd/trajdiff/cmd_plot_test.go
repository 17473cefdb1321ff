package main

import (
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// pngInk decodes a PNG and returns its size and the fraction of pixels that are not near-white.
func pngInk(t *testing.T, path string) (int, int, float64) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s is not a PNG: %v", path, err)
	}
	b := img.Bounds()
	n := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r < 0xf000 || g < 0xf000 || bl < 0xf000 {
				n++
			}
		}
	}
	return b.Dx(), b.Dy(), float64(n) / float64(b.Dx()*b.Dy())
}

func TestPlotDatasets(t *testing.T) {
	dir := t.TempDir()
	// Through the simulate registry, as a user would.
	if code, out, errs := runCLI("simulate", "charged", "--out", dir, "--splits", "train=2", "--steps", "3000", "--quiet"); code != 0 {
		t.Fatalf("simulate charged: %d\n%s\n%s", code, out, errs)
	}
	maze := filepath.Join(dir, "medium.arrow")
	if code, out, errs := runCLI("simulate", "maze2d", "--layout", "medium", "--steps", "2000", "--out", maze); code != 0 || !strings.Contains(errs, "simulate maze2d medium") {
		t.Fatalf("simulate maze2d: %d\n%s\n%s", code, out, errs)
	}
	geo := filepath.Join(dir, "train.arrow")
	for _, c := range []struct {
		args     []string
		w, h     int
		minInk   float64
		maxInk   float64
		describe string
	}{
		{[]string{geo, "-out", filepath.Join(dir, "geo.png"), "-index", "1", "-axes", "0,2", "-width", "480"}, 480, 480, 0.01, 0.5, "N-body paths"},
		{[]string{maze, "-out", filepath.Join(dir, "maze.png"), "-count", "3"}, 640, 640, 0.3, 0.9, "maze walls and paths"},
		// A dataset is its own ground truth: the dashed reference lies under the paths.
		{[]string{geo, "-out", filepath.Join(dir, "truth.png"), "-index", "1", "-axes", "0,2", "-width", "480", "-truth", geo}, 480, 480, 0.01, 0.5, "N-body paths over their truth"},
	} {
		code, out, errs := runCLI(append([]string{"plot"}, c.args...)...)
		if code != 0 || !strings.Contains(out, "->") {
			t.Fatalf("%s: code %d\n%s\n%s", c.describe, code, out, errs)
		}
		w, h, ink := pngInk(t, c.args[2])
		t.Logf("%s: %dx%d, %.1f%% inked", c.describe, w, h, 100*ink)
		if w != c.w || h != c.h || ink < c.minInk || ink > c.maxInk {
			t.Errorf("%s: %dx%d with %.3f inked pixels", c.describe, w, h, ink)
		}
	}
	// The extension picks the format; an unknown one is a usage error before anything is read.
	for ext, magic := range map[string]string{".svg": "<?xml", ".pdf": "%PDF"} {
		path := filepath.Join(dir, "maze"+ext)
		if code, out, errs := runCLI("plot", maze, "-out", path); code != 0 {
			t.Fatalf("%s: code %d\n%s\n%s", ext, code, out, errs)
		}
		if b, err := os.ReadFile(path); err != nil || !strings.HasPrefix(string(b), magic) {
			t.Errorf("%s: %v, starts %q", ext, err, b[:min(len(b), 8)])
		}
	}
	if code, _, errs := runCLI("plot", filepath.Join(dir, "missing.arrow"), "-out", filepath.Join(dir, "x.gif")); code != 2 || !strings.Contains(errs, "unknown image format") {
		t.Errorf("plot to .gif: code %d, %s", code, errs)
	}
	for _, args := range [][]string{
		{"plot", geo},
		{"plot", geo, "-out", filepath.Join(dir, "x.png"), "-index", "2"},
		{"plot", geo, "-out", filepath.Join(dir, "x.png"), "-axes", "0,3"},
		{"plot", geo, "-out", filepath.Join(dir, "x.png"), "-axes", "1,1"},
		{"plot", geo, "-out", filepath.Join(dir, "x.png"), "-truth", maze},
		{"plot", filepath.Join(dir, "missing.arrow"), "-out", filepath.Join(dir, "x.png")},
	} {
		if code, _, _ := runCLI(args...); code == 0 {
			t.Errorf("%v succeeded", args)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "x.png")); err == nil {
		t.Error("a failed plot left a file")
	}
}

// plot draws the training curves of run directories and metrics files, and names a malformed line.
func TestPlotDrawsTrainingCurves(t *testing.T) {
	dir := t.TempDir()
	run := filepath.Join(dir, "run")
	if err := os.MkdirAll(run, 0o777); err != nil {
		t.Fatal(err)
	}
	var lines strings.Builder
	for s := 1; s <= 20; s++ {
		fmt.Fprintf(&lines, `{"step":%d,"loss":%g,"lr":0.001,"grad_norm":0.5,"steps_per_s":10,"time":"2026-12-04T00:00:00Z"}`+"\n", s, 1/float64(s))
	}
	if err := os.WriteFile(filepath.Join(run, "metrics.jsonl"), []byte(lines.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "other.jsonl")
	if err := os.WriteFile(other, []byte(lines.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	png := filepath.Join(dir, "curves.png")
	code, out, errs := runCLI("plot", run, other, "--out", png)
	if code != 0 || !strings.Contains(out, "curves of 2 run(s)") {
		t.Fatalf("plot curves: %d\n%s\n%s", code, out, errs)
	}
	if st, err := os.Stat(png); err != nil || st.Size() == 0 {
		t.Fatalf("curves png: %v", err)
	}
	bad := filepath.Join(dir, "bad.jsonl")
	if err := os.WriteFile(bad, []byte(lines.String()+"{\"step\": \"x\"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runCLI("plot", bad, "--out", png); code == 0 || !strings.Contains(errs, "line 21") {
		t.Errorf("a malformed metrics line: exit %d, %q", code, errs)
	}
}

// A 2-D fields dataset is drawn as frames: channels in rows, frames in columns (with --truth, each channel's
// row is followed by its truth and their difference); bad frame or channel selections are usage errors.
func TestPlotDrawsFramesOf2DFields(t *testing.T) {
	dir := t.TempDir()
	smoke := filepath.Join(dir, "smoke.arrow")
	if code, out, errs := runCLI("simulate", "smoke", "--n", "1", "--grid", "32", "--save", "16", "--out", smoke, "--quiet"); code != 0 {
		t.Fatalf("simulate smoke: %d\n%s\n%s", code, out, errs)
	}
	png := filepath.Join(dir, "frames.png")
	if code, out, errs := runCLI("plot", smoke, "--out", png, "--channels", "density,cx", "--frames", "0,3", "--truth", smoke, "--width", "400"); code != 0 {
		t.Fatalf("plot frames: %d\n%s\n%s", code, out, errs)
	}
	w, h, ink := pngInk(t, png)
	if w != 400 || h != 400*6/2 || ink < 0.05 {
		t.Errorf("2 frames x (2 channels x 3 rows): %dx%d with %.3f inked, want 400x1200 with ink", w, h, ink)
	}
	for _, args := range [][]string{
		{"plot", smoke, "--out", png, "--frames", "0,999"},
		{"plot", smoke, "--out", png, "--channels", "pressure"},
	} {
		if code, _, _ := runCLI(args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}
