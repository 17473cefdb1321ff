package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/geometry"
	"github.com/trajdiff/trajdiff/geometry/trajplot"
	"github.com/trajdiff/trajdiff/internal/plotfile"
	"github.com/trajdiff/trajdiff/pde/fieldplot"
	"github.com/trajdiff/trajdiff/pde/wdno"
	"github.com/trajdiff/trajdiff/rl"
	"github.com/trajdiff/trajdiff/rl/mazeplot"
	"github.com/trajdiff/trajdiff/train"
	"github.com/trajdiff/trajdiff/train/curveplot"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
)

func plotCommand() command {
	return command{
		name:    "plot",
		summary: "draw trajectories from a dataset (N-body paths in projection, maze2d episodes on their maze, 1-D fields such as Burgers u and f as space-time images, 2-D fields such as smoke as frames) or training curves of runs, as PNG, SVG, PDF, JPEG or TIFF by the output's extension",
		run:     runPlot,
	}
}

func runPlot(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "plot", "plot [flags] DATASET -out FILE.png | plot [flags] RUN [RUN ...] -out curves.png (RUN: a run directory or its metrics.jsonl)")
	out := fs.String("out", "", "output image, its format by extension: .png, .svg, .pdf, .jpg, .tiff (written atomically)")
	index := fs.Int("index", 0, "first trajectory / episode to draw")
	count := fs.Int("count", 1, "episodes datasets: number of consecutive episodes to draw")
	axes := fs.String("axes", "0,1", "geometric datasets: the two coordinate components to project on, `a,b`")
	truth := fs.String("truth", "", "geometric datasets: draw the matching trajectory of this dataset dashed underneath (a forecast's ground truth: the row whose id is the plotted row's first param, as `trajdiff geometry forecast` stores it, else the same index); "+
		"fields datasets: add the matching trajectory of this dataset and the difference below (the row whose id, or source_id, is the plotted row's source_id param, as `trajdiff pde generate` stores it, else the same index)")
	layout := fs.String("layout", "", "episodes datasets: maze layout (default: the dataset's generator parameter \"layout\")")
	width := fs.Int("width", 640, "image width in pixels (the height follows the plot's aspect)")
	title := fs.String("title", "", "plot title (default: the file name and index)")
	frames := fs.String("frames", "", "2-D fields datasets: comma-separated frame indices to draw, one column each (default: 6 evenly spaced from the first to the last)")
	chans := fs.String("channels", "", "2-D fields datasets: comma-separated channel names to draw, one row each (default: every state and control channel)")
	pos, err := parseInterspersed(fs, env, args)
	if err != nil {
		return err
	}
	if *out == "" {
		return usagef("--out is required")
	}
	if err := checkImagePaths(*out); err != nil {
		return err
	}
	if len(pos) > 0 && isMetrics(pos[0]) {
		return plotCurves(env, pos, *out, *title, *width)
	}
	if len(pos) != 1 {
		return usagef("want 1 argument (DATASET), or run directories / metrics.jsonl files; got %d", len(pos))
	}
	if *index < 0 || *count < 1 || *width < 64 || *width > 10000 {
		return usagef("--index must be >= 0, --count >= 1 and --width in [64, 10000]")
	}
	path := pos[0]
	d, err := datasets.Open(path)
	if err != nil {
		return err
	}
	defer d.Close()
	if *index >= d.Len() {
		return usagef("--index %d: %s has %d trajectories/episodes", *index, path, d.Len())
	}
	if *title == "" {
		*title = fmt.Sprintf("%s #%d", path, *index)
		if d.Kind() == datasets.Fields {
			*title = fmt.Sprintf("%s #%d", filepath.Base(path), *index) // a panel's title, a third of the width
		}
	}
	// Raster canvases are 96 dpi; vg lengths are points (1/72 in).
	side := vg.Length(float64(*width) * 72 / 96)
	var p *plot.Plot
	w, h := side, side
	switch d.Kind() {
	case datasets.Fields:
		fig, err := plotFields(d, *index, *title, *truth, *frames, *chans)
		if err != nil {
			return err
		}
		w, h := fig.Size(side)
		if err := fig.WriteFile(*out, w, h); err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "%s -> %s\n", path, *out)
		return nil
	case datasets.Geometric:
		a, b, err := parseAxes(*axes)
		if err != nil {
			return usagef("--axes: %v", err)
		}
		if p, err = plotGeometric(d, *index, a, b, *title, *truth); err != nil {
			return err
		}
	case datasets.Episodes:
		name := *layout
		if name == "" {
			if v, ok := d.Metadata().Generator.Params["layout"].(string); ok {
				name = v
			}
		}
		if name == "" {
			return usagef("%s does not name its maze layout; pass --layout", path)
		}
		l, err := rl.LayoutByName(name)
		if err != nil {
			return usagef("%v", err)
		}
		if p, err = plotEpisodes(d, l, *index, min(*count, d.Len()-*index), *title); err != nil {
			return err
		}
		w, h = mazeplot.Size(l, side)
		w, h = side, h*side/w
	default:
		return fmt.Errorf("plot: %s is a %v dataset; plot draws geometric, episodes and 1-D fields datasets", path, d.Kind())
	}
	if err := plotfile.WriteFile(*out, p, w, h); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "%s -> %s\n", path, *out)
	return nil
}

// checkImagePaths refuses, before any work, an image path whose extension names no format plotfile writes.
func checkImagePaths(paths ...string) error {
	for _, p := range paths {
		if p == "" {
			continue
		}
		if _, err := plotfile.FormatOf(p); err != nil {
			return usagef("%v", err)
		}
	}
	return nil
}

// parseInterspersed parses flags that may follow positional arguments ("plot FILE -out x.png") and
// returns the positional arguments; "--" ends flag parsing.
func parseInterspersed(fs *flag.FlagSet, env *cliEnv, args []string) ([]string, error) {
	if err := parseFlags(fs, env, args); err != nil {
		return nil, err
	}
	var pos []string
	for rest := fs.Args(); len(rest) > 0; rest = fs.Args() {
		if rest[0] == "--" {
			return append(pos, rest[1:]...), nil
		}
		pos = append(pos, rest[0])
		if err := parseFlags(fs, env, rest[1:]); err != nil {
			return nil, err
		}
	}
	return pos, nil
}

func parseAxes(s string) (int, int, error) {
	x, y, ok := strings.Cut(s, ",")
	a, err1 := strconv.Atoi(strings.TrimSpace(x))
	b, err2 := strconv.Atoi(strings.TrimSpace(y))
	if !ok || err1 != nil || err2 != nil || a < 0 || b < 0 || a == b {
		return 0, 0, fmt.Errorf("%q is not two different component indices a,b", s)
	}
	return a, b, nil
}

// plotGeometric draws trajectory i's node paths.
func plotGeometric(d *datasets.Dataset, i, a, b int, title, truth string) (*plot.Plot, error) {
	spec := d.Metadata().Geometric
	if b >= spec.SpatialDim || a >= spec.SpatialDim {
		return nil, usagef("--axes %d,%d: the dataset is %d-dimensional", a, b, spec.SpatialDim)
	}
	tr, err := d.Trajectory(i)
	if err != nil {
		return nil, err
	}
	x := tr.Positions.AppendFloat64(nil)
	s := geometry.Shape{Frames: spec.Frames, Nodes: spec.Nodes, Dim: spec.SpatialDim}
	if s.Dim < 2 {
		return nil, fmt.Errorf("plot: %d-dimensional positions cannot be drawn in a plane", s.Dim)
	}
	opt := trajplot.Options{Title: title, Axes: [2]int{a, b}}
	if truth != "" {
		if opt.Reference, err = truthTrajectory(truth, tr, s); err != nil {
			return nil, err
		}
	}
	return trajplot.NBody(s, x, opt)
}

// truthTrajectory reads the trajectory of the dataset at path that tr was forecast from: the row whose
// id is tr's first param (geotdm.WriteSamples stores the source id there), else the row of tr's index.
func truthTrajectory(path string, tr datasets.GeometricView, s geometry.Shape) ([]float64, error) {
	d, err := datasets.Open(path)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	if spec := d.Metadata().Geometric; spec == nil || spec.Frames != s.Frames || spec.Nodes != s.Nodes || spec.SpatialDim != s.Dim {
		return nil, fmt.Errorf("plot: --truth %s does not hold geometric trajectories of %d frames of %d nodes in %d dimensions", path, s.Frames, s.Nodes, s.Dim)
	}
	want, byID := int64(tr.Index), false
	if tr.Params.Len() > 0 {
		want, byID = int64(tr.Params.At(0)), true
	}
	for j := 0; j < d.Len(); j++ {
		v, err := d.Trajectory(j)
		if err != nil {
			return nil, err
		}
		if (byID && v.ID == want) || (!byID && j == int(want)) {
			return v.Positions.AppendFloat64(nil), nil
		}
	}
	return nil, fmt.Errorf("plot: --truth %s has no trajectory %d", path, want)
}

// plotEpisodes draws the xy paths (observation components 0 and 1) of episodes [i, i+n) on layout l,
// with their goals when the dataset has infos/goal.
func plotEpisodes(d *datasets.Dataset, l *rl.Layout, i, n int, title string) (*plot.Plot, error) {
	spec := d.Metadata().Episodes
	if spec.ObservationDim < 2 {
		return nil, fmt.Errorf("plot: observations have %d components, want at least (x, y)", spec.ObservationDim)
	}
	var paths [][]float64
	var targets [][2]float64
	hasGoal := false
	for _, in := range spec.Infos {
		hasGoal = hasGoal || in.Name == "goal" && in.Dim == 2
	}
	for k := i; k < i+n; k++ {
		ep, err := d.Episode(k)
		if err != nil {
			return nil, err
		}
		obs := ep.Observations.AppendFloat64(nil)
		xy := make([]float64, 0, 2*ep.Len)
		for s := 0; s < ep.Len; s++ {
			xy = append(xy, obs[s*spec.ObservationDim], obs[s*spec.ObservationDim+1])
		}
		paths = append(paths, xy)
		if hasGoal {
			g := ep.Infos["goal"]
			targets = append(targets, [2]float64{g.At(0), g.At(1)})
		}
	}
	return mazeplot.Maze(l, paths, mazeplot.Options{Title: title, Targets: targets})
}

// plotFields draws trajectory i of a fields dataset on a 1-D grid: one space-time image per state and
// control channel (x horizontal, t vertical), and with truth the matching trajectory of that dataset
// below it and the difference (plotted - truth) at the bottom. The plotted row and its truth share each
// channel's colour limit.
func plotFields(d *datasets.Dataset, i int, title, truth, frames, chans string) (*fieldplot.Figure, error) {
	spec := d.Metadata().Fields
	if len(spec.Grid) == 2 {
		return plotPlanes(d, i, title, truth, frames, chans)
	}
	if len(spec.Grid) != 1 {
		return nil, fmt.Errorf("plot: the fields are on a %d-D grid %v; plot draws fields on 1-D grids (space-time images) and 2-D grids (frames)", len(spec.Grid), spec.Grid)
	}
	if frames != "" || chans != "" {
		return nil, usagef("--frames and --channels select the frames of 2-D fields; %s's fields are 1-D (drawn whole, as space-time images)", d.Files()[0])
	}
	v, err := d.Field(i)
	if err != nil {
		return nil, err
	}
	g := fieldplot.Grid{Frames: spec.Frames, Cells: spec.Grid[0], Dt: spec.Dt}
	if len(spec.Extent) == 1 {
		g.X = spec.Extent[0]
	}
	names := fieldNames(spec)
	rows := [][]fieldplot.Panel{channels(spec, v)}
	if truth != "" {
		tv, tname, err := truthField(truth, d, v)
		if err != nil {
			return nil, err
		}
		ref := channels(spec, tv)
		diff := make([]fieldplot.Panel, len(ref))
		for k := range ref {
			lim := fieldplot.MaxAbs(rows[0][k].Values, ref[k].Values)
			rows[0][k].Limit, ref[k].Limit = lim, lim
			dv := make([]float64, len(ref[k].Values))
			for j := range dv {
				dv[j] = rows[0][k].Values[j] - ref[k].Values[j]
			}
			diff[k] = fieldplot.Panel{Title: names[k] + " difference", Values: dv}
		}
		ref[0].Title = tname + ": " + ref[0].Title
		rows = append(rows, ref, diff)
	}
	rows[0][0].Title = title + ": " + rows[0][0].Title
	return fieldplot.New(g, rows)
}

// fieldNames are the state and control channel names (state0, control0... where the spec has none).
func fieldNames(spec *datasets.FieldSpec) []string {
	var out []string
	for c := range spec.StateChannels {
		n := fmt.Sprintf("state%d", c)
		if c < len(spec.StateNames) {
			n = spec.StateNames[c]
		}
		out = append(out, n)
	}
	for c := range spec.ControlChannels {
		n := fmt.Sprintf("control%d", c)
		if c < len(spec.ControlNames) {
			n = spec.ControlNames[c]
		}
		out = append(out, n)
	}
	return out
}

// channels splits a 1-D field trajectory into one panel per state and control channel, Frames x Cells
// each (the rows are (frame, cell, channel)).
func channels(spec *datasets.FieldSpec, v datasets.FieldView) []fieldplot.Panel {
	names := fieldNames(spec)
	F, N := spec.Frames, spec.Grid[0]
	var out []fieldplot.Panel
	for _, col := range []struct {
		t  datasets.Tensor
		ch int
	}{{v.State, spec.StateChannels}, {v.Control, spec.ControlChannels}} {
		x := col.t.AppendFloat64(nil)
		for c := range col.ch {
			p := make([]float64, F*N)
			for j := range p {
				p[j] = x[j*col.ch+c]
			}
			out = append(out, fieldplot.Panel{Title: names[len(out)], Values: p})
		}
	}
	return out
}

// sourceIDParam is the position of the source_id param in a fields dataset's rows (trajdiff pde
// generate's datasets: first for 1-D data, after the source's own params for smoke), or -1.
func sourceIDParam(spec *datasets.FieldSpec) int {
	return slices.Index(spec.ParamNames, wdno.ParamSourceID)
}

// truthField reads the trajectory of the fields dataset at path that matches v of d: the one whose
// source trajectory is the same (a row's source_id param where a dataset has one, else its id), else,
// when neither dataset records sources, the row of v's index. It returns the row and a short name.
func truthField(path string, d *datasets.Dataset, v datasets.FieldView) (datasets.FieldView, string, error) {
	t, err := datasets.Open(path)
	if err != nil {
		return datasets.FieldView{}, "", err
	}
	defer t.Close()
	spec, ts := d.Metadata().Fields, t.Metadata().Fields
	if ts == nil || ts.Frames != spec.Frames || !slices.Equal(ts.Grid, spec.Grid) ||
		ts.StateChannels != spec.StateChannels || ts.ControlChannels != spec.ControlChannels {
		return datasets.FieldView{}, "", fmt.Errorf("plot: --truth %s does not hold fields of %d frames on a %v grid with %d state and %d control channels",
			path, spec.Frames, spec.Grid, spec.StateChannels, spec.ControlChannels)
	}
	plotSrc, truthSrc := sourceIDParam(spec), sourceIDParam(ts)
	want := v.ID
	if plotSrc >= 0 {
		want = int64(v.Params.At(plotSrc))
	}
	name := filepath.Base(path)
	if plotSrc < 0 && truthSrc < 0 {
		if v.Index >= t.Len() {
			return datasets.FieldView{}, "", fmt.Errorf("plot: --truth %s has %d trajectories, no row %d", path, t.Len(), v.Index)
		}
		tv, err := t.Field(v.Index)
		if err != nil {
			return datasets.FieldView{}, "", err
		}
		return detach(tv), fmt.Sprintf("%s #%d", name, v.Index), nil
	}
	for j := 0; j < t.Len(); j++ {
		tv, err := t.Field(j)
		if err != nil {
			return datasets.FieldView{}, "", err
		}
		key := tv.ID
		if truthSrc >= 0 {
			key = int64(tv.Params.At(truthSrc))
		}
		if key == want {
			return detach(tv), fmt.Sprintf("%s #%d", name, j), nil
		}
	}
	return datasets.FieldView{}, "", fmt.Errorf("plot: --truth %s has no trajectory of source id %d", path, want)
}

// detach copies a view's tensors, which may point into a file that is about to be closed.
func detach(v datasets.FieldView) datasets.FieldView {
	v.State, v.Control, v.Params = v.State.Clone(), v.Control.Clone(), v.Params.Clone()
	return v
}

// isMetrics reports whether path names training metrics: a run directory holding metrics.jsonl, or a
// .jsonl file.
func isMetrics(path string) bool {
	if strings.HasSuffix(path, ".jsonl") {
		return true
	}
	st, err := os.Stat(filepath.Join(path, "metrics.jsonl"))
	return err == nil && st.Mode().IsRegular()
}

// plotCurves draws the loss, learning rate and gradient norm of runs (train/curveplot).
func plotCurves(env *cliEnv, runs []string, out, title string, width int) error {
	var rs []curveplot.Run
	for _, r := range runs {
		if !isMetrics(r) {
			return usagef("%s is neither a run directory with metrics.jsonl nor a .jsonl file (curves and datasets do not mix)", r)
		}
		ms, err := train.ReadMetrics(r)
		if err != nil {
			return err
		}
		name := filepath.Base(strings.TrimSuffix(filepath.Clean(r), "/metrics.jsonl"))
		rs = append(rs, curveplot.Run{Name: name, Metrics: ms})
	}
	if title == "" {
		title = "training curves: " + rs[0].Name
		if len(rs) > 1 {
			title = fmt.Sprintf("training curves of %d runs", len(rs))
		}
	}
	rows, err := curveplot.Panels(rs, title)
	if err != nil {
		return err
	}
	w := vg.Length(float64(width) * 72 / 96)
	if err := plotfile.WriteGridFile(out, rows, w, w*5/4); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "curves of %d run(s) -> %s\n", len(rs), out)
	return nil
}
