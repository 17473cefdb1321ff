package cns

import (
	"fmt"
	"math"

	"github.com/trajdiff/trajdiff/pde"
)

// Prim is one primitive gas state.
type Prim struct{ Rho, U, P float64 }

// Riemann is the exact solution of the Riemann problem of the Euler equations for an ideal gas (Toro
// 2009, chapter 4): left state L for x < 0 and right state R for x > 0 at t = 0.
type Riemann struct {
	L, R   Prim
	Gamma  float64
	PStar  float64 // pressure between the two nonlinear waves
	UStar  float64 // velocity of the contact
	iters  int
	al, ar float64 // sound speeds
}

// SolveRiemann computes the star region by Newton iteration on Toro's pressure function
// f(p) = f_L(p) + f_R(p) + u_R - u_L, started from the two-rarefaction approximation, to a relative
// change below 1e-15. Data that generate vacuum are rejected.
func SolveRiemann(l, r Prim, gamma float64) (*Riemann, error) {
	for _, s := range []Prim{l, r} {
		if !(s.Rho > 0 && s.P > 0) || math.IsInf(s.Rho, 0) || math.IsInf(s.P, 0) || math.IsNaN(s.U) || math.IsInf(s.U, 0) {
			return nil, pde.Invalidf("riemann: state %+v needs positive finite density and pressure", s)
		}
	}
	if !(gamma > 1) {
		return nil, pde.Invalidf("riemann: gamma = %v, want > 1", gamma)
	}
	rs := &Riemann{L: l, R: r, Gamma: gamma, al: math.Sqrt(gamma * l.P / l.Rho), ar: math.Sqrt(gamma * r.P / r.Rho)}
	du := r.U - l.U
	if 2*(rs.al+rs.ar)/(gamma-1) <= du {
		return nil, pde.Invalidf("riemann: the data generate vacuum (u_R - u_L = %v >= %v)", du, 2*(rs.al+rs.ar)/(gamma-1))
	}
	// Two-rarefaction guess (Toro eq. 4.46), always positive.
	z := (gamma - 1) / (2 * gamma)
	p := math.Pow((rs.al+rs.ar-0.5*(gamma-1)*du)/(rs.al/math.Pow(l.P, z)+rs.ar/math.Pow(r.P, z)), 1/z)
	for rs.iters = 1; rs.iters <= 100; rs.iters++ {
		fl, dl := rs.f(p, l, rs.al)
		fr, dr := rs.f(p, r, rs.ar)
		next := p - (fl+fr+du)/(dl+dr)
		if next <= 0 {
			next = 0.5 * p // keep the iterate positive
		}
		change := 2 * math.Abs(next-p) / (next + p)
		p = next
		if change < 1e-15 {
			break
		}
	}
	if rs.iters > 100 {
		return nil, fmt.Errorf("riemann: Newton iteration did not converge (p = %v)", p)
	}
	fl, _ := rs.f(p, l, rs.al)
	fr, _ := rs.f(p, r, rs.ar)
	rs.PStar = p
	rs.UStar = 0.5*(l.U+r.U) + 0.5*(fr-fl)
	return rs, nil
}

// f is Toro's f_K(p) and its derivative (eqs. 4.6-4.7, 4.37).
func (rs *Riemann) f(p float64, k Prim, a float64) (float64, float64) {
	g := rs.Gamma
	if p > k.P { // shock
		A := 2 / ((g + 1) * k.Rho)
		B := (g - 1) / (g + 1) * k.P
		q := math.Sqrt(A / (p + B))
		return (p - k.P) * q, q * (1 - 0.5*(p-k.P)/(B+p))
	}
	// rarefaction
	pr := p / k.P
	return 2 * a / (g - 1) * (math.Pow(pr, (g-1)/(2*g)) - 1), math.Pow(pr, -(g+1)/(2*g)) / (k.Rho * a)
}

// StarDensities returns the densities left and right of the contact.
func (rs *Riemann) StarDensities() (float64, float64) {
	return rs.starDensity(rs.L), rs.starDensity(rs.R)
}

func (rs *Riemann) starDensity(k Prim) float64 {
	g := rs.Gamma
	pr := rs.PStar / k.P
	if rs.PStar > k.P {
		q := (g - 1) / (g + 1)
		return k.Rho * (pr + q) / (q*pr + 1)
	}
	return k.Rho * math.Pow(pr, 1/g)
}

// Sample returns the solution at similarity coordinate s = x/t (Toro section 4.5).
func (rs *Riemann) Sample(s float64) Prim {
	g := rs.Gamma
	ps, us := rs.PStar, rs.UStar
	if s <= us { // left of the contact
		l, a := rs.L, rs.al
		if ps > l.P { // left shock
			sl := l.U - a*math.Sqrt((g+1)/(2*g)*ps/l.P+(g-1)/(2*g))
			if s <= sl {
				return l
			}
			return Prim{rs.starDensity(l), us, ps}
		}
		head := l.U - a
		tail := us - a*math.Pow(ps/l.P, (g-1)/(2*g))
		switch {
		case s <= head:
			return l
		case s >= tail:
			return Prim{rs.starDensity(l), us, ps}
		}
		c := 2/(g+1) + (g-1)/((g+1)*a)*(l.U-s)
		return Prim{l.Rho * math.Pow(c, 2/(g-1)), 2 / (g + 1) * (a + (g-1)/2*l.U + s), l.P * math.Pow(c, 2*g/(g-1))}
	}
	r, a := rs.R, rs.ar
	if ps > r.P { // right shock
		sr := r.U + a*math.Sqrt((g+1)/(2*g)*ps/r.P+(g-1)/(2*g))
		if s >= sr {
			return r
		}
		return Prim{rs.starDensity(r), us, ps}
	}
	head := r.U + a
	tail := us + a*math.Pow(ps/r.P, (g-1)/(2*g))
	switch {
	case s >= head:
		return r
	case s <= tail:
		return Prim{rs.starDensity(r), us, ps}
	}
	c := 2/(g+1) - (g-1)/((g+1)*a)*(r.U-s)
	return Prim{r.Rho * math.Pow(c, 2/(g-1)), 2 / (g + 1) * (-a + (g-1)/2*r.U + s), r.P * math.Pow(c, 2*g/(g-1))}
}

// CellAverages returns the exact solution averaged over cells of p's grid at time t > 0 for the
// interface at x0, with sub points per cell (midpoint rule; the solution is piecewise smooth).
func (rs *Riemann) CellAverages(p Params, x0, t float64, sub int) State {
	st := NewState(p.Cells)
	dx := p.Dx()
	for i := range p.Cells {
		var r, m, e float64
		for k := range sub {
			x := p.XL + (float64(i)+(float64(k)+0.5)/float64(sub))*dx
			q := rs.Sample((x - x0) / t)
			r += q.Rho
			m += q.Rho * q.U
			e += q.P/(rs.Gamma-1) + 0.5*q.Rho*q.U*q.U
		}
		r, m, e = r/float64(sub), m/float64(sub), e/float64(sub)
		st.Rho[i], st.U[i] = r, m/r
		st.P[i] = (rs.Gamma - 1) * (e - 0.5*m*m/r)
	}
	return st
}
