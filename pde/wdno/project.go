package wdno

import "fmt"

// endProjection projects the x0 predictions of 1-D control onto the images whose decoded trajectory starts at
// the case's u0 and ends at its target u* (Request.ProjectEnds); in simulation, where there is no target, onto
// those that start at u0.
//
// The ends are a linear reading A x = (u(0), u(T)) of the decoded image, and E, the encoding of a state that
// is zero except in its first and last frames, is a right inverse of it: Decode(Encode(u)) = u for every
// layout, so A E = I. The projection
//
//	x <- x + E (y - A x),  y = (u0, u*),
//
// is the null-space correction of DDNM (Wang, Yu and Zhang, "Zero-shot image restoration using denoising
// diffusion null-space model", ICLR 2023) with E as the generalised inverse: afterwards A x = y exactly, and
// every other decoded value (the inner frames of u, all of f) is left as it was, since Decode(E d) is d itself.
// It is idempotent. In the wavelet layout u(T) is mixed into the coefficients of the last few time rows (and,
// with periodization, the first ones), so WDNO's network can only meet u* by learning to, from the condition
// channel; the physical layout inpaints u0 and u* as known entries, where this correction is zero. The
// projection lets WDNO meet its target as the physical baseline does, without training anything.
//
// Only unknown entries move; known ones (the condition channel, padding) keep their values.
type endProjection struct {
	layout       Layout
	known        []bool
	u0s, targets [][]float64
	u, f, du, zf []float64
	dx           []float64
}

// newEndProjection is the projection for the encoded control cases of e, for layout l with known entries.
func newEndProjection(l Layout, known []bool, e *encoded) (*endProjection, error) {
	c := l.Config()
	if c.Grid != nil {
		return nil, fmt.Errorf("wdno: projecting onto u0 and u* is for 1-D systems; smoke's condition is the initial density")
	}
	nu, nf := c.sizes()
	return &endProjection{layout: l, known: known, u0s: e.u0s, targets: e.targets,
		u: make([]float64, nu), f: make([]float64, nf), du: make([]float64, nu), zf: make([]float64, nf),
		dx: make([]float64, l.Dim())}, nil
}

// project moves row, an x0 prediction of case j, onto the images whose decoded ends are (u0, u*). A row
// that is not finite is left alone: the sampler isolates its case.
func (p *endProjection) project(j int, row []float64) error {
	if !finite(row) {
		return nil
	}
	if err := p.layout.Decode(row, p.u, p.f); err != nil {
		return err
	}
	N := len(p.u0s[j])
	last := len(p.u) - N
	clear(p.du)
	for x := 0; x < N; x++ {
		p.du[x] = p.u0s[j][x] - p.u[x]
	}
	if p.targets != nil && p.targets[j] != nil {
		for x := 0; x < N; x++ {
			p.du[last+x] = p.targets[j][x] - p.u[last+x]
		}
	}
	// Estimate's encoding has an empty condition channel: E d is the fields' part alone.
	if err := p.layout.Encode(Estimate, p.du, p.zf, p.dx); err != nil {
		return fmt.Errorf("wdno: projecting onto u0 and u*: %w", err)
	}
	for i, k := range p.known {
		if !k {
			row[i] += p.dx[i]
		}
	}
	return nil
}
