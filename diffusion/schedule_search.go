package diffusion

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"
)

// ScheduleSearch optimises the time grid of one solver at one evaluation budget for one denoiser, in the
// manner of AutoDiffusion (Li et al. 2023) and the solver-schedule searches of USF (Liu et al. 2023) and
// S^3: no training data, only reference solutions of the same probability-flow ODE.
//
// The loss of a grid is the pathwise RMSE per coordinate between the solver's samples and the adaptive
// reference solution (ReferenceSample) from the same initial noise, over a calibration batch:
//
//	L(t_0..t_n) = sqrt(mean_i,j (x_solver(z_i)_j - x_ref(z_i)_j)^2).
//
// The grid keeps its first level at TMax (where the noise is drawn) and its final 0; the other levels are
// parameterised monotonically in lambda = log(alpha/sigma), see scheduleParams. The loss is multimodal
// (the grids of a few steps trade errors between steps), so the optimiser first scores Explore random
// parameter vectors around the best built-in schedule (Starts; random draws keyed by Seed) and then runs
// Nelder-Mead with restarts (searchNelderMead) from the best point seen, derivative-free. The built-in
// schedules' losses are evaluated on their exact grids and kept, so the result's calibration loss is never
// above the starting one; for a seed and MaxEvals the search is deterministic.
type ScheduleSearch struct {
	Process  Process
	Denoiser Denoiser
	Solver   Solver
	NFE      int
	// Noise is the calibration batch of initial states at TMax (a multiple of the denoiser's dimension),
	// e.g. sigma(TMax) eps or GaussianMixture.Noise. The search copies it.
	Noise []float64
	// Check, if set, is a second calibration batch that selects the result: every grid that improved the
	// loss on Noise during the search (and the start) is scored on Check, and the best there is returned.
	// With few calibration points the optimiser can find grids whose errors cancel on those points only
	// (on the 64-D mixture, 256 points, a 14x gain on Noise came out 1.2x on fresh noise); the check batch
	// rejects them at the cost of one evaluation per improvement.
	Check []float64
	// CheckDenoiser and CheckCondition replace Denoiser and Condition on the check batch where the
	// conditioning differs per point (a planner's starts and goals); nil means the same.
	CheckDenoiser  Denoiser
	CheckCondition Conditioner
	// Condition, if set, conditions the solver's runs as RunOptions.Condition does (Diffuser's inpainting)
	// and is applied once to the reference's final state. It must not change what the denoiser sees (wrap
	// the denoiser so that it reads the clamped values itself), otherwise solver and reference solve
	// different equations.
	Condition Conditioner
	// Starts are the schedules the search may start from (default: karras with rho 7 and 3, logsnr,
	// uniform-t, quadratic; those that cannot run the budget are skipped); the best of them on the
	// calibration batch is the starting grid.
	Starts []Schedule
	// RefTol is the reference solve's tolerance (default 1e-10, as in SamplerBench).
	RefTol float64
	// MaxEvals bounds the loss evaluations of the optimiser (default 150 per free parameter, at least 300).
	MaxEvals int
	// Explore is the number of random parameter vectors scored before Nelder-Mead (default a quarter of
	// MaxEvals); Seed keys them.
	Explore int
	Seed    uint64
	// Budget, if positive, stops the optimiser after this much wall time. A search stopped by its budget
	// is not reproducible across machines; MaxEvals is.
	Budget time.Duration
	// Progress, if set, is called after the reference solve and after each loss evaluation.
	Progress func(SearchProgress)
	// Orders, if set, is an explicit order per step for a StepOrderSolver (its length is the step count
	// the budget gives); nil means the solver's default sequence.
	Orders []int
	// SearchOrders searches the step orders jointly with the grid (Solver must be a StepOrderSolver), from
	// Orders or the default sequence: the grid search with those orders (the grid-only search, unchanged),
	// then alternately coordinate descent over the orders on the best grid (searchStepOrders) and a
	// shorter grid refinement (MaxEvals/3, no exploration) while the orders change, at most three times.
	SearchOrders bool
}

// SearchProgress reports a running search.
type SearchProgress struct {
	Phase      string // "reference", "starts", "search" or "check"
	Evals      int    // loss evaluations so far
	MaxEvals   int
	Best       float64 // best calibration loss so far
	StartLoss  float64 // the starting schedule's loss (NaN before it is known)
	StartName  string
	ElapsedSec float64
}

// SearchResult is the outcome of a ScheduleSearch.
type SearchResult struct {
	Times     []float64 // the searched grid, TMax first, ending at 0
	Steps     int       // len(Times) - 1
	NFE       int       // evaluations the solver's plan spends on it
	Start     string    // the starting schedule's name
	StartLoss float64   // its calibration loss (on Noise)
	Loss      float64   // the searched grid's calibration loss, <= StartLoss
	// Orders is the order per step the result runs with (nil: the solver's default, when orders were
	// neither given nor searched); StartOrders the start's.
	Orders, StartOrders []int
	// StartCheck and Check are the two grids' losses on the Check batch (NaN without one); Check <=
	// StartCheck.
	StartCheck, CheckLoss float64
	// StartLosses is the loss of every candidate start, by name (Inf where it could not run the budget).
	StartLosses map[string]float64
	Evals       int
	Reference   ReferenceStats
	Elapsed     time.Duration
}

// defaultStarts are the built-in schedules a search considers as its starting grid.
func defaultStarts() []Schedule {
	return []Schedule{Karras{Rho: 7}, UniformLogSNR{}, UniformT{}, Quadratic{}, Karras{Rho: 3}}
}

// budgetSolver fixes the step orders of singlestep DPM-Solver for the budget, as PlanForNFE does, so that
// every grid of the search's length spends the same evaluations.
func budgetSolver(s Solver, nfe int) Solver {
	if ds, ok := s.(DPMSolver); ok && ds.Orders == nil {
		return DPMSolver{Order: ds.Order, Orders: SinglestepOrders(nfe, ds.Order)}
	}
	return s
}

// Run performs the search.
func (s ScheduleSearch) Run(ctx context.Context) (*SearchResult, error) {
	began := time.Now()
	p, d := s.Process, s.Denoiser
	if p == nil || d == nil || s.Solver == nil {
		return nil, errors.New("diffusion: schedule search needs a process, a denoiser and a solver")
	}
	if s.NFE < 1 {
		return nil, fmt.Errorf("diffusion: schedule search: NFE budget must be at least 1, got %d", s.NFE)
	}
	if dim := d.Dim(); dim <= 0 || len(s.Noise) == 0 || len(s.Noise)%dim != 0 {
		return nil, fmt.Errorf("diffusion: schedule search: calibration batch of %d values is not a positive multiple of the denoiser's dimension %d", len(s.Noise), d.Dim())
	}
	if Stochastic(s.Solver) {
		return nil, fmt.Errorf("diffusion: schedule search: %s is stochastic; its samples are not a function of the initial noise", s.Solver.Name())
	}
	tol := s.RefTol
	if tol == 0 {
		tol = 1e-10
	}
	report := func(pr SearchProgress) {
		if s.Progress != nil {
			pr.ElapsedSec = time.Since(began).Seconds()
			s.Progress(pr)
		}
	}
	report(SearchProgress{Phase: "reference", Best: math.NaN(), StartLoss: math.NaN()})
	ref := append([]float64(nil), s.Noise...)
	st, err := ReferenceSample(ctx, p, d, ref, p.TMax(), 0, tol)
	if err != nil {
		return nil, fmt.Errorf("diffusion: schedule search: reference solve: %w", err)
	}
	cd, cc := s.CheckDenoiser, s.CheckCondition
	if cd == nil {
		cd = d
	}
	if cc == nil {
		cc = s.Condition
	}
	if len(s.Check)%d.Dim() != 0 {
		return nil, fmt.Errorf("diffusion: schedule search: check batch of %d values is not a multiple of the denoiser's dimension %d", len(s.Check), d.Dim())
	}
	var checkRef []float64
	if len(s.Check) > 0 {
		checkRef = append([]float64(nil), s.Check...)
		cst, err := ReferenceSample(ctx, p, cd, checkRef, p.TMax(), 0, tol)
		if err != nil {
			return nil, fmt.Errorf("diffusion: schedule search: reference solve of the check batch: %w", err)
		}
		st.Accepted, st.Rejected, st.NFE = st.Accepted+cst.Accepted, st.Rejected+cst.Rejected, st.NFE+cst.NFE
	}
	for i, r := range [][]float64{ref, checkRef} {
		c := []Conditioner{s.Condition, cc}[i]
		if c != nil && r != nil {
			t := 0.0
			if err := c.Condition(r, t, p.Alpha(t), p.Sigma(t)); err != nil {
				return nil, fmt.Errorf("diffusion: schedule search: conditioning the reference: %w", err)
			}
		}
	}
	solver := budgetSolver(s.Solver, s.NFE)
	sos, ordered := solver.(StepOrderSolver)
	if (s.SearchOrders || s.Orders != nil) && !ordered {
		return nil, fmt.Errorf("diffusion: schedule search: %s takes no explicit step orders (DPM-Solver++ multistep and UniPC do)", solver.Name())
	}
	if ordered && sos.StepOrders() != nil {
		return nil, errors.New("diffusion: schedule search: give explicit step orders in ScheduleSearch.Orders, not in the solver")
	}
	evals := 0
	batchLoss := func(noise, ref []float64, d Denoiser, c Conditioner) func([]float64, []int) (float64, error) {
		x := make([]float64, len(noise))
		return func(times []float64, orders []int) (float64, error) {
			evals++
			sv := solver
			if orders != nil {
				sv = sos.WithStepOrders(orders)
			}
			plan, err := sv.Plan(p, times)
			if err != nil || plan.NFE > s.NFE {
				return math.Inf(1), nil
			}
			copy(x, noise)
			if err := Sample(ctx, plan, d, x, RunOptions{Condition: c}); err != nil {
				if ctx.Err() != nil {
					return 0, ctx.Err()
				}
				return math.Inf(1), nil // a grid on which the solver diverges
			}
			return rmsDiff(x, ref), nil
		}
	}
	loss := batchLoss(s.Noise, ref, d, s.Condition)

	// The starting grid: the best built-in schedule at this budget, on its exact times.
	starts := s.Starts
	if len(starts) == 0 {
		starts = defaultStarts()
	}
	res := &SearchResult{StartLosses: map[string]float64{}, StartLoss: math.Inf(1), Reference: st}
	steps := 0
	for _, sch := range starts {
		name := scheduleLabel(sch)
		plan, err := PlanForNFE(s.Solver, p, sch, s.NFE)
		if err != nil {
			res.StartLosses[name] = math.Inf(1)
			continue
		}
		if steps == 0 {
			steps = plan.Steps()
			if s.Orders != nil && len(s.Orders) != steps {
				return nil, fmt.Errorf("diffusion: schedule search: %d step orders given, %s takes %d steps at %d NFE", len(s.Orders), solver.Name(), steps, s.NFE)
			}
			if s.Orders != nil {
				// The orders a step can take depend on the step count and the process only, not on the grid.
				if err := checkStepOrders(sos, p, plan.Times, s.Orders); err != nil {
					return nil, fmt.Errorf("diffusion: schedule search: %w", err)
				}
			}
		}
		if plan.Steps() != steps {
			res.StartLosses[name] = math.Inf(1)
			continue
		}
		l, err := loss(plan.Times, s.Orders)
		if err != nil {
			return nil, err
		}
		res.StartLosses[name] = l
		if l < res.StartLoss {
			res.StartLoss, res.Start, res.Times = l, name, append([]float64(nil), plan.Times...)
		}
		report(SearchProgress{Phase: "starts", Evals: evals, Best: res.StartLoss, StartLoss: math.NaN()})
	}
	if res.Times == nil {
		return nil, fmt.Errorf("diffusion: schedule search: no starting schedule runs %s within %d evaluations with a finite loss", s.Solver.Name(), s.NFE)
	}
	res.Loss, res.Orders = res.StartLoss, s.Orders
	var most []int // the highest order of each step (the same on every grid of the search)
	if s.SearchOrders {
		def, m, err := sos.StepOrderRange(p, res.Times)
		if err != nil {
			return nil, fmt.Errorf("diffusion: schedule search: %w", err)
		}
		if res.Orders == nil {
			res.Orders = def // the same plan as the solver's default, now explicit
		}
		most = m
	}
	res.StartOrders = res.Orders
	start := searchCandidate{res.Times, res.Orders}
	path := []searchCandidate{} // the candidates that improved the loss on Noise, in order
	consider := func(c searchCandidate, l float64) {
		if l < res.Loss {
			res.Loss, res.Times, res.Orders = l, c.times, c.orders
			path = append(path, c)
		}
	}
	par, err := newScheduleParams(p, steps)
	if err != nil {
		return nil, err
	}
	maxEvals := s.MaxEvals
	if maxEvals <= 0 {
		maxEvals = max(300, 150*par.dim())
	}
	var deadline time.Time
	if s.Budget > 0 {
		deadline = began.Add(s.Budget)
	}
	first := evals      // the starts' evaluations do not count against MaxEvals
	planned := maxEvals // an upper bound for the progress report
	if s.SearchOrders {
		planned += 3 * (maxEvals / 3)
		for _, k := range most {
			planned += 3 * 3 * (k - 1) // three order sweeps of at most three passes
		}
	}
	progress := func() {
		report(SearchProgress{Phase: "search", Evals: evals - first, MaxEvals: planned, Best: res.Loss,
			StartLoss: res.StartLoss, StartName: res.Start})
	}
	timeUp := func() bool { return !deadline.IsZero() && time.Now().After(deadline) }
	gridSearch := func(evalBudget, explore int) error {
		z0, err := par.encode(res.Times)
		if err != nil || par.dim() == 0 {
			return nil
		}
		orders := res.Orders
		base := evals
		f := func(z []float64) (float64, error) {
			times, ok := par.decode(z)
			if !ok {
				evals++
				return math.Inf(1), nil
			}
			l, err := loss(times, orders)
			if err != nil {
				return 0, err
			}
			consider(searchCandidate{times, orders}, l)
			progress()
			return l, nil
		}
		stop := func(int) bool { return evals-base >= evalBudget || timeUp() }
		// Exploration: logits z0 + 1.5 N(0, 1) (increments within a factor e^3 of the start's, mostly), and
		// the smallest level |N(0, 2^2)| nats of lambda above TMin's (sigma/alpha up to e^4 times larger).
		rng := newPCGRand(s.Seed)
		zBest, fBest := z0, res.Loss
		for k := 0; k < explore && !stop(evals); k++ {
			if err := ctx.Err(); err != nil {
				return err
			}
			z := make([]float64, len(z0))
			for i := range z {
				z[i] = z0[i] + 1.5*rng.NormFloat64()
			}
			z[len(z)-1] = math.Abs(2 * rng.NormFloat64())
			l, err := f(z)
			if err != nil {
				return err
			}
			if l < fBest {
				zBest, fBest = z, l
			}
		}
		return searchNelderMead(ctx, f, zBest, 1, 3, stop)
	}
	orderSweep := func() (bool, error) {
		return searchStepOrders(ctx, res.Times, res.Orders, most, res.Loss, timeUp, func(orders []int) (float64, error) {
			l, err := loss(res.Times, orders)
			if err != nil {
				return 0, err
			}
			consider(searchCandidate{res.Times, orders}, l)
			progress()
			return l, nil
		})
	}
	explore := s.Explore
	if explore <= 0 {
		explore = maxEvals / 4
	}
	// The grid first, with the start's orders: this is exactly the grid-only search (the same evaluations in
	// the same order), so the joint search's improvements are a superset of its and its result is never
	// worse on either batch. Sweeping the orders first, on the start grid, was tried: orders that suit a
	// poor grid trapped the grid search (unipc-3 at 10 NFE on the 64-D mixture: fit loss 0.078 against the
	// grid-only search's 0.008).
	if err := gridSearch(maxEvals, explore); err != nil {
		return nil, err
	}
	for round := 0; s.SearchOrders && round < 3 && !timeUp(); round++ {
		changed, err := orderSweep()
		if err != nil {
			return nil, err
		}
		if !changed {
			break
		}
		if err := gridSearch(maxEvals/3, 0); err != nil {
			return nil, err
		}
	}
	res.StartCheck, res.CheckLoss = math.NaN(), math.NaN()
	if checkRef != nil {
		// Select on the check batch among the start and the improvements; every one of them has a loss on
		// Noise at most the start's.
		check := batchLoss(s.Check, checkRef, cd, cc)
		cands := append([]searchCandidate{start}, path...)
		bestC, pick := math.Inf(1), 0
		for i, c := range cands {
			l, err := check(c.times, c.orders)
			if err != nil {
				return nil, err
			}
			if i == 0 {
				res.StartCheck = l
			}
			if l <= bestC {
				bestC, pick = l, i
			}
			report(SearchProgress{Phase: "check", Evals: i + 1, MaxEvals: len(cands), Best: bestC, StartLoss: res.StartCheck, StartName: res.Start})
		}
		res.CheckLoss, res.Times, res.Orders = bestC, cands[pick].times, cands[pick].orders
		if res.Loss, err = loss(res.Times, res.Orders); err != nil {
			return nil, err
		}
	}
	res.Steps = len(res.Times) - 1
	if res.Orders != nil {
		solver = sos.WithStepOrders(res.Orders)
	}
	final, err := solver.Plan(p, res.Times)
	if err != nil {
		return nil, fmt.Errorf("diffusion: schedule search: the searched grid does not compile: %w", err)
	}
	res.NFE, res.Evals, res.Elapsed = final.NFE, evals, time.Since(began)
	return res, nil
}

// searchCandidate is a point of the search: a grid and its step orders (nil: the solver's default).
type searchCandidate struct {
	times  []float64
	orders []int
}

// scheduleLabel names a schedule with its parameter where the name alone is ambiguous.
func scheduleLabel(s Schedule) string {
	if k, ok := s.(Karras); ok && k.Rho != 0 && k.Rho != 7 {
		return fmt.Sprintf("karras(rho=%g)", k.Rho)
	}
	return s.Name()
}
