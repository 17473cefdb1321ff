package wdno

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// Both projections onto the ends make a control image decode to a trajectory that starts at u0 and ends at
// u*, keep every known entry, and are idempotent. The end frames' correction leaves every other decoded
// value (the inner frames of u, all of f) as it was; the orthogonal one is perpendicular to the null space of
// the ends' reading, so it moves the image least, and on the wavelet layouts it reaches the inner frames.
func TestEndProjectionsSetTheEnds(t *testing.T) {
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
		want := slices.Clone(before)
		copy(want, u0)
		copy(want[nu-N:], target)
		moved := map[string]float64{}
		delta := map[string][]float64{}
		for _, mode := range []string{EndsFrames, EndsOrthogonal} {
			p, err := newEndProjection(l, known, &encoded{u0s: [][]float64{u0}, targets: [][]float64{target}, cells: N}, mode, Control)
			if err != nil {
				t.Fatal(err)
			}
			x := slices.Clone(row)
			if err := p.project(0, x); err != nil {
				t.Fatal(err)
			}
			after, fa := make([]float64, nu), make([]float64, nf)
			if err := l.Decode(x, after, fa); err != nil {
				t.Fatal(err)
			}
			if e := max(maxAbsDiff(after[:N], u0), maxAbsDiff(after[nu-N:], target)); e > 1e-10 {
				t.Errorf("%s %s: the decoded ends are %.3g from (u0, u*)", name, mode, e)
			}
			inner := maxAbsDiff(after, want)
			if mode == EndsFrames && max(inner, maxAbsDiff(fa, fb)) > 1e-12 {
				t.Errorf("%s %s: values other than the ends moved by %.3g", name, mode, max(inner, maxAbsDiff(fa, fb)))
			}
			if mode == EndsOrthogonal && c.Space != SpacePhysical && inner < 1e-3 {
				t.Errorf("%s %s: the correction did not reach the inner frames (%.3g)", name, mode, inner)
			}
			for i, k := range known {
				if k && x[i] != vals[i] {
					t.Errorf("%s %s: known entry %d moved from %v to %v", name, mode, i, vals[i], x[i])
					break
				}
			}
			again := slices.Clone(x)
			if err := p.project(0, again); err != nil {
				t.Fatal(err)
			}
			if e := maxAbsDiff(again, x); e > 1e-10 {
				t.Errorf("%s %s: projecting twice moves the image by %.3g more", name, mode, e)
			}
			var d2 float64
			delta[mode] = make([]float64, len(x))
			for i := range x {
				delta[mode][i] = x[i] - row[i]
				d2 += delta[mode][i] * delta[mode][i]
			}
			moved[mode] = math.Sqrt(d2)
		}
		// Both corrections meet the same ends, so their difference lies in A's null space, to which the
		// orthogonal correction is perpendicular.
		var dot float64
		for i, o := range delta[EndsOrthogonal] {
			dot += o * (delta[EndsFrames][i] - o)
		}
		if math.Abs(dot) > 1e-9*(1+moved[EndsFrames]*moved[EndsFrames]) {
			t.Errorf("%s: the orthogonal correction is not perpendicular to the null space: <d, e - d> = %.3g", name, dot)
		}
		if moved[EndsOrthogonal] > moved[EndsFrames]*(1+1e-9) {
			t.Errorf("%s: the orthogonal projection moved the image %.4g, more than the end frames' correction %.4g", name, moved[EndsOrthogonal], moved[EndsFrames])
		}
		t.Logf("%s: image moved by %.4g (end frames) and %.4g (orthogonal)", name, moved[EndsFrames], moved[EndsOrthogonal])
	}
}

// A non-finite x0 prediction is left to the sampler, which isolates its case; the projection neither fails
// nor spreads it.
func TestEndProjectionLeavesANonFiniteRowAlone(t *testing.T) {
	l := layoutsForTest(t)["wavelet-even"]
	c := l.Config()
	N := c.Cells
	for _, mode := range []string{EndsFrames, EndsOrthogonal} {
		p, err := newEndProjection(l, l.Known(Control), &encoded{u0s: [][]float64{make([]float64, N)}, targets: [][]float64{make([]float64, N)}, cells: N}, mode, Control)
		if err != nil {
			t.Fatal(err)
		}
		row := make([]float64, l.Dim())
		row[0] = math.NaN()
		if err := p.project(0, row); err != nil {
			t.Errorf("%s: projecting a NaN row: %v", mode, err)
		}
		if !math.IsNaN(row[0]) || row[1] != 0 {
			t.Errorf("%s: the NaN row was changed: %v, %v", mode, row[0], row[1])
		}
	}
}

// WDNO gives u0 and u* only through its condition channel, so an untrained model's samples miss them; with
// the projection, control samples start at u0 and end at u*, and simulation samples start at u0.
func TestProjectedSamplesMeetTheirEnds(t *testing.T) {
	dir, data, m, cases := tinyControlModel(t)
	d := openData(t, data)
	N := d.Cells
	gap := func(project string) float64 {
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
	free, frames, orth := gap(""), gap(EndsFrames), gap(EndsOrthogonal)
	t.Logf("largest |u(0) - u0|, |u(T) - u*|: free %.3g, projected %.3g (end frames), %.3g (orthogonal)", free, frames, orth)
	if !(free > 0.05 && frames < 1e-9 && orth < 1e-9) {
		t.Errorf("the projected samples miss their ends by %.3g and %.3g (unprojected %.3g)", frames, orth, free)
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
	start := func(project string) float64 {
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
	if free, frames, orth := start(""), start(EndsFrames), start(EndsOrthogonal); !(free > 0.05 && frames < 1e-9 && orth < 1e-9) {
		t.Errorf("simulation: the projected samples start %.3g and %.3g from u0 (unprojected %.3g)", frames, orth, free)
	}
	est, _ := trainTiny(t, tinyConfig(dir, data, SpaceWavelet, "estimate", 1))
	if _, err := est.Generate(context.Background(), Request{Cases: []Case{{F: cases[0].F}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Generate(context.Background(), Request{Cases: controlCases(t, d, 1), ProjectEnds: "nearest"}); err == nil {
		t.Error("an unknown projection was accepted")
	}
	if _, err := est.Generate(context.Background(), Request{Cases: []Case{{F: cases[0].F}}, ProjectEnds: EndsFrames}); err == nil || !strings.Contains(err.Error(), "estimat") {
		t.Errorf("an estimation model, which is not given u0, accepted the projection onto it (%v)", err)
	}
}
