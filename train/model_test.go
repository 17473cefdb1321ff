package train

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"testing"

	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/nn"
)

// windowRun trains a small conditional MLP through Config.Trainer on windows of 8 steps of a synthetic
// episodes dataset (1 action, 2 observations per step), conditioned on the first and last observations[0],
// and returns its configuration. edit, if set, changes the configuration first.
func windowRun(t testing.TB, dir string, edit func(*Config)) Config {
	t.Helper()
	data := filepath.Join(dir, "episodes.arrow")
	w, err := datasets.CreateEpisodes(data, datasets.EpisodeSpec{ObservationDim: 2, ActionDim: 1}, datasets.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for e := 0; e < 6; e++ {
		var ep datasets.Episode
		for s := 0; s < 20; s++ {
			x := 0.3*float64(e) + 0.1*float64(s)
			ep.Observations = append(ep.Observations, x, math.Sin(3*x))
			ep.Actions = append(ep.Actions, math.Cos(3*x))
			ep.Rewards = append(ep.Rewards, 0)
		}
		if err := w.Write(ep); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	cfg := Config{
		Out:       filepath.Join(dir, "run"),
		Data:      DataConfig{Path: data, Horizon: 8, NoPadding: true, Condition: []string{"0:1", "-1:1"}},
		Network:   nn.Spec{Arch: "mlp", MLP: &nn.MLPConfig{Dim: 24, CondDim: 2, Hidden: []int{32, 32}, TimeDim: 8}},
		Objective: ObjectiveConfig{Process: "vp-cosine", Prediction: "x0"},
		Train:     DefaultOptions(),
		Sample:    SampleConfig{Solver: "ddim", Steps: 4},
	}
	o := &cfg.Train
	o.Steps, o.Batch, o.LR, o.MinLR, o.Warmup, o.EMADecay, o.Seed, o.CheckpointEvery = 30, 8, 3e-3, 3e-4, 0, 0.9, 5, 0
	if edit != nil {
		edit(&cfg)
	}
	tr, ds, err := cfg.Trainer()
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// fixedEnds fixes the conditioned entries (first and last observations[0]) of n windows.
func fixedEnds(n int) []Fixed {
	first, last := make([]float64, n), make([]float64, n)
	for i := range first {
		first[i], last[i] = 0.2*float64(i), 1.5+0.1*float64(i)
	}
	return []Fixed{{WindowEntry{0, 1}, first}, {WindowEntry{-1, 1}, last}}
}

func paramsFile(t *testing.T, spec nn.Spec, path string) [][]float32 {
	t.Helper()
	net, err := spec.New(tensor.Float32, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := net.Params().Load(path); err != nil {
		t.Fatal(err)
	}
	return paramsOf(net)
}

// Sampling reads the weights choice: by default the EMA (Diffuser, EDM), the raw weights on request or when
// the configuration's sample.ema is false; the two sets differ after a short run, and so do their samples.
func TestLoadWeightsChoice(t *testing.T) {
	dir := t.TempDir()
	cfg := windowRun(t, dir, nil)
	ckpt, err := LatestCheckpoint(cfg.Out)
	if err != nil {
		t.Fatal(err)
	}
	ema := paramsFile(t, cfg.Network, filepath.Join(ckpt, emaFile))
	raw := paramsFile(t, cfg.Network, filepath.Join(ckpt, modelFile))
	if sameParams(ema, raw) {
		t.Fatal("the checkpoint's EMA and raw weights are equal; the test needs them to differ")
	}
	req := SampleRequest{N: 3, Seed: 2, Fixed: fixedEnds(3)}
	samples := map[Weights][]float64{}
	for _, tc := range []struct {
		w       Weights
		wantEMA bool
		want    [][]float32
	}{{DefaultWeights, true, ema}, {EMAWeights, true, ema}, {RawWeights, false, raw}} {
		m, err := Load(cfg.Out, LoadOptions{Weights: tc.w})
		if err != nil {
			t.Fatal(err)
		}
		if m.Checkpoint.EMA != tc.wantEMA || !sameParams(paramsOf(m.Checkpoint.Net), tc.want) {
			t.Errorf("%v weights: EMA %v, or not the parameters of the %v file", tc.w, m.Checkpoint.EMA, tc.wantEMA)
		}
		s, err := m.Sample(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		if s.EMA != tc.wantEMA {
			t.Errorf("%v weights: samples report EMA %v", tc.w, s.EMA)
		}
		samples[tc.w] = s.X
	}
	if !slices.Equal(samples[DefaultWeights], samples[EMAWeights]) {
		t.Error("default and EMA weights sample differently")
	}
	if slices.Equal(samples[RawWeights], samples[EMAWeights]) {
		t.Error("raw and EMA weights give the same samples")
	}
	c, err := LoadCheckpoint(cfg.Out, LoadOptions{})
	if err != nil || !c.EMA || !sameParams(paramsOf(c.Net), ema) {
		t.Errorf("LoadCheckpoint's default: EMA %v, %v; want the EMA weights", c != nil && c.EMA, err)
	}
	if _, err := Load(cfg.Out, LoadOptions{Weights: Weights(9)}); err == nil {
		t.Error("an unknown Weights value was accepted")
	}

	// A configuration with sample.ema = false makes the raw weights the default; an explicit choice wins.
	no := false
	cfg2 := windowRun(t, t.TempDir(), func(c *Config) { c.Sample.EMA = &no })
	for w, want := range map[Weights]bool{DefaultWeights: false, EMAWeights: true, RawWeights: false} {
		m, err := Load(cfg2.Out, LoadOptions{Weights: w})
		if err != nil {
			t.Fatal(err)
		}
		if m.Checkpoint.EMA != want {
			t.Errorf("sample.ema = false, %v weights: EMA %v, want %v", w, m.Checkpoint.EMA, want)
		}
	}
}

// A Model samples in the data's units: fixed entries come back as given, components are named after the
// dataset's columns, the configuration's sampler is the default, progress is reported and ctx is honoured.
func TestModelSample(t *testing.T) {
	cfg := windowRun(t, t.TempDir(), nil)
	m, err := Load(cfg.Out, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Horizon != 8 || m.Transition != 3 || !reflect.DeepEqual(m.Condition(), []WindowEntry{{0, 1}, {-1, 1}}) {
		t.Errorf("model of %d x %d conditioned on %v", m.Horizon, m.Transition, m.Condition())
	}
	want := []string{"actions[0]", "observations[0]", "observations[1]"}
	if got := m.Components(); !slices.Equal(got, want) {
		t.Errorf("components %v, want %v", got, want)
	}
	// The normalisers are the dataset's limits: observations[0] = 0.3 e + 0.1 s over 6 episodes of 20 steps.
	if lo, hi, ok := m.Normalizer(1).Limits(); !ok || math.Abs(lo[0]) > 1e-6 || math.Abs(hi[0]-3.4) > 1e-6 || m.Normalizer(2) != nil {
		t.Errorf("observations' limits %v, %v (%v); want x in [0, 3.4]", lo, hi, ok)
	}
	var calls, total int
	req := SampleRequest{N: 4, Seed: 1, Fixed: fixedEnds(4), Progress: func(done, tot int) { calls, total = done, tot }}
	s, err := m.Sample(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if s.Solver != "ddim" || s.Steps != 4 || s.NFE != 4 || calls != total || total == 0 {
		t.Errorf("solver %s, %d steps, %d NFE, progress %d/%d; want the configuration's ddim with 4 steps", s.Solver, s.Steps, s.NFE, calls, total)
	}
	if len(s.X) != 4*8*3 || !slices.Equal(s.Components, want) {
		t.Fatalf("%d values, components %v", len(s.X), s.Components)
	}
	for i, f := range req.Fixed[0].Values {
		w := s.Window(i)
		// Normalising to float32 and back moves a value by a few ulps of the data's range.
		if math.Abs(w[0][1]-f) > 1e-5 || math.Abs(w[7][1]-req.Fixed[1].Values[i]) > 1e-5 {
			t.Errorf("window %d: ends %v, %v; want %v, %v", i, w[0][1], w[7][1], f, req.Fixed[1].Values[i])
		}
	}
	again, err := m.Sample(context.Background(), SampleRequest{N: 4, Seed: 1, Fixed: fixedEnds(4), Solver: "ddim", Steps: 4})
	if err != nil || !slices.Equal(again.X, s.X) {
		t.Errorf("the same request sampled differently (%v)", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.Sample(ctx, req); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
}

// Requests that cannot run fail with ErrBadRequest before any sampling.
func TestSampleBadRequest(t *testing.T) {
	cfg := windowRun(t, t.TempDir(), nil)
	m, err := Load(cfg.Out, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ok := SampleRequest{N: 2, Fixed: fixedEnds(2)}
	with := func(f func(*SampleRequest)) SampleRequest {
		r := ok
		r.Fixed = slices.Clone(ok.Fixed)
		f(&r)
		return r
	}
	for name, req := range map[string]SampleRequest{
		"n 0":               with(func(r *SampleRequest) { r.N = 0 }),
		"steps -1":          with(func(r *SampleRequest) { r.Steps = -1 }),
		"unknown solver":    with(func(r *SampleRequest) { r.Solver = "dpm-solver-9" }),
		"unknown schedule":  with(func(r *SampleRequest) { r.Schedule = "cosine-ish" }),
		"step outside":      with(func(r *SampleRequest) { r.Fixed = append(r.Fixed, Fixed{WindowEntry{8, 0}, []float64{1}}) }),
		"component outside": with(func(r *SampleRequest) { r.Fixed = append(r.Fixed, Fixed{WindowEntry{2, 3}, []float64{1}}) }),
		"too many values":   with(func(r *SampleRequest) { r.Fixed = append(r.Fixed, Fixed{WindowEntry{2, 0}, []float64{1, 2, 3}}) }),
		"no values":         with(func(r *SampleRequest) { r.Fixed = append(r.Fixed, Fixed{WindowEntry{2, 0}, nil}) }),
		"NaN":               with(func(r *SampleRequest) { r.Fixed = append(r.Fixed, Fixed{WindowEntry{2, 0}, []float64{math.NaN()}}) }),
		"fixed twice":       with(func(r *SampleRequest) { r.Fixed = append(r.Fixed, Fixed{WindowEntry{-8, 1}, []float64{0}}) }),
		"condition free":    with(func(r *SampleRequest) { r.Fixed = r.Fixed[:1] }),
	} {
		_, err := m.Sample(context.Background(), req)
		if !errors.Is(err, ErrBadRequest) {
			t.Errorf("%s: %v, want ErrBadRequest", name, err)
		}
		t.Logf("%s: %v", name, err)
	}
	if _, err := m.Sample(context.Background(), ok); err != nil {
		t.Errorf("the valid request: %v", err)
	}
}

// Load needs a run of Config.Trainer: a checkpoint without its configuration, or whose dataset is gone,
// is an error (LoadCheckpoint still reads the former); a dataset without normalisation samples too.
func TestLoadNeedsConfigAndData(t *testing.T) {
	dir := t.TempDir()
	tr := smallTrainer(t, dir, 10)
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir, LoadOptions{}); err == nil {
		t.Error("Load read a checkpoint without a configuration")
	}
	if _, err := LoadCheckpoint(dir, LoadOptions{}); err != nil {
		t.Error(err)
	}
	if _, err := Load(filepath.Join(dir, "missing"), LoadOptions{}); err == nil {
		t.Error("Load read a missing checkpoint")
	}
	cfg := windowRun(t, t.TempDir(), func(c *Config) { c.Data.Normalizer = "none" })
	m, err := Load(cfg.Out, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := m.Sample(context.Background(), SampleRequest{N: 1, Fixed: fixedEnds(1)})
	if err != nil {
		t.Fatal(err)
	}
	if w := s.Window(0); w[7][1] != 1.5 || !slices.Equal(s.Components, m.Components()) {
		t.Errorf("unnormalised model: last observations[0] %v, want 1.5", w[7][1])
	}
	moved := filepath.Join(t.TempDir(), "moved"+filepath.Ext(cfg.Data.Path))
	if err := os.Rename(cfg.Data.Path, moved); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(cfg.Out, LoadOptions{}); err == nil {
		t.Error("Load succeeded without the training data")
	}
	// A moved dataset is found through DataPath and gives the same samples.
	m2, err := Load(cfg.Out, LoadOptions{DataPath: moved})
	if err != nil {
		t.Fatal(err)
	}
	s2, err := m2.Sample(context.Background(), SampleRequest{N: 1, Fixed: fixedEnds(1)})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.X, s2.X) {
		t.Error("the moved dataset gave other samples")
	}
}

// Concurrent calls of Sample on one Model give what sequential calls give (here an unconditional model with
// EDM's preconditioning, whose denoiser keeps scratch space).
func TestModelSampleConcurrent(t *testing.T) {
	cfg := windowRun(t, t.TempDir(), func(c *Config) {
		c.Objective = ObjectiveConfig{Kind: "edm"}
		c.Data.Condition, c.Network.MLP.CondDim = nil, 0
	})
	m, err := Load(cfg.Out, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	req := func(seed uint64) SampleRequest {
		return SampleRequest{N: 3, Seed: seed, Solver: "heun", Steps: 6, Fixed: fixedEnds(3)}
	}
	want := make([][]float64, 4)
	for i := range want {
		s, err := m.Sample(context.Background(), req(uint64(i)))
		if err != nil {
			t.Fatal(err)
		}
		want[i] = s.X
	}
	got := make([][]float64, len(want))
	errs := make([]error, len(want))
	var wg sync.WaitGroup
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := m.Sample(context.Background(), req(uint64(i)))
			if errs[i] = err; err == nil {
				got[i] = s.X
			}
		}()
	}
	wg.Wait()
	for i := range got {
		if errs[i] != nil || !slices.Equal(got[i], want[i]) {
			t.Errorf("concurrent request %d: %v, or samples differ from the sequential ones", i, errs[i])
		}
	}
}

// SampleRequest.ClipX0 (or the configuration's [sample] clip_x0) clips every x0-prediction to [-1, 1] in
// training units: without a normaliser those are the data's units, and the last solver step returns the
// last x0-prediction, so every free entry lies in [-1, 1] while the unclipped samples leave it.
func TestSampleClipX0ClipsTheX0Predictions(t *testing.T) {
	cfg := windowRun(t, t.TempDir(), func(c *Config) { c.Data.Normalizer = "none" })
	m, err := Load(cfg.Out, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	outside := func(s *Samples) int {
		n := 0
		for i := 0; i < s.N; i++ {
			for st, row := range s.Window(i) {
				for c, v := range row {
					if c == 1 && (st == 0 || st == s.Horizon-1) {
						continue // the fixed entries
					}
					if v < -1 || v > 1 {
						n++
					}
				}
			}
		}
		return n
	}
	req := SampleRequest{N: 4, Seed: 3, Fixed: fixedEnds(4)}
	free, err := m.Sample(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if free.ClipX0 || outside(free) == 0 {
		t.Fatalf("unclipped samples: ClipX0 %v, %d entries outside [-1, 1]; the test needs some", free.ClipX0, outside(free))
	}
	req.ClipX0 = true
	clipped, err := m.Sample(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if !clipped.ClipX0 || outside(clipped) != 0 {
		t.Errorf("ClipX0: reported %v, %d free entries outside [-1, 1]", clipped.ClipX0, outside(clipped))
	}
	// The configuration's default does the same.
	m.Config.Sample.ClipX0 = true
	req.ClipX0 = false
	byConfig, err := m.Sample(context.Background(), req)
	if err != nil || !byConfig.ClipX0 || !slices.Equal(byConfig.X, clipped.X) {
		t.Errorf("[sample] clip_x0: reported %v, same samples as ClipX0 %v (%v)", byConfig.ClipX0, slices.Equal(byConfig.X, clipped.X), err)
	}
}
