package wdno

import (
	"context"
	"fmt"
	"slices"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/internal/parallel"
	"github.com/trajdiff/trajdiff/pde/smoke"
)

// Smoke's control objective (WDNO, smoke/inference_2d.py): J = -s(T-1) + SmokeD0Weight mean_cells (d(0) -
// d0*)^2, the share of the smoke through the target exit at the last modelled frame and the mismatch of
// the initial density with the given one; the guidance weight of the reference code is SmokeGuidance.
const (
	SmokeD0Weight = 0.1
	SmokeGuidance = 100.0
)

// smokeObjective guides smoke control by J of the decoded trajectory, s(T-1) read as the mean of the s
// channel over the cells of the last frame (the wavelet layout repeats one value there).
type smokeObjective struct {
	d0s           [][]float64 // the given initial density of each case (Cells)
	cells, frames int
}

// value is J of a decoded trajectory u (Frames x Cells x 4) of case j.
func (o smokeObjective) value(j int, u []float64) float64 {
	C, last := o.cells, (o.frames-1)*o.cells*smokeState
	var s, mis float64
	for c := 0; c < C; c++ {
		s += u[last+c*smokeState+smokeS]
		e := u[c*smokeState] - o.d0s[j][c]
		mis += e * e
	}
	return -s/float64(C) + SmokeD0Weight*mis/float64(C)
}

func (o smokeObjective) grad(j int, u, f, gu, gf []float64) {
	clear(gu)
	clear(gf)
	C, last := o.cells, (o.frames-1)*o.cells*smokeState
	for c := 0; c < C; c++ {
		gu[last+c*smokeState+smokeS] = -1 / float64(C)
		gu[c*smokeState] = 2 * SmokeD0Weight * (u[c*smokeState] - o.d0s[j][c]) / float64(C)
	}
}

// simulatorControl converts a model's or baseline's control (Frames x Cells x 2, cells in the dataset's (x, y)
// order; nil: zero) into the simulator's (Stored frames x rows (y) x columns (x) x 2); frames after the
// modelled ones get zero control, which cannot change the frames the objective reads.
func simulatorControl(d *Data, f []float64) []float64 {
	m := d.Grid[0]
	out := make([]float64, d.Smoke.Stored*m*m*2)
	if f != nil {
		swapSpaceAxes(out, f, d.Frames, m)
	}
	return out
}

// swapSpaceAxes writes into dst the first T frames of src (frames x m x m x 2) with the two space indices
// exchanged: the dataset's (x, y) cell order becomes the simulator's (y, x) and back (its own inverse).
func swapSpaceAxes(dst, src []float64, T, m int) {
	for t := 0; t < T; t++ {
		for a := 0; a < m; a++ {
			for b := 0; b < m; b++ {
				i, j := ((t*m+a)*m+b)*2, ((t*m+b)*m+a)*2
				dst[j], dst[j+1] = src[i], src[i+1]
			}
		}
	}
}

// smokeScore is one re-simulated smoke control: smoke_out and leakage after frame T-1, the initial
// density's mismatch, J, the mean squared control, and the share after frame T-1 the model predicted;
// with the re-simulated trajectory (every stored frame).
func smokeScore(ctx context.Context, d *Data, s *smoke.Simulator, init smoke.Initial, f, u0 []float64) (CaseResult, *smoke.Trajectory, error) {
	tr, err := s.Run(ctx, init, simulatorControl(d, f))
	if err != nil {
		return CaseResult{}, nil, err
	}
	T, C := d.Frames, d.Cells
	out := tr.Outflow[T-1]
	var r CaseResult
	total := out.Remaining
	for _, e := range out.Exits {
		total += e
	}
	tg := d.Smoke.layout.Target
	r.SmokeOut = out.SmokeOut(tg)
	if total > 0 {
		for e, v := range out.Exits {
			if e != tg {
				r.Leakage += v / total
			}
		}
	}
	// Frame 0 of the re-simulation (rows y, columns x) against the given d0 (dataset order (x, y)).
	m := d.Grid[0]
	for x := 0; x < m; x++ {
		for y := 0; y < m; y++ {
			e := tr.State[(y*m+x)*3] - u0[(x*m+y)*smokeState]
			r.Misfit += e * e / float64(C)
		}
	}
	for _, v := range f {
		r.Energy += v * v
	}
	if len(f) > 0 {
		r.Energy /= float64(T * C * 2)
	}
	r.J = -r.SmokeOut + SmokeD0Weight*r.Misfit
	return r, tr, nil
}

// smokeResim is a control re-simulated from a test case's true initial square: its score and Err, the
// solver's own failure on this control (a result of the case; the rest is then empty). The run itself
// is kept for row, which only WriteGenerated needs.
type smokeResim struct {
	Score CaseResult
	Err   error
	sim   *smoke.Simulator
	run   *smoke.Trajectory
}

// row is the run as a row of the source dataset's layout (pde/smoke's Generator.Row: every stored
// frame, the parameters x0 ... smoke_out_k).
func (r smokeResim) row(d *Data) datasets.FieldTrajectory {
	return smoke.Generator{Params: d.Smoke.Params}.Row(r.sim, r.run)
}

// resimulateSmoke runs control f (Frames x Cells x 2 in the dataset's order; nil: zero) with pde/smoke
// from case i's true initial square, u0 being the case's given state frame 0 (for the misfit). The error
// is a failure to set the run up or cancellation; the solver's failure is recorded in the result.
func resimulateSmoke(ctx context.Context, d *Data, i int, f, u0 []float64) (smokeResim, error) {
	init, err := d.smokeInitial(i)
	if err != nil {
		return smokeResim{}, err
	}
	s, err := smoke.NewSimulator(d.Smoke.Params)
	if err != nil {
		return smokeResim{}, fmt.Errorf("wdno: %w", err)
	}
	sc, tr, err := smokeScore(ctx, d, s, init, f, u0)
	if err != nil {
		if ctx.Err() != nil {
			return smokeResim{}, ctx.Err()
		}
		return smokeResim{Err: err}, nil
	}
	return smokeResim{Score: sc, sim: s, run: tr}, nil
}

// scoreSmokeControls re-simulates each case's control (the model's, or a baseline's) with pde/smoke from
// the case's true initial square, in parallel, one simulator per case. A case's own failure is recorded
// in its result.
func scoreSmokeControls(ctx context.Context, d *Data, m Method, batch []TestCase, gen *Generated, o EvalOptions) ([]CaseResult, error) {
	res := make([]CaseResult, len(batch))
	err := parallel.Ordered(ctx, 0, len(batch), o.Workers, func(ctx context.Context, j int) (CaseResult, error) {
		tc := batch[j]
		r := CaseResult{Method: m.Name, Case: tc.Index, ID: tc.ID}
		var f []float64
		switch {
		case gen != nil && slices.Contains(gen.Failed, j):
			r.Error = errDiverged.Error()
			return r, nil
		case gen != nil && m.Refine > 0:
			var err error
			if f, err = smokeOptimum(ctx, d, tc, gen.F[j], m.Refine); err != nil {
				if ctx.Err() != nil {
					return r, ctx.Err()
				}
				r.Error = fmt.Sprintf("refinement: %v", err)
				return r, nil
			}
		case gen != nil:
			f = gen.F[j]
		default:
			var err error
			if f, err = m.Baseline(ctx, tc); err != nil {
				if ctx.Err() != nil {
					return r, ctx.Err()
				}
				r.Error = err.Error()
				return r, nil
			}
		}
		rs, err := resimulateSmoke(ctx, d, tc.Index, f, tc.U[:d.Cells*smokeState])
		if err != nil {
			return r, err
		}
		if rs.Err != nil {
			r.Error = fmt.Sprintf("re-simulation: %v", rs.Err)
			return r, nil
		}
		sc := rs.Score
		sc.Method, sc.Case, sc.ID = r.Method, r.Case, r.ID
		if gen != nil && m.Refine == 0 {
			var s float64 // the model's own s(T-1), the mean of its s channel over the last frame
			for c := 0; c < d.Cells; c++ {
				s += gen.U[j][((d.Frames-1)*d.Cells+c)*smokeState+smokeS] / float64(d.Cells)
			}
			sc.ModelMisfit = (s - sc.SmokeOut) * (s - sc.SmokeOut)
		}
		return sc, nil
	}, func(j int, r CaseResult) error {
		res[j] = r
		return nil
	})
	return res, err
}
