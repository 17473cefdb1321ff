package diffusion

import (
	"context"
	"fmt"
	"math"
)

// REDDiffOptions configure REDDiff. Start from DefaultREDDiffOptions: the zero value of Lambda means no
// regulariser, which is legitimate (a plain least-squares fit), so fields are not defaulted when zero.
type REDDiffOptions struct {
	// Steps is the number of optimisation steps, one denoiser evaluation each, over Schedule's levels from
	// TMax to TMin. Ignored when Times is set.
	Steps int
	// Schedule spaces the Steps times (nil: DefaultSchedule of the process); its final t = 0 is dropped, as the
	// regulariser needs sigma > 0.
	Schedule Schedule
	// Times, if set, is the explicit time of every step: non-increasing, each in (0, TMax]. Repeated times
	// are allowed (a constant t gives the fixed-time regulariser of the tests).
	Times []float64
	// Lambda scales the paper's SNR weighting w_t = Lambda sigma_t/alpha_t (0.25 in the paper and the
	// reference; 0 turns the prior off).
	Lambda float64
	// LR is Adam's learning rate (0.1 in the reference); LRDecay, if set, multiplies it by LRDecay(k, steps)
	// at step k = 0..steps-1 (e.g. a 1/k decay for a stochastic-approximation fixed point).
	LR      float64
	LRDecay func(k, steps int) float64
	// Beta1, Beta2 and Eps are Adam's constants (0.9, 0.99 and 1e-8 by default, as in the reference).
	Beta1, Beta2, Eps float64
	// SigmaY is the measurement noise's standard deviation: the data-fit term is ||y - H mu||^2/(2 SigmaY^2).
	SigmaY float64
	// Average > 0 returns the mean of the last Average iterates (Polyak-Ruppert averaging, which removes most
	// of the Monte Carlo noise of the regulariser's one-sample gradient) instead of the last iterate.
	Average int
	// Init is the initial mean, one point per problem (nil: H^T y).
	Init []float64
	// Fixed, if set, holds the masked entries of every mean at its values throughout: the conditioning a
	// model was trained with by inpainting (condition channels, padding). The noisy copies carry them clean, as
	// the trainer's inpainting does, and their gradients are ignored. Values holds one point (shared) or one
	// per problem.
	Fixed *Inpaint
	// Seed keys the noise: eps of problem j at step k is Philox stream k, elements [j d, (j+1) d), so a
	// problem's result does not depend on the other problems of the batch.
	Seed uint64
	// Progress, if set, is called after every step with (done, total) steps.
	Progress func(done, total int)
}

// DefaultREDDiffOptions are the paper's and the reference's settings: 1000 steps from TMax to TMin,
// Lambda 0.25, Adam with lr 0.1 and betas (0.9, 0.99), SigmaY 1.
func DefaultREDDiffOptions() REDDiffOptions {
	return REDDiffOptions{Steps: 1000, Lambda: 0.25, LR: 0.1, Beta1: 0.9, Beta2: 0.99, Eps: 1e-8, SigmaY: 1}
}

// REDDiffResult is the fitted mean of every problem.
type REDDiffResult struct {
	X        []float64 // n points of the denoiser's dimension: the (averaged) variational means
	Residual []float64 // ||y_j - H x_j||_2 per problem
	Steps    int
	NFE      int // denoiser evaluations per problem (one per step)
}

// REDDiff solves the inverse problems y_j = H x_j + noise, j = 0..n-1 (y holds n measurement vectors of
// H.OutDim values), with the variational sampler of Mardani et al. (2023, "A Variational Perspective on
// Solving Inverse Problems with Diffusion Models"; RED-Diff): the mean mu_j of a variational posterior
// N(mu_j, 0) is fitted by Adam on
//
//	loss(mu) = ||y - H mu||^2 / (2 sigma_y^2) + w_t <sg(eps_hat(x_t, t) - eps), mu>,
//	x_t = alpha_t mu + sigma_t eps,  eps ~ N(0, I),  w_t = lambda sigma_t/alpha_t,
//
// one step per time t of a descending schedule, with eps_hat = (x_t - alpha_t D(x_t, t))/sigma_t the noise
// prediction of the denoiser d under process p and sg a stop-gradient: no derivative of the network is
// needed, one evaluation per step for the whole batch. The regulariser's gradient is the score-matching
// residual w_t (eps_hat - eps) = lambda (mu - D(x_t, t)), which pulls mu towards the prior's denoised
// version of its own noisy copy. Bad input (dimensions, non-finite measurements, no steps, times outside
// (0, TMax], invalid Adam constants) fails before any evaluation; cancelling ctx stops between steps.
func REDDiff(ctx context.Context, p Process, d Denoiser, H Operator, y []float64, opt REDDiffOptions) (*REDDiffResult, error) {
	if p == nil || d == nil || H == nil {
		return nil, fmt.Errorf("diffusion: RED-Diff needs a process, a denoiser and an operator")
	}
	dim, m := d.Dim(), H.OutDim()
	if dim < 1 || H.InDim() != dim {
		return nil, fmt.Errorf("diffusion: RED-Diff: the operator takes %d values, the denoiser's points have %d", H.InDim(), dim)
	}
	if m < 1 || len(y) == 0 || len(y)%m != 0 {
		return nil, fmt.Errorf("diffusion: RED-Diff: %d measurement values are not a positive multiple of the operator's %d outputs", len(y), m)
	}
	if err := checkFinite("RED-Diff measurements", y); err != nil {
		return nil, fmt.Errorf("diffusion: %w", err)
	}
	n := len(y) / m
	times, err := opt.times(p)
	if err != nil {
		return nil, err
	}
	if err := opt.check(len(times)); err != nil {
		return nil, err
	}
	mu := make([]float64, n*dim)
	if opt.Init != nil {
		if len(opt.Init) != n*dim {
			return nil, fmt.Errorf("diffusion: RED-Diff: Init has %d values, want %d problems x %d", len(opt.Init), n, dim)
		}
		if err := checkFinite("RED-Diff Init", opt.Init); err != nil {
			return nil, fmt.Errorf("diffusion: %w", err)
		}
		copy(mu, opt.Init)
	} else {
		for j := 0; j < n; j++ {
			if err := H.Adjoint(mu[j*dim:(j+1)*dim], y[j*m:(j+1)*m]); err != nil {
				return nil, fmt.Errorf("diffusion: RED-Diff: initial H^T y: %w", err)
			}
		}
	}
	if f := opt.Fixed; f != nil {
		if len(f.Mask) != dim || (len(f.Values) != dim && len(f.Values) != n*dim) {
			return nil, fmt.Errorf("diffusion: RED-Diff: Fixed has a mask of %d entries and %d values, want %d and %d or %d", len(f.Mask), len(f.Values), dim, dim, n*dim)
		}
		if err := checkFinite("RED-Diff fixed values", f.Values); err != nil {
			return nil, fmt.Errorf("diffusion: %w", err)
		}
	}
	// fix holds the fixed entries at their values (a no-op without Fixed).
	fix := func(v []float64) error {
		if opt.Fixed == nil {
			return nil
		}
		return opt.Fixed.Condition(v, 0, 1, 0)
	}
	if err := fix(mu); err != nil {
		return nil, fmt.Errorf("diffusion: RED-Diff: %w", err)
	}
	st := newREDDiffState(n, dim, m)
	rng := NewPhilox(opt.Seed)
	invVar := 1 / (opt.SigmaY * opt.SigmaY)
	avgFrom := len(times) - opt.Average
	var avg []float64
	if opt.Average > 0 {
		avg = make([]float64, len(mu))
	}
	b1k, b2k := 1.0, 1.0 // beta1^k, beta2^k for Adam's bias correction
	for k, t := range times {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		c := CoefficientsAt(p, t)
		// Noisy copies of the means: x_t = alpha mu + sigma eps.
		for j := 0; j < n; j++ {
			rng.FillNormal(st.eps[j*dim:(j+1)*dim], uint32(k), j*dim)
		}
		for i, v := range mu {
			st.xt[i] = c.Alpha*v + c.Sigma*st.eps[i]
		}
		if err := fix(st.xt); err != nil {
			return nil, fmt.Errorf("diffusion: RED-Diff: %w", err)
		}
		if err := d.Denoise(st.x0, st.xt, t); err != nil {
			return nil, fmt.Errorf("diffusion: RED-Diff step %d at t = %v: denoiser: %w", k, t, err)
		}
		if err := checkFinite("denoiser output", st.x0); err != nil {
			return nil, fmt.Errorf("diffusion: RED-Diff step %d at t = %v: %w", k, t, err)
		}
		if err := st.gradient(H, y, mu, invVar); err != nil {
			return nil, fmt.Errorf("diffusion: RED-Diff step %d: %w", k, err)
		}
		// Regulariser: w_t (eps_hat - eps), eps_hat from the x0-prediction through the process coefficients.
		w := opt.Lambda * c.Sigma / c.Alpha
		for i := range st.g {
			epsHat := (st.xt[i] - c.Alpha*st.x0[i]) / c.Sigma
			st.g[i] += w * (epsHat - st.eps[i])
		}
		b1k *= opt.Beta1
		b2k *= opt.Beta2
		lr := opt.LR
		if opt.LRDecay != nil {
			lr *= opt.LRDecay(k, len(times))
			if !(lr > 0) || math.IsInf(lr, 0) {
				return nil, fmt.Errorf("diffusion: RED-Diff step %d: decayed learning rate %v, want a finite positive number", k, lr)
			}
		}
		for i, g := range st.g {
			st.m1[i] = opt.Beta1*st.m1[i] + (1-opt.Beta1)*g
			st.m2[i] = opt.Beta2*st.m2[i] + (1-opt.Beta2)*g*g
			mu[i] -= lr * (st.m1[i] / (1 - b1k)) / (math.Sqrt(st.m2[i]/(1-b2k)) + opt.Eps)
		}
		if err := fix(mu); err != nil {
			return nil, fmt.Errorf("diffusion: RED-Diff: %w", err)
		}
		if avg != nil && k >= avgFrom {
			for i, v := range mu {
				avg[i] += v / float64(opt.Average)
			}
		}
		if opt.Progress != nil {
			opt.Progress(k+1, len(times))
		}
	}
	if avg != nil {
		mu = avg
	}
	if err := checkFinite("RED-Diff estimate", mu); err != nil {
		return nil, fmt.Errorf("diffusion: %w (lower LR or check the denoiser)", err)
	}
	res := &REDDiffResult{X: mu, Residual: make([]float64, n), Steps: len(times), NFE: len(times)}
	for j := 0; j < n; j++ {
		if err := H.Apply(st.hx, mu[j*dim:(j+1)*dim]); err != nil {
			return nil, fmt.Errorf("diffusion: RED-Diff: %w", err)
		}
		s := 0.0
		for i, v := range st.hx {
			s += (v - y[j*m+i]) * (v - y[j*m+i])
		}
		res.Residual[j] = math.Sqrt(s)
	}
	return res, nil
}

// redDiffState holds REDDiff's buffers: noise, noisy means, denoised, gradient and Adam's moments (all n*dim)
// and one point's measurement residual.
type redDiffState struct {
	eps, xt, x0, g, m1, m2 []float64
	hx, r                  []float64 // OutDim
}

func newREDDiffState(n, dim, m int) *redDiffState {
	b := func() []float64 { return make([]float64, n*dim) }
	return &redDiffState{eps: b(), xt: b(), x0: b(), g: b(), m1: b(), m2: b(), hx: make([]float64, m), r: make([]float64, m)}
}

// gradient writes the data-fit gradient H^T (H mu - y)/sigma_y^2 of every problem into st.g.
func (st *redDiffState) gradient(H Operator, y, mu []float64, invVar float64) error {
	dim, m := H.InDim(), H.OutDim()
	for j := 0; j < len(mu)/dim; j++ {
		if err := H.Apply(st.hx, mu[j*dim:(j+1)*dim]); err != nil {
			return err
		}
		for i, v := range st.hx {
			st.r[i] = (v - y[j*m+i]) * invVar
		}
		if err := H.Adjoint(st.g[j*dim:(j+1)*dim], st.r); err != nil {
			return err
		}
	}
	return nil
}

// times returns the step times: Times if given, else Steps levels of the schedule without the final 0.
func (o *REDDiffOptions) times(p Process) ([]float64, error) {
	times := o.Times
	if times == nil {
		if o.Steps < 1 {
			return nil, fmt.Errorf("diffusion: RED-Diff needs at least 1 step, got %d", o.Steps)
		}
		s := o.Schedule
		if s == nil {
			s = DefaultSchedule(p)
		}
		grid, err := s.Times(p, o.Steps)
		if err != nil {
			return nil, fmt.Errorf("diffusion: RED-Diff schedule: %w", err)
		}
		times = grid[:len(grid)-1]
	}
	if len(times) == 0 {
		return nil, fmt.Errorf("diffusion: RED-Diff needs at least 1 step (Times is empty)")
	}
	for i, t := range times {
		if !(t > 0 && t <= p.TMax()*(1+1e-12)) {
			return nil, fmt.Errorf("diffusion: RED-Diff time %d is %v, want it in (0, TMax = %v]", i, t, p.TMax())
		}
		if i > 0 && t > times[i-1] {
			return nil, fmt.Errorf("diffusion: RED-Diff times must not increase: %v then %v at step %d", times[i-1], t, i)
		}
		if a, s := p.Alpha(t), p.Sigma(t); !(a > 0 && s > 0) || math.IsInf(s/a, 0) {
			return nil, fmt.Errorf("diffusion: RED-Diff time %v has alpha %v, sigma %v; the weight sigma/alpha needs both positive", t, a, s)
		}
	}
	return times, nil
}

// check validates the optimiser's constants for a run of steps steps.
func (o *REDDiffOptions) check(steps int) error {
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case !(o.LR > 0) || !finite(o.LR):
		return fmt.Errorf("diffusion: RED-Diff learning rate %v, want a finite positive number", o.LR)
	case !(o.Lambda >= 0) || !finite(o.Lambda):
		return fmt.Errorf("diffusion: RED-Diff lambda %v, want a finite non-negative number", o.Lambda)
	case !(o.SigmaY > 0) || !finite(o.SigmaY):
		return fmt.Errorf("diffusion: RED-Diff measurement noise sigma_y %v, want a finite positive number", o.SigmaY)
	case !(o.Beta1 >= 0 && o.Beta1 < 1) || !(o.Beta2 >= 0 && o.Beta2 < 1):
		return fmt.Errorf("diffusion: RED-Diff Adam betas (%v, %v), want both in [0, 1)", o.Beta1, o.Beta2)
	case !(o.Eps > 0) || !finite(o.Eps):
		return fmt.Errorf("diffusion: RED-Diff Adam eps %v, want a finite positive number", o.Eps)
	case o.Average < 0 || o.Average > steps:
		return fmt.Errorf("diffusion: RED-Diff averages the last %d iterates of %d steps, want 0..%d", o.Average, steps, steps)
	}
	return nil
}
