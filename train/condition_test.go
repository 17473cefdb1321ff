package train

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"slices"
	"testing"

	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/nn"
)

// goalEpisodes writes 6 episodes of 12 steps (1 action, 2 observations per step) with rewards r_t = (e+1)(t+1)/10
// of episode e and a 2-component infos/goal that is constant within an episode, (e, 10 - 2e).
func goalEpisodes(t testing.TB, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "goals.arrow")
	w, err := datasets.CreateEpisodes(path, datasets.EpisodeSpec{ObservationDim: 2, ActionDim: 1, Infos: []datasets.InfoSpec{{Name: "goal", Dim: 2}}}, datasets.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for e := 0; e < 6; e++ {
		ep := datasets.Episode{Infos: map[string][]float64{}}
		for s := 0; s < 12; s++ {
			x := 0.3*float64(e) + 0.1*float64(s)
			ep.Observations = append(ep.Observations, x, math.Sin(3*x))
			ep.Actions = append(ep.Actions, math.Cos(3*x))
			ep.Rewards = append(ep.Rewards, float64((e+1)*(s+1))/10)
			ep.Infos["goal"] = append(ep.Infos["goal"], float64(e), 10-2*float64(e))
		}
		if err := w.Write(ep); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// goalConfig is a small conditional MLP on 6-step windows of goalEpisodes, conditioned on the goal, the
// return and the first observations[0], with condition dropout for guidance.
func goalConfig(dir, data string) Config {
	cfg := Config{
		Out: filepath.Join(dir, "run"),
		Data: DataConfig{Path: data, Horizon: 6, NoPadding: true, ReturnsScale: 10, Discount: 0.5,
			Condition: []string{"info:goal:0", "info:goal:1", "returns", "0:1"}},
		Network:   nn.Spec{Arch: "mlp", MLP: &nn.MLPConfig{Dim: 18, CondDim: 4, Hidden: []int{32, 32}, TimeDim: 8}},
		Objective: ObjectiveConfig{Process: "vp-cosine", Prediction: "x0"},
		Train:     DefaultOptions(),
		Sample:    SampleConfig{Solver: "ddim", Steps: 4},
	}
	o := &cfg.Train
	o.Steps, o.Batch, o.LR, o.MinLR, o.Warmup, o.EMADecay, o.Seed, o.CheckpointEvery = 20, 8, 3e-3, 3e-4, 0, 0.9, 5, 0
	o.CondDropout = 0.25
	return cfg
}

// goalRun trains goalConfig (edited by edit when set) and loads its model.
func goalRun(t testing.TB, edit func(*Config)) *Model {
	t.Helper()
	dir := t.TempDir()
	cfg := goalConfig(dir, goalEpisodes(t, dir))
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
	m, err := Load(cfg.Out, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestConditionItemsParse(t *testing.T) {
	for s, want := range map[string]ConditionItem{
		"returns":      {Kind: CondReturns},
		"info:goal:1":  {Kind: CondInfo, Info: "goal", K: 1},
		"info:qpos:12": {Kind: CondInfo, Info: "qpos", K: 12},
		"-1:2":         {Kind: CondEntry, Entry: WindowEntry{-1, 2}},
		"0:0":          {Kind: CondEntry, Entry: WindowEntry{0, 0}},
	} {
		got, err := ParseConditionItem(s)
		if err != nil || got != want || got.String() != s {
			t.Errorf("%q: %+v (%q), %v; want %+v", s, got, got.String(), err, want)
		}
	}
	for _, s := range []string{"info:a:b:0", "info:goal", "info::0", "info:goal:-1", "return", "info:goal:0.5", "info:goal/x:0"} {
		if got, err := ParseConditionItem(s); err == nil {
			t.Errorf("%q parsed as %+v, want an error", s, got)
		}
	}
	for name, d := range map[string]DataConfig{
		"returns without scale":  {Condition: []string{"returns"}},
		"negative scale":         {Condition: []string{"returns"}, ReturnsScale: -1},
		"discount above 1":       {Condition: []string{"returns"}, ReturnsScale: 1, Discount: 1.5},
		"scale without returns":  {Condition: []string{"0:1"}, ReturnsScale: 1},
		"discount, no returns":   {Discount: 0.9},
		"returns twice":          {Condition: []string{"returns", "returns"}, ReturnsScale: 1},
		"the same info twice":    {Condition: []string{"info:goal:0", "info:goal:0"}},
		"an item that is no one": {Condition: []string{"rtg"}},
	} {
		if _, err := d.ConditionItems(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	d := DataConfig{Condition: []string{"info:goal:0", "-1:2", "returns"}, ReturnsScale: 400}
	items, err := d.ConditionItems()
	entries, err2 := d.ConditionEntries()
	if err != nil || err2 != nil || len(items) != 3 || !slices.Equal(entries, []WindowEntry{{-1, 2}}) || d.discount() != DefaultDiscount {
		t.Errorf("items %v (%v), entries %v (%v), discount %v", items, err, entries, err2, d.discount())
	}
}

// The "returns" condition of a window is the discounted return-to-go of its episode from its first step,
// divided by returns_scale; the info condition is the goal at the first step mapped by the goal's dataset
// limits to [-1, 1]; window entries keep their normalised values; all in data.condition's order.
func TestReturnsConditionIsTheScaledDiscountedReturnToGo(t *testing.T) {
	dir := t.TempDir()
	cfg := goalConfig(dir, goalEpisodes(t, dir))
	tr, ds, err := cfg.Trainer()
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	src := tr.Source.(*SamplerSource)
	// By hand: episode 0 has rewards 0.1, 0.2, ..., 1.2; from step 8, 0.9 + 0.5 (1.0) + 0.25 (1.1) + 0.125 (1.2)
	// = 1.825, divided by 10.
	// The rewards are stored in float32.
	if got := src.derived[2][0][8]; math.Abs(got-0.1825) > 1e-7 {
		t.Errorf("episode 0's return-to-go from step 8: %v, want 0.1825", got)
	}
	if src.CondDim() != 4 || !slices.Equal(src.cond[:3], []int{-1, -1, -1}) || src.cond[3] != 1 {
		t.Fatalf("condition layout %v", src.cond)
	}
	x0 := make([]float64, 8*src.Dim())
	cond := make([]float64, 8*4)
	for step := 0; step < 3; step++ {
		if err := src.Batch(step, x0, cond); err != nil {
			t.Fatal(err)
		}
		for b, seg := range src.batch.Segments {
			e, t0 := seg.Trajectory, seg.Start
			R := 0.0
			for k := t0; k < 12; k++ {
				R += math.Pow(0.5, float64(k-t0)) * float64((e+1)*(k+1)) / 10
			}
			want := []float64{2*float64(e)/5 - 1, 2*(10-2*float64(e)-0)/10 - 1, R / 10, x0[b*src.Dim()+1]}
			for j, w := range want {
				if math.Abs(cond[b*4+j]-w) > 1e-7 {
					t.Errorf("step %d window %d (episode %d from %d): condition %d is %v, want %v", step, b, e, t0, j, cond[b*4+j], w)
				}
			}
		}
	}
}

// A loaded model maps CondValues in the data's units exactly as the training source did: the info limits
// and the returns scale are recomputed from the data at Load.
func TestInfoConditionsRoundTripThroughLoad(t *testing.T) {
	m := goalRun(t, nil)
	if got := m.CondValueItems(); len(got) != 3 || got[0].String() != "info:goal:0" || got[2].Kind != CondReturns {
		t.Fatalf("condition values %v", got)
	}
	if got := m.ConditionItems(); len(got) != 4 || got[3].Entry != (WindowEntry{0, 1}) || !slices.Equal(m.Condition(), []WindowEntry{{0, 1}}) {
		t.Fatalf("condition %v, entries %v", got, m.Condition())
	}
	req := SampleRequest{N: 2, CondValues: [][]float64{{0, 10, 2.5}, {5, 0, 0}}, Fixed: []Fixed{{WindowEntry{0, 1}, []float64{1}}}}
	sp, err := m.prepare(req)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{-1, 1, 0.25, m.normalizeValue(1, 1), 1, -1, 0, m.normalizeValue(1, 1)}
	for i, w := range want {
		if math.Abs(sp.cond[i]-w) > 1e-12 {
			t.Errorf("condition value %d: %v, want %v (all %v)", i, sp.cond[i], w, sp.cond)
		}
	}
}

// Guidance w = 1 is the conditional model (bit for bit the samples of Guidance 0, with twice the network
// passes); w = 2 moves the samples; all are finite.
func TestGuidanceWeightOneIsTheConditionalModel(t *testing.T) {
	m := goalRun(t, nil)
	fixed := []Fixed{{WindowEntry{0, 1}, []float64{0.5}}}
	req := SampleRequest{N: 3, Seed: 7, Fixed: fixed, CondValues: [][]float64{{2, 6, 3}}}
	var out [3]*Samples
	for i, w := range []float64{0, 1, 2} {
		r := req
		r.Guidance = w
		s, err := m.Sample(context.Background(), r)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range s.X {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("guidance %v: non-finite sample", w)
			}
		}
		out[i] = s
	}
	if !slices.Equal(out[0].X, out[1].X) {
		t.Error("guidance 1 differs from the conditional model")
	}
	if slices.Equal(out[0].X, out[2].X) {
		t.Error("guidance 2 gave the conditional model's samples")
	}
	if out[0].NFE != 4 || out[1].NFE != 8 || out[2].NFE != 8 {
		t.Errorf("NFE %d, %d, %d; want 4 passes unguided, 8 guided", out[0].NFE, out[1].NFE, out[2].NFE)
	}
	// Different goals give different plans (the condition reaches the network).
	r := req
	r.CondValues = [][]float64{{5, 0, 3}}
	s, err := m.Sample(context.Background(), r)
	if err != nil || slices.Equal(s.X, out[0].X) {
		t.Errorf("another goal sampled the same windows (%v)", err)
	}
}

// The guided combination is out_u + w (out_c - out_u) of the network's outputs.
func TestGuidedCombinesTheTwoPasses(t *testing.T) {
	c, u := constNet{[]float64{1, 2}}, constNet{[]float64{3, -1}}
	g := &guided{cond: c, uncond: u, w: 1.5}
	dst := make([]float64, 2)
	if err := g.Predict(dst, []float64{0, 0}, 0.5); err != nil {
		t.Fatal(err)
	}
	if dst[0] != 3+1.5*(1-3) || dst[1] != -1+1.5*(2+1) {
		t.Errorf("guided %v", dst)
	}
}

type constNet struct{ v []float64 }

func (c constNet) Dim() int { return len(c.v) }
func (c constNet) Predict(dst, _ []float64, _ float64) error {
	for i := range dst {
		dst[i] = c.v[i%len(c.v)]
	}
	return nil
}

// Requests with wrong condition values, guidance the model cannot give or a malformed warm start fail with
// ErrBadRequest.
func TestConditionGuidanceAndWarmStartBadRequests(t *testing.T) {
	m := goalRun(t, nil)
	noDropout := goalRun(t, func(c *Config) { c.Train.CondDropout = 0 })
	ok := SampleRequest{N: 2, Fixed: []Fixed{{WindowEntry{0, 1}, []float64{0.5}}}, CondValues: [][]float64{{1, 2, 3}}}
	D := m.Horizon * m.Transition
	with := func(f func(*SampleRequest)) SampleRequest {
		r := ok
		f(&r)
		return r
	}
	for name, req := range map[string]SampleRequest{
		"no values":           with(func(r *SampleRequest) { r.CondValues = nil }),
		"short vector":        with(func(r *SampleRequest) { r.CondValues = [][]float64{{1, 2}} }),
		"long vector":         with(func(r *SampleRequest) { r.CondValues = [][]float64{{1, 2, 3, 4}} }),
		"three vectors":       with(func(r *SampleRequest) { r.CondValues = [][]float64{{1, 2, 3}, {1, 2, 3}, {1, 2, 3}} }),
		"NaN value":           with(func(r *SampleRequest) { r.CondValues = [][]float64{{1, math.NaN(), 3}} }),
		"Inf value":           with(func(r *SampleRequest) { r.CondValues = [][]float64{{1, 2, math.Inf(1)}} }),
		"entry free":          with(func(r *SampleRequest) { r.Fixed = nil }),
		"negative guidance":   with(func(r *SampleRequest) { r.Guidance = -1 }),
		"NaN guidance":        with(func(r *SampleRequest) { r.Guidance = math.NaN() }),
		"init alone":          with(func(r *SampleRequest) { r.Init = make([]float64, 2*D) }),
		"start time alone":    with(func(r *SampleRequest) { r.StartTime = 0.5 }),
		"renoise alone":       with(func(r *SampleRequest) { r.Renoise = true }),
		"start beyond TMax":   with(func(r *SampleRequest) { r.Init, r.StartTime = make([]float64, 2*D), 2 }),
		"negative start":      with(func(r *SampleRequest) { r.Init, r.StartTime = make([]float64, 2*D), -0.5 }),
		"NaN start":           with(func(r *SampleRequest) { r.Init, r.StartTime = make([]float64, 2*D), math.NaN() }),
		"start below TMin":    with(func(r *SampleRequest) { r.Init, r.StartTime, r.Steps = make([]float64, 2*D), 1e-9, 3 }),
		"short init":          with(func(r *SampleRequest) { r.Init, r.StartTime = make([]float64, D), 0.5 }),
		"NaN init":            with(func(r *SampleRequest) { r.Init, r.StartTime = append(make([]float64, 2*D-1), math.NaN()), 0.5 }),
		"geometric condition": with(func(r *SampleRequest) { r.Cond = [][]float64{{1}} }),
	} {
		_, err := m.Sample(context.Background(), req)
		if !errors.Is(err, ErrBadRequest) {
			t.Errorf("%s: %v, want ErrBadRequest", name, err)
		}
		t.Logf("%s: %v", name, err)
	}
	if _, err := noDropout.Sample(context.Background(), with(func(r *SampleRequest) { r.Guidance = 1.2 })); !errors.Is(err, ErrBadRequest) {
		t.Errorf("guidance without cond_dropout: %v, want ErrBadRequest", err)
	}
	if _, err := noDropout.Sample(context.Background(), ok); err != nil {
		t.Errorf("the valid request without guidance: %v", err)
	}
	uncond := goalRun(t, func(c *Config) {
		c.Data.Condition, c.Data.ReturnsScale, c.Data.Discount, c.Network.MLP.CondDim = nil, 0, 0, 0
	})
	for name, req := range map[string]SampleRequest{
		"values for an unconditional model":   {N: 1, CondValues: [][]float64{{1, 2, 3}}},
		"guidance for an unconditional model": {N: 1, Guidance: 2},
	} {
		if _, err := uncond.Sample(context.Background(), req); !errors.Is(err, ErrBadRequest) {
			t.Errorf("%s: %v, want ErrBadRequest", name, err)
		}
	}
}

// configs/dd-umaze-small.toml is a valid configuration: its condition items match the network's cond_dim.
func TestDDUmazeConfigLoads(t *testing.T) {
	cfg, err := LoadConfig("../configs/dd-umaze-small.toml")
	if err != nil {
		t.Fatal(err)
	}
	items, err := cfg.Data.ConditionItems()
	if err != nil || len(items) != cfg.Network.TemporalUnet.CondDim || cfg.Train.CondDropout != 0.25 || cfg.Data.ReturnsScale != 40 {
		t.Errorf("items %v (%v), network %+v, cond_dropout %v", items, err, cfg.Network.TemporalUnet, cfg.Train.CondDropout)
	}
	if net, err := cfg.Network.New(tensor.Float32, 1); err != nil || net.CondDim() != len(items) || net.Dim() != 64*4 {
		t.Errorf("network: %v", err)
	}
}
