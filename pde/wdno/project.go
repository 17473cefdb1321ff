package wdno

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// The projections of Request.ProjectEnds.
const (
	// EndsFrames corrects only the end frames: x0 <- x0 + E (y - A x0), every other decoded value unchanged.
	EndsFrames = "frames"
	// EndsOrthogonal makes the smallest change of the image: x0 <- x0 + A^T (A A^T)^-1 (y - A x0), the
	// orthogonal projection in the coordinates the network sees, which spreads the correction over the
	// frames near the ends that the wavelet bands couple (the direction guidance moves x0 in).
	EndsOrthogonal = "orthogonal"
)

// endProjection projects the x0 predictions of 1-D control onto the images whose decoded trajectory starts at
// the case's u0 and ends at its target u* (Request.ProjectEnds); in simulation, where there is no target, onto
// those that start at u0.
//
// The ends are a linear reading A x = (u(0), u(T)) of the decoded image, restricted to the unknown entries
// (the known ones keep their values). Two projections onto {x : A x = y} are offered. EndsFrames takes E, the
// encoding of a state that is zero except in its end frames, as a right inverse of A (Decode(Encode(u)) = u,
// so A E = I):
//
//	x <- x + E (y - A x),
//
// the null-space correction of DDNM (Wang, Yu and Zhang, "Zero-shot image restoration using denoising
// diffusion null-space model", ICLR 2023) with E as the generalised inverse; every other decoded value (the
// inner frames of u, all of f) is left as it was. EndsOrthogonal takes the Moore-Penrose inverse,
//
//	x <- x + A^T (A A^T)^-1 (y - A x),
//
// the nearest image that meets the ends: with A^T = DecodeAdjoint, the correction is a combination of the
// directions in which the control objective's guidance moves x0, so it reaches the neighbouring frames the
// bands share. A A^T (2N x 2N, N the values of a frame) is formed once from 2N decodes and factorised.
// Both are idempotent. In the wavelet layout u(T) is mixed into the coefficients of the last few time rows
// (and, with periodization, the first ones), so WDNO's network meets u* only as well as it has learnt to from
// the condition channel; the physical layout inpaints u0 and u* as known entries, where either correction is
// zero.
type endProjection struct {
	layout       Layout
	known        []bool
	u0s, targets [][]float64
	mode         string
	n            int           // values of one state frame
	gram         *mat.Cholesky // orthogonal: A A^T; nil where the ends are all known (the correction is 0)
	u, f, du, zf []float64
	dx           []float64
	r            []float64     // y - A x
	rv, lam      *mat.VecDense // orthogonal: r as a vector, and (A A^T)^-1 r
}

// newEndProjection is the projection (EndsFrames or EndsOrthogonal) for the encoded cases of e, for layout l
// with known entries; task says whether there is a target.
func newEndProjection(l Layout, known []bool, e *encoded, mode string, task Task) (*endProjection, error) {
	c := l.Config()
	if c.Grid != nil {
		return nil, fmt.Errorf("wdno: projecting onto u0 and u* is for 1-D systems; smoke's condition is the initial density")
	}
	nu, nf := c.sizes()
	p := &endProjection{layout: l, known: known, u0s: e.u0s, mode: mode, n: c.Cells * c.State,
		u: make([]float64, nu), f: make([]float64, nf), du: make([]float64, nu), zf: make([]float64, nf),
		dx: make([]float64, l.Dim())}
	if task == Control {
		p.targets = e.targets
	}
	p.r = make([]float64, p.reads())
	p.rv, p.lam = mat.NewVecDense(len(p.r), p.r), mat.NewVecDense(len(p.r), nil)
	switch mode {
	case EndsFrames:
		return p, nil
	case EndsOrthogonal:
		return p, p.factorGram()
	}
	return nil, fmt.Errorf("wdno: projection onto the ends %q: want %q or %q", mode, EndsFrames, EndsOrthogonal)
}

// only is p for case j alone, as case 0: it shares p's factorised Gram matrix and scratch, so it must not
// run beside p or another of its cases.
func (p *endProjection) only(j int) *endProjection {
	q := *p
	q.u0s = p.u0s[j : j+1]
	if p.targets != nil {
		q.targets = p.targets[j : j+1]
	}
	return &q
}

// reads is the number of values A reads: u(0), and u(T) where there is a target.
func (p *endProjection) reads() int {
	if p.targets != nil {
		return 2 * p.n
	}
	return p.n
}

// at is the index in u of the i-th value A reads.
func (p *endProjection) at(i int) int {
	if i < p.n {
		return i
	}
	return len(p.u) - 2*p.n + i
}

// adjoint leaves in p.dx the unknown entries of A^T v.
func (p *endProjection) adjoint(v []float64) error {
	clear(p.du)
	for i, x := range v {
		p.du[p.at(i)] = x
	}
	if err := p.layout.DecodeAdjoint(p.du, p.zf, p.dx); err != nil {
		return err
	}
	for i, k := range p.known {
		if k {
			p.dx[i] = 0
		}
	}
	return nil
}

// factorGram forms A A^T column by column and factorises it.
func (p *endProjection) factorGram() error {
	m := p.reads()
	g := mat.NewSymDense(m, nil)
	e := make([]float64, m)
	var largest float64
	for j := range m {
		clear(e)
		e[j] = 1
		if err := p.adjoint(e); err != nil {
			return err
		}
		if err := p.layout.Decode(p.dx, p.u, p.f); err != nil {
			return err
		}
		for i := 0; i <= j; i++ {
			v := p.u[p.at(i)]
			g.SetSym(i, j, v)
			largest = max(largest, math.Abs(v))
		}
	}
	if largest == 0 { // every end value is a known entry: nothing to correct
		return nil
	}
	p.gram = new(mat.Cholesky)
	if !p.gram.Factorize(g) {
		return fmt.Errorf("wdno: the ends of this layout are not free of each other (A A^T is singular)")
	}
	return nil
}

// project moves row, an x0 prediction of case j, onto the images whose decoded ends are (u0, u*). A row
// that is not finite is left alone: the sampler isolates its case.
func (p *endProjection) project(j int, row []float64) error {
	if !finite(row) || (p.mode == EndsOrthogonal && p.gram == nil) {
		return nil
	}
	if err := p.layout.Decode(row, p.u, p.f); err != nil {
		return err
	}
	for i := range p.r {
		want := p.u0s[j][i%p.n]
		if i >= p.n {
			want = p.targets[j][i-p.n]
		}
		p.r[i] = want - p.u[p.at(i)]
	}
	switch p.mode {
	case EndsOrthogonal:
		if err := p.gram.SolveVecTo(p.lam, p.rv); err != nil {
			return fmt.Errorf("wdno: projecting onto u0 and u*: %w", err)
		}
		if err := p.adjoint(p.lam.RawVector().Data); err != nil {
			return err
		}
	default:
		clear(p.du)
		for i, x := range p.r {
			p.du[p.at(i)] = x
		}
		// Estimate's encoding has an empty condition channel: E d is the fields' part alone.
		if err := p.layout.Encode(Estimate, p.du, p.zf, p.dx); err != nil {
			return fmt.Errorf("wdno: projecting onto u0 and u*: %w", err)
		}
	}
	for i, k := range p.known {
		if !k {
			row[i] += p.dx[i]
		}
	}
	return nil
}
