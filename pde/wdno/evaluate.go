package wdno

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/trajdiff/trajdiff/diffusion"
)

// Method is a way of producing a trajectory (simulation) or a control (control) for a test case.
type Method struct {
	Name  string
	Model *Model // a trained model; nil for a solver baseline
	// Baseline, for a solver baseline, returns the control of case i (simulation has no baselines):
	// zero control (ZeroControl), the dataset's own control (DatasetControl) or an optimiser's.
	Baseline func(ctx context.Context, c TestCase) ([]float64, error)
	// Search, for a control model, samples each case by inference-time search with the reward -J of the
	// candidates' re-simulated controls (Model.SearchControl; SearchSmokeControl on smoke data) instead of
	// one sample.
	Search *diffusion.ParticleSearch
	// Refine, for a control model, polishes each generated control with at most Refine L-BFGS
	// iterations on the solver's exact adjoint of the evaluated J (burgers.OptimalControl,
	// smoke.OptimalControl) started from it before it is scored: the model as the optimiser's warm
	// start. A refined row reports no ModelMisfit (the model did not predict the refined control's
	// trajectory). 0: no refinement.
	Refine int
}

// TestCase is a test trajectory as a method sees it.
type TestCase struct {
	Index int
	ID    int64
	U, F  []float64 // the dataset's trajectory, Frames x Cells each
}

// EvalOptions configure Evaluate.
type EvalOptions struct {
	Task    Task
	Cases   []int   // dataset indices to evaluate (nil: all)
	Request Request // sampling settings for the models (Cases is filled per batch)
	Batch   int     // cases per sampling batch (default 50)
	// EnergyWeight is w of J = mean_x (u(T) - u*)^2 + w sum f^2 (default 2e-5, the reference's).
	EnergyWeight float64
	// Front is the quantile of |du/dx| above which a point counts as a front (default 0.9).
	Front float64
	// Workers scores cases in parallel (re-simulation, the adjoint baseline); 0: all cores.
	Workers int
	// Progress is called with done = 0 as each method starts, then after each batch, so that a caller's clock
	// for a method starts with the method and not with its first finished batch.
	Progress func(method string, done, total int)
}

// CaseResult is one method on one case. Simulation fills MSE (over frames 1..K) and FrontMSE (over
// the points whose true |du/dx| is in the top decile of the case); control fills J and its parts
// (re-simulated with the true solver from the true u0), and for a model ModelMisfit, the mean squared
// gap between the model's own final state and the re-simulated one, and TargetMisfit, between the model's
// own final state and the target u* it was conditioned on (0 where the layout inpaints u*, as the physical
// one does: a model that has not learned to meet its condition shows here). Error records a failed case.
type CaseResult struct {
	Method      string  `json:"method"`
	Case        int     `json:"case"`
	ID          int64   `json:"id"`
	MSE         float64 `json:"mse,omitempty"`
	FrontMSE    float64 `json:"front_mse,omitempty"`
	J           float64 `json:"j,omitempty"`
	Misfit      float64 `json:"misfit,omitempty"`
	Energy      float64 `json:"energy,omitempty"`
	ModelMisfit float64 `json:"model_misfit,omitempty"`
	// TargetMisfit: Burgers control models only (see above).
	TargetMisfit float64 `json:"target_misfit,omitempty"`
	// SmokeOut and Leakage are smoke's shares through the target exit and through the others after the
	// last modelled frame (re-simulated); J is then -SmokeOut + 0.1 Misfit, Misfit the initial density's
	// mean squared mismatch, Energy the mean squared control and ModelMisfit the squared gap between the
	// model's own s(T-1) and the re-simulated share.
	SmokeOut float64 `json:"smoke_out,omitempty"`
	Leakage  float64 `json:"leakage,omitempty"`
	Error    string  `json:"error,omitempty"`
}

// Summary aggregates one method's cases.
type Summary struct {
	Method   string  `json:"method"`
	Cases    int     `json:"cases"`
	Failed   int     `json:"failed"`
	MSE      float64 `json:"mse,omitempty"`
	FrontMSE float64 `json:"front_mse,omitempty"`
	J        float64 `json:"j,omitempty"` // mean over the cases that did not fail
	JMedian  float64 `json:"j_median,omitempty"`
	Misfit   float64 `json:"misfit,omitempty"`
	Energy   float64 `json:"energy,omitempty"`
	// TargetMisfit is the mean of the cases' TargetMisfit (Burgers control models).
	TargetMisfit float64 `json:"target_misfit,omitempty"`
	// SmokeOut (mean and median) and Leakage: smoke control only.
	SmokeOut       float64 `json:"smoke_out,omitempty"`
	SmokeOutMedian float64 `json:"smoke_out_median,omitempty"`
	Leakage        float64 `json:"leakage,omitempty"`
	// Seconds is the wall time the method took, for throughput.
	Seconds float64 `json:"seconds"`
}

// Report is an evaluation: every case of every method and their summaries.
type Report struct {
	Task string `json:"task"`
	// System is "smoke" for smoke data (the metrics are smoke_out and leakage), empty for the 1-D systems.
	System  string       `json:"system,omitempty"`
	Data    string       `json:"data"`
	Methods []string     `json:"methods"`
	Results []CaseResult `json:"results"`
	Summary []Summary    `json:"summary"`
	// Seconds is each method's wall time (summed over merged shards).
	Seconds map[string]float64 `json:"seconds"`
}

// Evaluate runs every method on the chosen test cases of d. A case that fails (a diverging sample, a
// control that makes the solver blow up) is recorded with its error and the others go on.
func Evaluate(ctx context.Context, d *Data, methods []Method, o EvalOptions) (*Report, error) {
	if len(methods) == 0 {
		return nil, errors.New("wdno: no methods to evaluate")
	}
	if o.Task == Estimate {
		return nil, errors.New("wdno: estimation models are evaluated from sensor measurements (EvaluateEstimation, trajdiff pde estimate)")
	}
	if o.Batch <= 0 {
		o.Batch = 50
	}
	if o.EnergyWeight == 0 {
		o.EnergyWeight = 2e-5
	}
	if o.Front == 0 {
		o.Front = 0.9
	}
	cases, err := d.Cases(o.Cases)
	if err != nil {
		return nil, err
	}
	tcs := make([]TestCase, len(cases))
	for k, i := range cases {
		u, f, err := d.Fields(i, nil, nil)
		if err != nil {
			return nil, err
		}
		tcs[k] = TestCase{Index: i, ID: d.ID(i), U: u, F: f}
	}
	rep := &Report{Task: o.Task.String(), Data: d.Path, Seconds: map[string]float64{}}
	if d.IsSmoke() {
		rep.System = "smoke"
	}
	for _, m := range methods {
		if m.Model != nil {
			if err := m.Model.Compatible(d); err != nil {
				return nil, err
			}
			if (m.Search != nil || m.Refine > 0) && m.Model.Task != Control {
				return nil, fmt.Errorf("wdno: method %s: a search or refinement by control cost needs a control model", m.Name)
			}
			if m.Model.Task != o.Task {
				return nil, fmt.Errorf("wdno: method %s was trained for %v, this evaluation is %v", m.Name, m.Model.Task, o.Task)
			}
		} else if o.Task == Simulate {
			return nil, fmt.Errorf("wdno: method %s is a control baseline; simulation compares models", m.Name)
		} else if m.Refine > 0 {
			return nil, fmt.Errorf("wdno: method %s: refinement polishes a model's controls; a baseline has none", m.Name)
		}
		if o.Task == Control && !d.IsBurgers() && !d.IsSmoke() {
			return nil, fmt.Errorf("wdno: control is evaluated on Burgers or smoke data; %s comes from %q", d.Path, d.Generator.Name)
		}
		rep.Methods = append(rep.Methods, m.Name)
		began := time.Now()
		res, err := evaluateMethod(ctx, d, m, tcs, o)
		if err != nil {
			return nil, err
		}
		rep.Seconds[m.Name] += time.Since(began).Seconds()
		rep.Results = append(rep.Results, res...)
	}
	rep.Summary = Summarize(rep.Methods, rep.Results, rep.Seconds)
	return rep, nil
}

func evaluateMethod(ctx context.Context, d *Data, m Method, tcs []TestCase, o EvalOptions) ([]CaseResult, error) {
	out := make([]CaseResult, 0, len(tcs))
	if o.Progress != nil {
		o.Progress(m.Name, 0, len(tcs))
	}
	for lo := 0; lo < len(tcs); lo += o.Batch {
		batch := tcs[lo:min(lo+o.Batch, len(tcs))]
		var gen *Generated
		if m.Model != nil {
			req := o.Request
			req.Cases = make([]Case, len(batch))
			N := d.Cells * d.State
			for j, tc := range batch {
				req.Cases[j] = Case{U0: tc.U[:N]}
				if o.Task == Simulate {
					req.Cases[j].F = tc.F
				} else {
					req.Cases[j].Target = tc.U[len(tc.U)-N:]
				}
			}
			req.EnergyWeight = o.EnergyWeight
			var err error
			switch {
			case m.Search != nil && d.IsSmoke():
				idx := make([]int, len(batch))
				for j, tc := range batch {
					idx[j] = tc.Index
				}
				gen, err = m.Model.SearchSmokeControl(ctx, req, *m.Search, d, idx)
			case m.Search != nil:
				gen, err = m.Model.SearchControl(ctx, req, *m.Search, d.Params)
			default:
				gen, err = m.Model.Generate(ctx, req)
			}
			if err != nil {
				return nil, fmt.Errorf("wdno: %s: %w", m.Name, err)
			}
		}
		var res []CaseResult
		var err error
		if o.Task == Simulate {
			res = make([]CaseResult, len(batch))
			for j, tc := range batch {
				res[j] = CaseResult{Method: m.Name, Case: tc.Index, ID: tc.ID}
				if slices.Contains(gen.Failed, j) {
					res[j].Error = errDiverged.Error()
					continue
				}
				if d.IsSmoke() {
					// Fronts are a 1-D notion here: smoke reports the MSE of density, vx, vy and s.
					res[j].MSE, _ = simulationError(tc.U, gen.U[j], d.Cells, d.State, o.Front)
					continue
				}
				res[j].MSE, res[j].FrontMSE = simulationError(tc.U, gen.U[j], d.Cells, d.State, o.Front)
			}
		} else if d.IsSmoke() {
			if res, err = scoreSmokeControls(ctx, d, m, batch, gen, o); err != nil {
				return nil, err
			}
		} else if res, err = scoreControls(ctx, d, m, batch, gen, o); err != nil {
			return nil, err
		}
		out = append(out, res...)
		if o.Progress != nil {
			o.Progress(m.Name, min(lo+o.Batch, len(tcs)), len(tcs))
		}
	}
	return out, nil
}

// simulationError is the MSE over frames 1..K (and every state channel) of a generated trajectory, and
// over the front points: those whose true |du/dx| (central differences, zero beyond the ends) is at
// least the case's front quantile.
func simulationError(truth, gen []float64, cells, channels int, q float64) (mse, front float64) {
	N := cells * channels
	grad := make([]float64, 0, len(truth)-N)
	for i := N; i < len(truth); i++ {
		grad = append(grad, slope(truth, i, cells, channels))
	}
	sorted := slices.Clone(grad)
	sort.Float64s(sorted)
	cut := sorted[min(len(sorted)-1, int(q*float64(len(sorted))))]
	var nf int
	for i := N; i < len(truth); i++ {
		e := gen[i] - truth[i]
		mse += e * e
		if grad[i-N] >= cut {
			front += e * e
			nf++
		}
	}
	return mse / float64(len(truth)-N), front / float64(max(nf, 1))
}

// slope is |du/dx| at flat index i of a Frames x cells x channels field, in grid units, with zeros
// beyond the ends.
func slope(u []float64, i, cells, channels int) float64 {
	x := i / channels % cells
	var l, r float64
	if x > 0 {
		l = u[i-channels]
	}
	if x < cells-1 {
		r = u[i+channels]
	}
	return math.Abs(r-l) / 2
}
