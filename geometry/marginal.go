package geometry

import (
	"fmt"
	"math"
)

// MarginalScore compares the per-axis marginal distributions of generated and real trajectories, the
// marginal score of GeoTDM's unconditional evaluation (Han et al. 2024, Sec. 5.2, after Zhou et al.
// 2023): for each axis, the values of every node and frame of the real set are binned into bins equal
// bins spanning their range, giving a density (count / (n delta)); the generated values give a density
// on the same bins by counting those strictly within delta/2 of a bin centre (values outside the real
// range count nowhere); the score is the mean absolute difference of the two densities over bins and
// axes. 0 means identical histograms; lower is better. real and fake hold whole trajectories of shape s
// back to back (any number of each). GeoTDM uses 50 bins.
func MarginalScore(s Shape, real, fake []float64, bins int) (float64, error) {
	if bins < 1 {
		return 0, fmt.Errorf("geometry MarginalScore: %d bins", bins)
	}
	for what, x := range map[string][]float64{"real": real, "fake": fake} {
		if len(x) == 0 || len(x)%s.size() != 0 {
			return 0, fmt.Errorf("geometry MarginalScore: %s set has %d values, not a positive multiple of %d frames x %d nodes x %d", what, len(x), s.Frames, s.Nodes, s.Dim)
		}
		for k, v := range x {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return 0, fmt.Errorf("geometry MarginalScore: %s value %d is %v", what, k, v)
			}
		}
	}
	total := 0.0
	for axis := 0; axis < s.Dim; axis++ {
		lo, hi := math.Inf(1), math.Inf(-1)
		for k := axis; k < len(real); k += s.Dim {
			lo, hi = math.Min(lo, real[k]), math.Max(hi, real[k])
		}
		delta := (hi - lo) / float64(bins)
		if delta == 0 {
			return 0, fmt.Errorf("geometry MarginalScore: the real values of axis %d are all %v", axis, lo)
		}
		nReal, nFake := len(real)/s.Dim, len(fake)/s.Dim
		dReal, dFake := make([]float64, bins), make([]float64, bins)
		for k := axis; k < len(real); k += s.Dim {
			b := min(int((real[k]-lo)/delta), bins-1)
			dReal[b]++
		}
		for k := axis; k < len(fake); k += s.Dim {
			v := fake[k]
			b := int(math.Floor((v - lo) / delta))
			// Only the bin whose centre is nearest can hold v strictly within delta/2.
			if b >= 0 && b < bins && math.Abs(v-(lo+(float64(b)+0.5)*delta)) < delta/2 {
				dFake[b]++
			}
		}
		sum := 0.0
		for b := range dReal {
			sum += math.Abs(dReal[b]/(float64(nReal)*delta) - dFake[b]/(float64(nFake)*delta))
		}
		total += sum / float64(bins)
	}
	return total / float64(s.Dim), nil
}
