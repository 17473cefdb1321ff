package nn

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/nn/internal/gemm"
)

// The training-step benchmarks of docs/benchmarks-nn.md; scripts/nn/bench_torch.py times the same
// networks in PyTorch and scripts/nn/bench.sh interleaves the two.

// benchSpecs are the benchmarked networks.
var benchSpecs = map[string]Spec{
	// MLP 64-512-512-512-64 with a 32-wide sinusoidal time embedding concatenated to the input.
	"mlp": {Arch: "mlp", MLP: &MLPConfig{Dim: 64, Hidden: []int{512, 512, 512}, TimeDim: 32}},
	// Diffuser's TemporalUnet at its default width on a horizon-64 trajectory of 6 values per step.
	"unet": {Arch: "temporal_unet", TemporalUnet: &TemporalUnetConfig{Horizon: 64, Transition: 6, Dim: 32, DimMults: []int{1, 2, 4, 8}}},
	// A 1-D DiT on the same trajectories: width 128, 4 blocks of 4 heads.
	"transformer": {Arch: "transformer", Transformer: &TransformerConfig{Length: 64, Channels: 6, Width: 128, Depth: 4, Heads: 4}},
	// GeoTDM's EGTN on charged N-body (forecasting frames 0..9 -> 10..29): the paper's size, and a reduced one.
	"egtn":       {Arch: "egtn", EGTN: egtnBenchConfig(128, 6, 2)},
	"egtn_small": {Arch: "egtn", EGTN: egtnBenchConfig(32, 3, 1)},
	// WDNO's 2-D U-Net at the reduced size of the CPU Burgers runs: 9 wavelet-coefficient channels of a
	// 21x30 grid padded to 24x32, dim 16, three resolutions, linear attention at each, full attention in
	// the middle (GroupNorm(1), 4 heads of 32).
	"unet2d-wdno-small": {Arch: "unet2d", Unet2D: &Unet2DConfig{Height: 24, Width: 32, Channels: 9, Dim: 16, DimMults: []int{1, 2, 4}}},
	// WDNO's video U-Net at the size of the CPU smoke runs: 42 wavelet-coefficient channels of 18 frames
	// of 20x20, three resolutions, GroupNorm(4), 2 heads of 8 in time, a 3x3x3 initial convolution (the
	// spatial attentions keep the reference's 32-wide heads); dim 8, and dim 16 (-d16).
	"unet3d-smoke-small":     {Arch: "unet3d", Unet3D: unet3DSmokeConfig(8)},
	"unet3d-smoke-small-d16": {Arch: "unet3d", Unet3D: unet3DSmokeConfig(16)},
}

func unet3DSmokeConfig(dim int) *Unet3DConfig {
	return &Unet3DConfig{Frames: 18, Height: 20, Width: 20, Channels: 42, Dim: dim, DimMults: []int{1, 2, 4}, Groups: 4,
		AttnHeads: 2, AttnDimHead: 8, InitKernel: 3}
}

// egtnBenchConfig is GeoTDM's charged-particle setting (5 nodes in 3-D, charges as node features, q_i q_j
// as edge attributes, the learned prior) with the given width and depths.
func egtnBenchConfig(hidden, layers, priorLayers int) *EGTNConfig {
	frames := func(a, b int) []int {
		var f []int
		for i := a; i < b; i++ {
			f = append(f, i)
		}
		return f
	}
	return &EGTNConfig{Nodes: 5, SpatialDim: 3, CondFrames: frames(0, 10), TargetFrames: frames(10, 30),
		NodeFeatures: 1, EdgeFeatures: 1, Hidden: hidden, Layers: layers, Prior: "learned", PriorLayers: priorLayers}
}

var benchBatch = map[string]int{"mlp": 256, "unet": 32, "transformer": 32, "egtn": 32, "egtn_small": 32, "unet2d-wdno-small": 16,
	"unet3d-smoke-small": 4, "unet3d-smoke-small-d16": 4}

// newBenchNet builds a benchmarked network in float32; EGTN gets the signal coefficient of a VP process.
func newBenchNet(b testing.TB, name string) Net {
	net, err := benchSpecs[name].New(tensor.Float32, 1)
	if err != nil {
		b.Fatal(err)
	}
	if su, ok := net.(SignalUser); ok {
		su.UseSignal(func(t float64) float64 { return math.Exp(-t) })
	}
	return net
}

func fillRandom(rng *rand.Rand, vs ...[]float32) {
	for _, v := range vs {
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
	}
}

// stepper is one training step (forward, backward, Adam) of a benchmarked graph.
type stepper func() error

func netStepper(b testing.TB, name string) (stepper, func()) {
	net := newBenchNet(b, name)
	tg, err := NewTrainGraph(net, TrainOptions{Batch: benchBatch[name]})
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	fillRandom(rng, tg.X(), tg.Target(), tg.Cond())
	for i := range tg.T() {
		if _, ok := net.(*EGTN); ok { // network time in [0, 1] (GeoTDM: step index / 1000)
			tg.T()[i] = rng.Float32()
		} else {
			tg.T()[i] = float32(rng.IntN(100))
		}
	}
	opt, _ := NewAdam(AdamConfig{LR: 1e-4})
	var step uint64
	return func() error {
		step++
		if _, err := tg.Run(step); err != nil {
			return err
		}
		return opt.Step(tg.ValueGrads())
	}, func() { tg.Close() }
}

// convBlockStepper is the conv block of the issue: Conv1d(32, 64, 5) + GroupNorm(8) + Mish, then
// Conv1d(64, 64, 5) + GroupNorm(8) + Mish, on x [64, 64, 32] with an MSE loss, as a user-built graph.
func convBlockStepper(b testing.TB) (stepper, func()) {
	ps := NewParams(tensor.Float32)
	blocks := []*Conv1dBlock{NewConv1dBlock(ps, "0", 32, 64, 5, 8), NewConv1dBlock(ps, "1", 64, 64, 5, 8)}
	ps.Init(1)
	bd := NewBuilder(tensor.Float32, true)
	x := bd.Input("x", 64, 64, 32)
	h := x
	for _, blk := range blocks {
		h = blk.Forward(bd, h)
	}
	target, w := bd.Input("target", 64, 64, 64), bd.Input("w", 64)
	loss := bd.WeightedMSE(h, target, w)
	if bd.Err() != nil {
		b.Fatal(bd.Err())
	}
	_, learn := bd.Learnables()
	if _, err := G.Grad(loss, learn...); err != nil {
		b.Fatal(err)
	}
	m := G.NewTapeMachine(bd.G, G.BindDualValues(learn...))
	rng := rand.New(rand.NewPCG(3, 4))
	fillRandom(rng, data[float32](x.Value()), data[float32](target.Value()))
	for i := range data[float32](w.Value()) {
		data[float32](w.Value())[i] = 1
	}
	opt, _ := NewAdam(AdamConfig{LR: 1e-4})
	vg := G.NodesToValueGrads(learn)
	return func() error {
		m.Reset()
		if err := m.RunAll(); err != nil {
			return err
		}
		return opt.Step(vg)
	}, func() { m.Close() }
}

func benchStep(b *testing.B, step stepper, done func()) {
	defer done()
	for i := 0; i < 3; i++ { // warm-up: buffers are allocated on the first steps
		if err := step(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := step(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(runtime.GOMAXPROCS(0)), "threads")
}

// BenchmarkTrainStep times one training step (forward, backward, Adam) per iteration; the GEMM back end
// is gemm.Backend (build with -tags openblas for OpenBLAS).
func BenchmarkTrainStep(b *testing.B) {
	b.Logf("gemm backend: %s", gemm.Backend)
	b.Run("mlp", func(b *testing.B) { s, d := netStepper(b, "mlp"); benchStep(b, s, d) })
	b.Run("convblock", func(b *testing.B) { s, d := convBlockStepper(b); benchStep(b, s, d) })
	b.Run("unet", func(b *testing.B) { s, d := netStepper(b, "unet"); benchStep(b, s, d) })
	b.Run("transformer", func(b *testing.B) { s, d := netStepper(b, "transformer"); benchStep(b, s, d) })
	b.Run("egtn", func(b *testing.B) { s, d := netStepper(b, "egtn"); benchStep(b, s, d) })
	b.Run("egtn_small", func(b *testing.B) { s, d := netStepper(b, "egtn_small"); benchStep(b, s, d) })
	b.Run("unet2d-wdno-small", func(b *testing.B) { s, d := netStepper(b, "unet2d-wdno-small"); benchStep(b, s, d) })
	b.Run("unet3d-smoke-small", func(b *testing.B) { s, d := netStepper(b, "unet3d-smoke-small"); benchStep(b, s, d) })
	b.Run("unet3d-smoke-small-d16", func(b *testing.B) { s, d := netStepper(b, "unet3d-smoke-small-d16"); benchStep(b, s, d) })
}

// BenchmarkPredictEGTN times one evaluation of EGTN (full and reduced size) for a batch of 128 charged
// systems, each with its own condition, through the Predictor: a sampler with K network evaluations
// costs about K times this.
func BenchmarkPredictEGTN(b *testing.B) {
	for _, name := range []string{"egtn", "egtn_small"} {
		b.Run(name, func(b *testing.B) {
			const B = 128
			net := newBenchNet(b, name)
			p := NewPredictor(net)
			rng := rand.New(rand.NewPCG(5, 6))
			x, cond := make([]float64, B*net.Dim()), make([]float64, B*net.CondDim())
			for _, v := range [][]float64{x, cond} {
				for i := range v {
					v[i] = rng.NormFloat64()
				}
			}
			dst := make([]float64, len(x))
			t := []float64{0.5}
			if err := p.PredictBatch(dst, x, t, cond); err != nil { // builds the graph and its buffers
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := p.PredictBatch(dst, x, t, cond); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(runtime.GOMAXPROCS(0)), "threads")
		})
	}
}

// BenchmarkPredict times one inference call of the TemporalUnet (batch 32) through the Predictor.
func BenchmarkPredict(b *testing.B) {
	net, _ := benchSpecs["unet"].New(tensor.Float32, 1)
	p := NewPredictor(net)
	x := make([]float64, 32*net.Dim())
	dst := make([]float64, len(x))
	var _ diffusion.Network = p
	if err := p.Predict(dst, x, 10); err != nil { // builds the batch-32 graph and its buffers
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := p.Predict(dst, x, 10); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTrainMemory runs b.N training steps of the TemporalUnet (batch 32) and reports the resident set
// and the live heap (after a GC) after the warm-up and at the end: run with -benchtime 2000x to check that
// memory stays flat over 2000 steps.
func BenchmarkTrainMemory(b *testing.B) {
	step, done := netStepper(b, "unet")
	defer done()
	for i := 0; i < 3; i++ {
		if err := step(); err != nil {
			b.Fatal(err)
		}
	}
	live := func() float64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return float64(m.HeapAlloc) / (1 << 20)
	}
	heap0, rss0 := live(), float64(rssKB())/1024
	var rssMid, rssMax float64 // the resident set at b.N/2 and its maximum over the second half
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := step(); err != nil {
			b.Fatal(err)
		}
		if i >= b.N/2 && i%50 == 0 {
			r := float64(rssKB()) / 1024
			if rssMid == 0 {
				rssMid = r
			}
			rssMax = max(rssMax, r)
		}
	}
	b.StopTimer()
	b.ReportMetric(rss0, "MB-rss-start")
	b.ReportMetric(rssMid, "MB-rss-half")
	b.ReportMetric(rssMax, "MB-rss-max-2nd-half")
	b.ReportMetric(heap0, "MB-heap-start")
	b.ReportMetric(live(), "MB-heap-end")
}
