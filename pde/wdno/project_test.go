package wdno

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// The projection onto the ends makes a control image decode to a trajectory that starts at u0 and ends at
// u*, and leaves every other decoded value (the inner frames of u, all of f) and every known entry as it
// was; projecting twice changes nothing more.
func TestEndProjectionSetsTheEndsAndLeavesTheRest(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for name, l := range layoutsForTest(t) {
		c := l.Config()
		u, f := randomFieldsOf(rng, c)
		N := c.Cells * c.State
		u0, target := slices.Clone(u[:N]), slices.Clone(u[len(u)-N:])
		known := l.Known(Control)
		row := make([]float64, l.Dim())
		if err := l.Encode(Control, u, f, row); err != nil {
			t.Fatal(err)
		}
		vals := slices.Clone(row)
		for i, k := range known {
			if !k {
				row[i] += 0.3 * rng.NormFloat64() // an x0 prediction that misses the ends
			}
		}
		nu, nf := c.sizes()
		before, fb := make([]float64, nu), make([]float64, nf)
		if err := l.Decode(row, before, fb); err != nil {
			t.Fatal(err)
		}
		p, err := newEndProjection(l, known, &encoded{u0s: [][]float64{u0}, targets: [][]float64{target}, cells: N})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.project(0, row); err != nil {
			t.Fatal(err)
		}
		after, fa := make([]float64, nu), make([]float64, nf)
		if err := l.Decode(row, after, fa); err != nil {
			t.Fatal(err)
		}
		want := slices.Clone(before)
		copy(want, u0)
		copy(want[nu-N:], target)
		if e := maxAbsDiff(after, want); e > 1e-12 {
			t.Errorf("%s: decoded u is %.3g from (u0, inner frames as before, u*)", name, e)
		}
		if e := maxAbsDiff(fa, fb); e > 1e-12 {
			t.Errorf("%s: the control moved by %.3g", name, e)
		}
		for i, k := range known {
			if k && row[i] != vals[i] {
				t.Errorf("%s: known entry %d moved from %v to %v", name, i, vals[i], row[i])
				break
			}
		}
		again := slices.Clone(row)
		if err := p.project(0, again); err != nil {
			t.Fatal(err)
		}
		if e := maxAbsDiff(again, row); e > 1e-12 {
			t.Errorf("%s: projecting twice moves the image by %.3g more", name, e)
		}
	}
}

// A non-finite x0 prediction is left to the sampler, which isolates its case; the projection neither fails
// nor spreads it.
func TestEndProjectionLeavesANonFiniteRowAlone(t *testing.T) {
	l := layoutsForTest(t)["wavelet-even"]
	c := l.Config()
	N := c.Cells
	p, err := newEndProjection(l, l.Known(Control), &encoded{u0s: [][]float64{make([]float64, N)}, targets: [][]float64{make([]float64, N)}, cells: N})
	if err != nil {
		t.Fatal(err)
	}
	row := make([]float64, l.Dim())
	row[0] = math.NaN()
	if err := p.project(0, row); err != nil {
		t.Errorf("projecting a NaN row: %v", err)
	}
	if !math.IsNaN(row[0]) || row[1] != 0 {
		t.Errorf("the NaN row was changed: %v, %v", row[0], row[1])
	}
}

// WDNO gives u0 and u* only through its condition channel, so an untrained model's samples miss them; with
// the projection, control samples start at u0 and end at u*, and simulation samples start at u0.
func TestProjectedSamplesMeetTheirEnds(t *testing.T) {
	dir := t.TempDir()
	data := writeTinyData(t, dir, "train.arrow", 16, 1)
	m, _ := trainTiny(t, tinyConfig(dir, data, SpaceWavelet, "control", 1))
	d := openData(t, data)
	cases := controlCases(t, d, 4)
	N := d.Cells
	gap := func(project bool) float64 {
		w := 0.0
		g, err := m.Generate(context.Background(), Request{Cases: cases, Guidance: &w, Steps: 10, ProjectEnds: project})
		if err != nil {
			t.Fatal(err)
		}
		var e float64
		for j, cs := range cases {
			e = max(e, maxAbsDiff(g.U[j][:N], cs.U0), maxAbsDiff(g.U[j][len(g.U[j])-N:], cs.Target))
		}
		return e
	}
	free, projected := gap(false), gap(true)
	t.Logf("largest |u(0) - u0|, |u(T) - u*|: free %.3g, projected %.3g", free, projected)
	if !(free > 0.05 && projected < 1e-9) {
		t.Errorf("the projected samples miss their ends by %.3g (unprojected %.3g)", projected, free)
	}
	// In simulation the projection sets u(0) alone.
	sim, _ := trainTiny(t, tinyConfig(dir, data, SpaceWavelet, "simulate", 1))
	for i := range cases {
		u, f, err := d.Fields(i, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		cases[i] = Case{U0: u[:N], F: f}
	}
	start := func(project bool) float64 {
		g, err := sim.Generate(context.Background(), Request{Cases: cases, Steps: 10, ProjectEnds: project})
		if err != nil {
			t.Fatal(err)
		}
		var e float64
		for j, cs := range cases {
			e = max(e, maxAbsDiff(g.U[j][:N], cs.U0))
		}
		return e
	}
	if free, projected := start(false), start(true); !(free > 0.05 && projected < 1e-9) {
		t.Errorf("simulation: the projected samples start %.3g from u0 (unprojected %.3g)", projected, free)
	}
	est, _ := trainTiny(t, tinyConfig(dir, data, SpaceWavelet, "estimate", 1))
	if _, err := est.Generate(context.Background(), Request{Cases: []Case{{F: cases[0].F}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := est.Generate(context.Background(), Request{Cases: []Case{{F: cases[0].F}}, ProjectEnds: true}); err == nil || !strings.Contains(err.Error(), "estimat") {
		t.Errorf("an estimation model, which is not given u0, accepted the projection onto it (%v)", err)
	}
}
