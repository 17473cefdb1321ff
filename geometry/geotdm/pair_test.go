package geotdm_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/geometry"
	"github.com/trajdiff/trajdiff/geometry/geotdm"
	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/train"
)

// trainTinyInterpolant trains a tiny EGTN with the learned prior on the interpolant process (base noise
// base, latent 1) with prediction pred on data for a few steps and returns its run directory. A velocity
// network carries its prior's share of the prediction (prior_output).
func trainTinyInterpolant(t testing.TB, dir, name, data, pred string, base float64) string {
	t.Helper()
	layout := tinyLayout
	layout.Hidden, layout.Layers, layout.TimeDim, layout.PriorLayers, layout.TimeScale = 8, 1, 4, 1, 100
	layout.PriorOutput = pred != "eps"
	cfg := train.Config{
		Out:       filepath.Join(dir, name),
		Data:      train.DataConfig{Path: data, Kind: train.DataGeometric, EdgeAttr: train.EdgeAttrProduct},
		Network:   nn.Spec{Arch: "egtn", EGTN: &layout},
		Objective: train.ObjectiveConfig{Process: "interpolant", InterpolantBase: base, InterpolantLatent: new(1.0), Prediction: pred},
		Train:     train.DefaultOptions(),
		Sample:    train.SampleConfig{Solver: "ddim", Steps: 3},
	}
	o := &cfg.Train
	o.Steps, o.Batch, o.LR, o.Warmup, o.Seed, o.CheckpointEvery = 8, 8, 1e-3, 0, 1, 0
	tr, ds, err := cfg.Trainer()
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	return cfg.Out
}

// tinyPair trains a velocity and an eps network of one interpolant and returns them with a test split.
func tinyPair(t testing.TB) (drift, den *geotdm.Model, test, dir string) {
	t.Helper()
	dir = t.TempDir()
	data, test := filepath.Join(dir, "train.arrow"), filepath.Join(dir, "test.arrow")
	writeSplit(t, data, geometry.NewCharged(5), "train", 16, 6)
	writeSplit(t, test, geometry.NewCharged(5), "test", 4, 6)
	var err error
	if drift, err = geotdm.Load(trainTinyInterpolant(t, dir, "velocity", data, "velocity", 1)); err != nil {
		t.Fatal(err)
	}
	if den, err = geotdm.Load(trainTinyInterpolant(t, dir, "eps", data, "eps", 1)); err != nil {
		t.Fatal(err)
	}
	return drift, den, test, dir
}

// The two-field forecasts move with the system: translating every condition frame by c translates every
// sample by c (EGTN is equivariant, the velocity network carries its prior's share, and each network reads
// x - tau x_r around its own prior). A wrong map between the sampler's interpolant coordinates and the
// networks' process coordinates (a reference shifted by the wrong time, a drift without -x_r, a network
// fed the other's reference, a drift of the wrong sign) breaks this by O(|c|).
func TestPairForecastsMoveWithTheSystem(t *testing.T) {
	drift, den, test, _ := tinyPair(t)
	pair, err := geotdm.NewPair(drift, den)
	if err != nil {
		t.Fatal(err)
	}
	_, views := openViews(t, test)
	l := drift.Layout()
	index := []int{0, 3}
	conds, moved := make([][]float64, 2), make([][]float64, 2)
	shift := []float64{3, -2, 1.5}
	nc := len(l.Net.CondFrames) * l.Net.Nodes * l.Net.SpatialDim
	for i, ix := range index {
		conds[i] = make([]float64, l.CondDim())
		if err := l.Pack(views[ix], make([]float64, l.Dim()), conds[i]); err != nil {
			t.Fatal(err)
		}
		moved[i] = append([]float64(nil), conds[i]...)
		for j := 0; j < nc; j++ {
			moved[i][j] += shift[j%3]
		}
	}
	for _, eps := range []float64{0, 0.7} {
		var progress []int
		opts := geotdm.PairOptions{K: 2, Steps: 3, Eps: eps, Seed: 5, Progress: func(done, _ int) { progress = append(progress, done) }}
		a, nfe, err := geotdm.PairForecastPacked(pair, context.Background(), index, conds, opts)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(progress, []int{0, 1, 2}) {
			t.Errorf("eps %g: progress reports %v, want 0 as the work starts, then 1, 2", eps, progress)
		}
		opts.Progress = nil
		b, _, err := geotdm.PairForecastPacked(pair, context.Background(), index, moved, opts)
		if err != nil {
			t.Fatal(err)
		}
		if nfe != 7 {
			t.Errorf("eps %g: %d network evaluations per sample, want 2*3+1", eps, nfe)
		}
		worst, spread := 0.0, 0.0
		for i := range a {
			for k := range a[i] {
				for j, v := range a[i][k] {
					worst = max(worst, math.Abs(b[i][k][j]-v-shift[j%3]))
					spread = max(spread, math.Abs(v-a[i][(k+1)%2][j]))
				}
			}
		}
		// float32 networks: rounding of 1e-6 |x| is amplified by up to 1/alpha(TMax) = 1000 where eps is turned
		// into x0; a wrong map is off by |c| (3 to 6 here).
		if worst > 0.02 {
			t.Errorf("eps %g: translated systems' samples are %.3g away from the translated samples", eps, worst)
		}
		if spread < 1e-3 {
			t.Errorf("eps %g: the two samples of a system agree to %.3g: the noise is not used", eps, spread)
		}
	}
}

// Pairs of checkpoints that are not one interpolant on one layout, and pair methods on data of another
// system, are refused with errors naming the problem.
func TestPairRefusesMismatchedCheckpointsAndData(t *testing.T) {
	drift, den, test, dir := tinyPair(t)
	vpDir := filepath.Join(dir, "vp")
	if err := os.MkdirAll(vpDir, 0o755); err != nil {
		t.Fatal(err)
	}
	run, _ := trainTiny(t, vpDir)
	vp, err := geotdm.Load(run)
	if err != nil {
		t.Fatal(err)
	}
	other, err := geotdm.Load(trainTinyInterpolant(t, dir, "base05", filepath.Join(dir, "train.arrow"), "eps", 0.5))
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		d, e *geotdm.Model
		want string
	}{
		"vp drift":      {vp, den, "not on an interpolant"},
		"vp denoiser":   {drift, vp, "not on an interpolant"},
		"other base":    {drift, other, "one interpolant"},
		"missing model": {drift, nil, "needs a drift and a denoiser"},
	} {
		if _, err := geotdm.NewPair(c.d, c.e); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error mentioning %q", name, err, c.want)
		}
	}
	pair, err := geotdm.NewPair(drift, den)
	if err != nil {
		t.Fatal(err)
	}
	springs := filepath.Join(dir, "springs.arrow")
	writeSplit(t, springs, geometry.NewSprings(5), "test", 2, 6)
	ds, _ := openViews(t, springs)
	_, err = geotdm.Evaluate(context.Background(), vp, ds, geotdm.EvalOptions{K: 1, AllowOtherSystem: true,
		Pairs: []geotdm.PairMethod{{Pair: pair}}})
	if err != nil {
		t.Errorf("allowed other system: %v", err)
	}
	if _, err := geotdm.Evaluate(context.Background(), vp, ds, geotdm.EvalOptions{K: 1, Pairs: []geotdm.PairMethod{{Pair: pair}}}); err == nil ||
		!strings.Contains(err.Error(), "another system") {
		t.Errorf("springs data for charged checkpoints: %v", err)
	}
	_, views := openViews(t, test)
	if _, err := pair.Forecast(context.Background(), views[:1], geotdm.PairOptions{Eps: -1}); err == nil || !strings.Contains(err.Error(), "diffusion coefficient") {
		t.Errorf("negative Eps: %v", err)
	}
	// Evaluate scores the pair's methods after the checkpoints, with their network evaluations.
	ds, _ = openViews(t, test)
	rep, err := geotdm.Evaluate(context.Background(), vp, ds, geotdm.EvalOptions{K: 2,
		Pairs: []geotdm.PairMethod{{Pair: pair, Steps: 2}, {Pair: pair, Steps: 2, Eps: 0.5}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Methods) != 4 || rep.Methods[1].Name != "two-field ode" || rep.Methods[2].Name != "two-field sde eps 0.5" ||
		rep.Methods[1].NFE != 5 || rep.Methods[2].Systems != 4 || !(rep.Methods[2].MeanADE > 0) {
		t.Errorf("methods %+v", rep.Methods)
	}
}
