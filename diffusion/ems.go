package diffusion

import (
	"fmt"
	"math"
	"sort"
)

// Statistics are the empirical model statistics (EMS) of DPM-Solver-v3 (Zheng et al. 2023, "DPM-Solver-v3:
// Improved Diffusion ODE Solver with Empirical Model Statistics", Sec. 3.1): three functions of the log-SNR
// lambda = log(alpha/sigma) with one value per data coordinate, l_lambda, s_lambda and b_lambda. With the
// noise prediction eps = (x - alpha D)/sigma, the probability-flow ODE in lambda is
//
//	dx/dlambda = (alpha'/alpha) x - sigma eps(x, lambda)                               (' = d/dlambda)
//	           = (alpha'/alpha - l) x - alpha f(x, lambda),   f = (sigma eps - l x)/alpha,
//
// and, relative to a start point lambda_s, with S(lambda) = int_{lambda_s}^lambda s and
// B(lambda) = int_{lambda_s}^lambda e^{-S(r)} b_r dr, the remainder
//
//	g(x, lambda) = e^{-S(lambda)} f(x, lambda) - B(lambda)
//
// is constant in lambda exactly when f obeys the linear ODE f' = s f + b along the trajectory. l is chosen so
// that f depends as little as possible on x (l = argmin E||grad_x (sigma eps - l x)||_F^2 over diagonal l),
// s and b so that f' is best predicted linearly by f (least squares over the data at lambda); see
// ComputeEMS. The exact solution from lambda_s to lambda_t is then (all products per coordinate,
// L(lambda) = int_{lambda_s}^lambda l, E(lambda) = e^{L(lambda) + S(lambda)})
//
//	x_t = (alpha_t/alpha_s) e^{-L(lambda_t)} x_s - alpha_t e^{-L(lambda_t)} int_{lambda_s}^{lambda_t} E(lambda) (B(lambda) + g(x_lambda, lambda)) dlambda,
//
// which DPMSolverV3 discretises. With l = 1, s = b = 0 it is DPM-Solver++ (data prediction); with l = s = b = 0
// it is DPM-Solver (noise prediction).
type Statistics interface {
	// Dim is the data dimension (the length of l, s and b).
	Dim() int
	// Range is the closed log-SNR interval on which the statistics are defined.
	Range() (lo, hi float64)
	// At writes l, s and b at log-SNR lambda into the given slices of length Dim.
	At(lambda float64, l, s, b []float64)
	// Knots lists the log-SNRs strictly between a and b (either order) where the statistics may fail to be
	// smooth, the grid points of tabulated statistics; DPMSolverV3's quadrature puts panel edges there.
	Knots(a, b float64) []float64
}

// EMS are tabulated empirical model statistics on a grid of log-SNRs, with the process they were computed
// for: its name and, at every grid point, the time, alpha and sigma (a fingerprint of the process's
// parameters, compared on use). Between grid points l, s and b are interpolated linearly.
type EMS struct {
	Process string
	// ProcessParams is the process's parameters as text (Go's %+v, when under 300 characters), for people;
	// Check compares the fingerprint below.
	ProcessParams string
	// Lambda is the grid, strictly increasing (the direction of sampling); Time, Alpha and Sigma are the
	// process's t(lambda), alpha and sigma there.
	Lambda, Time, Alpha, Sigma []float64
	// D is the data dimension; L, S and B hold l, s and b row-major, len(Lambda) rows of D values.
	D       int
	L, S, B []float64
	// Samples is the size of the calibration set; Source says what the statistics were computed from.
	Samples int
	Source  string
}

func (e *EMS) Dim() int { return e.D }

func (e *EMS) Range() (float64, float64) { return e.Lambda[0], e.Lambda[len(e.Lambda)-1] }

func (e *EMS) At(lambda float64, l, s, b []float64) {
	k, w := e.cell(lambda)
	d := e.D
	for j := 0; j < d; j++ {
		i0, i1 := k*d+j, (k+1)*d+j
		l[j] = e.L[i0] + w*(e.L[i1]-e.L[i0])
		s[j] = e.S[i0] + w*(e.S[i1]-e.S[i0])
		b[j] = e.B[i0] + w*(e.B[i1]-e.B[i0])
	}
}

// cell returns the grid interval [Lambda[k], Lambda[k+1]] containing lambda (clamped to the grid) and the
// interpolation weight of its right end.
func (e *EMS) cell(lambda float64) (int, float64) {
	n := len(e.Lambda)
	if n == 1 {
		return 0, 0
	}
	k := sort.SearchFloat64s(e.Lambda, lambda) - 1
	k = max(0, min(k, n-2))
	w := (lambda - e.Lambda[k]) / (e.Lambda[k+1] - e.Lambda[k])
	return k, max(0, min(1, w))
}

func (e *EMS) Knots(a, b float64) []float64 {
	lo, hi := min(a, b), max(a, b)
	var out []float64
	for _, x := range e.Lambda {
		if x > lo && x < hi {
			out = append(out, x)
		}
	}
	return out
}

// Validate checks the statistics' shape and values: a strictly increasing finite grid, finite l, s, b.
func (e *EMS) Validate() error {
	n := len(e.Lambda)
	if n < 2 || e.D < 1 {
		return fmt.Errorf("diffusion: EMS needs at least 2 grid points and dimension 1, have %d and %d", n, e.D)
	}
	for _, v := range [][]float64{e.Time, e.Alpha, e.Sigma} {
		if len(v) != n {
			return fmt.Errorf("diffusion: EMS process fingerprint has %d entries for %d grid points", len(v), n)
		}
	}
	for _, v := range [][]float64{e.L, e.S, e.B} {
		if len(v) != n*e.D {
			return fmt.Errorf("diffusion: EMS statistic has %d values, want %d x %d", len(v), n, e.D)
		}
		if err := checkFinite("EMS statistic", v); err != nil {
			return fmt.Errorf("diffusion: %w", err)
		}
	}
	for i, x := range e.Lambda {
		if math.IsNaN(x) || math.IsInf(x, 0) || (i > 0 && x <= e.Lambda[i-1]) {
			return fmt.Errorf("diffusion: EMS log-SNR grid is not finite and strictly increasing at %d", i)
		}
	}
	return nil
}

// Check refuses statistics computed for another process (name, or alpha and sigma at the grid's times, which
// catch other parameters) or another data dimension.
func (e *EMS) Check(p Process, dim int) error {
	if err := e.Validate(); err != nil {
		return err
	}
	if e.Process != p.Name() {
		return fmt.Errorf("diffusion: EMS were computed for process %s, not %s", e.Process, p.Name())
	}
	if e.D != dim {
		return fmt.Errorf("diffusion: EMS have data dimension %d, the model has %d", e.D, dim)
	}
	for i, t := range e.Time {
		if a, s := p.Alpha(t), p.Sigma(t); !nearlyEqual(a, e.Alpha[i]) || !nearlyEqual(s, e.Sigma[i]) {
			return fmt.Errorf("diffusion: EMS were computed for %s with other parameters: at t = %v alpha, sigma = %v, %v, the process has %v, %v",
				e.Process, t, e.Alpha[i], e.Sigma[i], a, s)
		}
	}
	return nil
}

func nearlyEqual(a, b float64) bool { return math.Abs(a-b) <= 1e-9*max(1, math.Abs(a), math.Abs(b)) }

// GaussianStatistics are the exact statistics of data N(Mean, diag(Var)) (per coordinate), under any process:
// the optimal noise prediction is sigma eps = l (x - alpha mu) with l = sigma^2/(alpha^2 v + sigma^2) =
// 1/(1 + v e^{2 lambda}), so f = (sigma eps - l x)/alpha = -l mu does not depend on x, and s = 0, b = f' =
// 2 l (1 - l) mu make g constant: DPMSolverV3 is then exact at any step size (the paper's motivating case).
type GaussianStatistics struct {
	Mean, Var []float64
	Lo, Hi    float64 // log-SNR range
}

func (g GaussianStatistics) Dim() int                  { return len(g.Mean) }
func (g GaussianStatistics) Range() (float64, float64) { return g.Lo, g.Hi }
func (g GaussianStatistics) Knots(a, b float64) []float64 {
	return nil
}

func (g GaussianStatistics) At(lambda float64, l, s, b []float64) {
	for j, mu := range g.Mean {
		lj := 1 / (1 + g.Var[j]*math.Exp(2*lambda))
		l[j], s[j], b[j] = lj, 0, 2*lj*(1-lj)*mu
	}
}
