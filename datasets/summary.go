package datasets

import (
	"context"
	"math"
)

// ColumnSummary describes one column for `trajdiff data inspect`: its Arrow type, the shape of
// one row, statistics over the feature (last) axis computed from the data (non-finite values
// excluded) and the number of non-finite values.
type ColumnSummary struct {
	Name      string
	Type      string
	RowShape  []int
	Stats     *ColumnStats // nil for non-float columns
	NonFinite int64
}

// Summary scans the dataset and summarises every column.
func (d *Dataset) Summary(ctx context.Context) ([]ColumnSummary, error) {
	out := make([]ColumnSummary, len(d.cols))
	moms := make([]*moments, len(d.cols))
	for ci, c := range d.cols {
		out[ci] = ColumnSummary{Name: c.name, Type: c.arrowType(d.meta.DType).String(), RowShape: c.rowShape}
		if c.isFloat() {
			moms[ci] = newMoments(c.featureDim())
		}
	}
	var scratch []float64
	for bi := range d.batches {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		b := &d.batches[bi]
		for ci, m := range moms {
			if m == nil {
				continue
			}
			cd := b.cols[ci]
			dim := len(m.mean)
			// Rows with a non-finite component are counted and left out of the statistics.
			scratch = scratch[:0]
			n := max(len(cd.f32), len(cd.f64))
			for r := 0; r+dim <= n; r += dim {
				ok := true
				for j := 0; j < dim; j++ {
					var v float64
					if cd.f64 != nil {
						v = cd.f64[r+j]
					} else {
						v = float64(cd.f32[r+j])
					}
					if math.IsNaN(v) || math.IsInf(v, 0) {
						out[ci].NonFinite++
						ok = false
					}
				}
				if !ok {
					continue
				}
				for j := 0; j < dim; j++ {
					if cd.f64 != nil {
						scratch = append(scratch, cd.f64[r+j])
					} else {
						scratch = append(scratch, float64(cd.f32[r+j]))
					}
				}
			}
			m.addFloat64(scratch)
		}
	}
	for ci, m := range moms {
		if m != nil {
			s := m.stats()
			out[ci].Stats = &s
		}
	}
	return out, nil
}

// ComputeStats recomputes the per-column statistics from the data (for files written without
// them by another tool).
func (d *Dataset) ComputeStats(ctx context.Context) (map[string]ColumnStats, error) {
	sum, err := d.Summary(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]ColumnStats{}
	for _, s := range sum {
		if s.Stats != nil {
			out[s.Name] = *s.Stats
		}
	}
	return out, nil
}
