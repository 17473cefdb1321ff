package nn

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/nn/safetensors"
)

func TestParamsSaveLoad(t *testing.T) {
	spec := smallSpecs()["unet-cond"]
	net, _ := spec.New(tensor.Float32, 1)
	path := filepath.Join(t.TempDir(), "w.safetensors")
	if err := net.Params().Save(path, map[string]string{"k": "v"}); err != nil {
		t.Fatal(err)
	}
	ts, _, err := safetensors.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range ts { // the file holds state_dict shapes
		if p := net.Params().Get(x.Name); p == nil || !sameShape(x.Shape, p.StateShape()) {
			t.Fatalf("tensor %s %v in the file", x.Name, x.Shape)
		}
	}
	twin, _ := spec.New(tensor.Float64, 2)
	if _, err := twin.Params().Load(path); err != nil {
		t.Fatal(err)
	}
	for i, p := range net.Params().All() {
		q := twin.Params().All()[i]
		for j, v := range p.Float32s() {
			if float64(v) != q.Float64s()[j] {
				t.Fatalf("%s[%d]: %v after the round trip, want %v", p.Name, j, q.Float64s()[j], v)
			}
		}
	}
	// Invalid files leave the parameters untouched.
	before := append([]float64(nil), twin.Params().All()[0].Float64s()...)
	bad := map[string]func([]safetensors.Tensor) []safetensors.Tensor{
		"missing": func(ts []safetensors.Tensor) []safetensors.Tensor { return ts[1:] },
		"extra": func(ts []safetensors.Tensor) []safetensors.Tensor {
			return append(ts, safetensors.F32("extra", []int{1}, []float32{1}))
		},
		"shape": func(ts []safetensors.Tensor) []safetensors.Tensor {
			ts[0].Shape = []int{len(ts[0].Data) / 4}
			return ts
		},
		"nan": func(ts []safetensors.Tensor) []safetensors.Tensor {
			v, _ := ts[len(ts)-1].Float32s()
			v[0] = float32(math.NaN())
			ts[len(ts)-1] = safetensors.F32(ts[len(ts)-1].Name, ts[len(ts)-1].Shape, v)
			return ts
		},
	}
	for name, f := range bad {
		orig, _, _ := safetensors.ReadFile(path)
		p2 := filepath.Join(t.TempDir(), name+".safetensors")
		if err := safetensors.WriteFile(p2, f(orig), nil); err != nil {
			t.Fatal(err)
		}
		if _, err := twin.Params().Load(p2); err == nil {
			t.Errorf("%s: loaded without error", name)
		}
		for j, v := range twin.Params().All()[0].Float64s() {
			if v != before[j] {
				t.Fatalf("%s: a failed load changed the parameters", name)
			}
		}
	}
	if _, err := twin.Params().Load(filepath.Join(t.TempDir(), "absent")); err == nil {
		t.Error("loaded a missing file")
	}
}

// trainSteps runs n steps of the small U-Net and returns the final parameters and losses.
func trainSteps(t *testing.T, n int, dropout float64) ([]float32, []float64) {
	spec := smallSpecs()["unet-cond"]
	net, _ := spec.New(tensor.Float32, 3)
	tg, err := NewTrainGraph(net, TrainOptions{Batch: 4, Seed: 9, CondDropout: dropout})
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Close()
	opt, _ := NewAdam(AdamConfig{LR: 1e-3, ClipNorm: 0.5, WeightDecay: 0.01})
	rng := rand.New(rand.NewPCG(1, 1))
	var losses []float64
	for s := 0; s < n; s++ {
		fillRandom(rng, tg.X(), tg.Target(), tg.Cond())
		for i := range tg.T() {
			tg.T()[i] = float32(rng.IntN(50))
		}
		l, err := tg.Run(uint64(s))
		if err != nil {
			t.Fatal(err)
		}
		losses = append(losses, l)
		if err := opt.Step(tg.ValueGrads()); err != nil {
			t.Fatal(err)
		}
	}
	var out []float32
	for _, p := range net.Params().All() {
		out = append(out, p.Float32s()...)
	}
	return out, losses
}

// TestDeterministicAcrossWorkers: a training run is bit-for-bit the same on 1 and 2 goroutines (every
// kernel splits its work so that each output is summed in a fixed order).
func TestDeterministicAcrossWorkers(t *testing.T) {
	old := runtime.GOMAXPROCS(1)
	a, la := trainSteps(t, 5, 0.3)
	runtime.GOMAXPROCS(2)
	b, lb := trainSteps(t, 5, 0.3)
	runtime.GOMAXPROCS(old)
	for i := range la {
		if la[i] != lb[i] {
			t.Fatalf("step %d: loss %v on 1 goroutine, %v on 2", i, la[i], lb[i])
		}
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("parameter %d: %v on 1 goroutine, %v on 2", i, a[i], b[i])
		}
	}
}

// TestConditionDropout checks the keep-mask rate and its reproducibility from (seed, step).
func TestConditionDropout(t *testing.T) {
	net, _ := smallSpecs()["mlp-cond"].New(tensor.Float32, 1)
	tg, _ := NewTrainGraph(net, TrainOptions{Batch: 500, Seed: 4, CondDropout: 0.2})
	defer tg.Close()
	tg.Run(3)
	first := append([]float32(nil), tg.Keep()...)
	kept := 0.0
	for _, k := range first {
		kept += float64(k)
	}
	if math.Abs(kept/500-0.8) > 4*math.Sqrt(0.16/500) {
		t.Errorf("kept %v of 500 conditions, want about 400", kept)
	}
	tg.Run(4)
	same := 0
	for i, k := range tg.Keep() {
		if k == first[i] {
			same++
		}
	}
	tg.Run(3)
	for i, k := range tg.Keep() {
		if k != first[i] {
			t.Fatal("the keep mask of step 3 changed")
		}
	}
	if same == 500 {
		t.Error("steps 3 and 4 drew the same mask")
	}
}

// TestDropoutRate checks the dropout mask statistics and that the training and inference graphs differ
// only by it.
func TestDropoutRate(t *testing.T) {
	b := NewBuilder(tensor.Float32, true)
	x := b.Input("x", 100, 100)
	for i := range data[float32](x.Value()) {
		data[float32](x.Value())[i] = 1
	}
	y := b.Dropout(x, 0.25)
	b.SetStep(1, 2)
	if b.Err() != nil {
		t.Fatal(b.Err())
	}
	o := y.Op().(*dropoutOp)
	v, err := o.Do(x.Value())
	if err != nil {
		t.Fatal(err)
	}
	zeros, sum := 0, 0.0
	for _, u := range data[float32](v) {
		if u == 0 {
			zeros++
		} else if math.Abs(float64(u)-4.0/3) > 1e-6 {
			t.Fatalf("kept value %v, want 4/3", u)
		}
		sum += float64(u)
	}
	if math.Abs(float64(zeros)/1e4-0.25) > 4*math.Sqrt(0.25*0.75/1e4) || math.Abs(sum/1e4-1) > 0.05 {
		t.Errorf("%d zeros, mean %v", zeros, sum/1e4)
	}
	if NewBuilder(tensor.Float32, false).Dropout(x, 0.25) != x {
		t.Error("dropout is not the identity in an inference graph")
	}
}

func TestValidation(t *testing.T) {
	if _, err := ParseSpec([]byte(`{"arch":"mlp","mlp":{"dim":2,"hidden":[4],"time_dim":4,"bogus":1}}`)); err == nil {
		t.Error("unknown field accepted")
	}
	for _, s := range []Spec{
		{Arch: "unet"},
		{Arch: "mlp"},
		{Arch: "mlp", MLP: &MLPConfig{Dim: 2, TimeDim: 4}},
		{Arch: "mlp", MLP: &MLPConfig{Dim: 2, Hidden: []int{4}, TimeDim: 3}},
		{Arch: "temporal_unet", TemporalUnet: &TemporalUnetConfig{Horizon: 12, Transition: 2, Dim: 8}},
		{Arch: "temporal_unet", TemporalUnet: &TemporalUnetConfig{Horizon: 16, Transition: 2, Dim: 12}},
		{Arch: "transformer", Transformer: &TransformerConfig{Length: 4, Channels: 2, Width: 10, Depth: 1, Heads: 3}},
	} {
		if _, err := s.New(tensor.Float32, 1); err == nil {
			t.Errorf("spec %+v accepted", s)
		}
	}
	net, _ := smallSpecs()["mlp-cond"].New(tensor.Float32, 1)
	tg, _ := NewTrainGraph(net, TrainOptions{Batch: 2})
	defer tg.Close()
	ok := []float64{1, 2, 3}
	for name, err := range map[string]error{
		"index":  tg.SetExample(2, ok, ok, diffusion.Example{Weight: 1}, []float64{1, 2}),
		"size":   tg.SetExample(0, ok[:2], ok, diffusion.Example{Weight: 1}, []float64{1, 2}),
		"cond":   tg.SetExample(0, ok, ok, diffusion.Example{Weight: 1}, nil),
		"nan":    tg.SetExample(0, []float64{1, math.NaN(), 3}, ok, diffusion.Example{Weight: 1}, []float64{1, 2}),
		"weight": tg.SetExample(0, ok, ok, diffusion.Example{Weight: math.Inf(1)}, []float64{1, 2}),
		"neg":    tg.SetExample(0, ok, ok, diffusion.Example{Weight: -1}, []float64{1, 2}),
	} {
		if err == nil {
			t.Errorf("SetExample (%s) accepted", name)
		}
	}
	p := NewPredictor(net)
	dst := make([]float64, 3)
	if err := p.PredictBatch(dst, ok, []float64{1}, []float64{1}); err == nil || !strings.Contains(err.Error(), "condition") {
		t.Errorf("short condition accepted: %v", err)
	}
	if err := p.Predict(dst[:2], ok, 1); err == nil {
		t.Error("dst of the wrong size accepted")
	}
	if _, err := NewAdam(AdamConfig{}); err == nil {
		t.Error("Adam without a learning rate accepted")
	}
}

// TestAdamClipAndDecay compares one step with clipping and decoupled weight decay to the formula.
func TestAdamClipAndDecay(t *testing.T) {
	ps := newParams(tensor.Float64)
	w := ps.add("w", true, constant(0), 3)
	copy(w.Float64s(), []float64{1, -2, 0.5})
	g := tensor.New(tensor.WithShape(3), tensor.WithBacking([]float64{3, 0, -4}))
	opt, _ := NewAdam(AdamConfig{LR: 0.1, ClipNorm: 1, WeightDecay: 0.5})
	if err := opt.Step(vgList{{w.Value, g}}.vg()); err != nil {
		t.Fatal(err)
	}
	// clip: g * 1/(5 + 1e-6); m = 0.1 g', v = 0.001 g'^2; corrected m/sqrt(v) = sign(g') (eps aside).
	want := []float64{1*(1-0.05) - 0.1, -2 * (1 - 0.05), 0.5*(1-0.05) + 0.1}
	for i, v := range w.Float64s() {
		if math.Abs(v-want[i]) > 1e-6 {
			t.Errorf("w[%d] = %v, want %v", i, v, want[i])
		}
	}
	for _, v := range data[float64](g) {
		if v != 0 {
			t.Error("gradient not zeroed")
		}
	}
}

// TestMemoryFlat trains for 2000 steps and requires the live heap to stay flat: ops own their buffers and
// nothing accumulates from step to step.
func TestMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("2000 steps")
	}
	spec := smallSpecs()["unet"]
	net, _ := spec.New(tensor.Float32, 1)
	tg, _ := NewTrainGraph(net, TrainOptions{Batch: 8, Seed: 1})
	defer tg.Close()
	opt, _ := NewAdam(AdamConfig{LR: 1e-4})
	rng := rand.New(rand.NewPCG(2, 2))
	fillRandom(rng, tg.X(), tg.Target())
	live := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	var at200 uint64
	rss0 := rssKB()
	for s := 0; s < 2000; s++ {
		if _, err := tg.Run(uint64(s)); err != nil {
			t.Fatal(err)
		}
		opt.Step(tg.ValueGrads())
		if s == 199 {
			at200 = live()
			rss0 = rssKB()
		}
	}
	end := live()
	t.Logf("live heap after step 200: %d KB, after step 2000: %d KB; RSS %d KB -> %d KB", at200/1024, end/1024, rss0, rssKB())
	if end > at200+256<<10 {
		t.Errorf("live heap grew from %d to %d bytes over 1800 steps", at200, end)
	}
}

// rssKB is the resident set size from /proc/self/status (0 where unavailable).
func rssKB() int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			var kb int
			for _, f := range strings.Fields(line)[1:2] {
				for _, ch := range f {
					kb = 10*kb + int(ch-'0')
				}
			}
			return kb
		}
	}
	return 0
}

// vgPair is a hand-made gorgonia.ValueGrad.
type vgPair struct{ v, g *tensor.Dense }

func (p vgPair) Value() G.Value         { return p.v }
func (p vgPair) Grad() (G.Value, error) { return p.g, nil }

type vgList []vgPair

func (l vgList) vg() []G.ValueGrad {
	out := make([]G.ValueGrad, len(l))
	for i, x := range l {
		out[i] = x
	}
	return out
}

// TestAdamStateRoundTrip: a run resumed from the saved optimiser state continues exactly.
func TestAdamStateRoundTrip(t *testing.T) {
	run := func(net Net, opt *Adam, steps []uint64) {
		tg, _ := NewTrainGraph(net, TrainOptions{Batch: 3, Seed: 5})
		defer tg.Close()
		rng := rand.New(rand.NewPCG(3, 3))
		fillRandom(rng, tg.X(), tg.Target())
		for _, s := range steps {
			if _, err := tg.Run(s); err != nil {
				t.Fatal(err)
			}
			if err := opt.Step(tg.ValueGrads()); err != nil {
				t.Fatal(err)
			}
		}
	}
	spec := smallSpecs()["transformer"]
	a, _ := spec.New(tensor.Float32, 1)
	randomize(a.Params(), 1, 0.2)
	optA, _ := NewAdam(AdamConfig{LR: 1e-3})
	run(a, optA, []uint64{0, 1, 2, 3})

	b, _ := spec.New(tensor.Float32, 1)
	randomize(b.Params(), 1, 0.2)
	optB, _ := NewAdam(AdamConfig{LR: 1e-3})
	run(b, optB, []uint64{0, 1})
	state, err := optB.StateTensors(b.Params().Learnable())
	if err != nil {
		t.Fatal(err)
	}
	c, _ := spec.New(tensor.Float32, 7)
	if err := c.Params().CopyFrom(b.Params()); err != nil {
		t.Fatal(err)
	}
	optC, _ := NewAdam(AdamConfig{LR: 1e-3})
	if err := optC.SetStateTensors(c.Params().Learnable(), state); err != nil {
		t.Fatal(err)
	}
	run(c, optC, []uint64{2, 3})
	for i, p := range a.Params().All() {
		for j, v := range p.Float32s() {
			if c.Params().All()[i].Float32s()[j] != v {
				t.Fatalf("%s[%d]: resumed %v, uninterrupted %v", p.Name, j, c.Params().All()[i].Float32s()[j], v)
			}
		}
	}
}
