package geometry

import (
	"fmt"
	"math"
)

// Shape is the shape of a trajectory tensor: Frames x Nodes x Dim, row-major.
type Shape struct {
	Frames, Nodes, Dim int
}

func (s Shape) size() int { return s.Frames * s.Nodes * s.Dim }

func (s Shape) check(what string, xs ...[]float64) error {
	if s.Frames < 1 || s.Nodes < 1 || s.Dim < 1 {
		return fmt.Errorf("geometry %s: shape %+v must have positive sizes", what, s)
	}
	for i, x := range xs {
		if len(x) != s.size() {
			return fmt.Errorf("geometry %s: argument %d has %d values, want %d frames x %d nodes x %d = %d",
				what, i, len(x), s.Frames, s.Nodes, s.Dim, s.size())
		}
		for k, v := range x {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("geometry %s: argument %d value %d is %v", what, i, k, v)
			}
		}
	}
	return nil
}

// pointErr is |pred_p - truth_p| for point p (frame f, node i) of a [frames][nodes][dim] tensor.
func pointErr(pred, truth []float64, p, dim int) float64 {
	s := 0.0
	for k := p * dim; k < (p+1)*dim; k++ {
		d := pred[k] - truth[k]
		s += d * d
	}
	return math.Sqrt(s)
}

// ADE is the average displacement error: the Euclidean distance between predicted and true
// positions averaged over every frame and node, (1/(T N)) sum_t sum_i |x^pred_{t,i} - x_{t,i}|
// (GeoTDM, Table 1; pass only the predicted frames).
func ADE(s Shape, pred, truth []float64) (float64, error) {
	if err := s.check("ADE", pred, truth); err != nil {
		return 0, err
	}
	sum := 0.0
	for p := 0; p < s.Frames*s.Nodes; p++ {
		sum += pointErr(pred, truth, p, s.Dim)
	}
	return sum / float64(s.Frames*s.Nodes), nil
}

// FDE is the final displacement error: the distance at the last frame averaged over nodes.
func FDE(s Shape, pred, truth []float64) (float64, error) {
	if err := s.check("FDE", pred, truth); err != nil {
		return 0, err
	}
	sum := 0.0
	for i := 0; i < s.Nodes; i++ {
		sum += pointErr(pred, truth, (s.Frames-1)*s.Nodes+i, s.Dim)
	}
	return sum / float64(s.Nodes), nil
}

// SampleErrors are the displacement errors of K samples of one trajectory.
type SampleErrors struct {
	ADE, FDE  []float64 // per sample
	MeanADE   float64   // average over samples (GeoTDM's N-body protocol, K = 5)
	MeanFDE   float64
	MinADE    float64 // best sample (the minADE_K / minFDE_K of trajectory forecasting, e.g. ETH-UCY, K = 20)
	MinFDE    float64
	ArgMinADE int
	ArgMinFDE int
}

// SampleMetrics scores K samples of one trajectory against the truth. The minimum is taken per
// trajectory (over all its nodes jointly), separately for ADE and FDE, as in Social GAN's
// best-of-K evaluation that GeoTDM's pedestrian results follow.
func SampleMetrics(s Shape, samples [][]float64, truth []float64) (SampleErrors, error) {
	var r SampleErrors
	if len(samples) == 0 {
		return r, fmt.Errorf("geometry sample metrics: no samples")
	}
	r.MinADE, r.MinFDE = math.Inf(1), math.Inf(1)
	for k, x := range samples {
		a, err := ADE(s, x, truth)
		if err != nil {
			return r, fmt.Errorf("sample %d: %w", k, err)
		}
		f, err := FDE(s, x, truth)
		if err != nil {
			return r, fmt.Errorf("sample %d: %w", k, err)
		}
		r.ADE = append(r.ADE, a)
		r.FDE = append(r.FDE, f)
		r.MeanADE += a / float64(len(samples))
		r.MeanFDE += f / float64(len(samples))
		if a < r.MinADE {
			r.MinADE, r.ArgMinADE = a, k
		}
		if f < r.MinFDE {
			r.MinFDE, r.ArgMinFDE = f, k
		}
	}
	return r, nil
}
