package train

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/nn"
)

func TestLearningRateSchedule(t *testing.T) {
	o := Options{Steps: 110, LR: 1e-3, MinLR: 1e-4, Warmup: 10}
	if lr := o.LearningRate(0); math.Abs(lr-1e-4) > 1e-15 {
		t.Errorf("warm-up start %v, want LR/10", lr)
	}
	if lr := o.LearningRate(9); lr != 1e-3 {
		t.Errorf("end of warm-up %v, want LR", lr)
	}
	if lr := o.LearningRate(10); math.Abs(lr-1e-3) > 1e-15 {
		t.Errorf("start of decay %v, want LR", lr)
	}
	if lr := o.LearningRate(109); math.Abs(lr-1e-4) > 1e-15 {
		t.Errorf("last step %v, want MinLR", lr)
	}
	if lr, mid := o.LearningRate(59), 1e-4+0.5*(1e-3-1e-4)*(1+math.Cos(math.Pi*49/99)); math.Abs(lr-mid) > 1e-15 {
		t.Errorf("mid-decay %v, want %v", lr, mid)
	}
	e := Options{EMADecay: 0.999}
	if d := e.EMADecayAt(0); d != 0.1 {
		t.Errorf("EMA decay at step 0 %v, want 1/10", d)
	}
	if d := e.EMADecayAt(1_000_000); d != 0.999 {
		t.Errorf("EMA decay late %v, want 0.999", d)
	}
}

// mixtureSource draws examples from a 2-D Gaussian mixture.
func mixtureSource(t testing.TB, seed uint64) (*FuncSource, *diffusion.GaussianMixture) {
	g, err := diffusion.NewGaussianMixture([]float64{0.5, 0.5}, [][]float64{{-1, -1}, {1, 1}},
		[][][]float64{{{0.05, 0}, {0, 0.05}}, {{0.05, 0}, {0, 0.05}}})
	if err != nil {
		t.Fatal(err)
	}
	return &FuncSource{D: 2, Seed: seed, Draw: func(rng *rand.Rand, x0, _ []float64) error {
		copy(x0, g.Sample(rng, 1))
		return nil
	}}, g
}

func smallTrainer(t testing.TB, dir string, steps int) *Trainer {
	src, _ := mixtureSource(t, 7)
	o := DefaultOptions()
	o.Steps, o.Batch, o.LR, o.Warmup, o.MinLR, o.CheckpointEvery, o.LogEvery = steps, 64, 3e-3, 20, 3e-4, 25, 5
	o.EMADecay, o.Seed = 0.99, 11
	return &Trainer{
		Spec:      nn.Spec{Arch: "mlp", MLP: &nn.MLPConfig{Dim: 2, Hidden: []int{64, 64}, TimeDim: 16}},
		Objective: ObjectiveConfig{Kind: "denoising", Process: "vp-linear", Prediction: "eps"},
		Source:    src, Options: o, Dir: dir, Resume: true,
	}
}

// runStoppingAt runs tr and cancels its context once step stop is done (never for stop < 0): a run
// interrupted there, as Ctrl-C interrupts it.
func runStoppingAt(tr *Trainer, stop int) (*Result, error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tr.Progress = func(s Status) {
		if s.Step == stop {
			cancel()
		}
	}
	return tr.Run(ctx)
}

func paramsOf(n nn.Net) [][]float32 {
	var out [][]float32
	for _, p := range n.Params().All() {
		out = append(out, append([]float32(nil), p.Float32s()...))
	}
	return out
}

func sameParams(a, b [][]float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for j := range a[i] {
			if math.Float32bits(a[i][j]) != math.Float32bits(b[i][j]) {
				return false
			}
		}
	}
	return true
}

// Training learns the mixture: the loss falls, and the trained model (through LoadCheckpoint and a sampler)
// puts the samples' mean near the data's and both modes in play.
func TestTrainLearnsMixture(t *testing.T) {
	dir := t.TempDir()
	tr := smallTrainer(t, dir, 2000)
	tr.Options.CheckpointEvery = 500
	var first, last float64
	tr.Progress = func(s Status) {
		if s.Step == 1 {
			first = s.Loss
		}
		last = s.Loss
	}
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !(last < 0.6*first) {
		t.Errorf("loss %v -> %v, want a clear decrease", first, last)
	}
	c, err := LoadCheckpoint(dir, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d, p, st := c.Denoiser, c.Process, c.State
	if st.Step != 2000 {
		t.Errorf("latest checkpoint at step %d, want 2000", st.Step)
	}
	times, _ := diffusion.UniformT{}.Times(p, 100)
	plan, _ := diffusion.DPMSolverPP{Order: 2}.Plan(p, times)
	const n = 512
	x := make([]float64, 2*n)
	diffusion.NewPhilox(3).FillNormal(x, 0, 0)
	if err := diffusion.Sample(context.Background(), plan, d, x, diffusion.RunOptions{}); err != nil {
		t.Fatal(err)
	}
	pos, near := 0, 0
	for i := 0; i < n; i++ {
		a, b := x[2*i], x[2*i+1]
		if a+b > 0 {
			pos++
		}
		// Within 3 standard deviations (0.67) of a mode.
		if math.Hypot(math.Abs(a)-1, math.Abs(b)-1) < 0.67 && a*b > 0 {
			near++
		}
	}
	t.Logf("%d of %d samples within 3 sd of a mode, %d in the positive one", near, n, pos)
	if frac := float64(near) / n; frac < 0.85 {
		t.Errorf("only %.2f of the samples lie near a mode", frac)
	}
	if frac := float64(pos) / n; frac < 0.35 || frac > 0.65 {
		t.Errorf("fraction in the positive mode %v, want about 1/2", frac)
	}
}

// Two runs with the same seed give bit-identical weights.
func TestTrainDeterministic(t *testing.T) {
	a, err := smallTrainer(t, "", 30).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	b, err := smallTrainer(t, "", 30).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !sameParams(paramsOf(a.Net), paramsOf(b.Net)) || !sameParams(paramsOf(a.EMA), paramsOf(b.EMA)) {
		t.Fatal("same seed, different weights")
	}
}

// TestTrainHelperProcess is the training process that TestResumeAfterKill kills.
func TestTrainHelperProcess(t *testing.T) {
	dir := os.Getenv("TRAJDIFF_TRAIN_HELPER_DIR")
	if dir == "" {
		t.Skip("helper process for TestResumeAfterKill")
	}
	steps, _ := strconv.Atoi(os.Getenv("TRAJDIFF_TRAIN_HELPER_STEPS"))
	tr := smallTrainer(t, dir, steps)
	tr.Progress = func(s Status) { time.Sleep(2 * time.Millisecond) } // give the parent time to kill mid-run
	tr.Run(context.Background())
}

// A run killed with SIGKILL mid-way resumes from its last checkpoint and reaches bit-identical weights,
// EMA and metrics to an uninterrupted run with the same seed.
func TestResumeAfterKill(t *testing.T) {
	const steps = 200
	want, err := smallTrainer(t, t.TempDir(), steps).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestTrainHelperProcess$")
	cmd.Env = append(os.Environ(), "TRAJDIFF_TRAIN_HELPER_DIR="+dir, "TRAJDIFF_TRAIN_HELPER_STEPS="+strconv.Itoa(steps))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		st, err := readLatestStep(dir)
		if err == nil && st >= 75 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the helper wrote no checkpoint in 60 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	killedAt, _ := readLatestStep(dir)
	if killedAt >= steps {
		t.Fatalf("the helper finished (step %d) before it was killed", killedAt)
	}
	got, err := smallTrainer(t, dir, steps).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got.Resumed != killedAt || got.Resumed == 0 {
		t.Errorf("resumed at %d, want the killed run's checkpoint %d", got.Resumed, killedAt)
	}
	if !sameParams(paramsOf(got.Net), paramsOf(want.Net)) || !sameParams(paramsOf(got.EMA), paramsOf(want.EMA)) {
		t.Fatal("resumed run's weights differ from the uninterrupted run's")
	}
	t.Logf("killed after checkpoint %d of %d; resumed run is bit-identical", killedAt, steps)
}

func readLatestStep(dir string) (int, error) {
	ckpt, err := LatestCheckpoint(dir)
	if err != nil {
		return 0, err
	}
	st, err := ReadState(ckpt)
	return st.Step, err
}

// A diverging run stops with ErrNonFinite and keeps its last good checkpoint.
func TestNonFiniteLossStops(t *testing.T) {
	dir := t.TempDir()
	tr := smallTrainer(t, dir, 400)
	tr.Options.LR, tr.Options.MinLR, tr.Options.ClipNorm, tr.Options.CheckpointEvery = 1e30, 1e30, 0, 1
	_, err := tr.Run(context.Background())
	if !errors.Is(err, ErrNonFinite) {
		t.Fatalf("err %v, want ErrNonFinite", err)
	}
	step, err := readLatestStep(dir)
	if err != nil {
		t.Fatalf("no good checkpoint left: %v", err)
	}
	st, _ := ReadState(filepath.Join(dir, stepDir(step)))
	if math.IsNaN(st.Loss) || math.IsInf(st.Loss, 0) {
		t.Errorf("kept checkpoint has loss %v", st.Loss)
	}
}

// Cancelling the context stops the run with a checkpoint of the last completed step.
func TestCancelWritesCheckpoint(t *testing.T) {
	dir := t.TempDir()
	tr := smallTrainer(t, dir, 1000)
	tr.Options.CheckpointEvery = 0
	if _, err := runStoppingAt(tr, 37); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	if step, err := readLatestStep(dir); err != nil || step != 37 {
		t.Errorf("checkpoint at %d (%v), want 37", step, err)
	}
}

func TestDamagedCheckpointIsRejected(t *testing.T) {
	dir := t.TempDir()
	if _, err := smallTrainer(t, dir, 25).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	ckpt, _ := LatestCheckpoint(dir)
	f := filepath.Join(ckpt, modelFile)
	b, _ := os.ReadFile(f)
	b[len(b)-1] ^= 0xff
	os.WriteFile(f, b, 0o644)
	if _, err := ReadState(ckpt); err == nil {
		t.Fatal("a damaged weight file was accepted")
	}
}
