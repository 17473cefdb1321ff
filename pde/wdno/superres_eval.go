package wdno

import (
	"cmp"
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
	Oracle bool
	// Progress is called with done = 0 for every level before the first batch, then for each level after
	// each batch (the levels of a batch run one after another).
	Progress func(level string, done, total int)
}

// SuperresLevel is the score of every method at one resolution: the MSE over frames 1..K against the
// test trajectory subsampled to that resolution, averaged over the cases (StdErr its standard error).
type SuperresLevel struct {
	Frames   int                `json:"frames"`
	Cells    int                `json:"cells"`
	Grid     []int              `json:"grid,omitempty"` // a 2-D system's grid (Cells its product)
	ZeroShot bool               `json:"zero_shot"`      // a resolution the model was not trained to produce
	MSE      map[string]float64 `json:"mse"`
	StdErr   map[string]float64 `json:"stderr"`
	Failed   map[string]int     `json:"failed,omitempty"` // diverged cases, left out of the mean
	Seconds  map[string]float64 `json:"seconds,omitempty"`
}

// SuperresReport is EvaluateSuperres's result.
type SuperresReport struct {
	Data    string          `json:"data"`
	Input   [2]int          `json:"input"`          // frames, cells of the coarse input
	Grid    []int           `json:"grid,omitempty"` // the coarse input's grid of a 2-D system
	Cases   int             `json:"cases"`
	Solver  string          `json:"solver"`
	Steps   int             `json:"steps"`
	NFE     int             `json:"nfe_per_pass"`
	Methods []string        `json:"methods"`
	Levels  []SuperresLevel `json:"levels"`
}

// Label names a level's resolution: frames x cells, or frames x gx x gy on a grid.
func (l SuperresLevel) Label() string {
	return levelLabel(LayoutConfig{Frames: l.Frames, Cells: l.Cells, Grid: l.Grid})
}

// TrainedResolutions are the fine resolutions (frames, cells) the model was trained to produce.
func (m *SuperModel) TrainedResolutions() [][2]int {
	lv := []int{0, 1}
	if m.Config.Superres != nil {
		lv = m.Config.Superres.Levels
	}
	var out [][2]int
	for _, k := range lv {
		if c, err := atLevel(m.Config.Layout, k); err == nil {
			out = append(out, [2]int{c.Frames, c.Cells})
		}
	}
	return out
}

// TrainedLabels names the trained fine resolutions: frames x cells, or frames x gx x gy on a grid.
func (m *SuperModel) TrainedLabels() []string {
	var out []string
	for _, r := range m.TrainedResolutions() {
		c := LayoutConfig{Frames: r[0], Cells: r[1]}
		if g := m.Config.Layout.Grid; g != nil {
			for k := 0; k < 8 && c.Grid == nil; k++ {
				if lc, err := atLevel(m.Config.Layout, k); err == nil && lc.Cells == r[1] {
					c.Grid = lc.Grid
				}
			}
		}
		out = append(out, levelLabel(c))
	}
	return out
}

// EvaluateSuperres scores the model's repeated super-resolution on test trajectories: from each case's
// trajectory subsampled Passes times (Burgers: in time and space; smoke: in space), the model refines
// step by step to the data's resolution, each step conditioned on the fine conditions of its level (the
// test data subsampled: Burgers' u0 and f, smoke's frame 0 and control) and on the previous step's
// output; at every level the result is compared with the test trajectory at that level, next to the
// nearest, bilinear and cubic interpolation of the coarse input (which see no conditions).
func EvaluateSuperres(ctx context.Context, m *SuperModel, d *Data, o SuperresEvalOptions) (*SuperresReport, error) {
	if o.Passes == 0 {
		o.Passes = 3
	}
	if o.Batch <= 0 {
		o.Batch = 16
	}
	if o.Passes < 1 {
		return nil, fmt.Errorf("wdno: %d super-resolution passes, want at least 1", o.Passes)
	}
	mc, dc := m.Config.Layout, d.layout(LayoutConfig{})
	if (mc.Grid == nil) == d.IsSmoke() {
		return nil, fmt.Errorf("wdno: the model refines %s trajectories (%s); %s holds %s ones from %q",
			map[bool]string{true: "2-D smoke", false: "1-D"}[mc.Grid != nil], levelLabel(mc), d.Path, levelLabel(dc), d.Generator.Name)
	}
	in, err := atLevel(dc, o.Passes)
	if err != nil || in.Frames < 2 || in.Cells < 2 {
		return nil, fmt.Errorf("wdno: %s (%s) subsampled %d times is too coarse (%s): %v", d.Path, levelLabel(dc), o.Passes, levelLabel(in), err)
	}
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
	if d.IsSmoke() && mc.Frames != d.Frames {
		return nil, fmt.Errorf("wdno: the model was trained on smoke trajectories of %d frames; %s has %d", mc.Frames, d.Path, d.Frames)
	}
	cases, err := d.Cases(o.Cases)
	if err != nil {
		return nil, err
	}
	sc := m.Config.Sample
	solver, steps := o.Solver, o.Steps
	solver, steps = cmp.Or(solver, sc.Solver, "ddpm"), cmp.Or(steps, sc.Steps, 50) // Upsample's defaults
	methods := []string{"wdno"}
	if o.Oracle {
		methods = append(methods, "wdno-oracle")
	}
	methods = append(methods, InterpNearest, InterpBilinear, InterpCubic)
	rep := &SuperresReport{Data: d.Path, Input: [2]int{in.Frames, in.Cells}, Grid: in.Grid, Cases: len(cases), Solver: solver, Steps: steps, Methods: methods}
	trained := m.TrainedResolutions()
	levels := make([]LayoutConfig, o.Passes)
	for li := range levels {
		if levels[li], err = atLevel(dc, o.Passes-1-li); err != nil {
			return nil, err
		}
		lc := levels[li]
		rep.Levels = append(rep.Levels, SuperresLevel{Frames: lc.Frames, Cells: lc.Cells, Grid: lc.Grid,
			ZeroShot: !slices.Contains(trained, [2]int{lc.Frames, lc.Cells}),
			MSE:      map[string]float64{}, StdErr: map[string]float64{}, Failed: map[string]int{}, Seconds: map[string]float64{}})
	}
	sq := map[string][]float64{} // per level and method: the cases' squared-error sums of MSE, for the std error
	key := func(lv int, meth string) string { return fmt.Sprint(lv, "/", meth) }
	if o.Progress != nil {
		for _, lv := range rep.Levels {
			o.Progress(lv.Label(), 0, len(cases))
		}
	}
	for b0 := 0; b0 < len(cases); b0 += o.Batch {
		batch := cases[b0:min(b0+o.Batch, len(cases))]
		us, fs := make([][]float64, len(batch)), make([][]float64, len(batch))
		for j, i := range batch {
			if us[j], fs[j], err = d.Fields(i, nil, nil); err != nil {
				return nil, err
			}
		}
		at := func(j, k int) ([]float64, []float64, error) { return fieldsAtLevel(dc, us[j], fs[j], k) }
		input := make([][]float64, len(batch))
		for j := range batch {
			if input[j], _, err = at(j, o.Passes); err != nil {
				return nil, err
			}
		}
		prev := input
		for li := range rep.Levels {
			lv, lc := &rep.Levels[li], levels[li]
			k := o.Passes - 1 - li
			truth, u0s, ctrl, oracleIn := make([][]float64, len(batch)), make([][]float64, len(batch)), make([][]float64, len(batch)), make([][]float64, len(batch))
			for j := range batch {
				if truth[j], ctrl[j], err = at(j, k); err != nil {
					return nil, err
				}
				u0s[j] = truth[j][:lc.Cells*d.State]
				if oracleIn[j], _, err = at(j, k+1); err != nil {
					return nil, err
				}
			}
			run := func(meth string, coarse [][]float64) ([][]float64, error) {
				start := time.Now()
				gen, err := m.Upsample(ctx, UpsampleRequest{Coarse: coarse, U0: u0s, F: ctrl, Frames: lc.Frames, Cells: lc.Cells, Grid: lc.Grid,
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
					if outs[kind][j], err = interpolateLevel(kind, input[j], in, lc, s); err != nil {
						return nil, err
					}
				}
			}
			for _, meth := range methods {
				for j := range batch {
					e := levelMSE(outs[meth][j], truth[j], lc)
					if math.IsNaN(e) {
						lv.Failed[meth]++
						continue
					}
					sq[key(li, meth)] = append(sq[key(li, meth)], e)
				}
			}
			prev = outs["wdno"]
			if o.Progress != nil {
				o.Progress(lv.Label(), b0+len(batch), len(cases))
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

// interpolateLevel carries a coarse input (resolution in) by s in each subsampled axis to c's
// resolution: Burgers' time and space, every frame of smoke's grid on its own (time is not subsampled).
func interpolateLevel(kind string, coarse []float64, in, c LayoutConfig, s int) ([]float64, error) {
	if c.Grid == nil {
		return Interpolate(kind, coarse, in.Frames, in.Cells, c.State, c.Frames, c.Cells, s)
	}
	out := make([]float64, 0, c.Frames*c.Cells*c.State)
	per := in.Cells * c.State
	if len(coarse) != in.Frames*per || in.Frames != c.Frames {
		return nil, fmt.Errorf("wdno: interpolate %d values of %s to %s", len(coarse), levelLabel(in), levelLabel(c))
	}
	for t := 0; t < c.Frames; t++ {
		fr, err := Interpolate(kind, coarse[t*per:(t+1)*per], in.Grid[0], in.Grid[1], c.State, c.Grid[0], c.Grid[1], s)
		if err != nil {
			return nil, err
		}
		out = append(out, fr...)
	}
	return out, nil
}

// levelMSE is the score of a state trajectory a against the truth b at c's resolution: the mean squared
// difference over frames 1.. (frame 0 is given), and on smoke over density, vx and vy (s, one given number
// per frame, is left out), NaN when a is.
func levelMSE(a, b []float64, c LayoutConfig) float64 {
	if c.Grid == nil {
		return frameMSE(a, b, c.Cells*c.State)
	}
	var s float64
	var n int
	for i := c.Cells * c.State; i < len(b); i++ {
		if i%c.State == smokeS {
			continue
		}
		e := a[i] - b[i]
		s += e * e
		n++
	}
	return s / float64(n)
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
