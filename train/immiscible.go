package train

import (
	"fmt"
	"slices"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/internal/assign"
	"github.com/trajdiff/trajdiff/internal/stream"
)

// Kinds of Options.Immiscible (doc.go, "Immiscible diffusion").
const (
	ImmiscibleAssign = "assign" // the batch's noise draws permuted by an exact linear assignment
	ImmiscibleKNN    = "knn"    // each example takes the nearest of ImmiscibleK draws of its own
)

// DefaultImmiscibleK is the knn variant's draws per example when ImmiscibleK is 0: 4, the value of the
// authors' flow-matching code (Li et al. 2025).
const DefaultImmiscibleK = 4

// immiscible draws a step's noise and hands it to the batch's examples so that each is noised with noise
// near it: the squared distance over the free (not inpainted) entries of the normalised example,
// differences and squares in float32 summed in float64.
type immiscible struct {
	obj   diffusion.NoiseObjective
	kind  string
	k     int   // draws per example (knn)
	d     int   // values per example
	free  []int // the positions the distance runs over
	draws []float64
	cost  []float64
	// xs and es hold the free entries of the examples and of the draws as float32, packed, so that the B^2
	// distances of assign run over contiguous memory.
	xs, es []float32
}

// newImmiscible checks Options.Immiscible against the objective and returns nil when it is off.
func newImmiscible(opt Options, obj diffusion.Objective, d int, inpaint []int) (*immiscible, error) {
	if opt.Immiscible == "" {
		return nil, nil
	}
	no, ok := obj.(diffusion.NoiseObjective)
	if edm, isEDM := obj.(diffusion.EDMObjective); !ok || (isEDM && edm.Kernel != nil) {
		return nil, fmt.Errorf("train: immiscible %q needs an objective noising with Gaussian noise (not %T with a PFGM++ kernel)", opt.Immiscible, obj)
	}
	m := &immiscible{obj: no, kind: opt.Immiscible, k: 1, d: d}
	for i := 0; i < d; i++ {
		if !slices.Contains(inpaint, i) {
			m.free = append(m.free, i)
		}
	}
	if len(m.free) == 0 {
		return nil, fmt.Errorf("train: immiscible %q: every entry is inpainted, no distance to minimise", opt.Immiscible)
	}
	switch opt.Immiscible {
	case ImmiscibleAssign:
		m.cost = make([]float64, opt.Batch*opt.Batch)
		m.xs, m.es = make([]float32, opt.Batch*len(m.free)), make([]float32, opt.Batch*len(m.free))
	case ImmiscibleKNN:
		m.k = opt.immiscibleK()
	}
	m.draws = make([]float64, opt.Batch*m.k*d)
	return m, nil
}

// noise fills eps (one vector of d values per example of x0) with the step's noise: the draws of the stream
// keyed (seed, "train/immiscible", step), assigned to the examples.
func (m *immiscible) noise(seed uint64, step int, x0, eps []float64) error {
	rng := stream.RNG(seed, "train/immiscible", uint64(step), "train")
	for i := range m.draws {
		m.draws[i] = rng.NormFloat64()
	}
	d, batch := m.d, len(x0)/m.d
	if m.kind == ImmiscibleKNN {
		for b := 0; b < batch; b++ {
			x, cands := x0[b*d:(b+1)*d], m.draws[b*m.k*d:(b+1)*m.k*d]
			best, bestDist := 0, m.dist(x, cands[:d])
			for c := 1; c < m.k; c++ {
				if dc := m.dist(x, cands[c*d:(c+1)*d]); dc < bestDist { // strict: the first draw wins a tie
					best, bestDist = c, dc
				}
			}
			copy(eps[b*d:(b+1)*d], cands[best*d:(best+1)*d])
		}
		return nil
	}
	f := len(m.free)
	for b := 0; b < batch; b++ {
		for k, p := range m.free {
			m.xs[b*f+k], m.es[b*f+k] = float32(x0[b*d+p]), float32(m.draws[b*d+p])
		}
	}
	for i := 0; i < batch; i++ {
		x := m.xs[i*f : (i+1)*f]
		for j := 0; j < batch; j++ {
			m.cost[i*batch+j] = dist32(x, m.es[j*f:(j+1)*f])
		}
	}
	a, err := assign.Minimize(batch, batch, m.cost)
	if err != nil {
		return fmt.Errorf("train: immiscible noise assignment: %w", err)
	}
	for b, j := range a {
		copy(eps[b*d:(b+1)*d], m.draws[j*d:(j+1)*d])
	}
	return nil
}

// dist is ||x - e||^2 over the free entries, each difference and square in float32 (the paper assigns on
// half-precision distances; float32 keeps that cost low without visible rounding), summed in float64.
func (m *immiscible) dist(x, e []float64) float64 {
	s := 0.0
	for _, p := range m.free {
		r := float32(x[p]) - float32(e[p])
		s += float64(r * r)
	}
	return s
}

// dist32 is dist on packed float32 free entries: the same operations in the same order.
func dist32(x, e []float32) float64 {
	s := 0.0
	for k, v := range x {
		r := v - e[k]
		s += float64(r * r)
	}
	return s
}

// immiscibleK is the knn variant's draws per example.
func (o Options) immiscibleK() int {
	if o.ImmiscibleK == 0 {
		return DefaultImmiscibleK
	}
	return o.ImmiscibleK
}
