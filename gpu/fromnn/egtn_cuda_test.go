//go:build trajdiff_cuda

package fromnn

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/gpu"
	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/train"
)

// egtnConfigs are the EGTNs of the checks, one per prior the forecasting configurations use: the learned
// prior with node features and edge attributes, the centre-of-mass prior with prior_output in 2-D, no prior
// with condition frames (frame indices out of order), and no prior nor condition (centred input and output).
var egtnConfigs = []nn.EGTNConfig{
	{Nodes: 4, SpatialDim: 3, CondFrames: []int{0, 1, 2}, TargetFrames: []int{3, 4, 5, 6}, NodeFeatures: 1, EdgeFeatures: 1,
		Hidden: 16, Layers: 2, TimeDim: 8, Prior: "learned", PriorLayers: 1},
	{Nodes: 3, SpatialDim: 2, CondFrames: []int{0, 1}, TargetFrames: []int{4, 5, 6}, Hidden: 8, Layers: 1, Prior: "com", PriorOutput: true},
	{Nodes: 3, SpatialDim: 3, CondFrames: []int{0, 2}, TargetFrames: []int{1, 3}, NodeFeatures: 2, Hidden: 8, Layers: 2, TimeDim: 6, Prior: "none"},
	{Nodes: 4, SpatialDim: 3, TargetFrames: []int{0, 1, 2}, Hidden: 8, Layers: 1, Prior: "none"},
}

// TestGPUEGTNMatchesNNPredictor: on random inputs and per-example conditions, the device forward pass of
// nn EGTNs with random weights matches nn.Predictor (float32 on the CPU) for every prior, at batches of 1
// and 3 examples and at several times.
func TestGPUEGTNMatchesNNPredictor(t *testing.T) {
	d := testDevice(t)
	worst := 0.0
	for i, cfg := range egtnConfigs {
		pred := diffusion.PredEps
		if cfg.PriorOutput {
			pred = diffusion.PredX0
		}
		pz := vpCosine(t, pred)
		net := newRandomEGTN(t, cfg, pz, uint64(40+i))
		for _, n := range []int{1, 3} {
			x := randomInput(uint64(500+10*i+n), n*net.Dim())
			var cond []float64
			opt := gpu.PredictorOptions{}
			if c := net.CondDim(); c > 0 {
				cond = randomInput(uint64(600+10*i+n), n*c)
				opt.PointConds = to32(cond)
			}
			p, err := NewPredictor(d, net, pz, n, opt)
			if err != nil {
				t.Fatal(err)
			}
			var ref interface {
				Predict(dst, x []float64, t float64) error
			} = nn.NewPredictor(net)
			if cond != nil {
				ref = nn.NewPredictor(net).Conditional(cond)
			}
			w := forwardWorstP(t, d, p, ref, x, []float64{0.02, 0.5, 0.97})
			// The output is not trivially small: the comparison would see a wrong layer.
			y := make([]float64, len(x))
			if err := ref.Predict(y, x, 0.5); err != nil {
				t.Fatal(err)
			}
			if rms := rmsOf(y); rms < 0.05 {
				t.Errorf("config %d: nn's output has RMS %.3g; the random network is too tame to test", i, rms)
			}
			p.Close()
			if !(w <= tolFP32) {
				t.Errorf("config %d (%s prior), %d examples: max |device - nn| %.3g > %.0e", i, cfg.Prior, n, w, tolFP32)
			}
			worst = math.Max(worst, w)
		}
	}
	t.Logf("egtn: worst |device - nn.Predictor| over random networks, inputs and conditions %.3g (tolerance %.0e)", worst, tolFP32)
}

// TestGPUEGTNRefusesTF32: EGTN's layers have no TF32 or BF16 path (only the U-Nets' convolutions and Linear
// layers run on tile_tf32.cuh and tile_bf16.cuh), so a TF32 or BF16 EGTN predictor is refused with an error
// naming the network and the precision.
func TestGPUEGTNRefusesTF32(t *testing.T) {
	pz := vpCosine(t, diffusion.PredEps)
	net := newRandomEGTN(t, egtnConfigs[len(egtnConfigs)-1], pz, 41)
	for _, prec := range precisions[1:] {
		_, err := NewPredictor(testDevice(t), net, pz, 1, gpu.PredictorOptions{Precision: prec})
		if err == nil || !strings.Contains(err.Error(), "EGTN") || !strings.Contains(err.Error(), prec.String()) {
			t.Errorf("a %s EGTN predictor: error %v, want a refusal naming EGTN and %s", prec, err, prec)
		}
	}
}

// rotation3 is the rotation of a unit quaternion drawn from seed.
func rotation3(seed uint64) [3][3]float64 {
	rng := rand.New(rand.NewPCG(seed, 5))
	q := [4]float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
	n := math.Sqrt(q[0]*q[0] + q[1]*q[1] + q[2]*q[2] + q[3]*q[3])
	w, x, y, z := q[0]/n, q[1]/n, q[2]/n, q[3]/n
	return [3][3]float64{
		{1 - 2*(y*y+z*z), 2 * (x*y - z*w), 2 * (x*z + y*w)},
		{2 * (x*y + z*w), 1 - 2*(x*x+z*z), 2 * (y*z - x*w)},
		{2 * (x*z - y*w), 2 * (y*z + x*w), 1 - 2*(x*x+y*y)},
	}
}

// moveRigid applies x -> R x + c to the 3-vectors v[lo:hi] in place.
func moveRigid(v []float64, lo, hi int, r [3][3]float64, c [3]float64) {
	for p := lo; p < hi; p += 3 {
		a := [3]float64{v[p], v[p+1], v[p+2]}
		for i := 0; i < 3; i++ {
			v[p+i] = c[i] + r[i][0]*a[0] + r[i][1]*a[1] + r[i][2]*a[2]
		}
	}
}

// TestGPUEGTNIsEquivariantOnTheDevice: the device EGTN commutes with rigid motions as GeoTDM's network does
// (Han et al. 2024, Theorem 4.1): rotating and translating the noisy target frames and the condition frames
// (the noisy state by alpha(t) c when the process runs around a prior) rotates the output x_L - x_in and
// does not translate it, to float32 rounding, for the learned prior, no
// prior with condition frames, and no prior without (config 1, 2-D with prior_output, whose output moves by
// A(t) c, is left out).
func TestGPUEGTNIsEquivariantOnTheDevice(t *testing.T) {
	d := testDevice(t)
	s, err := d.NewStream()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const B, tt = 2, 0.4
	rot, shift := rotation3(77), [3]float64{2.5, -1, 4}
	for _, i := range []int{0, 2, 3} {
		cfg := egtnConfigs[i]
		pz := vpCosine(t, diffusion.PredEps)
		net := newRandomEGTN(t, cfg, pz, uint64(40+i))
		C, Dm := net.CondDim(), net.Dim()
		x, cond := randomInput(uint64(800+i), B*Dm), randomInput(uint64(810+i), B*C)
		xm, cm := append([]float64(nil), x...), append([]float64(nil), cond...)
		xc := len(cfg.CondFrames) * cfg.Nodes * 3
		// The state of a process run around a prior, z = alpha x0 + sigma eps with x0 translated by c, moves by
		// alpha(t) c (the network then reads z + (1 - alpha) x_r, which moves by c with its condition frames).
		xshift := shift
		if net.NeedsSignal() {
			a := pz.Process.Alpha(float64(float32(tt)))
			xshift = [3]float64{a * shift[0], a * shift[1], a * shift[2]}
		}
		for b := 0; b < B; b++ {
			moveRigid(xm, b*Dm, (b+1)*Dm, rot, xshift)
			moveRigid(cm, b*C, b*C+xc, rot, shift)
		}
		eval := func(x, cond []float64) []float64 {
			opt := gpu.PredictorOptions{}
			if C > 0 {
				opt.PointConds = to32(cond)
			}
			p, err := NewPredictor(d, net, pz, B, opt)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			xb, _ := d.Alloc(len(x))
			defer d.Free(xb)
			if err := s.Upload(xb, to32(x)); err != nil {
				t.Fatal(err)
			}
			if err := p.Forward(s, xb, xb, tt); err != nil {
				t.Fatal(err)
			}
			out := make([]float32, len(x))
			if err := s.Download(out, xb); err != nil {
				t.Fatal(err)
			}
			v := make([]float64, len(out))
			for j, o := range out {
				v[j] = float64(o)
			}
			return v
		}
		y, ym := eval(x, cond), eval(xm, cm)
		want := append([]float64(nil), y...)
		moveRigid(want, 0, len(want), rot, [3]float64{})
		worst, scale := 0.0, 0.0
		for j := range want {
			worst = math.Max(worst, math.Abs(ym[j]-want[j]))
			scale = math.Max(scale, math.Abs(want[j]))
		}
		t.Logf("config %d (%s prior): max |F(Rx + c) - R F(x)| %.3g (output scale %.3g)", i, cfg.Prior, worst, scale)
		if !(worst <= 2e-5*math.Max(1, scale)) {
			t.Errorf("config %d (%s prior): max |F(Rx + c) - R F(x)| %.3g > 2e-5 x %.3g", i, cfg.Prior, worst, scale)
		}
	}
}

// geoSource serves tiny geometric trajectories for egtnConfigs[0]: Nodes points drifting with a common
// velocity around a random centre, each with its own offset, over frames 0..6; the condition is the first
// three frames, a node feature of 1 per node and the product of the nodes' signs on every edge.
type geoSource struct{ cfg nn.EGTNConfig }

func (g geoSource) Dim() int { return len(g.cfg.TargetFrames) * g.cfg.Nodes * g.cfg.SpatialDim }
func (g geoSource) CondDim() int {
	c := g.cfg
	return len(c.CondFrames)*c.Nodes*c.SpatialDim + c.Nodes*c.NodeFeatures + c.Nodes*(c.Nodes-1)*c.EdgeFeatures
}

func (g geoSource) Batch(step int, x0, cond []float64) error {
	c := g.cfg
	N, D := c.Nodes, c.SpatialDim
	rng := rand.New(rand.NewPCG(uint64(step), 31))
	dim, cdim := g.Dim(), g.CondDim()
	for b := 0; b < len(x0)/dim; b++ {
		var centre, vel [3]float64
		for i := range centre {
			centre[i], vel[i] = rng.NormFloat64(), 0.3*rng.NormFloat64()
		}
		off := make([]float64, N*D)
		sign := make([]float64, N)
		for j := range off {
			off[j] = 0.5 * rng.NormFloat64()
		}
		for n := range sign {
			sign[n] = float64(2*rng.IntN(2) - 1)
		}
		pos := func(f, n, i int) float64 { return centre[i] + off[n*D+i] + vel[i]*float64(f) }
		for k, f := range c.TargetFrames {
			for n := 0; n < N; n++ {
				for i := 0; i < D; i++ {
					x0[b*dim+(k*N+n)*D+i] = pos(f, n, i)
				}
			}
		}
		row := cond[b*cdim : (b+1)*cdim]
		j := 0
		for _, f := range c.CondFrames {
			for n := 0; n < N; n++ {
				for i := 0; i < D; i++ {
					row[j] = pos(f, n, i)
					j++
				}
			}
		}
		for n := 0; n < N; n++ {
			row[j] = 1
			j++
		}
		for n := 0; n < N; n++ {
			for k := 0; k < N; k++ {
				if k != n {
					row[j] = sign[n] * sign[k]
					j++
				}
			}
		}
	}
	return nil
}

// TestGPUTrainedEGTNMatchesCPU: a tiny EGTN with the learned prior trained with package train runs on the
// device as nn runs it (per-example conditions), and a 10-NFE DPM-Solver++(2M) run with it matches
// diffusion.Sample with the checkpoint's CPU denoiser, the steps captured as CUDA graphs replaying the
// launches bit for bit.
func TestGPUTrainedEGTNMatchesCPU(t *testing.T) {
	cfg := egtnConfigs[0]
	opts := train.DefaultOptions()
	opts.Steps, opts.Batch, opts.Warmup, opts.LR, opts.LogEvery, opts.CheckpointEvery, opts.Seed = 150, 16, 0, 3e-3, 150, 150, 3
	tr := &train.Trainer{Spec: nn.Spec{Arch: "egtn", EGTN: &cfg}, Objective: train.ObjectiveConfig{Process: "vp-cosine", Prediction: "eps"},
		Source: geoSource{cfg}, Options: opts, Dir: t.TempDir()}
	res, err := tr.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("trained egtn: %d steps, last loss %.3g", res.Steps, res.Loss)
	c, err := train.LoadCheckpoint(tr.Dir, train.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pz, err := Parameterization(c)
	if err != nil {
		t.Fatal(err)
	}
	const examples = 3
	src := geoSource{cfg}
	x0, rows := make([]float64, examples*src.Dim()), make([]float64, examples*src.CondDim())
	if err := src.Batch(1000, x0, rows); err != nil {
		t.Fatal(err)
	}
	d := testDevice(t)
	p, err := NewPredictor(d, c.Net, pz, examples, gpu.PredictorOptions{PointConds: to32(rows)})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	x := randomInput(91, examples*c.Net.Dim())
	w := forwardWorstP(t, d, p, c.Predictor.Conditional(rows), x, []float64{0.02, 0.5, 0.98})
	t.Logf("trained egtn: worst |device - nn.Predictor| %.3g (tolerance %.0e)", w, tolFP32)
	if !(w <= tolFP32) {
		t.Errorf("trained egtn: max |device - nn| %.3g > %.0e", w, tolFP32)
	}
	den, _, err := c.State.Objective.Denoiser(c.Predictor.Conditional(rows))
	if err != nil {
		t.Fatal(err)
	}
	conditioned := *c
	conditioned.Denoiser = den
	solver, err := diffusion.NewSolver("dpmpp-2m")
	if err != nil {
		t.Fatal(err)
	}
	checkSamplerOnDevice(t, d, p, &conditioned, x, solver, samplerTol[gpu.FP32], "trained egtn (learned prior), dpmpp-2m")
}
