package burgers

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"testing"
)

type refCase struct {
	Params struct {
		Nu              float64 `json:"nu"`
		Cells           int     `json:"cells"`
		Refine          int     `json:"refine"`
		T               float64 `json:"T"`
		Frames          int     `json:"frames"`
		DiffusionNumber float64 `json:"diffusion_number"`
		StepsPerFrame   int     `json:"steps_per_frame"`
	} `json:"params"`
	StepsPerFrame int         `json:"steps_per_frame"`
	Initial       [][]float64 `json:"initial"`
	Control       struct {
		Bumps   [][]float64 `json:"bumps"`
		Factor  float64     `json:"factor"`
		Partial bool        `json:"partial"`
	} `json:"control"`
	F []float64 `json:"f"`
	U []float64 `json:"u"`
}

func loadReference(t testing.TB) []refCase {
	t.Helper()
	raw, err := os.ReadFile("../../testdata/pde/burgers_ref.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct{ Cases []refCase }
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.Cases) == 0 {
		t.Fatal("no reference cases")
	}
	return ref.Cases
}

// TestNumPyReference compares the solver with scripts/pde/burgers_ref.py, an independent NumPy
// implementation of the same grids and scheme: the initial state and control are rebuilt here from
// the stored parameters, so the samplers are compared too.
func TestNumPyReference(t *testing.T) {
	for ci, c := range loadReference(t) {
		p := Params{Nu: c.Params.Nu, Cells: c.Params.Cells, Refine: c.Params.Refine, T: c.Params.T,
			Frames: c.Params.Frames, DiffusionNumber: c.Params.DiffusionNumber, StepsPerFrame: c.Params.StepsPerFrame}
		if got := p.Steps(); got != c.StepsPerFrame {
			t.Fatalf("case %d: %d steps per frame, NumPy %d", ci, got, c.StepsPerFrame)
		}
		var ic GaussianSum
		for _, g := range c.Initial {
			ic = append(ic, Gaussian{A: g[0], C: g[1], S: g[2]})
		}
		ctl := Control{Factor: c.Control.Factor, Partial: c.Control.Partial}
		for _, b := range c.Control.Bumps {
			ctl.Bumps = append(ctl.Bumps, ControlBump{A: b[0], MX: b[1], SX: b[2], MT: b[3], ST: b[4]})
		}
		f := ctl.Sample(p)
		if d := maxDiff(f, c.F); d > 1e-14 {
			t.Errorf("case %d: control differs from NumPy by %.3g", ci, d)
		}
		s, err := NewSolver(p)
		if err != nil {
			t.Fatal(err)
		}
		u, err := s.Solve(context.Background(), ic.Sample(p), f, nil)
		if err != nil {
			t.Fatal(err)
		}
		d := maxDiff(u, c.U)
		t.Logf("case %d (N = %d, r = %d, K = %d): max |Go - NumPy| = %.3g", ci, p.Cells, p.Refine, p.Frames, d)
		if d > 1e-10 {
			t.Errorf("case %d: trajectory differs from NumPy by %.3g, want <= 1e-10", ci, d)
		}
	}
}

func maxDiff(a, b []float64) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	d := 0.0
	for i := range a {
		d = max(d, math.Abs(a[i]-b[i]))
	}
	return d
}
