package datasets

import "fmt"

// EpisodeView is one episode. Observations has shape [T, ObservationDim], Actions
// [T, ActionDim], Rewards [T, 1], each info [T, Dim].
type EpisodeView struct {
	Index        int
	ID           int64
	Len          int
	Observations Tensor
	Actions      Tensor
	Rewards      Tensor
	Terminals    []bool
	Timeouts     []bool
	Infos        map[string]Tensor
}

// Episode returns episode i (random access, no copy for IPC files).
func (d *Dataset) Episode(i int) (EpisodeView, error) {
	if d.meta.Kind != Episodes {
		return EpisodeView{}, fmt.Errorf("Episode: dataset kind is %v, not episodes", d.meta.Kind)
	}
	if err := d.checkUnit(i); err != nil {
		return EpisodeView{}, fmt.Errorf("Episode: %w", err)
	}
	u := d.units[i]
	T := u.len
	s := d.meta.Episodes
	v := EpisodeView{Index: i, ID: u.id, Len: T, Infos: map[string]Tensor{}}
	v.Observations = d.slice(2, u.start, T, []int{T, s.ObservationDim})
	v.Actions = d.slice(3, u.start, T, []int{T, s.ActionDim})
	v.Rewards = d.slice(4, u.start, T, []int{T, 1})
	v.Terminals = d.bools(5, u.start, T)
	v.Timeouts = d.bools(6, u.start, T)
	for k, in := range s.Infos {
		v.Infos[in.Name] = d.slice(7+k, u.start, T, []int{T, in.Dim})
	}
	return v, nil
}

// GeometricView is one geometric trajectory: Positions (Velocities, Forces) of shape
// [Frames, Nodes, SpatialDim], Energies [Frames, 1], NodeFeatures [Nodes, NodeFeatureDim],
// Params [ParamDim], Edges as flattened (source, target) pairs. Absent columns are zero Tensors.
type GeometricView struct {
	Index        int
	ID           int64
	Positions    Tensor
	Velocities   Tensor
	Forces       Tensor
	Energies     Tensor
	NodeFeatures Tensor
	Params       Tensor
	Edges        []int32
}

// Trajectory returns geometric trajectory i (random access, no copy for IPC files).
func (d *Dataset) Trajectory(i int) (GeometricView, error) {
	if d.meta.Kind != Geometric {
		return GeometricView{}, fmt.Errorf("Trajectory: dataset kind is %v, not geometric", d.meta.Kind)
	}
	if err := d.checkUnit(i); err != nil {
		return GeometricView{}, fmt.Errorf("Trajectory: %w", err)
	}
	u := d.units[i]
	v := GeometricView{Index: i, ID: u.id}
	for ci, c := range d.cols {
		var dst *Tensor
		switch c.name {
		case ColPositions:
			dst = &v.Positions
		case ColVelocities:
			dst = &v.Velocities
		case ColForces:
			dst = &v.Forces
		case ColEnergies:
			dst = &v.Energies
		case ColNodeFeatures:
			dst = &v.NodeFeatures
		case ColParams:
			dst = &v.Params
		case ColEdges:
			b := &d.batches[d.locate(u.start)]
			r := int(u.start - b.row0)
			cd := b.cols[ci]
			v.Edges = cd.idx[cd.offs[r]:cd.offs[r+1]:cd.offs[r+1]]
		}
		if dst != nil {
			*dst = d.slice(ci, u.start, 1, append([]int(nil), c.rowShape...))
		}
	}
	return v, nil
}

// FieldView is one PDE trajectory: State of shape [Frames, Grid..., StateChannels], Control
// [Frames, Grid..., ControlChannels], Params [ParamDim]. Absent columns are zero Tensors.
type FieldView struct {
	Index   int
	ID      int64
	State   Tensor
	Control Tensor
	Params  Tensor
}

// Field returns field trajectory i (random access, no copy for IPC files).
func (d *Dataset) Field(i int) (FieldView, error) {
	if d.meta.Kind != Fields {
		return FieldView{}, fmt.Errorf("Field: dataset kind is %v, not fields", d.meta.Kind)
	}
	if err := d.checkUnit(i); err != nil {
		return FieldView{}, fmt.Errorf("Field: %w", err)
	}
	u := d.units[i]
	v := FieldView{Index: i, ID: u.id}
	for ci, c := range d.cols {
		shape := append([]int(nil), c.rowShape...)
		switch c.name {
		case ColState:
			v.State = d.slice(ci, u.start, 1, shape)
		case ColControl:
			v.Control = d.slice(ci, u.start, 1, shape)
		case ColParams:
			v.Params = d.slice(ci, u.start, 1, shape)
		}
	}
	return v, nil
}

// SequenceColumns lists the columns that have a time axis and can be cut into windows by
// Steps and the segment sampler.
func (d *Dataset) SequenceColumns() []string {
	var out []string
	for _, c := range d.cols {
		if d.stepWidth(c) > 0 {
			out = append(out, c.name)
		}
	}
	return out
}

// stepWidth is the number of values per step of column c, or 0 when c has no time axis.
func (d *Dataset) stepWidth(c column) int {
	if !c.isFloat() {
		return 0
	}
	if d.meta.Kind == Episodes {
		return c.width
	}
	if len(c.rowShape) < 2 || c.rowShape[0] != d.StepLen(0) || c.name == ColNodeFeatures {
		return 0
	}
	return c.width / c.rowShape[0]
}

// Steps returns column name of episode/trajectory i as a [T, D] tensor: one row per step (per
// frame), D values per step (the flattened per-step shape, e.g. Nodes*SpatialDim or
// GridPoints*Channels).
func (d *Dataset) Steps(i int, name string) (Tensor, error) {
	ci, err := d.colIndex(name)
	if err != nil {
		return Tensor{}, err
	}
	if err := d.checkUnit(i); err != nil {
		return Tensor{}, fmt.Errorf("Steps: %w", err)
	}
	c := d.cols[ci]
	w := d.stepWidth(c)
	if w == 0 {
		return Tensor{}, fmt.Errorf("Steps: column %q has no time axis", name)
	}
	u := d.units[i]
	T := d.StepLen(i)
	return d.slice(ci, u.start, u.len, []int{T, w}), nil
}
