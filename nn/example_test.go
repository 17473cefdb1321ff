package nn_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/nn"
)

// Train an MLP denoiser with EDM's objective on a two-point distribution in the plane, then sample it
// through EDM's preconditioning with Heun's method.
func Example() {
	net, err := nn.NewMLP(nn.MLPConfig{Dim: 2, Hidden: []int{64, 64}, TimeDim: 16}, tensor.Float32)
	if err != nil {
		panic(err)
	}
	net.Params().Init(1)
	const batch = 128
	tg, err := nn.NewTrainGraph(net, nn.TrainOptions{Batch: batch, Seed: 1})
	if err != nil {
		panic(err)
	}
	defer tg.Close()
	opt, _ := nn.NewAdam(nn.AdamConfig{LR: 3e-3})
	obj := diffusion.NewEDMObjective()
	rng := rand.New(rand.NewPCG(1, 2))
	in, target := make([]float64, 2), make([]float64, 2)
	var first, last float64
	for step := 0; step < 400; step++ {
		for i := 0; i < batch; i++ {
			x0 := []float64{0.5, 0.5} // the data: (0.5, 0.5) or (-0.5, -0.5)
			if rng.IntN(2) == 0 {
				x0 = []float64{-0.5, -0.5}
			}
			ex, _ := obj.Sample(rng, x0, in, target)
			tg.SetExample(i, in, target, ex, nil)
		}
		loss, err := tg.Run(uint64(step))
		if err != nil {
			panic(err)
		}
		if step < 20 {
			first += loss / 20
		}
		if step >= 380 {
			last += loss / 20
		}
		opt.Step(tg.ValueGrads())
	}
	den := &diffusion.EDMPrecond{Net: nn.NewPredictor(net), SigmaData: 0.5}
	p := diffusion.NewEDM()
	times, _ := diffusion.Karras{Rho: 7}.Times(p, 18)
	solver, _ := diffusion.NewSolver("heun")
	plan, _ := solver.Plan(p, times)
	x := make([]float64, 2*256)
	for i := range x {
		x[i] = 80 * rng.NormFloat64()
	}
	if err := diffusion.Sample(context.Background(), plan, den, x, diffusion.RunOptions{}); err != nil {
		panic(err)
	}
	near := 0
	for i := 0; i < len(x); i += 2 {
		if math.Abs(math.Abs(x[i])-0.5) < 0.15 && math.Abs(x[i]-x[i+1]) < 0.15 {
			near++
		}
	}
	fmt.Printf("%d parameters, loss fell: %v, samples near a data point: %v\n", net.Params().Count(), last < first, near > 256*3/4)
	// Output: 5506 parameters, loss fell: true, samples near a data point: true
}

// A network is rebuilt from its Spec (the JSON a checkpoint stores) and its safetensors weights.
func ExampleParams_Save() {
	spec := nn.Spec{Arch: "temporal_unet", TemporalUnet: &nn.TemporalUnetConfig{Horizon: 16, Transition: 4, Dim: 8, DimMults: []int{1, 2}}}
	net, _ := spec.New(tensor.Float32, 7)
	dir, _ := os.MkdirTemp("", "nn")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "model.safetensors")
	if err := net.Params().Save(path, map[string]string{"step": "1000"}); err != nil {
		panic(err)
	}
	twin, _ := spec.New(tensor.Float32, 8) // other initial weights
	meta, err := twin.Params().Load(path)
	if err != nil {
		panic(err)
	}
	w := twin.Params().Get("downs.0.0.blocks.0.block.0.weight")
	fmt.Println(meta["step"], w.StateShape(), w.Shape, twin.Params().Get("final_conv.1.bias").Float32s()[0] == net.Params().Get("final_conv.1.bias").Float32s()[0])
	// Output: 1000 [8 4 5] [8 5 4] true
}

// The vector-Jacobian product of a score network with respect to its noisy input, (dnet/dx)^T v, which
// guidance through the denoiser pulls an objective's gradient back with: it equals the directional
// derivative of v . net(x) along any direction d, dotted with d.
func ExampleNetVJP() {
	net, err := nn.NewMLP(nn.MLPConfig{Dim: 3, Hidden: []int{16}, TimeDim: 8}, tensor.Float64)
	if err != nil {
		panic(err)
	}
	net.Params().Init(1)
	x, v, d := []float64{0.3, -1.2, 0.8}, []float64{1, 0, -2}, []float64{0.5, 0.5, -1}
	y, grad := make([]float64, 3), make([]float64, 3)
	if err := nn.NewNetVJP(net).VJP(y, grad, x, []float64{0.4}, nil, v); err != nil {
		panic(err)
	}
	p := nn.NewPredictor(net)
	phi := func(h float64) float64 { // v . net(x + h d)
		xh, out := make([]float64, 3), make([]float64, 3)
		for i := range xh {
			xh[i] = x[i] + h*d[i]
		}
		if err := p.Predict(out, xh, 0.4); err != nil {
			panic(err)
		}
		return v[0]*out[0] + v[1]*out[1] + v[2]*out[2]
	}
	fd := (phi(1e-6) - phi(-1e-6)) / 2e-6
	dot := d[0]*grad[0] + d[1]*grad[1] + d[2]*grad[2]
	fmt.Printf("d . VJP matches the central difference: %v\n", math.Abs(dot-fd) < 1e-8*(1+math.Abs(fd)))
	// Output: d . VJP matches the central difference: true
}
