package diffusion

import (
	"context"
	"fmt"
	"math"
)

// EMSOptions configures ComputeEMS.
type EMSOptions struct {
	// Steps is the number of intervals of the uniform log-SNR grid from lambda(TMax) to lambda(TMin)
	// (default 120).
	Steps int
	// Batch is the number of calibration examples per denoiser call (default 256).
	Batch int
	// Probes is the number of Rademacher probes per example for the Jacobian diagonal; 0 means exact
	// coordinate-wise differences when the dimension is at most 128, else 8 probes.
	Probes int
	// Seed keys the noise added to the calibration set and the probes. The same noise z is used at every
	// grid point (common random numbers), so each example moves smoothly with lambda and the statistics'
	// sampling error is smooth in lambda too: independent noise per grid point makes s and b jagged, and the
	// remainder g with them, which costs DPM-Solver-v3 its order.
	Seed uint64
	// Source is recorded in the statistics (what the denoiser was).
	Source string
	// Step is the relative finite-difference step in x and in lambda (default 1e-4, for float64 denoisers; a
	// float32 network's rounding error grows as eps32/Step, so it may want a larger one).
	Step float64
	// Progress, if set, is called after each grid point and pass with (done, total).
	Progress func(done, total int)
}

// Default finite-difference steps (EMSOptions.Step): in x (times sqrt(alpha^2 + sigma^2), the scale of x_lambda
// for data of unit scale) and in log-SNR, both central, so the truncation error is O(step^2) and the
// rounding error O(eps/step).
const (
	defaultStep = 1e-4
)

// ComputeEMS estimates the empirical model statistics of denoiser d under process p from a calibration set
// x0 (n examples of d.Dim() values, data samples), on a uniform log-SNR grid (Zheng et al. 2023, Sec. 3.1 and
// App. C). At each grid point lambda the calibration set is noised, x = alpha x0 + sigma z (the same z at
// every lambda), and
//
//	l = E[diag(grad_x (sigma eps))] = 1 - alpha E[diag(grad_x D)]
//
// is the minimiser of E||grad_x (sigma eps - l x)||_F^2 over diagonal l (only the Jacobian's diagonal
// enters); the diagonal is taken by central differences along the coordinates, or by Rademacher probes
// v (E_v[v (J v)] = diag J) in high dimension. Then, with f = (sigma eps - l x)/alpha = ((1 - l) x)/alpha - D
// and its total derivative f' along the probability-flow ODE (central differences in lambda, moving x by
// +-delta dx/dlambda, dx/dlambda = (alpha'/alpha - 1) x + alpha D, and l by +-delta l', l' by finite differences on the grid),
//
//	(s, b) = argmin E||f' - s f - b||^2,   i.e. s = Cov(f', f)/Var(f), b = E f' - s E f   (per coordinate).
//
// Where f does not vary over the data (Var f below 1e-12 E f^2, e.g. Gaussian data, whose f does not
// depend on x) s is set to 0 and b = E f'. The expectations are over the marginal of x at lambda; noising
// x0 samples draws from it exactly when x0 follows the model's distribution (data for an exact denoiser, or
// the model's own samples, ModelCalibration, for a trained one).
func ComputeEMS(ctx context.Context, d Denoiser, p Process, x0 []float64, opt EMSOptions) (*EMS, error) {
	dim := d.Dim()
	if dim < 1 || len(x0) == 0 || len(x0)%dim != 0 {
		return nil, fmt.Errorf("diffusion: EMS calibration set of %d values is not a non-empty multiple of the dimension %d", len(x0), dim)
	}
	if err := checkFinite("EMS calibration set", x0); err != nil {
		return nil, fmt.Errorf("diffusion: %w", err)
	}
	n := len(x0) / dim
	steps, batch, probes := opt.Steps, opt.Batch, opt.Probes
	if steps == 0 {
		steps = 120
	}
	if batch <= 0 {
		batch = 256
	}
	if probes == 0 && dim > 128 {
		probes = 8
	}
	if steps < 1 || probes < 0 {
		return nil, fmt.Errorf("diffusion: EMS needs at least one grid step and non-negative probes, got %d and %d", steps, probes)
	}
	lo, hi, err := EMSRange(p)
	if err != nil {
		return nil, err
	}
	e := &EMS{Process: p.Name(), D: dim, Samples: n, Source: opt.Source}
	if params := fmt.Sprintf("%+v", p); len(params) < 300 {
		e.ProcessParams = params
	}
	m := steps + 1
	for k := 0; k < m; k++ {
		lam := lo + (hi-lo)*float64(k)/float64(steps)
		if k == steps {
			lam = hi
		}
		t := p.TimeAtLogSNR(lam)
		e.Lambda = append(e.Lambda, lam)
		e.Time = append(e.Time, t)
		e.Alpha = append(e.Alpha, p.Alpha(t))
		e.Sigma = append(e.Sigma, p.Sigma(t))
	}
	e.L, e.S, e.B = make([]float64, m*dim), make([]float64, m*dim), make([]float64, m*dim)
	step := opt.Step
	if step == 0 {
		step = defaultStep
	}
	if !(step > 0 && step < 1) {
		return nil, fmt.Errorf("diffusion: EMS finite-difference step must be in (0, 1), got %v", opt.Step)
	}
	c := emsCalc{d: d, p: p, x0: x0, dim: dim, n: n, batch: batch, probes: probes, rng: NewPhilox(opt.Seed), step: step}
	total := 2 * m
	// Pass 1: l at every grid point.
	for k := 0; k < m; k++ {
		if err := c.jacobianDiag(ctx, e.Lambda[k], 0, e.L[k*dim:(k+1)*dim]); err != nil {
			return nil, err
		}
		if opt.Progress != nil {
			opt.Progress(k+1, total)
		}
	}
	// Pass 2: s and b, with l' from the grid by fourth-order differences (central inside, one-sided at and
	// next to the ends; second order on grids of fewer than 5 points).
	for k := 0; k < m; k++ {
		dl := gridDerivative(e.L, e.Lambda[1]-e.Lambda[0], m, dim, k)
		if err := c.regression(ctx, e.Lambda[k], 0, e.L[k*dim:(k+1)*dim], dl, e.S[k*dim:(k+1)*dim], e.B[k*dim:(k+1)*dim]); err != nil {
			return nil, err
		}
		if opt.Progress != nil {
			opt.Progress(m+k+1, total)
		}
	}
	return e, e.Validate()
}

// EMSRange is the log-SNR interval statistics for p cover, [lambda(TMax), lambda(TMin)]; processes that start
// at zero signal (lambda = -Inf: flow, trig) have none, and DPM-Solver-v3 does not apply to them.
func EMSRange(p Process) (lo, hi float64, err error) {
	lo, hi = p.LogSNR(p.TMax()), p.LogSNR(p.TMin())
	if math.IsInf(lo, 0) || math.IsInf(hi, 0) || !(lo < hi) {
		return lo, hi, fmt.Errorf("diffusion: empirical model statistics need a finite log-SNR range, %s has [%v, %v]", p.Name(), lo, hi)
	}
	return lo, hi, nil
}

type emsCalc struct {
	d          Denoiser
	p          Process
	x0         []float64
	dim, n     int
	batch      int
	probes     int
	rng        Philox4x32
	step       float64
	x, y, z, w []float64
}

// noised fills c.x with alpha x0 + sigma z for examples [i0, i1) at time t, noise stream `stream`.
func (c *emsCalc) noised(i0, i1 int, a, s float64, stream uint32) []float64 {
	x := grow(&c.x, (i1-i0)*c.dim)
	c.rng.FillNormal(x, stream, i0*c.dim)
	for i := range x {
		x[i] = a*c.x0[i0*c.dim+i] + s*x[i]
	}
	return x
}

func grow(buf *[]float64, n int) []float64 {
	if cap(*buf) < n {
		*buf = make([]float64, n)
	}
	return (*buf)[:n]
}

// jacobianDiag writes l = 1 - alpha E[diag(grad D)] at lambda.
func (c *emsCalc) jacobianDiag(ctx context.Context, lam float64, stream uint32, l []float64) error {
	t := c.p.TimeAtLogSNR(lam)
	a, s := c.p.Alpha(t), c.p.Sigma(t)
	h := c.step * math.Hypot(a, s)
	diag := make([]float64, c.dim)
	probes := c.probes
	dirs := probes
	if probes == 0 {
		dirs = c.dim
	}
	for i0 := 0; i0 < c.n; i0 += c.batch {
		if err := ctx.Err(); err != nil {
			return err
		}
		i1 := min(i0+c.batch, c.n)
		x := c.noised(i0, i1, a, s, stream)
		nv := len(x)
		xp, dp, dm := grow(&c.y, nv), grow(&c.z, nv), make([]float64, nv)
		v := grow(&c.w, nv)
		for r := 0; r < dirs; r++ {
			for i := range v {
				switch {
				case probes == 0 && i%c.dim == r:
					v[i] = 1
				case probes == 0:
					v[i] = 0
				default:
					// Rademacher signs from the Philox stream above the noise streams.
					u, _ := c.rng.NormalPair(stream+1<<20, uint64(r)*uint64(c.n*c.dim)+uint64(i0*c.dim+i))
					v[i] = math.Copysign(1, u)
				}
			}
			for i := range x {
				xp[i] = x[i] + h*v[i]
			}
			if err := c.d.Denoise(dp, xp, t); err != nil {
				return fmt.Errorf("diffusion: EMS at lambda = %v: %w", lam, err)
			}
			for i := range x {
				xp[i] = x[i] - h*v[i]
			}
			if err := c.d.Denoise(dm, xp, t); err != nil {
				return fmt.Errorf("diffusion: EMS at lambda = %v: %w", lam, err)
			}
			for i := range x {
				if v[i] != 0 {
					diag[i%c.dim] += v[i] * (dp[i] - dm[i]) / (2 * h)
				}
			}
		}
	}
	norm := float64(c.n)
	if probes > 0 {
		norm *= float64(probes)
	}
	for j := range l {
		l[j] = 1 - a*diag[j]/norm
	}
	return checkFinite("EMS l", l)
}

// regression writes s and b at lambda (l and its derivative dl given).
func (c *emsCalc) regression(ctx context.Context, lam float64, stream uint32, l, dl, sOut, bOut []float64) error {
	co := CoefficientsAt(c.p, c.p.TimeAtLogSNR(lam))
	a, sg := co.Alpha, co.Sigma
	dlam := co.DAlpha/co.Alpha - co.DSigma/co.Sigma // dlambda/dt
	ra := co.DAlpha / co.Alpha / dlam               // alpha'/alpha in lambda
	type at struct {
		t, a float64
		l    []float64
	}
	pts := [2]at{}
	for k, sign := range []float64{1, -1} {
		lm := lam + sign*c.step
		t := c.p.TimeAtLogSNR(lm)
		pts[k] = at{t: t, a: c.p.Alpha(t), l: make([]float64, c.dim)}
		for j := range l {
			pts[k].l[j] = l[j] + sign*c.step*dl[j]
		}
	}
	var sf, sd, sff, sfd []float64 = make([]float64, c.dim), make([]float64, c.dim), make([]float64, c.dim), make([]float64, c.dim)
	for i0 := 0; i0 < c.n; i0 += c.batch {
		if err := ctx.Err(); err != nil {
			return err
		}
		i1 := min(i0+c.batch, c.n)
		x := c.noised(i0, i1, a, sg, stream)
		nv := len(x)
		d0, xs, dd := grow(&c.y, nv), grow(&c.z, nv), grow(&c.w, nv)
		if err := c.d.Denoise(d0, x, co.T); err != nil {
			return fmt.Errorf("diffusion: EMS at lambda = %v: %w", lam, err)
		}
		fp := make([][]float64, 2)
		for k, sign := range []float64{1, -1} {
			for i := range x {
				vel := (ra-1)*x[i] + a*d0[i]
				xs[i] = x[i] + sign*c.step*vel
			}
			if err := c.d.Denoise(dd, xs, pts[k].t); err != nil {
				return fmt.Errorf("diffusion: EMS at lambda = %v: %w", lam, err)
			}
			fp[k] = make([]float64, nv)
			for i := range x {
				fp[k][i] = (1-pts[k].l[i%c.dim])*xs[i]/pts[k].a - dd[i]
			}
		}
		for i := range x {
			j := i % c.dim
			f := (1-l[j])*x[i]/a - d0[i]
			fd := (fp[0][i] - fp[1][i]) / (2 * c.step)
			sf[j] += f
			sd[j] += fd
			sff[j] += f * f
			sfd[j] += f * fd
		}
	}
	n := float64(c.n)
	for j := range sOut {
		mf, md := sf[j]/n, sd[j]/n
		vf, cfd := sff[j]/n-mf*mf, sfd[j]/n-mf*md
		if vf > 1e-12*(sff[j]/n) && vf > 0 {
			sOut[j] = cfd / vf
		} else {
			sOut[j] = 0
		}
		bOut[j] = md - sOut[j]*mf
	}
	if err := checkFinite("EMS s", sOut); err != nil {
		return err
	}
	return checkFinite("EMS b", bOut)
}

// gridDerivative returns the derivative of the rows of v (m rows of dim values on a uniform grid of spacing h)
// at row k.
func gridDerivative(v []float64, h float64, m, dim, k int) []float64 {
	at := func(i, j int) float64 { return v[i*dim+j] }
	out := make([]float64, dim)
	for j := range out {
		switch {
		case m < 5:
			k0, k1 := max(k-1, 0), min(k+1, m-1)
			out[j] = (at(k1, j) - at(k0, j)) / (float64(k1-k0) * h)
		case k >= 2 && k+2 < m:
			out[j] = (-at(k+2, j) + 8*at(k+1, j) - 8*at(k-1, j) + at(k-2, j)) / (12 * h)
		case k == 0:
			out[j] = (-25*at(0, j) + 48*at(1, j) - 36*at(2, j) + 16*at(3, j) - 3*at(4, j)) / (12 * h)
		case k == 1:
			out[j] = (-3*at(0, j) - 10*at(1, j) + 18*at(2, j) - 6*at(3, j) + at(4, j)) / (12 * h)
		case k == m-1:
			out[j] = (25*at(m-1, j) - 48*at(m-2, j) + 36*at(m-3, j) - 16*at(m-4, j) + 3*at(m-5, j)) / (12 * h)
		default: // k == m-2
			out[j] = (3*at(m-1, j) + 10*at(m-2, j) - 18*at(m-3, j) + 6*at(m-4, j) - at(m-5, j)) / (12 * h)
		}
	}
	return out
}

// MixtureEMS computes the statistics of g's exact denoiser under p on n calibration samples drawn from g
// (keyed by opt.Seed), the EMS of the sampler benchmark's targets.
func MixtureEMS(ctx context.Context, g *GaussianMixture, p Process, n int, opt EMSOptions) (*EMS, error) {
	if n < 1 {
		return nil, fmt.Errorf("diffusion: EMS need at least one calibration sample, got %d", n)
	}
	if opt.Source == "" {
		opt.Source = fmt.Sprintf("exact denoiser of a %d-D, %d-component Gaussian mixture", g.Dim(), len(g.Weights))
	}
	return ComputeEMS(ctx, g.Denoiser(p), p, g.Sample(newPCGRand(opt.Seed), n), opt)
}

// ModelCalibration draws n calibration samples from denoiser d itself, as the paper does (EMS from the
// model's own samples, so no training data is needed): initial noise sqrt(alpha^2 + sigma^2) z at TMax
// (Philox stream 0 of seed) solved by DPM-Solver++(2M) with `steps` steps of p's default schedule, in batches
// of batch examples.
func ModelCalibration(ctx context.Context, d Denoiser, p Process, n, steps, batch int, seed uint64) ([]float64, error) {
	dim := d.Dim()
	if n < 1 || steps < 1 || dim < 1 {
		return nil, fmt.Errorf("diffusion: calibration needs positive samples, steps and dimension, got %d, %d, %d", n, steps, dim)
	}
	if batch <= 0 {
		batch = 256
	}
	times, err := DefaultSchedule(p).Times(p, steps)
	if err != nil {
		return nil, err
	}
	plan, err := DPMSolverPP{Order: 2}.Plan(p, times)
	if err != nil {
		return nil, err
	}
	out := make([]float64, n*dim)
	scale := math.Hypot(p.Alpha(times[0]), p.Sigma(times[0]))
	NewPhilox(seed).FillNormal(out, 0, 0)
	for i := range out {
		out[i] *= scale
	}
	for i0 := 0; i0 < n; i0 += batch {
		x := out[i0*dim : min(i0+batch, n)*dim]
		if err := Sample(ctx, plan, d, x, RunOptions{Seed: seed}); err != nil {
			return nil, fmt.Errorf("diffusion: calibration samples: %w", err)
		}
	}
	return out, nil
}
