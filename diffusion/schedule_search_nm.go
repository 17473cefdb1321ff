package diffusion

import (
	"context"
	"math"
	"sort"
)

// searchNelderMead minimises f from z0 with the Nelder-Mead simplex method (Nelder & Mead 1965; the
// standard coefficients: reflection 1, expansion 2, contraction 1/2, shrink 1/2), restarting around the best
// point with a fresh simplex whenever the simplex has collapsed: of half the previous size, and back to the
// full step after the size has fallen below step/1000 (a kick out of a local minimum). f may return +Inf for
// infeasible points. stop is asked before every evaluation with the count so far; the search ends when it
// says so, or after kicks restarts that found nothing better. It is deterministic: no randomness, ties
// broken by index.
func searchNelderMead(ctx context.Context, f func([]float64) (float64, error), z0 []float64, step0 float64, kicks int, stop func(int) bool) error {
	n := len(z0)
	evals := 0
	eval := func(z []float64) (float64, bool, error) {
		if err := ctx.Err(); err != nil {
			return 0, false, err
		}
		if stop(evals) {
			return 0, false, nil
		}
		evals++
		v, err := f(z)
		if math.IsNaN(v) {
			v = math.Inf(1)
		}
		return v, true, err
	}
	type vertex struct {
		z []float64
		f float64
	}
	best := vertex{append([]float64(nil), z0...), math.Inf(1)}
	first := true
	stale, roundBest := 0, math.Inf(1)
	for step := step0; ; step /= 2 {
		if step < step0/1000 {
			if !(best.f < roundBest) {
				if stale++; stale > kicks {
					return nil
				}
			}
			roundBest, step = best.f, step0
		}
		simplex := make([]vertex, n+1)
		for i := range simplex {
			z := append([]float64(nil), best.z...)
			if i > 0 {
				z[i-1] += step
			}
			simplex[i].z = z
			if i == 0 && !first {
				simplex[i].f = best.f
				continue
			}
			v, ok, err := eval(z)
			if err != nil || !ok {
				return err
			}
			simplex[i].f = v
		}
		first = false
		for {
			sort.SliceStable(simplex, func(a, b int) bool { return simplex[a].f < simplex[b].f })
			lo, hi := simplex[0], simplex[n]
			if lo.f < best.f {
				best = vertex{append([]float64(nil), lo.z...), lo.f}
			}
			// Collapsed: the values agree to 1e-4 relative or the vertices to 1e-5 in parameter space.
			size := 0.0
			for _, v := range simplex[1:] {
				for j := range v.z {
					size = math.Max(size, math.Abs(v.z[j]-lo.z[j]))
				}
			}
			if size < 1e-5 || (!math.IsInf(hi.f, 1) && hi.f-lo.f <= 1e-4*math.Abs(lo.f)+1e-300) {
				break
			}
			c := make([]float64, n)
			for _, v := range simplex[:n] {
				for j := range c {
					c[j] += v.z[j] / float64(n)
				}
			}
			at := func(t float64) []float64 {
				z := make([]float64, n)
				for j := range z {
					z[j] = c[j] + t*(hi.z[j]-c[j])
				}
				return z
			}
			zr := at(-1)
			fr, ok, err := eval(zr)
			if err != nil || !ok {
				return err
			}
			switch {
			case fr < lo.f:
				ze := at(-2)
				fe, ok, err := eval(ze)
				if err != nil || !ok {
					return err
				}
				if fe < fr {
					simplex[n] = vertex{ze, fe}
				} else {
					simplex[n] = vertex{zr, fr}
				}
			case fr < simplex[n-1].f:
				simplex[n] = vertex{zr, fr}
			default:
				zc := at(-0.5) // outside contraction, towards the reflected point
				if fr >= hi.f {
					zc = at(0.5) // inside contraction, towards the worst vertex
				}
				fc, ok, err := eval(zc)
				if err != nil || !ok {
					return err
				}
				if fc < math.Min(fr, hi.f) {
					simplex[n] = vertex{zc, fc}
					continue
				}
				for i := 1; i <= n; i++ {
					for j := range simplex[i].z {
						simplex[i].z[j] = lo.z[j] + 0.5*(simplex[i].z[j]-lo.z[j])
					}
					v, ok, err := eval(simplex[i].z)
					if err != nil || !ok {
						return err
					}
					simplex[i].f = v
				}
			}
		}
	}
}
