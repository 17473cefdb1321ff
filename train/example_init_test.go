package train_test

import (
	"context"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/train"
)

// A finished run continues with a schedule of its own: Options.Init starts a fresh run from its weights and
// EMA weights (a warm restart, or a fine-tune on other data with the same network). The restart's first
// steps, its learning rate warming up again, stay near the first run's last loss (here 0.19 against 0.16),
// far below a run from scratch (0.50).
func ExampleOptions_init() {
	dir, err := os.MkdirTemp("", "trajdiff-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	// Data: a correlated 2-D Gaussian with its mean away from the origin.
	source := &train.FuncSource{D: 2, Seed: 3, Draw: func(rng *rand.Rand, x0, _ []float64) error {
		z := rng.NormFloat64()
		x0[0], x0[1] = 3+0.2*z, -1+0.1*z+0.05*rng.NormFloat64()
		return nil
	}}
	run := func(out, init string, steps int) []train.Metric {
		o := train.DefaultOptions()
		o.Steps, o.Batch, o.LR, o.MinLR, o.Warmup, o.LogEvery, o.Seed, o.Init = steps, 64, 2e-3, 2e-4, 20, 10, 1, init
		tr := &train.Trainer{
			Spec:      nn.Spec{Arch: "mlp", MLP: &nn.MLPConfig{Dim: 2, Hidden: []int{64, 64}, TimeDim: 16}},
			Objective: train.ObjectiveConfig{Process: "vp-cosine", Prediction: "eps"},
			Source:    source, Options: o, Dir: filepath.Join(dir, out),
		}
		if _, err := tr.Run(context.Background()); err != nil {
			log.Fatal(err)
		}
		m, err := train.ReadMetrics(tr.Dir)
		if err != nil {
			log.Fatal(err)
		}
		return m
	}
	// meanLoss is the mean logged loss over steps (from, to].
	meanLoss := func(m []train.Metric, from, to int) float64 {
		s, n := 0.0, 0
		for _, r := range m {
			if r.Step > from && r.Step <= to {
				s, n = s+r.Loss, n+1
			}
		}
		return s / float64(n)
	}
	first := run("first", "", 600)
	restart := run("restart", filepath.Join(dir, "first"), 100)
	scratch := run("scratch", "", 100)
	end, re, sc := meanLoss(first, 500, 600), meanLoss(restart, 0, 100), meanLoss(scratch, 0, 100)
	fmt.Println("restart's first 100 steps within 50% of the first run's last 100:", re < 1.5*end)
	fmt.Println("restart below half of a run from scratch:", re < sc/2)
	// Output:
	// restart's first 100 steps within 50% of the first run's last 100: true
	// restart below half of a run from scratch: true
}
