package geotdm

import (
	"fmt"
	"slices"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/train"
)

// SamplesInfo describes a samples file beyond its coordinates; every field is optional.
type SamplesInfo struct {
	NodeFeatureNames []string // the source dataset's node feature names (e.g. "charge")
	// Dt is the source dataset's frame interval; it is stored only when the condition frames followed by
	// the target frames are consecutive frames, the only case where the file's frames are evenly spaced.
	Dt          float64
	Description string
	Overwrite   bool // replace an existing file
}

// WriteSamples writes forecasts as a geometric dataset at path, atomically: one trajectory per
// (trajectory, sample), its frames the layout's condition frames of the source trajectory followed by the
// K samples' generated frames (len(CondFrames)+len(TargetFrames) frames, in the layout's order), with the
// source's node features and edges. Params hold the source trajectory's id and the sample index k, so a
// row can be traced back. The element type is the source's. samples is Forecast's result for views.
func WriteSamples(path string, layout train.GeometricLayout, views []datasets.GeometricView, samples [][][]float64, info SamplesInfo) error {
	if len(samples) != len(views) {
		return fmt.Errorf("geotdm: %d sample sets for %d trajectories", len(samples), len(views))
	}
	if len(views) == 0 {
		return fmt.Errorf("geotdm: no trajectories to write")
	}
	c := layout.Net
	nd := c.Nodes * c.SpatialDim
	cf, tf := len(c.CondFrames), len(c.TargetFrames)
	nfeat := views[0].NodeFeatures.Len() / c.Nodes
	spec := datasets.GeometricSpec{Frames: cf + tf, Nodes: c.Nodes, SpatialDim: c.SpatialDim, NodeFeatureDim: nfeat,
		Edges: views[0].Edges != nil, ParamDim: 2, ParamNames: []string{"source_trajectory", "sample"}}
	if nfeat > 0 {
		spec.NodeFeatureNames = slices.Clone(info.NodeFeatureNames)
	}
	frames := append(slices.Clone(c.CondFrames), c.TargetFrames...)
	consecutive := true
	for i := 1; i < len(frames); i++ {
		consecutive = consecutive && frames[i] == frames[i-1]+1
	}
	if consecutive {
		spec.Dt = info.Dt
	}
	// The source's element type, so that the condition frames are stored exactly as they were read.
	opts := datasets.WriteOptions{DType: views[0].Positions.DType(), Overwrite: info.Overwrite, Description: info.Description}
	w, err := datasets.CreateGeometric(path, spec, opts)
	if err != nil {
		return fmt.Errorf("geotdm: %w", err)
	}
	x0, cond := make([]float64, layout.Dim()), make([]float64, layout.CondDim())
	for i, v := range views {
		if err := layout.Pack(v, x0, cond); err != nil {
			w.Abort()
			return fmt.Errorf("geotdm: %w", err)
		}
		if v.NodeFeatures.Len() != nfeat*c.Nodes || (v.Edges != nil) != spec.Edges {
			w.Abort()
			return fmt.Errorf("geotdm: trajectory %d has %d node feature values and edges %v, trajectory %d %d and %v",
				v.Index, v.NodeFeatures.Len(), v.Edges != nil, views[0].Index, nfeat*c.Nodes, spec.Edges)
		}
		feats := v.NodeFeatures.AppendFloat64(nil)
		for k, x := range samples[i] {
			if len(x) != tf*nd {
				w.Abort()
				return fmt.Errorf("geotdm: trajectory %d sample %d has %d values, want %d", v.Index, k, len(x), tf*nd)
			}
			pos := append(slices.Clone(cond[:cf*nd]), x...)
			row := datasets.GeometricTrajectory{Positions: pos, NodeFeatures: feats, Params: []float64{float64(v.ID), float64(k)}}
			if spec.Edges {
				row.Edges = slices.Clone(v.Edges)
			}
			if err := w.Write(row); err != nil {
				w.Abort()
				return fmt.Errorf("geotdm: %w", err)
			}
		}
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("geotdm: %w", err)
	}
	return nil
}
