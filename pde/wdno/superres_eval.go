package wdno

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"
)

// SuperresEvalOptions configures EvaluateSuperres.
type SuperresEvalOptions struct {
	// Passes is the number of super-resolution steps: the input is the test data subsampled 2^Passes
	// times and the last step reaches the data's own resolution (default 3, WDNO's 21 x 30 from 161 x 240).
	Passes int
	Cases  []int  // dataset indices (nil: all)
	Batch  int    // cases per sampling batch (default 16)
	Solver string // sampling solver (default the model's)
	Steps  int    // solver steps (default the model's)
	Seed   uint64
	// Oracle adds "wdno-oracle": each step from the true coarse trajectory of its level instead of the
	// previous step's output, which separates one step's error from the chain's accumulation.
	Oracle   bool
	Progress func(level string, done, total int)
}

// SuperresLevel is the score of every method at one resolution: the MSE over frames 1..K against the
// test trajectory subsampled to that resolution, averaged over the cases (StdErr its standard error).
type SuperresLevel struct {
	Frames   int                `json:"frames"`
	Cells    int                `json:"cells"`
	ZeroShot bool               `json:"zero_shot"` // a resolution the model was not trained to produce
	MSE      map[string]float64 `json:"mse"`
	StdErr   map[string]float64 `json:"stderr"`
	Failed   map[string]int     `json:"failed,omitempty"` // diverged cases, left out of the mean
	Seconds  map[string]float64 `json:"seconds,omitempty"`
}

// SuperresReport is EvaluateSuperres's result.
type SuperresReport struct {
	Data    string          `json:"data"`
	Input   [2]int          `json:"input"` // frames, cells of the coarse input
	Cases   int             `json:"cases"`
	Solver  string          `json:"solver"`
	Steps   int             `json:"steps"`
	NFE     int             `json:"nfe_per_pass"`
	Methods []string        `json:"methods"`
	Levels  []SuperresLevel `json:"levels"`
}

// TrainedResolutions are the fine resolutions the model was trained to produce.
func (m *SuperModel) TrainedResolutions() [][2]int {
	c := m.Config.Layout
	lv := []int{0, 1}
	if m.Config.Superres != nil {
		lv = m.Config.Superres.Levels
	}
	var out [][2]int
	for _, k := range lv {
		f, n := levelSize(c.Frames, c.Cells, k)
		out = append(out, [2]int{f, n})
	}
	return out
}

// EvaluateSuperres scores the model's repeated super-resolution on test trajectories: from each case's
// trajectory subsampled Passes times, the model refines step by step to the data's resolution, each step
// conditioned on the fine u0 and f of its level (the test data subsampled) and on the previous step's
// output; at every level the result is compared with the test trajectory at that level, next to the
// nearest, bilinear and cubic interpolation of the coarse input (which see neither u0 nor f).
func EvaluateSuperres(ctx context.Context, m *SuperModel, d *Data, o SuperresEvalOptions) (*SuperresReport, error) {
	if d.IsSmoke() {
		return nil, fmt.Errorf("wdno: super-resolution is defined for the 1-D systems; %s is smoke", d.Path)
	}
	if o.Passes == 0 {
		o.Passes = 3
	}
	if o.Batch <= 0 {
		o.Batch = 16
	}
	if o.Passes < 1 {
		return nil, fmt.Errorf("wdno: %d super-resolution passes, want at least 1", o.Passes)
	}
	fc, nc := levelSize(d.Frames, d.Cells, o.Passes)
	if fc < 2 || nc < 2 {
		return nil, fmt.Errorf("wdno: %s (%d x %d) subsampled %d times is %d x %d, too coarse", d.Path, d.Frames, d.Cells, o.Passes, fc, nc)
	}
	mc := m.Config.Layout
	state, control := max(mc.State, 1), 1
	if mc.Control != nil {
		control = *mc.Control
	}
	if d.State != state || d.Control != control {
		return nil, fmt.Errorf("wdno: the model takes %d state and %d control channels, %s holds %d and %d", state, control, d.Path, d.State, d.Control)
	}
	if s := m.Config.Solver; s != nil && (!d.IsBurgers() || s.Nu != d.Params.Nu || s.T != d.Params.T) {
		return nil, fmt.Errorf("wdno: the model was trained on Burgers with nu %v over T %v; %s is %q %+v", s.Nu, s.T, d.Path, d.Generator.Name, d.Params)
	}
	cases, err := d.Cases(o.Cases)
	if err != nil {
		return nil, err
	}
	sc := m.Config.Sample
	solver, steps := o.Solver, o.Steps
	if solver == "" {
		solver = sc.Solver
	}
	if steps == 0 {
		steps = sc.Steps
	}
	methods := []string{"wdno"}
	if o.Oracle {
		methods = append(methods, "wdno-oracle")
	}
	methods = append(methods, InterpNearest, InterpBilinear, InterpCubic)
	rep := &SuperresReport{Data: d.Path, Input: [2]int{fc, nc}, Cases: len(cases), Solver: solver, Steps: steps, Methods: methods}
	trained := m.TrainedResolutions()
	for k := o.Passes - 1; k >= 0; k-- {
		f, n := levelSize(d.Frames, d.Cells, k)
		rep.Levels = append(rep.Levels, SuperresLevel{Frames: f, Cells: n, ZeroShot: !slices.Contains(trained, [2]int{f, n}),
			MSE: map[string]float64{}, StdErr: map[string]float64{}, Failed: map[string]int{}, Seconds: map[string]float64{}})
	}
	sq := map[string][]float64{} // per level and method: the cases' squared-error sums of MSE, for the std error
	key := func(lv int, meth string) string { return fmt.Sprint(lv, "/", meth) }
	S, C := d.State, d.Control
	for b0 := 0; b0 < len(cases); b0 += o.Batch {
		batch := cases[b0:min(b0+o.Batch, len(cases))]
		us, fs := make([][]float64, len(batch)), make([][]float64, len(batch))
		for j, i := range batch {
			if us[j], fs[j], err = d.Fields(i, nil, nil); err != nil {
				return nil, err
			}
		}
		at := func(j, k int) ([]float64, []float64) { return levelFields(us[j], fs[j], d.Frames, d.Cells, S, C, k) }
		input := make([][]float64, len(batch))
		for j := range batch {
			input[j], _ = at(j, o.Passes)
		}
		prev := input
		for li, lv := range rep.Levels {
			k := o.Passes - 1 - li
			truth, u0s, ctrl, oracleIn := make([][]float64, len(batch)), make([][]float64, len(batch)), make([][]float64, len(batch)), make([][]float64, len(batch))
			for j := range batch {
				truth[j], ctrl[j] = at(j, k)
				u0s[j] = truth[j][:lv.Cells*S]
				oracleIn[j], _ = at(j, k+1)
			}
			run := func(meth string, coarse [][]float64) ([][]float64, error) {
				start := time.Now()
				gen, err := m.Upsample(ctx, UpsampleRequest{Coarse: coarse, U0: u0s, F: ctrl, Frames: lv.Frames, Cells: lv.Cells,
					Solver: solver, Steps: steps, Seed: o.Seed + uint64(b0)})
				if err != nil {
					return nil, err
				}
				lv.Seconds[meth] += time.Since(start).Seconds()
				rep.NFE = gen.NFE
				for _, j := range gen.Failed {
					for i := range gen.U[j] {
						gen.U[j][i] = math.NaN()
					}
				}
				return gen.U, nil
			}
			outs := map[string][][]float64{}
			if outs["wdno"], err = run("wdno", prev); err != nil {
				return nil, err
			}
			if o.Oracle {
				if outs["wdno-oracle"], err = run("wdno-oracle", oracleIn); err != nil {
					return nil, err
				}
			}
			s := 1 << (li + 1)
			for _, kind := range []string{InterpNearest, InterpBilinear, InterpCubic} {
				outs[kind] = make([][]float64, len(batch))
				for j := range batch {
					if outs[kind][j], err = Interpolate(kind, input[j], fc, nc, S, lv.Frames, lv.Cells, s); err != nil {
						return nil, err
					}
				}
			}
			for _, meth := range methods {
				for j := range batch {
					e := frameMSE(outs[meth][j], truth[j], lv.Cells*S)
					if math.IsNaN(e) {
						lv.Failed[meth]++
						continue
					}
					sq[key(li, meth)] = append(sq[key(li, meth)], e)
				}
			}
			prev = outs["wdno"]
			if o.Progress != nil {
				o.Progress(fmt.Sprintf("%dx%d", lv.Frames, lv.Cells), b0+len(batch), len(cases))
			}
		}
	}
	for li := range rep.Levels {
		lv := &rep.Levels[li]
		for _, meth := range methods {
			es := sq[key(li, meth)]
			mean, se := meanStdErr(es)
			lv.MSE[meth], lv.StdErr[meth] = mean, se
		}
	}
	return rep, nil
}

// frameMSE is the mean squared difference over frames 1.. (frame 0 is given), NaN when a is.
func frameMSE(a, b []float64, frame int) float64 {
	var s float64
	for i := frame; i < len(b); i++ {
		e := a[i] - b[i]
		s += e * e
	}
	return s / float64(len(b)-frame)
}

func meanStdErr(v []float64) (float64, float64) {
	if len(v) == 0 {
		return math.NaN(), math.NaN()
	}
	var m float64
	for _, x := range v {
		m += x
	}
	m /= float64(len(v))
	if len(v) < 2 {
		return m, 0
	}
	var ss float64
	for _, x := range v {
		ss += (x - m) * (x - m)
	}
	return m, math.Sqrt(ss / float64(len(v)-1) / float64(len(v)))
}
