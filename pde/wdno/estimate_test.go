package wdno

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/diffusion"
)

// tinyLayoutConfig is the layout of the tiny Burgers data (9 frames x 12 cells) in space.
func tinyLayoutConfig(space string) LayoutConfig {
	return LayoutConfig{Space: space, Frames: 9, Cells: 12}
}

// The estimation task knows the control and nothing of the state: its known entries are the simulation
// task's minus the initial state, and its encoding does not depend on the state's initial frame beyond
// the field bands.
func TestEstimationKnowsTheControlButNotTheInitialState(t *testing.T) {
	for _, space := range []string{SpaceWavelet, SpacePhysical} {
		l, err := NewLayout(tinyLayoutConfig(space))
		if err != nil {
			t.Fatal(err)
		}
		est, sim := l.Known(Estimate), l.Known(Simulate)
		fewer := 0
		for i := range est {
			if est[i] && !sim[i] {
				t.Fatalf("%s: entry %d is known in estimation but not in simulation", space, i)
			}
			if sim[i] && !est[i] {
				fewer++
			}
		}
		// The simulation's extra knowledge is u0: one frame in physical space; in wavelet space the
		// condition channel is given in both (u0's bands, or zero).
		if fewer == 0 && space == SpacePhysical {
			t.Errorf("%s: estimation knows everything simulation knows", space)
		}
		c := l.Config()
		nu, nf := c.sizes()
		u, f := make([]float64, nu), make([]float64, nf)
		for i := range u {
			u[i] = math.Sin(float64(i))
		}
		for i := range f {
			f[i] = math.Cos(float64(i))
		}
		x := make([]float64, l.Dim())
		if err := l.Encode(Estimate, u, f, x); err != nil {
			t.Fatal(err)
		}
		if space == SpaceWavelet {
			ch := l.Shape()[0] - 1 // the condition channel
			per := l.Dim() / l.Shape()[0]
			for i, v := range x[ch*per:] {
				if v != 0 {
					t.Fatalf("wavelet: condition entry %d is %v in estimation, want 0", i, v)
				}
			}
		}
		gu, gf := make([]float64, nu), make([]float64, nf)
		if err := l.Decode(x, gu, gf); err != nil {
			t.Fatal(err)
		}
		for i := range u {
			if math.Abs(gu[i]-u[i]) > 1e-12 {
				t.Fatalf("%s: decoded u[%d] = %v, want %v", space, i, gu[i], u[i])
			}
		}
	}
}

// <H x, y> = <x, H^T y> for the sensor operator on both layouts, so RED-Diff's data-fit gradient is exact.
func TestSensorOperatorPassesTheDotProductTest(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, space := range []string{SpaceWavelet, SpacePhysical} {
		l, err := NewLayout(tinyLayoutConfig(space))
		if err != nil {
			t.Fatal(err)
		}
		H, err := NewSensorOperator(l, Sensors{Cells: []int{1, 5, 9}, Frames: []int{0, 3, 8}})
		if err != nil {
			t.Fatal(err)
		}
		x, y := make([]float64, H.InDim()), make([]float64, H.OutDim())
		for i := range x {
			x[i] = rng.NormFloat64()
		}
		for i := range y {
			y[i] = rng.NormFloat64()
		}
		hx, hty := make([]float64, H.OutDim()), make([]float64, H.InDim())
		if err := H.Apply(hx, x); err != nil {
			t.Fatal(err)
		}
		if err := H.Adjoint(hty, y); err != nil {
			t.Fatal(err)
		}
		a, b := 0.0, 0.0
		for i := range y {
			a += hx[i] * y[i]
		}
		for i := range x {
			b += x[i] * hty[i]
		}
		if math.Abs(a-b) > 1e-12*math.Max(1, math.Abs(a)) {
			t.Errorf("%s: <Hx, y> = %v, <x, H^T y> = %v", space, a, b)
		}
	}
}

// Interpolation returns the readings at the sensors, is exact for a field linear between sensors around
// the periodic grid, and fills frames not read linearly in time.
func TestInterpolationIsExactForPiecewiseLinearFields(t *testing.T) {
	c := LayoutConfig{Frames: 5, Cells: 12, State: 1}
	s := Sensors{Cells: []int{0, 4, 8}, Frames: []int{0, 4}}
	// Frame k: a tent through the sensors, scaled by (1 + k); frames 1-3 lie on the line between 0 and 4.
	tent := []float64{0, 0.25, 0.5, 0.75, 1, 0.5, 0, -0.5, -1, -0.75, -0.5, -0.25}
	u := make([]float64, 5*12)
	for k := range 5 {
		for x, v := range tent {
			u[k*12+x] = (1 + float64(k)) * v
		}
	}
	y, err := s.Measure(c, u, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	got, err := InterpolateSensors(c, s, y)
	if err != nil {
		t.Fatal(err)
	}
	for i := range u {
		if math.Abs(got[i]-u[i]) > 1e-14 {
			t.Fatalf("value %d (frame %d, cell %d): %v, want %v", i, i/12, i%12, got[i], u[i])
		}
	}
	s.Noise = 0.1
	noisy, _ := s.Measure(c, u, 1, 0)
	again, _ := s.Measure(c, u, 1, 0)
	other, _ := s.Measure(c, u, 1, 1)
	if noisy[0] == y[0] || noisy[0] != again[0] || noisy[0] == other[0] {
		t.Errorf("readings must be noisy, repeatable for a key and differ between keys: %v %v %v", noisy[0], again[0], other[0])
	}
}

func TestSensorsRejectBadLayouts(t *testing.T) {
	c := LayoutConfig{Frames: 5, Cells: 12, State: 1}
	for _, s := range []Sensors{
		{},
		{Cells: []int{3, 3}},
		{Cells: []int{5, 2}},
		{Cells: []int{12}},
		{Cells: []int{1}, Frames: []int{5}},
		{Cells: []int{1}, Frames: []int{}},
		{Cells: []int{1}, Noise: -1},
		{Cells: []int{1}, Noise: math.NaN()},
	} {
		if _, err := s.Measure(c, make([]float64, 60), 1, 0); err == nil {
			t.Errorf("sensors %+v accepted", s)
		}
	}
	if _, err := EvenSensors(12, 13); err == nil {
		t.Error("13 sensors on 12 points accepted")
	}
	if got, _ := EvenSensors(60, 6); got[0] != 5 || got[5] != 55 {
		t.Errorf("EvenSensors(60, 6) = %v, want 5, 15, ..., 55", got)
	}
}

// On a tiny trained estimation model every method runs; clamping reads back the measurements exactly,
// RED-Diff without a prior fits them, re-simulation from noise-free readings of every cell reproduces the
// data, and the sensors help: clamping beats the prior sample that ignores them.
func TestEstimationMethodsHonourTheirMeasurements(t *testing.T) {
	dir := t.TempDir()
	data := writeTinyData(t, dir, "train.arrow", 64, 1)
	test := writeTinyData(t, dir, "test.arrow", 6, 2)
	m, _ := trainTiny(t, tinyConfig(dir, data, SpaceWavelet, "estimate", 30))
	d := openData(t, test)
	all := make([]int, 12)
	for i := range all {
		all[i] = i
	}
	ctx := context.Background()
	rd := diffusion.DefaultREDDiffOptions()
	rd.Steps, rd.Lambda, rd.LR, rd.SigmaY = 200, 0, 0.05, 1
	o := EstimationOptions{EstimateOptions: EstimateOptions{Sensors: Sensors{Cells: []int{1, 4, 7, 10}, Noise: 0.01}, Steps: 10, Seed: 3, REDDiff: &rd}, Batch: 4, MeasureSeed: 9}
	rep, err := EvaluateEstimation(ctx, d, m, o)
	if err != nil {
		t.Fatal(err)
	}
	sum := map[string]EstimationSummary{}
	for _, s := range rep.Summary {
		sum[s.Method] = s
		if s.Cases != 6 || s.Failed != 0 {
			t.Errorf("%s: %d cases, %d failed, want 6 and 0", s.Method, s.Cases, s.Failed)
		}
	}
	if len(sum) != len(EstimateMethods()) {
		t.Fatalf("methods %v, want every method", rep.Methods)
	}
	if r := sum["clamp"].Residual; r > 1e-9 {
		t.Errorf("clamped estimates read %v (RMS) away from the measurements, want 0", r)
	}
	if r := sum["reddiff"].Residual; r > 0.02 {
		t.Errorf("RED-Diff without a prior misfits the measurements by %v (RMS), want under 0.02", r)
	}
	if sum["clamp"].MSE >= sum["prior"].MSE {
		t.Errorf("clamping (MSE %v) is no better than ignoring the sensors (%v)", sum["clamp"].MSE, sum["prior"].MSE)
	}
	o.Sensors, o.Methods = Sensors{Cells: all, Frames: []int{0}}, []EstimateMethod{EstimateResimulate}
	if rep, err = EvaluateEstimation(ctx, d, nil, o); err != nil {
		t.Fatal(err)
	}
	if s := rep.Summary[0]; s.Failed != 0 || s.MSE > 1e-10 {
		t.Errorf("re-simulating from the exact initial state: MSE %v (%d failed), want the data itself", s.MSE, s.Failed)
	}
}

func TestEstimationRejectsBadRequests(t *testing.T) {
	dir := t.TempDir()
	data := writeTinyData(t, dir, "train.arrow", 32, 1)
	sim, _ := trainTiny(t, tinyConfig(dir, data, SpacePhysical, "simulate", 2))
	est, _ := trainTiny(t, tinyConfig(dir, data, SpacePhysical, "estimate", 2))
	d := openData(t, data)
	ctx := context.Background()
	s := Sensors{Cells: []int{2, 8}, Frames: []int{1, 5}}
	y := make([]float64, 4)
	f := make([]float64, 9*12)
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"simulation model", errOf(sim.Estimate(ctx, EstimateClamp, []EstimationProblem{{F: f, Y: y}}, EstimateOptions{Sensors: s})), "estimate task"},
		{"baseline as a model method", errOf(est.Estimate(ctx, EstimateInterpolate, []EstimationProblem{{F: f, Y: y}}, EstimateOptions{Sensors: s})), "not a model's"},
		{"wrong readings", errOf(est.Estimate(ctx, EstimateClamp, []EstimationProblem{{F: f, Y: y[:3]}}, EstimateOptions{Sensors: s})), "readings"},
		{"NaN reading", errOf(est.Estimate(ctx, EstimateClamp, []EstimationProblem{{F: f, Y: []float64{0, math.NaN(), 0, 0}}}, EstimateOptions{Sensors: s})), "NaN"},
		{"negative guidance", errOf(est.Estimate(ctx, EstimateGuided, []EstimationProblem{{F: f, Y: y}}, EstimateOptions{Sensors: s, Guidance: -1})), "guidance"},
		{"re-simulation without frame 0", errOf(EvaluateEstimation(ctx, d, nil, EstimationOptions{EstimateOptions: EstimateOptions{Sensors: s}, Methods: []EstimateMethod{EstimateResimulate}})), "frame 0"},
		{"model method without a model", errOf(EvaluateEstimation(ctx, d, nil, EstimationOptions{EstimateOptions: EstimateOptions{Sensors: s}, Methods: []EstimateMethod{EstimateREDDiff}})), "trained"},
		{"estimation model in Evaluate", errOf(Evaluate(ctx, d, []Method{{Name: "e", Model: est}}, EvalOptions{Task: Estimate})), "sensor"},
	} {
		if tc.err == nil || !strings.Contains(tc.err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error mentioning %q", tc.name, tc.err, tc.want)
		}
	}
	if _, err := ParseEstimateMethods("clamp,magic"); err == nil {
		t.Error("an unknown method name was accepted")
	}
}

func errOf[T any](_ T, err error) error { return err }
