package diffusion

import (
	"math"
	"sort"
)

// The coefficients of DPMSolverV3 are nested integrals of the statistics over a step (L, S, then B, then
// integrals of e^{L+S} times B or a power of lambda). The paper integrates them with the trapezoidal rule on
// the statistics' grid; here each step is cut into panels at the statistics' knots and at most panelWidth
// long, and every integral is cumulated spectrally on chebNodes Chebyshev-Lobatto points per panel. That is
// exact for polynomials of degree < chebNodes on a panel, so for smooth statistics (the closed-form Gaussian
// ones) the coefficients are exact to rounding, and for tabulated ones it integrates their piecewise-linear
// interpolant essentially exactly. (Deviation from the paper: a more accurate quadrature of the same
// integrals.)
const (
	chebNodes  = 16
	panelWidth = 0.25
)

// chebLobatto returns the Chebyshev-Lobatto points on [-1, 1] in increasing order and the matrix Q with
// Q[i][j] = int_{-1}^{x_i} ell_j(x) dx for the Lagrange basis ell_j on those points.
func chebLobatto(n int) ([]float64, [][]float64) {
	N := n - 1
	x := make([]float64, n)
	for m := range x {
		x[m] = -math.Cos(math.Pi * float64(m) / float64(N))
	}
	cheb := func(k int, t float64) float64 { return math.Cos(float64(k) * math.Acos(max(-1, min(1, t)))) }
	q := make([][]float64, n)
	for i := range q {
		q[i] = make([]float64, n)
	}
	for j := 0; j < n; j++ {
		// Chebyshev coefficients of the interpolant of e_j (discrete orthogonality on Lobatto points).
		c := make([]float64, n+2)
		for k := 0; k <= N; k++ {
			w := 1.0
			if j == 0 || j == N {
				w = 0.5
			}
			c[k] = 2 / float64(N) * w * cheb(k, x[j])
		}
		c[0] /= 2
		c[N] /= 2
		// Antiderivative coefficients: C_1 = c_0 - c_2/2, C_k = (c_{k-1} - c_{k+1})/(2k) for k >= 2.
		C := make([]float64, n+1)
		C[1] = c[0] - c[2]/2
		for k := 2; k <= N+1; k++ {
			C[k] = (c[k-1] - c[k+1]) / float64(2*k)
		}
		at := func(t float64) float64 {
			v := 0.0
			for k := 1; k <= N+1; k++ {
				v += C[k] * cheb(k, t)
			}
			return v
		}
		p0 := at(-1)
		for i := 0; i < n; i++ {
			q[i][j] = at(x[i]) - p0
		}
	}
	return x, q
}

// v3Integrals are the integrals of the statistics from lambda_s to lambda (per coordinate): L, S and B at
// lambda, and over [lambda_s, lambda] the integrals I of E = e^{L+S}, C of E B and M[k-1] of
// E (lambda' - lambda_s)^k / k!, k = 1..len(M).
type v3Integrals struct {
	L, S, B, I, C []float64
	M             [][]float64
}

// v3Integrate computes v3Integrals from a to b (b < a integrates backwards) with moments up to order m.
func v3Integrate(st Statistics, a, b float64, m int) v3Integrals {
	d := st.Dim()
	out := v3Integrals{L: make([]float64, d), S: make([]float64, d), B: make([]float64, d), I: make([]float64, d),
		C: make([]float64, d), M: make([][]float64, m)}
	for k := range out.M {
		out.M[k] = make([]float64, d)
	}
	if a == b {
		return out
	}
	edges := append([]float64{a, b}, st.Knots(a, b)...)
	sort.Float64s(edges)
	if b < a {
		for i, j := 0, len(edges)-1; i < j; i, j = i+1, j-1 {
			edges[i], edges[j] = edges[j], edges[i]
		}
	}
	x, q := chebLobatto(chebNodes)
	n := len(x)
	type nodeVals struct{ l, s, b, L, S, B, E []float64 }
	nv := make([]nodeVals, n)
	for i := range nv {
		nv[i] = nodeVals{make([]float64, d), make([]float64, d), make([]float64, d), make([]float64, d),
			make([]float64, d), make([]float64, d), make([]float64, d)}
	}
	f := make([]float64, n)
	// cum returns start + h/2 sum_j Q[i][j] f[j] at node i.
	cum := func(start float64, h float64, i int) float64 {
		v := 0.0
		for j := 0; j < n; j++ {
			v += q[i][j] * f[j]
		}
		return start + h/2*v
	}
	fact := make([]float64, m+1)
	fact[0] = 1
	for k := 1; k <= m; k++ {
		fact[k] = fact[k-1] * float64(k)
	}
	for e := 0; e+1 < len(edges); e++ {
		pieces := int(math.Ceil(math.Abs(edges[e+1]-edges[e]) / panelWidth))
		for p := 0; p < max(pieces, 1); p++ {
			lo := edges[e] + (edges[e+1]-edges[e])*float64(p)/float64(max(pieces, 1))
			hi := edges[e] + (edges[e+1]-edges[e])*float64(p+1)/float64(max(pieces, 1))
			h := hi - lo
			lam := make([]float64, n)
			for i := range x {
				lam[i] = lo + h*(x[i]+1)/2
				st.At(lam[i], nv[i].l, nv[i].s, nv[i].b)
			}
			lam[n-1] = hi
			for j := 0; j < d; j++ {
				for i := range f {
					f[i] = nv[i].l[j]
				}
				for i := range f {
					nv[i].L[j] = cum(out.L[j], h, i)
				}
				for i := range f {
					f[i] = nv[i].s[j]
				}
				for i := range f {
					nv[i].S[j] = cum(out.S[j], h, i)
				}
				for i := range f {
					f[i] = math.Exp(-nv[i].S[j]) * nv[i].b[j]
				}
				for i := range f {
					nv[i].B[j] = cum(out.B[j], h, i)
					nv[i].E[j] = math.Exp(nv[i].L[j] + nv[i].S[j])
				}
				for i := range f {
					f[i] = nv[i].E[j]
				}
				out.I[j] = cum(out.I[j], h, n-1)
				for i := range f {
					f[i] = nv[i].E[j] * nv[i].B[j]
				}
				out.C[j] = cum(out.C[j], h, n-1)
				for k := 1; k <= m; k++ {
					for i := range f {
						f[i] = nv[i].E[j] * math.Pow(lam[i]-a, float64(k)) / fact[k]
					}
					out.M[k-1][j] = cum(out.M[k-1][j], h, n-1)
				}
				out.L[j], out.S[j], out.B[j] = nv[n-1].L[j], nv[n-1].S[j], nv[n-1].B[j]
			}
		}
	}
	return out
}
