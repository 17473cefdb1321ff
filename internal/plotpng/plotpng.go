// Package plotpng renders gonum plots as PNG images: the one place where trajdiff's plotting packages
// (geometry/trajplot, rl/mazeplot, pde/fieldplot, train/curveplot) and the CLI turn plots into PNG bytes or
// a file.
package plotpng

import (
	"bytes"
	"fmt"
	"io"

	"github.com/trajdiff/trajdiff/internal/fsutil"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Write renders p as a PNG image of width x height to w.
func Write(w io.Writer, p *plot.Plot, width, height vg.Length) error {
	wt, err := p.WriterTo(width, height, "png")
	if err != nil {
		return fmt.Errorf("render png: %w", err)
	}
	if _, err := wt.WriteTo(w); err != nil {
		return fmt.Errorf("write png: %w", err)
	}
	return nil
}

// WriteFile renders p as a PNG image of width x height and writes it to path atomically (fsutil), so a
// reader never sees a partial image and a failed render leaves no file. The image is rendered in
// memory first: plots are small, and a render error then never touches the file system.
func WriteFile(path string, p *plot.Plot, width, height vg.Length) error {
	var buf bytes.Buffer
	if err := Write(&buf, p, width, height); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return fsutil.WriteFileAtomic(path, buf.Bytes())
}

// WriteGrid renders rows of plots tiled on one PNG canvas of width x height (96 dpi: 72 points are 96
// pixels), their axes aligned (plot.Align), to w. Every row must have the same number of plots.
func WriteGrid(w io.Writer, rows [][]*plot.Plot, width, height vg.Length) error {
	if len(rows) == 0 || len(rows[0]) == 0 {
		return fmt.Errorf("render png: no plots")
	}
	for _, r := range rows {
		if len(r) != len(rows[0]) {
			return fmt.Errorf("render png: rows of %d and %d plots", len(rows[0]), len(r))
		}
	}
	c := vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(96))
	tiles := draw.Tiles{Rows: len(rows), Cols: len(rows[0]), PadX: vg.Points(6), PadY: vg.Points(6),
		PadTop: vg.Points(4), PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(4)}
	canvases := plot.Align(rows, tiles, draw.New(c))
	for i, r := range rows {
		for k, p := range r {
			p.Draw(canvases[i][k])
		}
	}
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(w); err != nil {
		return fmt.Errorf("write png: %w", err)
	}
	return nil
}

// WriteGridFile is WriteGrid to path, atomically.
func WriteGridFile(path string, rows [][]*plot.Plot, width, height vg.Length) error {
	var buf bytes.Buffer
	if err := WriteGrid(&buf, rows, width, height); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return fsutil.WriteFileAtomic(path, buf.Bytes())
}
