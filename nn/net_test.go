package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/diffusion"
)

func smallSpecs() map[string]Spec {
	return map[string]Spec{
		"mlp":      {Arch: "mlp", MLP: &MLPConfig{Dim: 3, Hidden: []int{8, 8}, TimeDim: 4}},
		"mlp-cond": {Arch: "mlp", MLP: &MLPConfig{Dim: 3, CondDim: 2, Hidden: []int{8}, TimeDim: 6, TimeEmbedding: "fourier", Act: "silu"}},
		"unet":     {Arch: "temporal_unet", TemporalUnet: &TemporalUnetConfig{Horizon: 8, Transition: 3, Dim: 8, DimMults: []int{1, 2}, Groups: 4}},
		"unet-nearest": {Arch: "temporal_unet", TemporalUnet: &TemporalUnetConfig{Horizon: 8, Transition: 3, Dim: 8, DimMults: []int{1, 2}, Groups: 4,
			Upsample: UpsampleNearest}},
		"unet-cond":   {Arch: "temporal_unet", TemporalUnet: &TemporalUnetConfig{Horizon: 4, Transition: 2, Dim: 4, DimMults: []int{1, 2, 2}, Kernel: 3, Groups: 2, CondDim: 3}},
		"transformer": {Arch: "transformer", Transformer: &TransformerConfig{Length: 5, Channels: 3, Width: 8, Depth: 2, Heads: 2, CondDim: 2, Causal: true}},
		"egtn": {Arch: "egtn", EGTN: &EGTNConfig{Nodes: 3, SpatialDim: 3, CondFrames: []int{0, 1, 2}, TargetFrames: []int{3, 4},
			NodeFeatures: 1, EdgeFeatures: 1, Hidden: 6, Layers: 2, TimeDim: 4, PriorLayers: 1}},
		"egtn-com": {Arch: "egtn", EGTN: &EGTNConfig{Nodes: 4, SpatialDim: 3, CondFrames: []int{0, 2}, TargetFrames: []int{1, 3}, Hidden: 5, Layers: 1, TimeDim: 4, Prior: "com"}},
		"unet2d": {Arch: "unet2d", Unet2D: &Unet2DConfig{Height: 4, Width: 4, Channels: 2, Dim: 4, DimMults: []int{1, 2}, Groups: 2,
			AttnHeads: 2, AttnDimHead: 2}},
		"unet2d-plain": {Arch: "unet2d", Unet2D: &Unet2DConfig{Height: 4, Width: 8, Channels: 1, Dim: 4, DimMults: []int{1, 1, 2},
			LinearAttention: new(false), InitKernel: 3}},
		"egtn-uncond": {Arch: "egtn", EGTN: &EGTNConfig{Nodes: 3, SpatialDim: 2, TargetFrames: []int{0, 1, 2}, NodeFeatures: 1, Hidden: 5, Layers: 1, TimeDim: 4}},
		"unet3d": {Arch: "unet3d", Unet3D: &Unet3DConfig{Frames: 3, Height: 4, Width: 4, Channels: 2, Dim: 4, DimMults: []int{1, 2}, Groups: 2,
			AttnHeads: 2, AttnDimHead: 2, SpatialDimHead: 2, InitKernel: 3}},
		"unet3d-plain": {Arch: "unet3d", Unet3D: &Unet3DConfig{Frames: 2, Height: 2, Width: 4, Channels: 1, Dim: 4, DimMults: []int{1, 1}, Groups: 2,
			LinearAttention: new(false), TemporalAttention: new(false), MidAttention: new(false), InitKernel: 1}},
	}
}

// newTestNet builds a spec's network and gives a SignalUser a signal coefficient.
func newTestNet(spec Spec, dt tensor.Dtype) (Net, error) {
	net, err := spec.New(dt, 1)
	if su, ok := net.(SignalUser); ok && err == nil {
		su.UseSignal(func(t float64) float64 { return math.Exp(-t) })
	}
	return net, err
}

// randomize overwrites every parameter with N(0, s^2) values (the transformer starts at zero otherwise).
func randomize(ps *Params, seed uint64, s float64) {
	rng := rand.New(rand.NewPCG(seed, 1))
	for _, p := range ps.All() {
		for j := 0; j < p.Size(); j++ {
			p.set(j, s*rng.NormFloat64())
		}
	}
}

// TestNetworkGradients checks whole networks in float64 against finite differences of the loss.
func TestNetworkGradients(t *testing.T) {
	for name, spec := range smallSpecs() {
		checkNetworkGradients(t, name, spec)
	}
}

func checkNetworkGradients(t *testing.T, name string, spec Spec) {
	t.Helper()
	net, err := newTestNet(spec, tensor.Float64)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	// EGTN's coordinates grow through its blocks with large random weights; a loss of order 1e3
	// would leave the central differences with rounding noise above the tolerance.
	scale := 0.5
	switch spec.Arch {
	case "egtn":
		scale = 0.25
	case "unet2d", "unet3d":
		// Likewise the U-Nets' residual stacks and time modulation: at 0.5 the 2-D one's loss is near 1e3.
		scale = 0.3
	}
	randomize(net.Params(), 2, scale)
	tg, err := NewTrainGraph(net, TrainOptions{Batch: 2, Seed: 3, CondDropout: 0.5})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	defer tg.Close()
	rng := rand.New(rand.NewPCG(4, 5))
	for i := 0; i < 2; i++ {
		x, y := make([]float64, net.Dim()), make([]float64, net.Dim())
		for j := range x {
			x[j], y[j] = rng.NormFloat64(), rng.NormFloat64()
		}
		var cond []float64
		for j := 0; j < net.CondDim(); j++ {
			cond = append(cond, rng.NormFloat64())
		}
		if err := tg.SetExample(i, x, y, diffusion.Example{NetTime: 3 * rng.Float64(), Weight: 0.5 + float64(i)}, cond); err != nil {
			t.Fatal(err)
		}
	}
	const step = 7
	if _, err := tg.Run(step); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	ps := tg.Params()
	grads := make([][]float64, len(ps))
	for i := range ps {
		grads[i] = append([]float64(nil), data[float64](tg.Grad(i))...)
	}
	for i, p := range ps {
		g := grads[i]
		v := p.Float64s()
		for _, j := range []int{0, len(v) / 2, len(v) - 1} {
			old := v[j]
			v[j] = old + 1e-6
			lp, _ := tg.Run(step)
			v[j] = old - 1e-6
			lm, _ := tg.Run(step)
			v[j] = old
			num := (lp - lm) / 2e-6
			if math.Abs(g[j]-num) > 1e-7+1e-5*math.Abs(num) {
				t.Errorf("%s: d/d %s[%d]: analytic %.9g, numeric %.9g", name, p.Name, j, g[j], num)
			}
		}
	}
}

// TestPredictorMatchesTrainGraph checks that the inference path computes the training graph's output.
func TestPredictorMatchesTrainGraph(t *testing.T) {
	for name, spec := range smallSpecs() {
		net, err := newTestNet(spec, tensor.Float32)
		if err != nil {
			t.Fatal(err)
		}
		randomize(net.Params(), 3, 0.3)
		const B = 3
		tg, err := NewTrainGraph(net, TrainOptions{Batch: B, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(1, 2))
		x := make([]float64, B*net.Dim())
		for i := range x {
			x[i] = rng.NormFloat64()
		}
		cond := make([]float64, B*net.CondDim())
		for i := range cond {
			cond[i] = rng.NormFloat64()
		}
		for i := 0; i < B; i++ {
			var c []float64
			if net.CondDim() > 0 {
				c = cond[i*net.CondDim() : (i+1)*net.CondDim()]
			}
			tg.SetExample(i, x[i*net.Dim():(i+1)*net.Dim()], x[i*net.Dim():(i+1)*net.Dim()], diffusion.Example{NetTime: 0.7, Weight: 1}, c)
		}
		if _, err := tg.Run(0); err != nil {
			t.Fatal(err)
		}
		want := data[float32](tg.Output().Value())
		p := NewPredictor(net)
		got := make([]float64, len(x))
		var c []float64
		if net.CondDim() > 0 {
			c = cond
		}
		for rep := 0; rep < 2; rep++ {
			if err := p.PredictBatch(got, x, []float64{0.7}, c); err != nil {
				t.Fatal(err)
			}
			for i := range got {
				if math.Abs(got[i]-float64(want[i])) > 1e-6 {
					t.Fatalf("%s: prediction %d = %v, training graph %v", name, i, got[i], want[i])
				}
			}
		}
		// A single example through a batch-1 graph agrees with its row of the batch.
		one := make([]float64, net.Dim())
		if err := p.PredictBatch(one, x[:net.Dim()], []float64{0.7}, c[:min(len(c), net.CondDim())]); err != nil {
			t.Fatal(err)
		}
		for i := range one {
			if math.Abs(one[i]-got[i]) > 1e-5 {
				t.Fatalf("%s: batch-1 prediction %d = %v, batch %v", name, i, one[i], got[i])
			}
		}
		tg.Close()
	}
}

// TestMLPFitsBatch trains the MLP on a fixed batch and requires a tenfold drop of the loss.
func TestMLPFitsBatch(t *testing.T) {
	net, err := NewMLP(MLPConfig{Dim: 2, Hidden: []int{32, 32}, TimeDim: 8}, tensor.Float32)
	if err != nil {
		t.Fatal(err)
	}
	net.Params().Init(1)
	tg, err := NewTrainGraph(net, TrainOptions{Batch: 16})
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Close()
	rng := rand.New(rand.NewPCG(9, 9))
	for i := 0; i < 16; i++ {
		x := []float64{rng.NormFloat64(), rng.NormFloat64()}
		y := []float64{math.Sin(x[0]), x[0] * x[1]}
		tg.SetExample(i, x, y, diffusion.Example{NetTime: float64(i), Weight: 1}, nil)
	}
	opt, _ := NewAdam(AdamConfig{LR: 1e-2})
	var first, last float64
	for s := 0; s < 300; s++ {
		l, err := tg.Run(uint64(s))
		if err != nil {
			t.Fatal(err)
		}
		if s == 0 {
			first = l
		}
		last = l
		if err := opt.Step(tg.ValueGrads()); err != nil {
			t.Fatal(err)
		}
	}
	if !(last < first/10) {
		t.Fatalf("loss %v -> %v", first, last)
	}
	_ = G.Nodes{}
}
