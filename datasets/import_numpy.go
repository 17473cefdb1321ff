package datasets

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/trajdiff/trajdiff/datasets/npy"
)

// ImportReport summarises an import.
type ImportReport struct {
	Trajectories  int   // trajectories or episodes written
	Rows          int64 // rows written
	DroppedFrames int   // frames or steps left out (only when asked for)
}

// NumPyOptions describe how NumPy arrays map onto a dataset kind.
type NumPyOptions struct {
	Kind Kind
	// Arrays maps column names (state, control, params; positions, velocities, forces, energies,
	// node_features; observations, actions, rewards, terminals, timeouts, infos/NAME) to arrays.
	Arrays map[string]*npy.Array
	// Axes names each array's axes in its storage order; the arrays are transposed to the
	// canonical order (see docs/datasets.md) and missing axes get size 1. Names: trajectory,
	// time, x, y, z, channel, param (fields); trajectory, time, node, coord, feature, param
	// (geometric); step, dim (episodes). Default: the canonical order.
	Axes map[string][]string
	// Dt is stored in the spec (fields and geometric).
	Dt float64
	// DropIncomplete drops steps after the last terminal/timeout (episodes).
	DropIncomplete bool
	Write          WriteOptions
}

// IsNumPyColumn reports whether FromNumPy accepts an array named col for kind k (a column of the kind, or
// "infos/<name>" for episodes).
func IsNumPyColumn(k Kind, col string) bool {
	return col != InfoPrefix && canonicalAxes(k, col, 1) != nil
}

// canonicalAxes lists the canonical axis order of a column for a kind; grid is the number of grid
// axes for fields.
func canonicalAxes(k Kind, col string, grid int) []string {
	switch k {
	case Fields:
		switch col {
		case ColState, ColControl:
			return append(append([]string{"trajectory", "time"}, []string{"x", "y", "z"}[:grid]...), "channel")
		case ColParams:
			return []string{"trajectory", "param"}
		}
	case Geometric:
		switch col {
		case ColPositions, ColVelocities, ColForces:
			return []string{"trajectory", "time", "node", "coord"}
		case ColEnergies:
			return []string{"trajectory", "time"}
		case ColNodeFeatures:
			return []string{"trajectory", "node", "feature"}
		case ColParams:
			return []string{"trajectory", "param"}
		}
	case Episodes:
		switch col {
		case ColRewards, ColTerminals, ColTimeouts:
			return []string{"step"}
		case ColObservations, ColActions:
			return []string{"step", "dim"}
		}
		if strings.HasPrefix(col, InfoPrefix) {
			return []string{"step", "dim"}
		}
	}
	return nil
}

// arrayIn is one array moved to canonical axis order.
type arrayIn struct {
	data  []float64
	sizes map[string]int
}

// row is trajectory i's slice of the array (the only one when the array has no trajectory axis, i.e. is
// shared by every trajectory).
func (a arrayIn) row(i int) []float64 {
	n := len(a.data) / max(1, a.sizes["trajectory"])
	if a.sizes["trajectory"] == 1 {
		i = 0
	}
	return a.data[i*n : (i+1)*n]
}

// toCanonical transposes a to the canonical axes of col, inserting missing axes with size 1.
func toCanonical(col string, a *npy.Array, axes, canon []string) (arrayIn, error) {
	if axes == nil {
		// Default: the canonical order, dropping leading axes the array does not have.
		if len(a.Shape) > len(canon) {
			return arrayIn{}, fmt.Errorf("array %q has %d axes, more than the %d of %v", col, len(a.Shape), len(canon), canon)
		}
		axes = canon[len(canon)-len(a.Shape):]
	}
	if len(axes) != len(a.Shape) {
		return arrayIn{}, fmt.Errorf("array %q has shape %v but %d axis names %v", col, a.Shape, len(axes), axes)
	}
	sizes := map[string]int{}
	for i, name := range axes {
		if !slices.Contains(canon, name) {
			return arrayIn{}, fmt.Errorf("array %q: axis name %q is not one of %v", col, name, canon)
		}
		if _, dup := sizes[name]; dup {
			return arrayIn{}, fmt.Errorf("array %q: axis name %q given twice", col, name)
		}
		sizes[name] = a.Shape[i]
	}
	src, err := a.Float64s()
	if err != nil {
		return arrayIn{}, fmt.Errorf("array %q: %w", col, err)
	}
	for _, name := range canon {
		if _, ok := sizes[name]; !ok {
			sizes[name] = 1
		}
	}
	// Named axes already in canonical relative order: the missing axes have size 1, so the C-order data is
	// already canonical.
	if inOrder(axes, canon) {
		return arrayIn{data: src, sizes: sizes}, nil
	}
	// Source stride (C order) and size of each canonical axis; a missing axis has size 1 and stride 0.
	stride := make([]int, len(canon))
	size := make([]int, len(canon))
	for k, name := range canon {
		size[k] = sizes[name]
		if i := slices.Index(axes, name); i >= 0 {
			stride[k] = 1
			for _, n := range a.Shape[i+1:] {
				stride[k] *= n
			}
		}
	}
	out := make([]float64, len(src))
	idx := make([]int, len(canon))
	for o := range out {
		off := 0
		for k, i := range idx {
			off += i * stride[k]
		}
		out[o] = src[off]
		for k := len(canon) - 1; k >= 0; k-- {
			idx[k]++
			if idx[k] < size[k] {
				break
			}
			idx[k] = 0
		}
	}
	return arrayIn{data: out, sizes: sizes}, nil
}

// inOrder reports whether axes appear in canon in the same relative order.
func inOrder(axes, canon []string) bool {
	k := 0
	for _, name := range axes {
		for k < len(canon) && canon[k] != name {
			k++
		}
		if k == len(canon) {
			return false
		}
		k++
	}
	return true
}

// FromNumPy writes NumPy arrays as a dataset of the given kind at path.
func FromNumPy(ctx context.Context, path string, o NumPyOptions) (ImportReport, error) {
	var rep ImportReport
	in := map[string]arrayIn{}
	grid := 0
	if o.Kind == Fields {
		st, ok := o.Arrays[ColState]
		if !ok {
			return rep, fmt.Errorf("numpy import: fields need a %q array", ColState)
		}
		if ax, ok := o.Axes[ColState]; ok {
			for _, a := range ax {
				switch a {
				case "x", "y", "z":
					grid++
				case "trajectory", "time", "channel":
				default:
					return rep, fmt.Errorf("numpy import: state axis name %q is not one of trajectory, time, x, y, z, channel", a)
				}
			}
		} else {
			grid = len(st.Shape) - 3
		}
		if grid < 1 || grid > 3 {
			return rep, fmt.Errorf("numpy import: state with shape %v and axes %v has %d grid axes, want 1 to 3 (name them with -axes)", st.Shape, o.Axes[ColState], grid)
		}
	}
	for col, a := range o.Arrays {
		canon := canonicalAxes(o.Kind, col, grid)
		if canon == nil {
			return rep, fmt.Errorf("numpy import: %v datasets have no column %q", o.Kind, col)
		}
		ai, err := toCanonical(col, a, o.Axes[col], canon)
		if err != nil {
			return rep, fmt.Errorf("numpy import: %w", err)
		}
		in[col] = ai
	}
	for col := range o.Axes {
		if _, ok := o.Arrays[col]; !ok {
			return rep, fmt.Errorf("numpy import: axes given for %q but no such array", col)
		}
	}
	switch o.Kind {
	case Episodes:
		return importEpisodes(ctx, path, in, o)
	case Geometric:
		return importGeometric(ctx, path, in, o)
	case Fields:
		return importFields(ctx, path, in, grid, o)
	}
	return rep, fmt.Errorf("numpy import: unknown kind %v", o.Kind)
}

// agree checks that the named axes have one size across arrays.
func agree(in map[string]arrayIn, axis string, cols ...string) (int, error) {
	n := -1
	for _, c := range cols {
		a, ok := in[c]
		if !ok {
			continue
		}
		s := a.sizes[axis]
		if n >= 0 && s != n && !(axis == "trajectory" && s == 1) {
			return 0, fmt.Errorf("numpy import: axis %q has size %d in %q but %d elsewhere", axis, s, c, n)
		}
		n = max(n, s)
	}
	return n, nil
}

func importFields(ctx context.Context, path string, in map[string]arrayIn, grid int, o NumPyOptions) (ImportReport, error) {
	var rep ImportReport
	st := in[ColState]
	spec := FieldSpec{Frames: st.sizes["time"], StateChannels: st.sizes["channel"], Dt: o.Dt}
	for _, a := range []string{"x", "y", "z"}[:grid] {
		spec.Grid = append(spec.Grid, st.sizes[a])
	}
	nt, err := agree(in, "trajectory", ColState, ColControl, ColParams)
	if err != nil {
		return rep, err
	}
	if c, ok := in[ColControl]; ok {
		spec.ControlChannels = c.sizes["channel"]
		if c.sizes["time"] != spec.Frames || c.sizes["trajectory"] != st.sizes["trajectory"] {
			return rep, fmt.Errorf("numpy import: control has %d trajectories x %d frames, state %d x %d", c.sizes["trajectory"], c.sizes["time"], st.sizes["trajectory"], spec.Frames)
		}
		for i, a := range []string{"x", "y", "z"}[:grid] {
			if c.sizes[a] != spec.Grid[i] {
				return rep, fmt.Errorf("numpy import: control grid axis %s has %d points, state %d", a, c.sizes[a], spec.Grid[i])
			}
		}
	}
	if p, ok := in[ColParams]; ok {
		spec.ParamDim = p.sizes["param"]
	}
	w, err := CreateFields(path, spec, o.Write)
	if err != nil {
		return rep, err
	}
	for i := 0; i < nt; i++ {
		if err := ctx.Err(); err != nil {
			w.Abort()
			return rep, err
		}
		tr := FieldTrajectory{State: st.row(i)}
		if c, ok := in[ColControl]; ok {
			tr.Control = c.row(i)
		}
		if p, ok := in[ColParams]; ok {
			tr.Params = p.row(i)
		}
		if err := w.Write(tr); err != nil {
			w.Abort()
			return rep, err
		}
	}
	rep.Trajectories, rep.Rows = nt, int64(nt)
	return rep, w.Close()
}

func importGeometric(ctx context.Context, path string, in map[string]arrayIn, o NumPyOptions) (ImportReport, error) {
	var rep ImportReport
	pos, ok := in[ColPositions]
	if !ok {
		return rep, fmt.Errorf("numpy import: geometric data need a %q array", ColPositions)
	}
	spec := GeometricSpec{Frames: pos.sizes["time"], Nodes: pos.sizes["node"], SpatialDim: pos.sizes["coord"], Dt: o.Dt}
	for _, c := range []string{ColVelocities, ColForces} {
		if a, ok := in[c]; ok && (a.sizes["time"] != spec.Frames || a.sizes["node"] != spec.Nodes || a.sizes["coord"] != spec.SpatialDim) {
			return rep, fmt.Errorf("numpy import: %s is %d x %d x %d per trajectory, positions %d x %d x %d", c, a.sizes["time"], a.sizes["node"], a.sizes["coord"], spec.Frames, spec.Nodes, spec.SpatialDim)
		}
	}
	_, spec.Velocities = in[ColVelocities]
	_, spec.Forces = in[ColForces]
	_, spec.Energies = in[ColEnergies]
	if nf, ok := in[ColNodeFeatures]; ok {
		spec.NodeFeatureDim = nf.sizes["feature"]
	}
	if p, ok := in[ColParams]; ok {
		spec.ParamDim = p.sizes["param"]
	}
	nt, err := agree(in, "trajectory", ColPositions, ColVelocities, ColForces, ColEnergies, ColNodeFeatures, ColParams)
	if err != nil {
		return rep, err
	}
	w, err := CreateGeometric(path, spec, o.Write)
	if err != nil {
		return rep, err
	}
	row := func(c string, i int) []float64 {
		if a, ok := in[c]; ok {
			return a.row(i)
		}
		return nil
	}
	for i := 0; i < nt; i++ {
		if err := ctx.Err(); err != nil {
			w.Abort()
			return rep, err
		}
		tr := GeometricTrajectory{Positions: row(ColPositions, i), Velocities: row(ColVelocities, i), Forces: row(ColForces, i),
			Energies: row(ColEnergies, i), NodeFeatures: row(ColNodeFeatures, i), Params: row(ColParams, i)}
		if err := w.Write(tr); err != nil {
			w.Abort()
			return rep, err
		}
	}
	rep.Trajectories, rep.Rows = nt, int64(nt)
	return rep, w.Close()
}

func importEpisodes(ctx context.Context, path string, in map[string]arrayIn, o NumPyOptions) (ImportReport, error) {
	var rep ImportReport
	for _, c := range []string{ColObservations, ColActions, ColRewards, ColTerminals} {
		if _, ok := in[c]; !ok {
			return rep, fmt.Errorf("numpy import: episodes need a %q array", c)
		}
	}
	f := FlatEpisodes{Spec: EpisodeSpec{ObservationDim: in[ColObservations].sizes["dim"], ActionDim: in[ColActions].sizes["dim"]},
		Observations: in[ColObservations].data, Actions: in[ColActions].data, Rewards: in[ColRewards].data, Infos: map[string][]float64{}}
	flags := func(c string) []bool {
		a, ok := in[c]
		if !ok {
			return nil
		}
		out := make([]bool, len(a.data))
		for i, v := range a.data {
			out[i] = v != 0
		}
		return out
	}
	f.Terminals, f.Timeouts = flags(ColTerminals), flags(ColTimeouts)
	var names []string
	for c := range in {
		if strings.HasPrefix(c, InfoPrefix) {
			names = append(names, c)
		}
	}
	slices.Sort(names)
	for _, c := range names {
		name := strings.TrimPrefix(c, InfoPrefix)
		f.Spec.Infos = append(f.Spec.Infos, InfoSpec{Name: name, Dim: in[c].sizes["dim"]})
		f.Infos[name] = in[c].data
	}
	return WriteFlatEpisodes(ctx, path, f, o.DropIncomplete, o.Write)
}

// WriteFlatEpisodes splits flat D4RL-layout data into episodes (SplitEpisodes) and writes them.
func WriteFlatEpisodes(ctx context.Context, path string, f FlatEpisodes, dropIncomplete bool, opts WriteOptions) (ImportReport, error) {
	var rep ImportReport
	eps, dropped, err := SplitEpisodes(f, dropIncomplete)
	if err != nil {
		return rep, err
	}
	w, err := CreateEpisodes(path, f.Spec, opts)
	if err != nil {
		return rep, err
	}
	for _, e := range eps {
		if err := ctx.Err(); err != nil {
			w.Abort()
			return rep, err
		}
		if err := w.Write(e); err != nil {
			w.Abort()
			return rep, err
		}
		rep.Rows += int64(len(e.Rewards))
	}
	rep.Trajectories, rep.DroppedFrames = len(eps), dropped
	return rep, w.Close()
}
