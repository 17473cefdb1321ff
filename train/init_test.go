package train

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/nn"
)

// maxAbsDiff is the largest |a - b| over two networks' weights.
func maxAbsDiff(a, b [][]float32) float64 {
	m := 0.0
	for i := range a {
		for j := range a[i] {
			m = math.Max(m, math.Abs(float64(a[i][j])-float64(b[i][j])))
		}
	}
	return m
}

// A run started from Init begins at the checkpoint's weights: after one step every weight is within
// Adam's first step (at most the learning rate, its bias-corrected moments giving |m/sqrt(v)| <= 1) of the
// checkpoint's, while a run from the seed's initialisation is far from them; and the EMA continues the
// checkpoint's average at the full decay, d ema_A + (1 - d) theta, with no warm-up.
func TestInitStartsFromTheCheckpointsWeights(t *testing.T) {
	dirA := t.TempDir()
	a, err := smallTrainer(t, dirA, 60).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	b := smallTrainer(t, t.TempDir(), 1)
	b.Options.Init = dirA
	got, err := b.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	lr0 := b.Options.LearningRate(0)
	if d := maxAbsDiff(paramsOf(got.Net), paramsOf(a.Net)); d > lr0+1e-6 { // 1e-6: float32 rounding of weights of order 1
		t.Errorf("after one step the weights moved %.6g from the init checkpoint's, more than the step bound %.6g", d, lr0)
	}
	fresh, err := smallTrainer(t, "", 1).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if d := maxAbsDiff(paramsOf(fresh.Net), paramsOf(a.Net)); d < 100*lr0 {
		t.Fatalf("a run from the seed ends only %.3g from the trained weights: the check above could not fail", d)
	}
	dec := b.Options.EMADecay
	emaA, emaB, net := paramsOf(a.EMA), paramsOf(got.EMA), paramsOf(got.Net)
	worst := 0.0
	for i := range emaA {
		for j := range emaA[i] {
			want := dec*float64(emaA[i][j]) + (1-dec)*float64(net[i][j])
			worst = math.Max(worst, math.Abs(float64(emaB[i][j])-want)/math.Max(math.Abs(want), 1e-3))
		}
	}
	if worst > 1e-5 {
		t.Errorf("EMA after one step is %.3g (relative) from d ema_init + (1 - d) theta", worst)
	}
}

// A run started from Init that is cancelled and resumed reaches the uninterrupted run's weights bit for
// bit: the resumed run continues from its own checkpoint and does not go back to Init's weights.
func TestInitRunResumesBitIdentically(t *testing.T) {
	dirA := t.TempDir()
	if _, err := smallTrainer(t, dirA, 40).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	run := func(dir string, stopAt int) (*Result, error) {
		tr := smallTrainer(t, dir, 80)
		tr.Options.Init, tr.Options.CheckpointEvery = dirA, 0
		return runStoppingAt(tr, stopAt)
	}
	want, err := run(t.TempDir(), -1)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := run(dir, 37); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	got, err := run(dir, -1)
	if err != nil {
		t.Fatal(err)
	}
	if got.Resumed != 37 {
		t.Errorf("resumed at %d, want 37", got.Resumed)
	}
	if !sameParams(paramsOf(got.Net), paramsOf(want.Net)) || !sameParams(paramsOf(got.EMA), paramsOf(want.EMA)) {
		t.Fatal("the resumed run's weights differ from the uninterrupted run's")
	}
}

// Init must hold the run's network in the run's precision, and must exist.
func TestInitRefusesAnotherNetwork(t *testing.T) {
	dirA := t.TempDir()
	if _, err := smallTrainer(t, dirA, 5).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	wider := smallTrainer(t, "", 5)
	wider.Spec = nn.Spec{Arch: "mlp", MLP: &nn.MLPConfig{Dim: 2, Hidden: []int{32, 32}, TimeDim: 16}}
	wider.Options.Init = dirA
	if _, err := wider.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "init checkpoint") {
		t.Errorf("another network: err %v, want the init checkpoint's network named", err)
	}
	missing := smallTrainer(t, "", 5)
	missing.Options.Init = t.TempDir()
	if _, err := missing.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "init") {
		t.Errorf("no checkpoint there: err %v, want an init error", err)
	}
}
