package datasets

import (
	"fmt"
	"math"
)

// ColumnStats are per-component statistics of a column's feature (last) axis, pooled over all
// other axes (steps, frames, nodes, grid points) and all rows. Std is the population standard
// deviation (ddof = 0), as numpy's X.std(axis=0) in Diffuser's GaussianNormalizer.
type ColumnStats struct {
	Count int64     `json:"count"`
	Mean  []float64 `json:"mean"`
	Std   []float64 `json:"std"`
	Min   []float64 `json:"min"`
	Max   []float64 `json:"max"`
}

// Dim is the number of components.
func (s ColumnStats) Dim() int { return len(s.Mean) }

func (s ColumnStats) check(dim int) error {
	if len(s.Mean) != dim || len(s.Std) != dim || len(s.Min) != dim || len(s.Max) != dim {
		return fmt.Errorf("want %d components in mean, std, min and max, got %d, %d, %d, %d",
			dim, len(s.Mean), len(s.Std), len(s.Min), len(s.Max))
	}
	if s.Count < 0 {
		return fmt.Errorf("negative count %d", s.Count)
	}
	for i := 0; i < dim; i++ {
		for _, v := range []float64{s.Mean[i], s.Std[i], s.Min[i], s.Max[i]} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("component %d is not finite (mean %v, std %v, min %v, max %v)", i, s.Mean[i], s.Std[i], s.Min[i], s.Max[i])
			}
		}
		if s.Count > 0 && (s.Std[i] < 0 || s.Min[i] > s.Max[i]) {
			return fmt.Errorf("component %d: std %v < 0 or min %v > max %v", i, s.Std[i], s.Min[i], s.Max[i])
		}
	}
	return nil
}

// moments accumulates count, mean, sum of squared deviations (M2), min and max per component.
// Chunks are reduced with a two-pass pass in float64 and merged with the pairwise update of
// Chan, Golub and LeVeque (1979): delta = mean_b - mean_a,
// M2 = M2_a + M2_b + delta^2 n_a n_b / (n_a + n_b), which is stable for long streams.
type moments struct {
	n        int64
	mean, m2 []float64
	min, max []float64
	// scratch for one chunk
	cm, cm2 []float64
}

func newMoments(dim int) *moments {
	m := &moments{
		mean: make([]float64, dim), m2: make([]float64, dim),
		min: make([]float64, dim), max: make([]float64, dim),
		cm: make([]float64, dim), cm2: make([]float64, dim),
	}
	for i := range m.min {
		m.min[i] = math.Inf(1)
		m.max[i] = math.Inf(-1)
	}
	return m
}

// addFloat64 adds rows of len(mean) components laid out contiguously in x.
func (m *moments) addFloat64(x []float64) {
	d := len(m.mean)
	rows := len(x) / d
	if rows == 0 {
		return
	}
	for j := range m.cm {
		m.cm[j], m.cm2[j] = 0, 0
	}
	for r := 0; r < rows; r++ {
		row := x[r*d : r*d+d]
		for j, v := range row {
			m.cm[j] += v
			if v < m.min[j] {
				m.min[j] = v
			}
			if v > m.max[j] {
				m.max[j] = v
			}
		}
	}
	for j := range m.cm {
		m.cm[j] /= float64(rows)
	}
	for r := 0; r < rows; r++ {
		row := x[r*d : r*d+d]
		for j, v := range row {
			e := v - m.cm[j]
			m.cm2[j] += e * e
		}
	}
	m.merge(int64(rows), m.cm, m.cm2)
}

// addFloat32 is addFloat64 for float32 data (accumulated in float64). It is on the writer's hot
// path, so it makes one pass with shifted sums: with K the chunk's first row,
// mean = K + S1/n and M2 = S2 - S1^2/n for S1 = sum(x - K), S2 = sum((x - K)^2); shifting by a
// sample of the data keeps the cancellation small (Chan, Golub and LeVeque 1983).
func (m *moments) addFloat32(x []float32) {
	d := len(m.mean)
	rows := len(x) / d
	if rows == 0 {
		return
	}
	if d == 1 {
		k := float64(x[0])
		var s1, s2 float64
		lo, hi := m.min[0], m.max[0]
		for _, v32 := range x[:rows] {
			v := float64(v32)
			if v < lo {
				lo = v
			}
			if v > hi {
				hi = v
			}
			e := v - k
			s1 += e
			s2 += e * e
		}
		m.min[0], m.max[0] = lo, hi
		n := float64(rows)
		m.cm[0] = k + s1/n
		m.cm2[0] = max(0, s2-s1*s1/n)
		m.merge(int64(rows), m.cm, m.cm2)
		return
	}
	k := m.cm // reuse scratch: shift, then mean
	s1 := make([]float64, d)
	s2 := m.cm2
	for j := 0; j < d; j++ {
		k[j] = float64(x[j])
		s2[j] = 0
	}
	for r := 0; r < rows; r++ {
		row := x[r*d : r*d+d]
		for j, v32 := range row {
			v := float64(v32)
			if v < m.min[j] {
				m.min[j] = v
			}
			if v > m.max[j] {
				m.max[j] = v
			}
			e := v - k[j]
			s1[j] += e
			s2[j] += e * e
		}
	}
	n := float64(rows)
	for j := 0; j < d; j++ {
		k[j] += s1[j] / n
		s2[j] = max(0, s2[j]-s1[j]*s1[j]/n)
	}
	m.merge(int64(rows), k, s2)
}

// merge folds in a chunk of nb rows with per-component means mb and M2 m2b (Chan et al.).
func (m *moments) merge(nb int64, mb, m2b []float64) {
	if nb == 0 {
		return
	}
	na := m.n
	n := na + nb
	for j := range m.mean {
		delta := mb[j] - m.mean[j]
		m.mean[j] += delta * float64(nb) / float64(n)
		m.m2[j] += m2b[j] + delta*delta*float64(na)*float64(nb)/float64(n)
	}
	m.n = n
}

// mergeStats folds in another ColumnStats (e.g. of another shard).
func (m *moments) mergeStats(s ColumnStats) {
	if s.Count == 0 {
		return
	}
	m2 := make([]float64, len(s.Std))
	for j, sd := range s.Std {
		m2[j] = sd * sd * float64(s.Count)
		m.min[j] = math.Min(m.min[j], s.Min[j])
		m.max[j] = math.Max(m.max[j], s.Max[j])
	}
	m.merge(s.Count, s.Mean, m2)
}

// stats returns the accumulated statistics; an empty accumulator gives zeros.
func (m *moments) stats() ColumnStats {
	d := len(m.mean)
	s := ColumnStats{Count: m.n, Mean: make([]float64, d), Std: make([]float64, d), Min: make([]float64, d), Max: make([]float64, d)}
	if m.n == 0 {
		return s
	}
	for j := 0; j < d; j++ {
		s.Mean[j] = m.mean[j]
		s.Std[j] = math.Sqrt(m.m2[j] / float64(m.n))
		s.Min[j] = m.min[j]
		s.Max[j] = m.max[j]
	}
	return s
}
