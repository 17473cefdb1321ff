package diffuser_test

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"testing"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/rl"
	"github.com/trajdiff/trajdiff/rl/diffuser"
	"github.com/trajdiff/trajdiff/train"
)

// inverseSetup trains the tiny 8-step model and draws n held-out windows from data of another seed.
func inverseSetup(t *testing.T, n int) (*diffuser.Planner, *rl.Layout, []diffuser.InverseProblem) {
	p, _, l, probs := inverseSetupWith(t, n, diffuser.Options{Solver: "ddim", Steps: 4})
	return p, l, probs
}

// inverseSetupWith is inverseSetup with the planner's options, returning the model too.
func inverseSetupWith(t *testing.T, n int, opt diffuser.Options) (*diffuser.Planner, *train.Model, *rl.Layout, []diffuser.InverseProblem) {
	t.Helper()
	dir := t.TempDir()
	m := trainTinyModel(t, dir, 40)
	l, _ := rl.LayoutByName("umaze")
	p, err := diffuser.New(m, l, opt)
	if err != nil {
		t.Fatal(err)
	}
	held := filepath.Join(dir, "heldout.arrow")
	if _, err := rl.WriteDataset(context.Background(), held, rl.WriteConfig{Recipe: rl.DatasetConfig{Layout: "umaze", Steps: 2000, ChunkSteps: 2000, Seed: 9}},
		datasets.WriteOptions{Overwrite: true}); err != nil {
		t.Fatal(err)
	}
	ds, err := datasets.Open(held)
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	probs, err := diffuser.HeldOutWindows(ds, p.Horizon(), n, 3)
	if err != nil {
		t.Fatal(err)
	}
	again, err := diffuser.HeldOutWindows(ds, p.Horizon(), n, 3)
	if err != nil || again[n-1].Truth[4] != probs[n-1].Truth[4] {
		t.Fatalf("held-out windows are not reproducible (%v)", err)
	}
	if _, err := diffuser.HeldOutWindows(ds, p.Horizon(), 100000, 3); !errors.Is(err, diffuser.ErrBadInput) {
		t.Errorf("asking for more windows than episodes: %v, want ErrBadInput", err)
	}
	// The tiny model's training data (4000 steps) need not span the held-out windows' range, and the limits
	// normaliser clips to it: keep the truths inside, so that the measurements are representable.
	for c, k := range []int{0, 2} {
		lo, hi, _ := m.Normalizer(c).Limits()
		for _, pr := range probs {
			for t := range pr.Truth {
				for i := range lo {
					pr.Truth[t][k+i] = math.Min(math.Max(pr.Truth[t][k+i], lo[i]), hi[i])
				}
			}
		}
	}
	return p, m, l, probs
}

// TestInverseMethodsMeetOrApproachTheMeasurements: clamping reproduces every measured position to float32
// precision, linear interpolation exactly; RED-Diff without its prior (lambda 0) is least squares on the selected entries, so it too
// reproduces them (which checks its operator and the unit conversions); every method returns finite windows
// with the NFE it spent, and the truths cross no walls.
func TestInverseMethodsMeetOrApproachTheMeasurements(t *testing.T) {
	p, l, probs := inverseSetup(t, 3)
	wp, _ := diffuser.WaypointSteps(p.Horizon(), 2)
	rd := diffusion.DefaultREDDiffOptions()
	rd.Steps, rd.Lambda = 300, 0
	rd.LRDecay = func(k, _ int) float64 { return 1 / math.Sqrt(1+float64(k)/20) }
	opt := diffuser.InverseOptions{Waypoints: 2, Guidance: 1, REDDiff: rd, Seed: 5}
	for _, meth := range diffuser.InverseMethods() {
		rec, err := p.Reconstruct(context.Background(), meth, probs, opt)
		if err != nil {
			t.Fatalf("%s: %v", meth, err)
		}
		want := 4
		switch meth {
		case diffuser.MethodREDDiff:
			want = 300
		case diffuser.MethodLinear:
			want = 0
		}
		if rec.NFE != want || len(rec.Windows) != 3 {
			t.Errorf("%s: NFE %d for %d windows, want %d for 3", meth, rec.NFE, len(rec.Windows), want)
		}
		met := diffuser.MeasureInverse(l, probs, rec.Windows, wp)
		if math.IsNaN(met.PositionRMSE) || met.TruthWallSegments != 0 {
			t.Errorf("%s: RMSE %v, truth wall segments %v", meth, met.PositionRMSE, met.TruthWallSegments)
		}
		switch meth {
		case diffuser.MethodClamp:
			if met.MaxViolation > 1e-5 {
				t.Errorf("clamping misses a measurement by %v", met.MaxViolation)
			}
		case diffuser.MethodLinear:
			if met.MaxViolation != 0 {
				t.Errorf("linear interpolation misses a measurement by %v", met.MaxViolation)
			}
		case diffuser.MethodREDDiff:
			if met.MaxViolation > 2e-3 {
				t.Errorf("RED-Diff without prior misses a measurement by %v", met.MaxViolation)
			}
		}
	}
	a, err := p.Reconstruct(context.Background(), diffuser.MethodREDDiff, probs, opt)
	if err != nil {
		t.Fatal(err)
	}
	opt.REDDiff.Lambda = 0.25
	b, err := p.Reconstruct(context.Background(), diffuser.MethodREDDiff, probs, opt)
	if err != nil {
		t.Fatal(err)
	}
	c, err := p.Reconstruct(context.Background(), diffuser.MethodREDDiff, probs, opt)
	if err != nil {
		t.Fatal(err)
	}
	if b.Windows[1][3] != c.Windows[1][3] {
		t.Error("RED-Diff with the same seed reconstructed differently")
	}
	if a.Windows[1][3] == b.Windows[1][3] {
		t.Error("the prior (lambda 0.25) left the unmeasured steps where lambda 0 puts them")
	}
}

// TestSamplesAverageTheDraws: Samples 2 returns the mean of the two draws a batch of the problems twice
// over gives (draw k of problem j is batch entry k n + j), and counts both draws' evaluations.
func TestSamplesAverageTheDraws(t *testing.T) {
	p, _, probs := inverseSetup(t, 2)
	opt := diffuser.InverseOptions{Waypoints: 1, Seed: 4, Samples: 2}
	mean, err := p.Reconstruct(context.Background(), diffuser.MethodClamp, probs, opt)
	if err != nil {
		t.Fatal(err)
	}
	opt.Samples = 1
	both, err := p.Reconstruct(context.Background(), diffuser.MethodClamp, append(append([]diffuser.InverseProblem(nil), probs...), probs...), opt)
	if err != nil {
		t.Fatal(err)
	}
	if mean.NFE != 2*both.NFE {
		t.Errorf("NFE %d for 2 draws, %d for one", mean.NFE, both.NFE)
	}
	for j := range probs {
		for s := range mean.Windows[j] {
			for c := 0; c < 6; c++ {
				want := (both.Windows[j][s][c] + both.Windows[j+2][s][c]) / 2
				if math.Abs(mean.Windows[j][s][c]-want) > 1e-12 {
					t.Fatalf("problem %d step %d component %d: %v, want the draws' mean %v", j, s, c, mean.Windows[j][s][c], want)
				}
			}
		}
	}
}

// TestMeasureInverseCountsErrorsAndWalls on hand-made windows: a shift by (0.1, 0) gives RMSE and violation
// 0.1; a window that jumps into a wall cell and back counts its wall segments.
func TestMeasureInverseCountsErrorsAndWalls(t *testing.T) {
	l, _ := rl.LayoutByName("umaze")
	var free, wall [2]float64
	for w := 0; w < l.Width(); w++ {
		for h := 0; h < l.Height(); h++ {
			c := [2]float64{float64(w) - 0.2, float64(h) - 0.2} // the cell's centre (rl.Layout.CellAt)
			if l.Wall(w, h) {
				wall = c
			} else {
				free = c
			}
		}
	}
	const H = 6
	truth := make([][6]float64, H)
	shift := make([][6]float64, H)
	jump := make([][6]float64, H)
	for t := range truth {
		truth[t] = [6]float64{0, 0, free[0], free[1], 0, 0}
		shift[t], jump[t] = truth[t], truth[t]
		shift[t][2] += 0.1
	}
	jump[2][2], jump[2][3] = wall[0], wall[1]
	probs := []diffuser.InverseProblem{{Truth: truth}, {Truth: truth}}
	m := diffuser.MeasureInverse(l, probs, [][][6]float64{shift, shift}, []int{2})
	if math.Abs(m.PositionRMSE-0.1) > 1e-12 || math.Abs(m.MeanViolation-0.1) > 1e-12 || m.WallSegments != 0 {
		t.Errorf("shifted windows: %+v", m)
	}
	if m.WaypointJump != 0 || m.MeanStep != 0 {
		t.Errorf("shifted constant windows: jump %v, mean step %v", m.WaypointJump, m.MeanStep)
	}
	m = diffuser.MeasureInverse(l, probs, [][][6]float64{truth, jump}, []int{2})
	if m.WallSegments != 1 || m.InWalls != 0.5 || m.FreeRMSE != 0 {
		t.Errorf("one window through a wall: %+v, want 2 segments in that window (mean 1), in walls 50%%, free error 0", m)
	}
	d := math.Hypot(wall[0]-free[0], wall[1]-free[1])
	if math.Abs(m.WaypointJump-d/math.Sqrt(2)) > 1e-12 || math.Abs(m.MeanStep-d/5) > 1e-12 {
		t.Errorf("jump to the waypoint %v and back: RMS jump %v, want %v; mean step %v, want %v", d, m.WaypointJump, d/math.Sqrt(2), m.MeanStep, d/5)
	}
}

// TestInverseRejectsBadInput: too many waypoints, a window of the wrong length, a NaN, an unknown method and
// a guidance step outside (0, 1] fail with ErrBadInput.
func TestInverseRejectsBadInput(t *testing.T) {
	p, _, probs := inverseSetup(t, 2)
	ok := diffuser.InverseOptions{Waypoints: 1, Guidance: 0.5, REDDiff: diffusion.DefaultREDDiffOptions()}
	short := []diffuser.InverseProblem{{Truth: probs[0].Truth[:5]}}
	nan := []diffuser.InverseProblem{{Truth: append([][6]float64(nil), probs[0].Truth...)}}
	nan[0].Truth[3][2] = math.NaN()
	for _, c := range []struct {
		name   string
		method diffuser.InverseMethod
		probs  []diffuser.InverseProblem
		edit   func(*diffuser.InverseOptions)
	}{
		{"too many waypoints", diffuser.MethodClamp, probs, func(o *diffuser.InverseOptions) { o.Waypoints = 7 }},
		{"no problems", diffuser.MethodClamp, nil, nil},
		{"short window", diffuser.MethodREDDiff, short, nil},
		{"NaN truth", diffuser.MethodGuided, nan, nil},
		{"unknown method", "dps", probs, nil},
		{"guidance 0", diffuser.MethodGuided, probs, func(o *diffuser.InverseOptions) { o.Guidance = 0 }},
		{"negative samples", diffuser.MethodClamp, probs, func(o *diffuser.InverseOptions) { o.Samples = -1 }},
		{"samples of RED-Diff", diffuser.MethodREDDiff, probs, func(o *diffuser.InverseOptions) { o.Samples = 2 }},
	} {
		o := ok
		if c.edit != nil {
			c.edit(&o)
		}
		if _, err := p.Reconstruct(context.Background(), c.method, c.probs, o); !errors.Is(err, diffuser.ErrBadInput) {
			t.Errorf("%s: %v, want ErrBadInput", c.name, err)
		}
	}
}

// The inverse methods sample where the planner's options say (the CLI's --device gpu): clamp and ends
// through Options.Sample, guided and RED-Diff, whose loops stay on the CPU, through the network of
// Options.Network; executors that compute what the model computes give the CPU's reconstructions exactly.
func TestInverseMethodsUseTheInjectedExecutors(t *testing.T) {
	own, m, l, probs := inverseSetupWith(t, 3, diffuser.Options{Solver: "ddim", Steps: 4})
	samples, evals := 0, &evalCounter{}
	opt := diffuser.Options{Solver: "ddim", Steps: 4,
		Sample: func(ctx context.Context, mm *train.Model, req train.SampleRequest) (*train.Samples, error) {
			samples++
			return mm.Sample(ctx, req)
		},
		Network: cpuNetwork(evals)}
	injected, err := diffuser.New(m, l, opt)
	if err != nil {
		t.Fatal(err)
	}
	rd := diffusion.DefaultREDDiffOptions()
	rd.Steps = 6
	io := diffuser.InverseOptions{Waypoints: 2, Guidance: 0.5, Seed: 5, REDDiff: rd}
	for _, method := range []diffuser.InverseMethod{diffuser.MethodClamp, diffuser.MethodGuided, diffuser.MethodREDDiff} {
		samples, evals.points = 0, 0
		want, err := own.Reconstruct(context.Background(), method, probs, io)
		if err != nil {
			t.Fatal(err)
		}
		got, err := injected.Reconstruct(context.Background(), method, probs, io)
		if err != nil {
			t.Fatal(err)
		}
		if method == diffuser.MethodClamp && (samples != 1 || evals.points != 0) || method != diffuser.MethodClamp && (samples != 0 || evals.points == 0) {
			t.Errorf("%s: %d calls of the injected sampler, %d points through the injected network", method, samples, evals.points)
		}
		for i := range want.Windows {
			for k := range want.Windows[i] {
				if got.Windows[i][k] != want.Windows[i][k] {
					t.Fatalf("%s window %d step %d: %v with the injected executors, %v on the CPU", method, i, k, got.Windows[i][k], want.Windows[i][k])
				}
			}
		}
	}
}
