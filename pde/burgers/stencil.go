package burgers

import "math"

// stencil holds the coefficients of one explicit Euler step of the discretised equation,
//
//	u_i' = u_i - a (u_{i+1}^2 - u_{i-1}^2) + b (u_{i+1} - 2 u_i + u_{i-1}) + dt f_i,
//
// a = dt/(4 dx) (central flux difference of u^2/2), b = nu dt/dx^2 (the diffusion number) and c = 1 - 2b.
type stencil struct{ a, b, c float64 }

func newStencil(p Params) stencil {
	dt, dx := p.Dt(), p.Dx()
	b := p.Nu * dt / (dx * dx)
	return stencil{a: dt / (4 * dx), b: b, c: 1 - 2*b}
}

// update is one point of the step, evaluated as
//
//	u_i' = c u_i + dt f_i + (u_{i+1} + u_{i-1}) (b - a (u_{i+1} - u_{i-1}))
//
// (the same polynomial: b (u_{i+1} + u_{i-1}) - a (u_{i+1} - u_{i-1})(u_{i+1} + u_{i-1}) is the diffusion
// and transport terms) with three fused multiply-adds, each rounded once:
//
//	k = fma(-a, u_{i+1} - u_{i-1}, b),  r = fma(c, u_i, dt f_i),  u_i' = fma(u_{i+1} + u_{i-1}, k, r).
//
// Five floating-point operations where the term-by-term expression rounded after each of ten: the add
// ports bound the SIMD kernels (kernel_amd64.go), so this form is 1.4-2x faster there, and the
// factored difference of squares loses nothing to cancellation. The scalar Solver, the adjoint's forward
// pass, the portable batch loop and the assembly kernels all evaluate exactly this, so every path gives
// the same bits; against the term-by-term NumPy reference (scripts/pde/burgers_ref.py) trajectories agree
// to rounding (1e-10 is the test's bound).
func (s stencil) update(um, uc, up, dtf float64) float64 {
	k := math.FMA(-s.a, up-um, s.b)
	r := math.FMA(s.c, uc, dtf)
	return math.FMA(up+um, k, r)
}

// step takes one Euler step of a single trajectory from u into v (m = len(u) >= 1 fine points, the walls
// contributing zero ghost values) under the forcing f, dt f_i rounded before it enters update. The
// interior points run in stepRow (an assembly loop on amd64 with FMA3; stepRowGo elsewhere), the two
// wall points here.
func (s stencil) step(v, u, f []float64, dt float64) {
	m := len(u)
	if m == 1 {
		v[0] = s.update(0, u[0], 0, float64(dt*f[0]))
		return
	}
	v[0] = s.update(0, u[0], u[1], float64(dt*f[0]))
	if m > 2 {
		s.stepRow(v[1:m-1], u[:m], f[1:m-1], dt)
	}
	v[m-1] = s.update(u[m-2], u[m-1], 0, float64(dt*f[m-1]))
}

// stepRowGo computes v[j] = update(u[j], u[j+1], u[j+2], dt f[j+1]) for j < len(v) = len(u) - 2 (f
// aligned with v).
func (s stencil) stepRowGo(v, u, f []float64, dt float64) {
	u = u[:len(v)+2]
	f = f[:len(v)]
	for j := range v {
		v[j] = s.update(u[j], u[j+1], u[j+2], float64(dt*f[j]))
	}
}
