package datasets

import (
	"fmt"
	"math"
)

// NormalizerKind selects a per-dimension normaliser.
type NormalizerKind int

const (
	// NormNone leaves values unchanged.
	NormNone NormalizerKind = iota
	// NormGaussian maps x to (x - mean) / std (Diffuser's GaussianNormalizer). A component with
	// std = 0 uses std = 1, so constant dimensions map to 0 instead of NaN.
	NormGaussian
	// NormMinMax maps [min, max] to [-1, 1]: y = 2 (x - min) / (max - min) - 1 (Diffuser's
	// LimitsNormalizer). A constant component uses [min - 1, max + 1], like SafeLimitsNormalizer
	// but for that component only.
	NormMinMax
)

// String returns "none", "gaussian" or "minmax".
func (k NormalizerKind) String() string {
	switch k {
	case NormGaussian:
		return "gaussian"
	case NormMinMax:
		return "minmax"
	}
	return "none"
}

// ParseNormalizerKind is the inverse of NormalizerKind.String.
func ParseNormalizerKind(s string) (NormalizerKind, error) {
	switch s {
	case "", "none":
		return NormNone, nil
	case "gaussian":
		return NormGaussian, nil
	case "minmax", "limits":
		return NormMinMax, nil
	}
	return 0, fmt.Errorf("unknown normaliser %q (want none, gaussian or minmax)", s)
}

// Normalizer is a per-component affine map over the feature (last) axis, built from stored
// statistics. Data laid out as rows of Dim() components is normalised component-wise; a
// per-step vector of N nodes x 3 coordinates uses the 3 coordinate statistics for every node.
type Normalizer struct {
	kind     NormalizerKind
	mean     []float64 // Gaussian
	std      []float64
	lo, span []float64 // min-max: lo = min, span = max - min
	inv      []float64 // 1/std or 2/span, so the hot loop multiplies
}

// NewNormalizer builds a normaliser of the given kind from statistics.
func NewNormalizer(kind NormalizerKind, st ColumnStats) (*Normalizer, error) {
	d := st.Dim()
	if err := st.check(d); err != nil {
		return nil, fmt.Errorf("normaliser: %w", err)
	}
	n := &Normalizer{kind: kind}
	switch kind {
	case NormNone:
	case NormGaussian:
		n.mean = append([]float64(nil), st.Mean...)
		n.std = make([]float64, d)
		for j, s := range st.Std {
			if s == 0 {
				s = 1
			}
			n.std[j] = s
		}
	case NormMinMax:
		n.lo, n.span = make([]float64, d), make([]float64, d)
		for j := range n.lo {
			lo, hi := st.Min[j], st.Max[j]
			if lo == hi {
				lo, hi = lo-1, hi+1
			}
			n.lo[j], n.span[j] = lo, hi-lo
		}
	default:
		return nil, fmt.Errorf("normaliser: unknown kind %d", kind)
	}
	for j := 0; j < d; j++ {
		switch kind {
		case NormGaussian:
			n.inv = append(n.inv, 1/n.std[j])
		case NormMinMax:
			n.inv = append(n.inv, 2/n.span[j])
		}
	}
	if kind != NormNone && d == 0 {
		return nil, fmt.Errorf("normaliser: statistics have no components")
	}
	return n, nil
}

// Kind returns the normaliser's kind.
func (n *Normalizer) Kind() NormalizerKind { return n.kind }

// Limits returns a min-max normaliser's per-component range [lo, hi]: the data's minimum and maximum
// (widened by 1 on each side for a constant component), the values that map to -1 and 1. ok is false for
// the other kinds.
func (n *Normalizer) Limits() (lo, hi []float64, ok bool) {
	if n.kind != NormMinMax {
		return nil, nil, false
	}
	lo, hi = make([]float64, len(n.lo)), make([]float64, len(n.lo))
	for j := range lo {
		lo[j], hi[j] = n.lo[j], n.lo[j]+n.span[j]
	}
	return lo, hi, true
}

// Dim returns the number of components (0 for NormNone).
func (n *Normalizer) Dim() int { return max(len(n.mean), len(n.lo)) }

// Normalize maps x in place; len(x) must be a multiple of Dim().
func (n *Normalizer) Normalize(x []float32) {
	switch n.kind {
	case NormGaussian:
		d := len(n.mean)
		for r := 0; r+d <= len(x); r += d {
			row := x[r : r+d]
			for j, v := range row {
				row[j] = float32((float64(v) - n.mean[j]) * n.inv[j])
			}
		}
	case NormMinMax:
		d := len(n.lo)
		for r := 0; r+d <= len(x); r += d {
			row := x[r : r+d]
			for j, v := range row {
				row[j] = float32((float64(v)-n.lo[j])*n.inv[j] - 1)
			}
		}
	}
}

// unnormEps is Diffuser's tolerance before it clips samples to [-1, 1] in LimitsNormalizer.
const unnormEps = 1e-4

// Unnormalize inverts Normalize in place. For NormMinMax, as in Diffuser, when any value of x lies
// outside [-1 - 1e-4, 1 + 1e-4] all of x is first clipped to [-1, 1].
func (n *Normalizer) Unnormalize(x []float32) {
	switch n.kind {
	case NormGaussian:
		d := len(n.mean)
		for i, v := range x {
			j := i % d
			x[i] = float32(float64(v)*n.std[j] + n.mean[j])
		}
	case NormMinMax:
		d := len(n.lo)
		clip := false
		for _, v := range x {
			if float64(v) > 1+unnormEps || float64(v) < -1-unnormEps {
				clip = true
				break
			}
		}
		for i, v := range x {
			y := float64(v)
			if clip {
				y = math.Max(-1, math.Min(1, y))
			}
			j := i % d
			x[i] = float32((y+1)/2*n.span[j] + n.lo[j])
		}
	}
}

// NormalizerFor builds a normaliser for a column from the dataset's stored statistics.
func (d *Dataset) NormalizerFor(column string, kind NormalizerKind) (*Normalizer, error) {
	if kind == NormNone {
		return &Normalizer{}, nil
	}
	st, ok := d.meta.Stats[column]
	if !ok {
		return nil, fmt.Errorf("normaliser for %q: the dataset stores no statistics for it (rewrite it with trajdiff data convert)", column)
	}
	return NewNormalizer(kind, st)
}
