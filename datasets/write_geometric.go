package datasets

import "fmt"

// GeometricTrajectory is one trajectory of a geometric dataset, row-major: Positions (and
// Velocities, Forces) have Frames*Nodes*SpatialDim values, Energies Frames, NodeFeatures
// Nodes*NodeFeatureDim, Params ParamDim. Edges lists directed edges as (source, target) pairs
// of node indices, flattened; it may differ between trajectories.
type GeometricTrajectory struct {
	Positions    []float64
	Velocities   []float64
	Forces       []float64
	Energies     []float64
	NodeFeatures []float64
	Edges        []int32
	Params       []float64
}

// GeometricWriter streams trajectories into a geometric dataset (one row per trajectory).
type GeometricWriter struct {
	w    *writer
	spec GeometricSpec
	n    int64
}

// CreateGeometric starts a geometric dataset at path. Nothing appears at path until Close.
func CreateGeometric(path string, spec GeometricSpec, opts WriteOptions) (*GeometricWriter, error) {
	s := spec
	w, err := newWriter(path, &Metadata{Kind: Geometric, Geometric: &s}, opts)
	if err != nil {
		return nil, err
	}
	return &GeometricWriter{w: w, spec: s}, nil
}

// Len returns the number of trajectories written so far.
func (g *GeometricWriter) Len() int64 { return g.n }

// Write appends one trajectory. A validation error keeps nothing of it; the writer stays usable.
func (g *GeometricWriter) Write(tr GeometricTrajectory) error {
	if err := g.w.check(); err != nil {
		return err
	}
	what := fmt.Sprintf("trajectory %d", g.n)
	inputs := map[string][]float64{
		ColPositions: tr.Positions, ColVelocities: tr.Velocities, ColForces: tr.Forces,
		ColEnergies: tr.Energies, ColNodeFeatures: tr.NodeFeatures, ColParams: tr.Params,
	}
	if err := g.w.checkInputs(what, inputs); err != nil {
		return err
	}
	if !g.w.hasColumn(ColEdges) && tr.Edges != nil {
		return fmt.Errorf("write %s: %s: edges given but the spec has Edges false", g.w.path, what)
	}
	if len(tr.Edges)%2 != 0 {
		return fmt.Errorf("write %s: %s: edges has odd length %d, want (source, target) pairs", g.w.path, what, len(tr.Edges))
	}
	for i, v := range tr.Edges {
		if v < 0 || int(v) >= g.spec.Nodes {
			return fmt.Errorf("write %s: %s: edges[%d] = %d is not a node index in [0, %d)", g.w.path, what, i, v, g.spec.Nodes)
		}
	}
	if err := g.w.appendTrajectory(g.n, what, inputs, tr.Edges); err != nil {
		return err
	}
	g.n++
	return g.w.endUnit(1)
}

// Close writes the statistics and footer and renames the file into place.
func (g *GeometricWriter) Close() error { return g.w.close() }

// Abort discards everything written; the path is left untouched.
func (g *GeometricWriter) Abort() { g.w.abort() }
