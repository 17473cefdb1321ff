package advection

import (
	"context"
	"fmt"
	"math"

	"github.com/trajdiff/trajdiff/pde"
	"github.com/trajdiff/trajdiff/pde/internal/limiter"
)

// Solver advances cell values with the MUSCL / midpoint scheme. It holds scratch buffers and is not
// safe for concurrent use.
type Solver struct {
	p        Params
	u, us, f []float64 // padded state (2 ghosts each side), stage state, face fluxes
}

// NewSolver validates p and allocates buffers.
func NewSolver(p Params) (*Solver, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	n := p.Cells
	return &Solver{p: p, u: make([]float64, n+4), us: make([]float64, n+4), f: make([]float64, n+1)}, nil
}

// Solve advances the N cell values u0 and returns the (Frames+1) x N trajectory (out reused when its
// length fits).
func (s *Solver) Solve(ctx context.Context, u0, out []float64) ([]float64, error) {
	n, k := s.p.Cells, s.p.Frames
	if len(u0) != n {
		return nil, pde.Invalidf("advection: initial state has %d values, want %d cells", len(u0), n)
	}
	if err := pde.CheckFinite("advection: u0", u0); err != nil {
		return nil, err
	}
	if len(out) != (k+1)*n {
		out = make([]float64, (k+1)*n)
	}
	copy(out, u0)
	copy(s.u[2:n+2], u0)
	steps := s.p.StepsPerFrame()
	dt := 0.0
	if steps > 0 {
		dt = s.p.T / float64(k*steps)
	}
	for fr := 0; fr < k; fr++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		for st := 0; st < steps; st++ {
			s.rhs(s.u)
			s.apply(s.us, s.u, 0.5*dt)
			s.rhs(s.us)
			s.apply(s.u, s.u, dt)
		}
		row := out[(fr+1)*n : (fr+2)*n]
		copy(row, s.u[2:n+2])
		if i := pde.FirstNonFinite(row); i >= 0 {
			return nil, blowUp(s.p, fr, steps, i, row[i])
		}
	}
	return out, nil
}

// blowUp is the error of a trajectory whose frame fr+1 (after steps steps per frame) holds the value v,
// not finite, at cell i.
func blowUp(p Params, fr, steps, i int, v float64) error {
	n, k := p.Cells, p.Frames
	return &pde.BlowUpError{System: "advection", Step: (fr+1)*steps - 1, Time: float64(fr+1) * p.T / float64(k),
		Location: fmt.Sprintf("cell %d (x = %.6g)", i, (float64(i)+0.5)/float64(n)), Quantity: "u", Value: v}
}

// rhs fills the periodic ghosts of v and the face fluxes F_{i-1/2}, i = 0..N (s.f[i] is the flux
// through the left face of cell i).
func (s *Solver) rhs(v []float64) {
	n := s.p.Cells
	v[0], v[1] = v[n], v[n+1]
	v[n+2], v[n+3] = v[2], v[3]
	b, ab := s.p.Beta, math.Abs(s.p.Beta)
	// Face between padded cells j-1 and j, for j = 2..n+2: uR of cell j-1, uL of cell j.
	prevR := v[1] + float64(0.5*limiter.MC(v[1]-v[0], v[2]-v[1]))
	vm, vc, vp := v[1:n+2], v[2:n+3], v[3:n+4]
	f := s.f[:len(vc)]
	vm, vp = vm[:len(vc)], vp[:len(vc)]
	for i, x := range vc {
		h := float64(0.5 * limiter.MC(x-vm[i], vp[i]-x)) // half the limited slope
		f[i] = faceFlux(b, ab, prevR, x-h)
		prevR = x + h
	}
}

// apply sets dst = src - dt/dx (F_{i+1/2} - F_{i-1/2}) on the interior cells.
func (s *Solver) apply(dst, src []float64, dt float64) {
	n := s.p.Cells
	c := dt / s.p.Dx()
	d, sr := dst[2:n+2], src[2:n+2]
	f := s.f[:len(d)+1]
	sr = sr[:len(d)]
	for i := range d {
		d[i] = update(sr[i], c, f[i+1], f[i])
	}
}

// The scheme's flux and update, shared by Solver and the batch solver's Go loop. The float64
// conversions forbid the compiler to fuse a multiply and an add (which it may do on arm64, ppc64, s390x
// and on amd64 with GOAMD64=v3), so every operation rounds on its own, as the batch kernels' packed
// VMULPD/VADDPD do.

// faceFlux is the upwind flux (b uR + b uL - |b| (uL - uR))/2 through a face with left state uR (the
// right face value x + s/2 of the cell on its left, s its MC-limited slope) and right state uL (x - s/2
// of the cell on its right); ab = |b|.
func faceFlux(b, ab, uR, uL float64) float64 {
	return 0.5 * float64(float64(float64(b*uR)+float64(b*uL))-float64(ab*float64(uL-uR)))
}

// update is one cell of a stage, src - c (f1 - f0).
func update(src, c, f1, f0 float64) float64 {
	return src - float64(c*float64(f1-f0))
}
