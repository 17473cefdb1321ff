package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/pde/fieldplot"
)

// plotPlanes draws trajectory i of a 2-D fields dataset (pde/smoke's density, velocity and control) as a grid
// of images of the plane: one row per selected channel, one column per selected frame, each channel on one
// colour scale across its frames. With truth, every channel's row is followed by the matching trajectory's row
// (same scale) and the difference (plotted - truth).
func plotPlanes(d *datasets.Dataset, i int, title, truth, framesFlag, chansFlag string) (*fieldplot.Figure, error) {
	spec := d.Metadata().Fields
	nx, ny := spec.Grid[0], spec.Grid[1]
	if nx < 2 || ny < 2 {
		return nil, fmt.Errorf("plot: a %d x %d grid; want at least 2 x 2", nx, ny)
	}
	frames, err := frameIndices(framesFlag, spec.Frames)
	if err != nil {
		return nil, usagef("--frames: %v", err)
	}
	names := fieldNames(spec)
	chans, err := channelIndices(chansFlag, names)
	if err != nil {
		return nil, usagef("--channels: %v", err)
	}
	v, err := d.Field(i)
	if err != nil {
		return nil, err
	}
	var tv datasets.FieldView
	var tname string
	if truth != "" {
		if tv, tname, err = truthField(truth, d, v); err != nil {
			return nil, err
		}
	}
	g := fieldplot.Grid{Frames: ny, Cells: nx}
	if len(spec.Extent) == 2 {
		g.X, g.Y = spec.Extent[0], spec.Extent[1]
	}
	var rows [][]fieldplot.Panel
	for _, c := range chans {
		row, err := planeRow(spec, v, c, frames, names[c])
		if err != nil {
			return nil, err
		}
		if truth == "" {
			fieldplot.ShareLimit(row)
			rows = append(rows, row)
			continue
		}
		ref, err := planeRow(spec, tv, c, frames, names[c])
		if err != nil {
			return nil, err
		}
		ref[0].Title = tname + ": " + ref[0].Title
		both := append(slices.Clone(row), ref...) // the row and its truth on one scale
		fieldplot.ShareLimit(both)
		copy(row, both[:len(row)])
		copy(ref, both[len(row):])
		diff := make([]fieldplot.Panel, len(row))
		for k := range row {
			dv := make([]float64, len(row[k].Values))
			for j := range dv {
				dv[j] = row[k].Values[j] - ref[k].Values[j]
			}
			diff[k] = fieldplot.Panel{Title: names[c] + " difference" + frameLabel(spec, frames[k]), Values: dv}
		}
		fieldplot.ShareLimit(diff)
		rows = append(rows, row, ref, diff)
	}
	rows[0][0].Title = title + ": " + rows[0][0].Title
	return fieldplot.New(g, rows)
}

// planeRow is channel c (state channels first, then control) of the frames, one panel each.
func planeRow(spec *datasets.FieldSpec, v datasets.FieldView, c int, frames []int, name string) ([]fieldplot.Panel, error) {
	t, ch, cc := v.State, spec.StateChannels, c
	if c >= spec.StateChannels {
		t, ch, cc = v.Control, spec.ControlChannels, c-spec.StateChannels
	}
	x := t.AppendFloat64(nil)
	row := make([]fieldplot.Panel, len(frames))
	for k, f := range frames {
		p, err := fieldplot.Plane(x, spec.Grid[0], spec.Grid[1], ch, f, cc)
		if err != nil {
			return nil, err
		}
		row[k] = fieldplot.Panel{Title: name + frameLabel(spec, f), Values: p}
	}
	return row, nil
}

// frameLabel is " t=..." (or " frame k" without a time step).
func frameLabel(spec *datasets.FieldSpec, f int) string {
	if spec.Dt == 0 {
		return fmt.Sprintf(" frame %d", f)
	}
	return fmt.Sprintf(" t=%.4g", spec.Dt*float64(f))
}

// frameIndices parses --frames, or picks 6 (or all, when fewer) evenly spaced frames from the first to the last.
func frameIndices(flag string, total int) ([]int, error) {
	if flag == "" {
		n := min(6, total)
		out := make([]int, n)
		for k := range n {
			if n > 1 {
				out[k] = k * (total - 1) / (n - 1)
			}
		}
		return out, nil
	}
	var out []int
	for _, s := range strings.Split(flag, ",") {
		f, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || f < 0 || f >= total {
			return nil, fmt.Errorf("%q is not a frame index in [0, %d)", s, total)
		}
		out = append(out, f)
	}
	return out, nil
}

// channelIndices parses --channels (names of fieldNames), or takes every channel.
func channelIndices(flag string, names []string) ([]int, error) {
	if flag == "" {
		out := make([]int, len(names))
		for k := range out {
			out[k] = k
		}
		return out, nil
	}
	var out []int
	for _, s := range strings.Split(flag, ",") {
		k := slices.Index(names, strings.TrimSpace(s))
		if k < 0 {
			return nil, fmt.Errorf("no channel %q (the dataset's channels: %s)", s, strings.Join(names, ", "))
		}
		out = append(out, k)
	}
	return out, nil
}
