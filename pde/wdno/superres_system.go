package wdno

import (
	"fmt"
	"slices"
)

// superLayout is the image of one super-resolution step of a system: Burgers' (SuperLayout, the fine
// trajectory halved in time and space) or smoke's (smokeSuperLayout, halved in space only). The trainer,
// SuperModel and EvaluateSuperres see only this.
type superLayout interface {
	Config() LayoutConfig       // the fine resolution, the padded image and the scales
	CoarseConfig() LayoutConfig // the coarse resolution
	Shape() []int
	Dim() int
	Known() []bool
	Coarsen(u, f []float64) (cu, cf []float64, err error)
	Encode(u, f, cu, cf, dst []float64) error
	Decode(x, u, f []float64) error
}

// newSuperLayout builds the super-resolution layout of c's system: smoke's for a 2-D grid, else Burgers'.
func newSuperLayout(c LayoutConfig) (superLayout, error) {
	if c.Grid != nil {
		return newSmokeSuperLayout(c)
	}
	return NewSuperLayout(c)
}

// coarser is c's resolution subsampled once, as its system's super-resolution pairs it: Burgers' by two
// in time and space (frames and cells 0, 2, 4, ...), smoke's by two in each space axis with every frame
// kept (the reference's space-only pairs), which needs an even grid so that coarse cell (x, y) is fine
// cell (2x, 2y) on the same box.
func coarser(c LayoutConfig) (LayoutConfig, error) {
	if c.Grid == nil {
		c.Frames, c.Cells = CoarseSize(c.Frames, c.Cells)
		return c, nil
	}
	if len(c.Grid) != 2 || c.Grid[0]%2 != 0 || c.Grid[1]%2 != 0 || c.Grid[0] < 4 || c.Grid[1] < 4 {
		return c, fmt.Errorf("wdno: smoke super-resolution halves the grid: %v needs two even sides of at least 4", c.Grid)
	}
	c.Grid = []int{c.Grid[0] / 2, c.Grid[1] / 2}
	c.Cells = c.Grid[0] * c.Grid[1]
	return c, nil
}

// atLevel is c's resolution subsampled k times (only Frames, Cells and Grid change).
func atLevel(c LayoutConfig, k int) (LayoutConfig, error) {
	c.Grid = slices.Clone(c.Grid)
	for i := range k {
		var err error
		if c, err = coarser(c); err != nil {
			return c, fmt.Errorf("wdno: level %d: %w", i+1, err)
		}
	}
	return c, nil
}

// coarsenFields subsamples a trajectory of c's resolution once (coarser's pairing).
func coarsenFields(c LayoutConfig, u, f []float64) ([]float64, []float64) {
	if c.Grid == nil {
		return subsample(u, c.Frames, c.Cells, c.State), subsample(f, c.Frames, c.Cells, *c.Control)
	}
	return subsampleSpace(u, c.Frames, c.Grid, c.State), subsampleSpace(f, c.Frames, c.Grid, *c.Control)
}

// fieldsAtLevel subsamples a trajectory of c's resolution k times.
func fieldsAtLevel(c LayoutConfig, u, f []float64, k int) ([]float64, []float64, error) {
	for range k {
		u, f = coarsenFields(c, u, f)
		var err error
		if c, err = coarser(c); err != nil {
			return nil, nil, err
		}
	}
	return u, f, nil
}

// subsampleSpace keeps cells (x, y) with x and y even of every frame of a frames x gx x gy x ch field.
func subsampleSpace(v []float64, frames int, grid []int, ch int) []float64 {
	gx, gy := grid[0], grid[1]
	out := make([]float64, 0, frames*((gx+1)/2)*((gy+1)/2)*ch)
	for t := 0; t < frames; t++ {
		for x := 0; x < gx; x += 2 {
			for y := 0; y < gy; y += 2 {
				out = append(out, v[((t*gx+x)*gy+y)*ch:][:ch]...)
			}
		}
	}
	return out
}

// levelLabel names a resolution: frames x cells, or frames x gx x gy on a grid.
func levelLabel(c LayoutConfig) string {
	if c.Grid != nil {
		return fmt.Sprintf("%dx%dx%d", c.Frames, c.Grid[0], c.Grid[1])
	}
	return fmt.Sprintf("%dx%d", c.Frames, c.Cells)
}
