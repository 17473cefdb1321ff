package train

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/nn"
)

// With an entry inpainted in training (Diffuser's apply_conditioning), an unconditional network learns to
// read that entry as clean data: on x0 = (u, u), given the first entry clean and the second pure noise, the
// x0-prediction of the second entry recovers u. Trained identically without inpainting, the network reads
// the clean first entry as noise and predicts about the mean, 0.
func TestInpaintedEntriesAreReadAsClean(t *testing.T) {
	run := func(inpaint []int) float64 {
		o := DefaultOptions()
		o.Steps, o.Batch, o.LR, o.Warmup, o.MinLR, o.CheckpointEvery, o.EMADecay, o.Seed = 600, 64, 3e-3, 20, 3e-4, 0, 0.9, 3
		tr := &Trainer{
			Spec:      nn.Spec{Arch: "mlp", MLP: &nn.MLPConfig{Dim: 2, Hidden: []int{64, 64}, TimeDim: 16}},
			Objective: ObjectiveConfig{Process: "vp-cosine", Prediction: "x0"},
			Source: &FuncSource{D: 2, Seed: 9, Draw: func(rng *rand.Rand, x0, _ []float64) error {
				u := 2*rng.Float64() - 1
				x0[0], x0[1] = u, u
				return nil
			}},
			Inpaint: inpaint,
			Options: o,
		}
		res, err := tr.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		d, p, err := tr.Objective.Denoiser(nn.NewPredictor(res.Net))
		if err != nil {
			t.Fatal(err)
		}
		// Near the end of the process the second entry carries no information about u.
		tt := 0.98 * p.TMax()
		const n = 41
		x := make([]float64, 2*n)
		rng := rand.New(rand.NewPCG(1, 2))
		for i := range n {
			x[2*i] = -1 + 2*float64(i)/(n-1)
			x[2*i+1] = p.Sigma(tt) * rng.NormFloat64()
		}
		x0 := make([]float64, 2*n)
		if err := d.Denoise(x0, x, tt); err != nil {
			t.Fatal(err)
		}
		se := 0.0
		for i := range n {
			se += math.Pow(x0[2*i+1]-x[2*i], 2)
		}
		return math.Sqrt(se / n)
	}
	with, without := run([]int{0}), run(nil)
	t.Logf("RMSE of the second entry's prediction against u: inpainted %.3f, not inpainted %.3f", with, without)
	if !(with < 0.25 && without > 0.4) {
		t.Errorf("inpainted %.3f (want < 0.25), not inpainted %.3f (want > 0.4, the spread of u is 0.58)", with, without)
	}
}

func TestInpaintEntriesAreValidated(t *testing.T) {
	for _, c := range []struct {
		inpaint []string
		want    string
	}{
		{[]string{"0:7"}, "outside"},
		{[]string{"-9:0"}, "outside"},
		{[]string{"0:1", "0:1"}, "twice"},
		{[]string{"x"}, "STEP:COMPONENT"},
	} {
		d := DataConfig{Inpaint: c.inpaint}
		if _, err := d.inpaintIndices(8, 3); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("inpaint %v: error %v, want one saying %q", c.inpaint, err, c.want)
		}
	}
	if idx, err := (DataConfig{Inpaint: []string{"0:1", "-1:2"}}).inpaintIndices(8, 3); err != nil || idx[0] != 1 || idx[1] != 23 {
		t.Errorf("indices %v, %v; want [1 23]", idx, err)
	}
	tr := smallTrainer(t, "", 5)
	tr.Inpaint = []int{2}
	if _, err := tr.Run(context.Background()); err == nil {
		t.Error("an inpainted position outside the example was accepted")
	}
}

// A run does not resume from a checkpoint trained with another objective or other inpainted positions.
func TestResumeRefusesAnotherObjectiveOrInpainting(t *testing.T) {
	dir := t.TempDir()
	if _, err := smallTrainer(t, dir, 25).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	tr := smallTrainer(t, dir, 50)
	tr.Inpaint = []int{0}
	if _, err := tr.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "inpainted") {
		t.Errorf("resumed with other inpainted positions: %v", err)
	}
	tr = smallTrainer(t, dir, 50)
	tr.Objective.Prediction = "x0"
	if _, err := tr.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "objective") {
		t.Errorf("resumed with another objective: %v", err)
	}
	if _, err := smallTrainer(t, dir, 50).Run(context.Background()); err != nil {
		t.Errorf("the same run does not resume: %v", err)
	}
}

// For eps prediction an inpainted entry holds no noise, so its target is 0 (WDNO's choice): the trained
// network's eps output there is near 0, while the free entry's output follows the noise it was given.
func TestInpaintedEntriesHaveZeroEpsTarget(t *testing.T) {
	tr := smallTrainer(t, "", 300)
	tr.Inpaint = []int{0}
	res, err := tr.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	pred := nn.NewPredictor(res.Net)
	_, p, err := tr.Objective.Build()
	if err != nil {
		t.Fatal(err)
	}
	const n = 64
	x, eps := make([]float64, 2*n), make([]float64, 2*n)
	rng := rand.New(rand.NewPCG(3, 4))
	tt := 0.5 * p.TMax()
	for i := range n {
		x[2*i] = 2*rng.Float64() - 1
		x[2*i+1] = p.Sigma(tt) * rng.NormFloat64()
	}
	var inpainted, free float64
	for i := range n {
		if err := pred.Predict(eps[2*i:2*i+2], x[2*i:2*i+2], tt); err != nil {
			t.Fatal(err)
		}
		inpainted += eps[2*i] * eps[2*i]
		free += eps[2*i+1] * eps[2*i+1]
	}
	inpainted, free = math.Sqrt(inpainted/n), math.Sqrt(free/n)
	t.Logf("RMS eps prediction: inpainted entry %.3f, free entry %.3f", inpainted, free)
	if !(inpainted < 0.1 && free > 0.3) {
		t.Errorf("RMS eps prediction: inpainted entry %.3f (want < 0.1), free entry %.3f (want > 0.3)", inpainted, free)
	}
}
