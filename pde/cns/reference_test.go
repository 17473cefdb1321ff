package cns

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/trajdiff/trajdiff/pde"
)

type refMultiMode struct {
	Modes  [][3]float64 `json:"modes"`
	Abs    bool         `json:"abs"`
	Sign   float64      `json:"sign"`
	Window bool         `json:"window"`
	XL     float64      `json:"xl"`
	XR     float64      `json:"xr"`
}

func (m refMultiMode) profile() pde.MultiMode {
	out := pde.MultiMode{Abs: m.Abs, Sign: m.Sign, Window: m.Window, XL: m.XL, XR: m.XR}
	for _, md := range m.Modes {
		out.Modes = append(out.Modes, pde.Mode{K: int(md[0]), A: md[1], Phi: md[2]})
	}
	return out
}

type refCase struct {
	Params struct {
		Gamma, Eta, Zeta float64
		Cells            int
		XL               float64 `json:"xl"`
		XR               float64 `json:"xr"`
		T                float64
		Frames           int
		CFL              float64 `json:"cfl"`
		ViscCFL          float64 `json:"visc_cfl"`
		Boundary         string
	} `json:"params"`
	Initial *struct {
		Rho       refMultiMode `json:"rho"`
		U         refMultiMode `json:"u"`
		P         refMultiMode `json:"p"`
		RhoScale  float64      `json:"rho_scale"`
		RhoOffset float64      `json:"rho_offset"`
		PScale    float64      `json:"p_scale"`
		POffset   float64      `json:"p_offset"`
	} `json:"initial"`
	Init   [3][]float64 `json:"init"`
	Steps  int          `json:"steps"`
	Frames []float64    `json:"frames"`
}

func loadReference(t testing.TB) []refCase {
	t.Helper()
	raw, err := os.ReadFile("../../testdata/pde/cns_ref.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct{ Cases []refCase }
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.Cases) == 0 {
		t.Fatal("no cases")
	}
	return ref.Cases
}

// initial rebuilds a random case's initial condition from its stored parameters.
func (c refCase) initial() Initial {
	return Initial{Rho: c.Initial.Rho.profile(), U: c.Initial.U.profile(), P: c.Initial.P.profile(),
		RhoScale: c.Initial.RhoScale, RhoOffset: c.Initial.RhoOffset, PScale: c.Initial.PScale, POffset: c.Initial.POffset}
}

// TestNumPyReference compares with scripts/pde/cns_ref.py, an independent NumPy implementation of the
// same scheme, on random periodic PDEBench initial conditions (three viscosities), an outflow case and
// Sod's shock tube: the initial states (rebuilt here from the stored parameters), the number of steps
// and every frame must agree to 1e-10.
func TestNumPyReference(t *testing.T) {
	for ci, c := range loadReference(t) {
		b, err := ParseBoundary(c.Params.Boundary)
		if err != nil {
			t.Fatal(err)
		}
		p := Params{Gamma: c.Params.Gamma, Eta: c.Params.Eta, Zeta: c.Params.Zeta, Cells: c.Params.Cells,
			XL: c.Params.XL, XR: c.Params.XR, T: c.Params.T, Frames: c.Params.Frames, CFL: c.Params.CFL,
			ViscCFL: c.Params.ViscCFL, Boundary: b}
		init := State{Rho: c.Init[0], U: c.Init[1], P: c.Init[2]}
		if c.Initial != nil {
			mine := c.initial().State(p)
			for q, pair := range [3][2][]float64{{mine.Rho, init.Rho}, {mine.U, init.U}, {mine.P, init.P}} {
				if d := maxRelDiff(pair[0], pair[1]); d > 1e-13 {
					t.Errorf("case %d: initial field %d differs from NumPy by %.3g", ci, q, d)
				}
			}
		}
		s, err := NewSolver(p)
		if err != nil {
			t.Fatal(err)
		}
		fr, err := s.Solve(context.Background(), init)
		if err != nil {
			t.Fatal(err)
		}
		if s.Steps() != c.Steps {
			t.Errorf("case %d: %d steps, NumPy %d", ci, s.Steps(), c.Steps)
		}
		n := p.Cells
		worst := 0.0
		for k, st := range fr {
			for q, v := range [3][]float64{st.Rho, st.U, st.P} {
				off := (k*3 + q) * n
				for i := range v {
					want := c.Frames[off+i]
					worst = max(worst, math.Abs(v[i]-want)/max(1, math.Abs(want)))
				}
			}
		}
		t.Logf("case %d (%s, N = %d, eta = %g, %d steps): max relative |Go - NumPy| = %.3g", ci, b, n, p.Eta, s.Steps(), worst)
		if worst > 1e-10 {
			t.Errorf("case %d: frames differ from NumPy by %.3g, want <= 1e-10", ci, worst)
		}
	}
}

func maxRelDiff(a, b []float64) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	d := 0.0
	for i := range a {
		d = max(d, math.Abs(a[i]-b[i])/max(1, math.Abs(b[i])))
	}
	return d
}
