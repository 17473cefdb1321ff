package diffusion

import (
	"fmt"
	"math"
)

// Operator is a linear measurement operator H: R^InDim -> R^OutDim of an inverse problem y = H x + noise
// (REDDiff). Apply and Adjoint act on one point; they must satisfy <H x, y> = <x, H^T y> for all x, y (the
// dot-product test), which REDDiff relies on: its data-fit gradient is H^T (H mu - y).
type Operator interface {
	InDim() int
	OutDim() int
	// Apply writes H x into dst (len(x) == InDim, len(dst) == OutDim).
	Apply(dst, x []float64) error
	// Adjoint writes H^T y into dst (len(y) == OutDim, len(dst) == InDim).
	Adjoint(dst, y []float64) error
}

// Mask is the inpainting operator H = diag(keep): it zeroes the unobserved entries and keeps the dimension
// (InDim == OutDim), so that y has zeros where nothing is measured; H is its own adjoint.
type Mask struct{ keep []bool }

// NewMask returns the masking operator of keep (true: measured); at least one entry must be measured.
func NewMask(keep []bool) (*Mask, error) {
	n := 0
	for _, k := range keep {
		if k {
			n++
		}
	}
	if n == 0 {
		return nil, fmt.Errorf("diffusion: mask of %d entries measures nothing", len(keep))
	}
	return &Mask{keep: append([]bool(nil), keep...)}, nil
}

func (m *Mask) InDim() int  { return len(m.keep) }
func (m *Mask) OutDim() int { return len(m.keep) }

func (m *Mask) Apply(dst, x []float64) error {
	if len(dst) != len(m.keep) || len(x) != len(m.keep) {
		return fmt.Errorf("diffusion: mask of %d entries applied to %d values into %d", len(m.keep), len(x), len(dst))
	}
	for i, k := range m.keep {
		if k {
			dst[i] = x[i]
		} else {
			dst[i] = 0
		}
	}
	return nil
}

func (m *Mask) Adjoint(dst, y []float64) error { return m.Apply(dst, y) }

// SparseEntry is one coefficient H[row][Index] = Weight of a SparseOperator row.
type SparseEntry struct {
	Index  int
	Weight float64
}

// SparseOperator is a linear operator given by its rows, each a short list of weighted entries: sparse
// sensors that read one value (NewSelection) or interpolate between neighbouring grid points.
type SparseOperator struct {
	dim  int
	rows [][]SparseEntry
}

// NewSparseOperator checks and copies rows: every index in [0, dim), every weight finite, every row with at
// least one entry.
func NewSparseOperator(dim int, rows [][]SparseEntry) (*SparseOperator, error) {
	if dim < 1 {
		return nil, fmt.Errorf("diffusion: sparse operator needs an input dimension of at least 1, got %d", dim)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("diffusion: sparse operator needs at least one row (measurement)")
	}
	s := &SparseOperator{dim: dim, rows: make([][]SparseEntry, len(rows))}
	for r, row := range rows {
		if len(row) == 0 {
			return nil, fmt.Errorf("diffusion: sparse operator row %d is empty", r)
		}
		for _, e := range row {
			if e.Index < 0 || e.Index >= dim {
				return nil, fmt.Errorf("diffusion: sparse operator row %d reads index %d outside [0, %d)", r, e.Index, dim)
			}
			if math.IsNaN(e.Weight) || math.IsInf(e.Weight, 0) {
				return nil, fmt.Errorf("diffusion: sparse operator row %d has weight %v at index %d", r, e.Weight, e.Index)
			}
		}
		s.rows[r] = append([]SparseEntry(nil), row...)
	}
	return s, nil
}

// NewSelection is the sparse operator that reads the entries indices of a point of dimension dim, in that
// order (H is rows of the identity).
func NewSelection(dim int, indices []int) (*SparseOperator, error) {
	rows := make([][]SparseEntry, len(indices))
	for r, i := range indices {
		rows[r] = []SparseEntry{{Index: i, Weight: 1}}
	}
	return NewSparseOperator(dim, rows)
}

func (s *SparseOperator) InDim() int  { return s.dim }
func (s *SparseOperator) OutDim() int { return len(s.rows) }

func (s *SparseOperator) Apply(dst, x []float64) error {
	if len(x) != s.dim || len(dst) != len(s.rows) {
		return fmt.Errorf("diffusion: sparse operator %d -> %d applied to %d values into %d", s.dim, len(s.rows), len(x), len(dst))
	}
	for r, row := range s.rows {
		v := 0.0
		for _, e := range row {
			v += e.Weight * x[e.Index]
		}
		dst[r] = v
	}
	return nil
}

func (s *SparseOperator) Adjoint(dst, y []float64) error {
	if len(y) != len(s.rows) || len(dst) != s.dim {
		return fmt.Errorf("diffusion: sparse operator adjoint %d -> %d applied to %d values into %d", len(s.rows), s.dim, len(y), len(dst))
	}
	clear(dst)
	for r, row := range s.rows {
		for _, e := range row {
			dst[e.Index] += e.Weight * y[r]
		}
	}
	return nil
}
