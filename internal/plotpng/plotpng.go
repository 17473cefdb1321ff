// Package plotpng renders gonum plots as PNG images: the one place where trajdiff's plotting packages
// (geometry/trajplot, rl/mazeplot) and the CLI turn a *plot.Plot into PNG bytes or a file.
package plotpng

import (
	"bytes"
	"fmt"
	"io"

	"github.com/trajdiff/trajdiff/internal/fsutil"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
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
