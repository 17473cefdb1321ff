package wdno

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/trajdiff/trajdiff/internal/parallel"
	"github.com/trajdiff/trajdiff/pde/burgers"
)

// EstimationOptions configure EvaluateEstimation.
type EstimationOptions struct {
	EstimateOptions
	Methods []EstimateMethod // nil: every method (the model's only when a model is given)
	Cases   []int            // dataset indices (nil: all)
	Batch   int              // problems per batch (default 50)
	// MeasureSeed keys the measurement noise: case i's readings depend only on (MeasureSeed, i), so every
	// method sees the same measurements.
	MeasureSeed uint64
	Workers     int // re-simulation in parallel (0: all cores)
	// Progress is called with done = 0 as each method starts, then after each batch.
	Progress func(method string, done, total int)
}

// EstimationResult is one method on one case: mean squared errors against the true state over the whole
// trajectory, its initial frame and the unmeasured points, and the RMS of the readings' misfit (the
// constraint violation; the noise level is what an exact estimate leaves).
type EstimationResult struct {
	Method    string  `json:"method"`
	Case      int     `json:"case"`
	ID        int64   `json:"id"`
	MSE       float64 `json:"mse"`
	U0MSE     float64 `json:"u0_mse"`
	HiddenMSE float64 `json:"hidden_mse"`
	Residual  float64 `json:"residual"`
	Error     string  `json:"error,omitempty"`
}

// EstimationSummary is one method's means over the cases that did not fail, with the standard error of
// the MSE.
type EstimationSummary struct {
	Method    string  `json:"method"`
	Cases     int     `json:"cases"`
	Failed    int     `json:"failed"`
	MSE       float64 `json:"mse"`
	MSEErr    float64 `json:"mse_se"`
	U0MSE     float64 `json:"u0_mse"`
	HiddenMSE float64 `json:"hidden_mse"`
	Residual  float64 `json:"residual"`
	NFE       int     `json:"nfe"`
	Seconds   float64 `json:"seconds"`
}

// EstimationReport is a state-estimation evaluation and the settings that produced it.
type EstimationReport struct {
	Data        string              `json:"data"`
	Sensors     Sensors             `json:"sensors"`
	MeasureSeed uint64              `json:"measure_seed"`
	Settings    *EstimationSettings `json:"settings,omitempty"` // with a model
	Methods     []string            `json:"methods"`
	Results     []EstimationResult  `json:"results"`
	Summary     []EstimationSummary `json:"summary"`
}

// EstimationSettings are the model methods' settings as they ran.
type EstimationSettings struct {
	Solver         string  `json:"solver"`
	Steps          int     `json:"steps"`
	Seed           uint64  `json:"seed"`
	Guidance       float64 `json:"guidance"`
	REDDiffSteps   int     `json:"reddiff_steps"`
	REDDiffLR      float64 `json:"reddiff_lr"`
	REDDiffLambda  float64 `json:"reddiff_lambda"`
	REDDiffSigmaY  float64 `json:"reddiff_sigma_y"`
	REDDiffAverage int     `json:"reddiff_average,omitempty"`
}

// EvaluateEstimation measures the chosen test cases of d with o.Sensors and estimates their state
// trajectories by every method (the model's with m, which may be nil for the model-free ones). A case that
// fails is recorded with its error and the others go on.
func EvaluateEstimation(ctx context.Context, d *Data, m *Model, o EstimationOptions) (*EstimationReport, error) {
	c := d.layout(LayoutConfig{})
	if m != nil {
		if err := m.Compatible(d); err != nil {
			return nil, err
		}
		c = m.Layout.Config()
	}
	methods := o.Methods
	if methods == nil {
		for _, k := range EstimateMethods() {
			if m != nil || !k.usesModel() {
				methods = append(methods, k)
			}
		}
	}
	for _, k := range methods {
		switch {
		case !k.valid():
			return nil, fmt.Errorf("wdno: unknown estimation method %q", k)
		case k.usesModel() && m == nil:
			return nil, fmt.Errorf("wdno: method %s needs a trained estimation model", k)
		case k == EstimateResimulate && !d.IsBurgers():
			return nil, fmt.Errorf("wdno: re-simulation is defined for Burgers; %s comes from %q", d.Path, d.Generator.Name)
		}
	}
	idx, frames, err := o.Sensors.resolve(c)
	if err != nil {
		return nil, err
	}
	if slices.Contains(methods, EstimateResimulate) && frames[0] != 0 {
		return nil, errors.New("wdno: re-simulation starts from the readings of frame 0, which the sensors do not read")
	}
	if o.Batch <= 0 {
		o.Batch = 50
	}
	cases, err := d.Cases(o.Cases)
	if err != nil {
		return nil, err
	}
	truth, probs := make([][]float64, len(cases)), make([]EstimationProblem, len(cases))
	ids := make([]int64, len(cases))
	for k, i := range cases {
		u, f, err := d.Fields(i, nil, nil)
		if err != nil {
			return nil, err
		}
		y, err := o.Sensors.Measure(c, u, o.MeasureSeed, uint32(i))
		if err != nil {
			return nil, err
		}
		truth[k], probs[k], ids[k] = u, EstimationProblem{F: f, Y: y}, d.ID(i)
	}
	rep := &EstimationReport{Data: d.Path, Sensors: o.Sensors, MeasureSeed: o.MeasureSeed}
	if m != nil {
		solver, steps, _ := m.Settings(Request{Solver: o.Solver, Steps: o.Steps})
		ro := o.redDiffOptions(steps)
		rep.Settings = &EstimationSettings{Solver: solver, Steps: steps, Seed: o.Seed, Guidance: cmp.Or(o.Guidance, defaultEstimateGuidance),
			REDDiffSteps: ro.Steps, REDDiffLR: ro.LR, REDDiffLambda: ro.Lambda, REDDiffSigmaY: ro.SigmaY, REDDiffAverage: ro.Average}
	}
	for _, k := range methods {
		rep.Methods = append(rep.Methods, string(k))
		began := time.Now()
		nfe := 0
		if o.Progress != nil {
			o.Progress(string(k), 0, len(cases))
		}
		for lo := 0; lo < len(cases); lo += o.Batch {
			hi := min(lo+o.Batch, len(cases))
			est, errs, err := estimateBatch(ctx, d, m, k, probs[lo:hi], c, o)
			if err != nil && ctx.Err() != nil {
				return nil, ctx.Err()
			}
			for j := lo; j < hi; j++ {
				r := EstimationResult{Method: string(k), Case: cases[j], ID: ids[j]}
				switch {
				case err != nil:
					r.Error = err.Error()
				case errs[j-lo] != nil:
					r.Error = errs[j-lo].Error()
				default:
					r.MSE, r.U0MSE, r.HiddenMSE, r.Residual = estimationErrors(c, idx, truth[j], est.U[j-lo], probs[j].Y)
				}
				rep.Results = append(rep.Results, r)
			}
			if est != nil {
				nfe = est.NFE
			}
			if o.Progress != nil {
				o.Progress(string(k), hi, len(cases))
			}
		}
		rep.Summary = append(rep.Summary, summarizeEstimation(string(k), rep.Results, nfe, time.Since(began).Seconds()))
	}
	return rep, nil
}

// estimateBatch runs one method on a batch; a per-problem failure is in errs, a failure of the whole
// batch in err.
func estimateBatch(ctx context.Context, d *Data, m *Model, k EstimateMethod, probs []EstimationProblem, c LayoutConfig, o EstimationOptions) (*Estimated, []error, error) {
	errs := make([]error, len(probs))
	switch k {
	case EstimateInterpolate:
		est := &Estimated{}
		for j, p := range probs {
			u, err := InterpolateSensors(c, o.Sensors, p.Y)
			est.U, errs[j] = append(est.U, u), err
		}
		return est, errs, nil
	case EstimateResimulate:
		return resimulate(ctx, d.Params, c, probs, o)
	}
	est, err := m.Estimate(ctx, k, probs, o.EstimateOptions)
	if err != nil {
		return nil, nil, err
	}
	for _, j := range est.Failed {
		errs[j] = errDiverged
	}
	return est, errs, nil
}

// resimulate runs the Burgers solver from the interpolated frame-0 readings under each problem's control.
func resimulate(ctx context.Context, p burgers.Params, c LayoutConfig, probs []EstimationProblem, o EstimationOptions) (*Estimated, []error, error) {
	N, K := c.Cells, p.Frames
	M := len(o.Sensors.Cells) // readings of frame 0, the first frame read
	w := burgers.BatchWidth
	est := &Estimated{U: make([][]float64, len(probs))}
	errs := make([]error, len(probs))
	groups := (len(probs) + w - 1) / w
	type solved struct {
		trajs [][]float64
		errs  []error
	}
	err := parallel.Ordered(ctx, 0, groups, o.Workers, func(ctx context.Context, g int) (solved, error) {
		group := probs[g*w : min((g+1)*w, len(probs))]
		s, err := burgers.NewBatchSolver(p, w)
		if err != nil {
			return solved{}, err
		}
		u0s, fs := make([][]float64, len(group)), make([][]float64, len(group))
		row := LayoutConfig{Frames: 1, Cells: N, State: 1}
		for j, pr := range group {
			if u0s[j], err = InterpolateSensors(row, Sensors{Cells: o.Sensors.Cells}, pr.Y[:M]); err != nil {
				return solved{}, err
			}
			fs[j] = pr.F[:K*N]
		}
		trajs, errs, err := s.Solve(ctx, u0s, fs, nil)
		return solved{trajs, errs}, err
	}, func(g int, r solved) error {
		for j := range r.trajs {
			est.U[g*w+j], errs[g*w+j] = r.trajs[j], r.errs[j]
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return est, errs, nil
}

// estimationErrors returns the MSE of est against truth over every value, over the initial frame and over
// the unmeasured values, and the RMS misfit of est's readings to y.
func estimationErrors(c LayoutConfig, idx []int, truth, est, y []float64) (mse, u0, hidden, residual float64) {
	measured := make([]bool, len(truth))
	for _, i := range idx {
		measured[i] = true
	}
	N := c.Cells * c.State
	nh := 0
	for i, v := range truth {
		e := (est[i] - v) * (est[i] - v)
		mse += e
		if i < N {
			u0 += e
		}
		if !measured[i] {
			hidden += e
			nh++
		}
	}
	for r, i := range idx {
		residual += (est[i] - y[r]) * (est[i] - y[r])
	}
	return mse / float64(len(truth)), u0 / float64(N), hidden / float64(max(nh, 1)), math.Sqrt(residual / float64(len(idx)))
}

// summarizeEstimation averages method's results over the cases that did not fail.
func summarizeEstimation(method string, results []EstimationResult, nfe int, seconds float64) EstimationSummary {
	s := EstimationSummary{Method: method, NFE: nfe, Seconds: seconds}
	var sq float64
	for _, r := range results {
		if r.Method != method {
			continue
		}
		s.Cases++
		if r.Error != "" {
			s.Failed++
			continue
		}
		s.MSE += r.MSE
		sq += r.MSE * r.MSE
		s.U0MSE += r.U0MSE
		s.HiddenMSE += r.HiddenMSE
		s.Residual += r.Residual
	}
	if n := float64(s.Cases - s.Failed); n > 0 {
		s.MSE /= n
		s.U0MSE /= n
		s.HiddenMSE /= n
		s.Residual /= n
		if n > 1 {
			s.MSEErr = math.Sqrt(max(0, sq/n-s.MSE*s.MSE) / (n - 1))
		}
	}
	return s
}
