package smoke

import (
	"fmt"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/pde"
)

// Generator is the system's pde.FieldSystem, which pde.WriteFields writes.
var _ pde.FieldSystem = Generator{}

// Name is "smoke" (pde.FieldSystem).
func (g Generator) Name() string { return "smoke" }

// datasetParamNames are the per-trajectory parameters: the initial square, the final objective terms,
// the remaining density, one counter per exit, and then the target share s(t_k) = smoke_out after stored
// frame k for every frame (WDNO's sixth field, which its models generate jointly with the state; appended
// after the others so that readers of the first 13 are unaffected).
func (g Generator) datasetParamNames() []string {
	names := []string{"x0", "y0", "size", "smoke_out", "leakage", "remaining"}
	for e := range len(WDNOLayout(g.Params.N).Exits) {
		names = append(names, fmt.Sprintf("exit%d", e))
	}
	for k := range g.Params.Frames() {
		names = append(names, SmokeOutParam(k))
	}
	return names
}

// SmokeOutParam is the dataset parameter holding the target share after stored frame k.
func SmokeOutParam(k int) string { return fmt.Sprintf("smoke_out_%d", k) }

// FieldSpec is the fields-dataset layout: Frames() states (density, vx, vy) and controls (cx, cy) on the
// Save x Save stored grid with axes (x, y), in simulation cells.
func (g Generator) FieldSpec() datasets.FieldSpec {
	p := g.Params
	m, names := p.Save, g.datasetParamNames()
	return datasets.FieldSpec{Frames: p.Frames(), Grid: []int{m, m}, StateChannels: 3, ControlChannels: 2, ParamDim: len(names),
		Dt: float64(p.Stride), Extent: [][2]float64{{0, float64(p.N)}, {0, float64(p.N)}},
		StateNames: []string{"density", "vx", "vy"}, ControlNames: []string{"cx", "cy"}, ParamNames: names}
}

// Row is trajectory tr, run by s, as a dataset row: state and control reordered from the simulator's
// rows (y) x columns (x) to the datasets' grid axes (x, y); parameters as in FieldSpec, the objective
// evaluated on s's layout.
func (g Generator) Row(s *Simulator, tr *Trajectory) datasets.FieldTrajectory {
	f, m := g.Params.Frames(), g.Params.Save
	last := tr.Outflow[len(tr.Outflow)-1]
	c := Objective{}.Eval(tr, s.Layout())
	params := []float64{float64(tr.Initial.X0), float64(tr.Initial.Y0), float64(tr.Initial.Size), c.SmokeOut, c.Leakage, last.Remaining}
	params = append(params, last.Exits...)
	target := s.Layout().Target
	for _, o := range tr.Outflow {
		params = append(params, o.SmokeOut(target))
	}
	return datasets.FieldTrajectory{State: xyOrder(tr.State, f, m, 3), Control: xyOrder(tr.Control, f, m, 2), Params: params}
}

// xyOrder reorders frames x rows(y) x columns(x) x c into the datasets layout frames x x x y x c.
func xyOrder(v []float64, frames, m, c int) []float64 {
	out := make([]float64, len(v))
	for f := 0; f < frames; f++ {
		for y := 0; y < m; y++ {
			for x := 0; x < m; x++ {
				src := ((f*m+y)*m + x) * c
				dst := ((f*m+x)*m + y) * c
				copy(out[dst:dst+c], v[src:src+c])
			}
		}
	}
	return out
}

// NewRows returns one worker's row function with its own simulator (pde.FieldSystem).
func (g Generator) NewRows() (pde.RowFunc, error) {
	return pde.Rows(g.NewSimulator, g.Trajectory, g.Row)
}

// DatasetParams are the parameters recorded in a dataset's generator metadata.
func (g Generator) DatasetParams() map[string]any {
	p := g.Params
	return map[string]any{"grid": p.N, "save": p.Save, "steps": p.Steps, "stride": p.Stride, "frames": p.Frames(), "buoyancy": p.Buoyancy,
		"advect_velocity": p.AdvectVelocity, "plain_advection": p.PlainAdvection, "tol": p.Tol, "layout": "wdno"}
}

// DatasetDescription says what a dataset's columns hold.
func (g Generator) DatasetDescription() string {
	return "WDNO 2-D smoke control: grid axes (x, y) with y upwards, in simulation cells; state (density, vx, vy) " +
		"block-averaged to the stored grid; control = band velocity held during each frame (zero inside the box); " +
		"params: initial square, final smoke_out (target exit fraction), leakage, remaining density, exit counters, " +
		"smoke_out_k: the target exit fraction after stored frame k; " +
		"see the documentation of package pde/smoke"
}
