package train

import (
	"context"
	"math"
	"path/filepath"
	"testing"
)

// The held-out loss falls with training (the 25-step checkpoint scores worse than the 300-step one), sits
// near the run's own logged loss at the end, and is a deterministic function of the seed.
func TestHeldOutLossFallsWithTraining(t *testing.T) {
	dir := t.TempDir()
	tr := smallTrainer(t, dir, 300)
	tr.Options.KeepCheckpoints = 20
	res, err := tr.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	score := func(step int, seed uint64) float64 {
		ck, err := LoadCheckpoint(filepath.Join(dir, stepDir(step)), LoadOptions{Weights: RawWeights})
		if err != nil {
			t.Fatal(err)
		}
		l, err := tr.HeldOutLoss(context.Background(), ck, 10000, 8, seed)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	early, late := score(25, 1), score(300, 1)
	t.Logf("held-out loss %.4g at step 25, %.4g at 300 (last logged training loss %.4g)", early, late, res.Loss)
	if !(late < 0.8*early) {
		t.Errorf("held-out loss %v -> %v, want a clear decrease", early, late)
	}
	if late > 2*res.Loss+0.05 || late < 0.5*res.Loss-0.05 {
		t.Errorf("held-out loss %v far from the training loss %v", late, res.Loss)
	}
	if again := score(300, 1); again != late {
		t.Errorf("same seed, losses %v and %v", late, again)
	}
	if other := score(300, 2); other == late || math.IsNaN(other) {
		t.Errorf("another seed gives %v, the same loss %v", other, late)
	}
	ck, _ := LoadCheckpoint(filepath.Join(dir, stepDir(300)), LoadOptions{})
	if _, err := tr.HeldOutLoss(context.Background(), ck, 0, 0, 1); err == nil {
		t.Error("zero batches accepted")
	}
}
