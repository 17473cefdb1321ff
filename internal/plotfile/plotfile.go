// Package plotfile renders gonum plots as image files: the one place where trajdiff's plotting packages
// (geometry/trajplot, rl/mazeplot, pde/fieldplot, train/curveplot) and the CLI turn plots into bytes or a
// file. The format follows the file name's extension: PNG (the default of every command), SVG, PDF, JPEG
// or TIFF (not EPS: gonum/plot v0.17 writes its header as "%%!PS-Adobe", which EPS readers refuse). Raster
// formats are drawn at 96 dpi, so a width of 72 points is 96 pixels.
package plotfile

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/trajdiff/trajdiff/internal/fsutil"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Formats lists the formats this package writes, by their canonical extension.
func Formats() []string { return []string{"png", "svg", "pdf", "jpg", "tiff"} }

// FormatOf returns the format a path's extension names (case-insensitive; .jpeg and .tif are accepted), or an
// error naming the formats: commands call it before any work, so a typo never costs a finished run.
func FormatOf(path string) (string, error) {
	ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(path), "."))
	switch ext {
	case "png", "svg", "pdf", "jpg", "tiff":
		return ext, nil
	case "jpeg":
		return "jpg", nil
	case "tif":
		return "tiff", nil
	}
	return "", fmt.Errorf("%s: unknown image format %q (the extension picks it: .%s)", path, "."+ext, strings.Join(Formats(), ", ."))
}

// canvas returns an empty canvas of the format and size.
func canvas(format string, width, height vg.Length) (vg.CanvasWriterTo, error) {
	raster := func() *vgimg.Canvas { return vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(96)) }
	switch format {
	case "png":
		return vgimg.PngCanvas{Canvas: raster()}, nil
	case "jpg":
		return vgimg.JpegCanvas{Canvas: raster()}, nil
	case "tiff":
		return vgimg.TiffCanvas{Canvas: raster()}, nil
	case "svg":
		return vgsvg.New(width, height), nil
	case "pdf":
		return vgpdf.New(width, height), nil
	}
	return nil, fmt.Errorf("unknown image format %q (want one of %v)", format, Formats())
}

// Write renders p as an image of width x height in the format (see Formats) to w.
func Write(w io.Writer, p *plot.Plot, width, height vg.Length, format string) error {
	return WriteGrid(w, [][]*plot.Plot{{p}}, width, height, format)
}

// WriteFile renders p as an image of width x height in the format of path's extension and writes it to path
// atomically (fsutil), so a reader never sees a partial image and a failed render leaves no file. The image
// is rendered in memory first: plots are small, and a render error then never touches the file system.
func WriteFile(path string, p *plot.Plot, width, height vg.Length) error {
	return WriteGridFile(path, [][]*plot.Plot{{p}}, width, height)
}

// WriteGrid renders rows of plots tiled on one canvas of width x height, their axes aligned (plot.Align), to
// w in the format. Every row must have the same number of plots.
func WriteGrid(w io.Writer, rows [][]*plot.Plot, width, height vg.Length, format string) error {
	if len(rows) == 0 || len(rows[0]) == 0 {
		return fmt.Errorf("render %s: no plots", format)
	}
	for _, r := range rows {
		if len(r) != len(rows[0]) {
			return fmt.Errorf("render %s: rows of %d and %d plots", format, len(rows[0]), len(r))
		}
	}
	c, err := canvas(format, width, height)
	if err != nil {
		return fmt.Errorf("render: %w", err)
	}
	dc := draw.New(c)
	if len(rows) == 1 && len(rows[0]) == 1 {
		rows[0][0].Draw(dc) // a single plot fills the canvas, as plot.WriterTo draws it
	} else {
		tiles := draw.Tiles{Rows: len(rows), Cols: len(rows[0]), PadX: vg.Points(6), PadY: vg.Points(6),
			PadTop: vg.Points(4), PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(4)}
		canvases := plot.Align(rows, tiles, dc)
		for i, r := range rows {
			for k, p := range r {
				p.Draw(canvases[i][k])
			}
		}
	}
	if _, err := c.WriteTo(w); err != nil {
		return fmt.Errorf("write %s: %w", format, err)
	}
	return nil
}

// WriteGridFile is WriteGrid to path, in the format of its extension, atomically.
func WriteGridFile(path string, rows [][]*plot.Plot, width, height vg.Length) error {
	format, err := FormatOf(path)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := WriteGrid(&buf, rows, width, height, format); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return fsutil.WriteFileAtomic(path, buf.Bytes())
}
