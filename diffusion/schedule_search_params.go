package diffusion

import (
	"fmt"
	"math"
)

// scheduleParams maps unconstrained vectors z to time grids of a fixed step count n, monotone by
// construction. The first level stays at TMax; levels 1..n-1 sit at
//
//	lambda_k = lambda_a + (lambda_end - lambda_a) sum_{j<=k} softmax(w)_j,   k = 1..n-1,
//	lambda_end = lambda(TMin) - |e|,
//
// with w = (z_0..z_{n-3}, 0) the n-1 increments' logits (the last fixed: softmax is shift invariant) and
// e = z_{n-2} the end parameter, in nats of lambda, that lets the smallest level rise above TMin (useful at
// small budgets, where a step spent below sigma/alpha ~ 0.01 is wasted). lambda_a is lambda(TMax), or,
// where the process starts at zero signal (lambda(TMax) = -Inf: flow, trig), lambda a thousandth of the time
// range below TMax; the first increment then places level 1. Increments in log-SNR are the variable of
// DPM-Solver's analysis (the local error of an order-k step scales as h^(k+1), h the lambda increment), so
// equal logits mean the uniform log-SNR schedule.
type scheduleParams struct {
	p                   Process
	n                   int
	lambdaA, lambdaTMin float64
}

func newScheduleParams(p Process, n int) (*scheduleParams, error) {
	if n < 1 {
		return nil, fmt.Errorf("diffusion: schedule search needs at least 1 step, got %d", n)
	}
	la := p.LogSNR(p.TMax())
	if math.IsInf(la, -1) {
		la = p.LogSNR(p.TMax() - 1e-3*(p.TMax()-p.TMin()))
	}
	lm := p.LogSNR(p.TMin())
	if !(lm > la) || math.IsInf(la, 0) || math.IsInf(lm, 0) {
		return nil, fmt.Errorf("diffusion: schedule search: process %s has no finite log-SNR range between TMax and TMin", p.Name())
	}
	return &scheduleParams{p: p, n: n, lambdaA: la, lambdaTMin: lm}, nil
}

// dim is the number of free parameters: n-2 logits and the end parameter (0 for a single step).
func (s *scheduleParams) dim() int {
	if s.n < 2 {
		return 0
	}
	return s.n - 1
}

// decode returns the grid of z (n+1 times ending at 0); ok is false where it is not a valid grid.
func (s *scheduleParams) decode(z []float64) ([]float64, bool) {
	n := s.n
	times := make([]float64, n+1)
	times[0] = s.p.TMax()
	if n == 1 {
		return times, true
	}
	end := s.lambdaTMin - math.Abs(z[n-2])
	if !(end > s.lambdaA) {
		return nil, false
	}
	w := make([]float64, n-1)
	copy(w, z[:n-2])
	hi := 0.0
	for _, v := range w {
		hi = math.Max(hi, v)
	}
	sum := 0.0
	for i, v := range w {
		w[i] = math.Exp(v - hi)
		sum += w[i]
	}
	acc := 0.0
	for k := 1; k < n; k++ {
		acc += w[k-1] / sum
		l := s.lambdaA + (end-s.lambdaA)*acc
		if k == n-1 {
			l = end
		}
		times[k] = s.p.TimeAtLogSNR(l)
		if !(times[k] < times[k-1]) || times[k] <= 0 {
			return nil, false
		}
	}
	return times, true
}

// encode inverts decode for a grid that starts at TMax and whose levels lie above lambda_a and at most at
// lambda(TMin).
func (s *scheduleParams) encode(times []float64) ([]float64, error) {
	n := s.n
	if len(times) != n+1 {
		return nil, fmt.Errorf("diffusion: grid has %d steps, want %d", len(times)-1, n)
	}
	if n == 1 {
		return nil, nil
	}
	l := make([]float64, n)
	l[0] = s.lambdaA
	for k := 1; k < n; k++ {
		l[k] = s.p.LogSNR(times[k])
		if !(l[k] > l[k-1]) {
			return nil, fmt.Errorf("diffusion: grid level %d (lambda %v) is not above the previous one", k, l[k])
		}
	}
	if l[n-1] > s.lambdaTMin*(1+1e-12)+1e-12 {
		return nil, fmt.Errorf("diffusion: grid ends below TMin")
	}
	z := make([]float64, n-1)
	last := math.Log(l[n-1] - l[n-2])
	for k := 0; k < n-2; k++ {
		z[k] = math.Log(l[k+1]-l[k]) - last
	}
	z[n-2] = math.Max(0, s.lambdaTMin-l[n-1])
	return z, nil
}
