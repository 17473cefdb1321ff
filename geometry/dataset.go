package geometry

import "github.com/trajdiff/trajdiff/datasets"

// DatasetSpec is the geometric-dataset layout of sys's trajectories under run r: positions,
// velocities and energies per frame; charges (charged) or masses (gravity) as node features; the spring
// graph as edges (springs); forces where the published generator saves them (gravity). Frames and Dt
// follow r (one stored frame every SampleFreq integrator steps).
func DatasetSpec(sys System, r Run) datasets.GeometricSpec {
	spec := datasets.GeometricSpec{Frames: sys.Frames(r), Nodes: sys.Nodes(), SpatialDim: Dim, Velocities: true, Energies: true,
		Dt: sys.Dt() * float64(r.SampleFreq)}
	switch sys.(type) {
	case *Charged:
		spec.NodeFeatureDim, spec.NodeFeatureNames = 1, []string{"charge"}
	case *Springs:
		spec.Edges = true
	case *Gravity:
		spec.NodeFeatureDim, spec.NodeFeatureNames = 1, []string{"mass"}
		spec.Forces = true
	}
	return spec
}

// DatasetRow is trajectory t as a row of a dataset with layout spec (from DatasetSpec): the row shares
// t's slices, so t must not change while the row is in use.
func DatasetRow(spec datasets.GeometricSpec, t *Trajectory) datasets.GeometricTrajectory {
	row := datasets.GeometricTrajectory{Positions: t.X, Velocities: t.V, Energies: t.Energy}
	switch {
	case t.Params.Charges != nil:
		row.NodeFeatures = t.Params.Charges
	case t.Params.Masses != nil:
		row.NodeFeatures = t.Params.Masses
	}
	if spec.Forces {
		row.Forces = t.Forces
	}
	if spec.Edges {
		row.Edges = CouplingEdges(t.Nodes, t.Params.Couplings)
	}
	return row
}

// CouplingEdges lists the directed edges (a, b), a != b, with a nonzero coupling in the row-major
// n x n matrix couplings, as flat (source, target) pairs in row-major order. It is never nil, so a
// trajectory without springs is stored as an empty edge list rather than a missing one.
func CouplingEdges(n int, couplings []float64) []int32 {
	edges := []int32{}
	for a := 0; a < n; a++ {
		for b := 0; b < n; b++ {
			if a != b && couplings[a*n+b] != 0 {
				edges = append(edges, int32(a), int32(b))
			}
		}
	}
	return edges
}
