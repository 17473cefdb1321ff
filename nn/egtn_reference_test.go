package nn

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gorgonia.org/tensor"
)

// The reference is exactly what Forward adds to its input: with alpha = 0 EGTN reads z as z + x_r, so its
// output at z equals its output at z + ReferenceNet(0) with alpha = 1 (nothing mixed in), for the learned
// and centre-of-mass priors; without a prior the reference is 0.
func TestEGTNReferenceIsWhatForwardMixesIn(t *testing.T) {
	specs := smallSpecs()
	noPrior := *specs["egtn"].EGTN
	noPrior.Prior = "none"
	specs["egtn-none"] = Spec{Arch: "egtn", EGTN: &noPrior}
	for _, name := range []string{"egtn", "egtn-com", "egtn-none"} {
		net, err := specs[name].New(tensor.Float64, 1)
		if err != nil {
			t.Fatal(err)
		}
		randomize(net.Params(), 3, 0.3)
		m := net.(*EGTN)
		rng := rand.New(rand.NewPCG(2, uint64(len(name))))
		const B = 3
		z := make([]float64, B*net.Dim())
		for i := range z {
			z[i] = rng.NormFloat64()
		}
		cond := make([]float64, B*net.CondDim())
		for i := range cond {
			cond[i] = rng.NormFloat64()
		}
		xr := make([]float64, len(z))
		if err := NewPredictor(m.ReferenceNet()).PredictBatch(xr, make([]float64, len(z)), []float64{0.4}, cond); err != nil {
			t.Fatal(err)
		}
		scale := 0.0
		for _, v := range xr {
			scale = max(scale, math.Abs(v))
		}
		if (name == "egtn-none") != (scale == 0) {
			t.Fatalf("%s: reference scale %v", name, scale)
		}
		m.UseSignal(func(float64) float64 { return 0 })
		mixed := make([]float64, len(z))
		if err := NewPredictor(m).PredictBatch(mixed, z, []float64{0.4}, cond); err != nil {
			t.Fatal(err)
		}
		m.UseSignal(func(float64) float64 { return 1 })
		shifted := make([]float64, len(z))
		for i := range shifted {
			shifted[i] = z[i] + xr[i]
		}
		plain := make([]float64, len(z))
		if err := NewPredictor(m).PredictBatch(plain, shifted, []float64{0.4}, cond); err != nil {
			t.Fatal(err)
		}
		worst, out := 0.0, 0.0
		for i := range plain {
			worst = max(worst, math.Abs(plain[i]-mixed[i]))
			out = max(out, math.Abs(plain[i]))
		}
		if worst > 1e-10*max(1, out) || out < 1e-3 {
			t.Errorf("%s: outputs differ by %.3g (scale %.3g)", name, worst, out)
		}
	}
}

// With prior_output the network predicts u + a(t) x_r with u translation invariant: a translation c of the
// data (condition frames by c, the noisy input z by alpha c) moves the output by a(t) c, and a rotation
// rotates it, for the learned and the centre-of-mass priors. Without UsePriorOutput it refuses to build.
func TestEGTNPriorOutputMovesWithTheData(t *testing.T) {
	const tNet, share = 0.35, -0.8
	alpha := math.Exp(-tNet) // newTestNet's signal coefficient
	for _, name := range []string{"egtn", "egtn-com"} {
		cfg := *smallSpecs()[name].EGTN
		cfg.PriorOutput = true
		spec := Spec{Arch: "egtn", EGTN: &cfg}
		net, err := newTestNet(spec, tensor.Float64)
		if err != nil {
			t.Fatal(err)
		}
		randomize(net.Params(), 4, 0.3)
		rng := rand.New(rand.NewPCG(8, uint64(len(name))))
		x := make([]float64, 2*net.Dim())
		cond := make([]float64, 2*net.CondDim())
		for _, v := range [][]float64{x, cond} {
			for i := range v {
				v[i] = rng.NormFloat64()
			}
		}
		if err := NewPredictor(net).PredictBatch(make([]float64, len(x)), x, []float64{tNet}, cond); err == nil ||
			!strings.Contains(err.Error(), "UsePriorOutput") {
			t.Fatalf("%s: built without the prior's share: %v", name, err)
		}
		net.(PriorOutputUser).UsePriorOutput(func(float64) float64 { return share })
		pred := NewPredictor(net)
		out := make([]float64, len(x))
		if err := pred.PredictBatch(out, x, []float64{tNet}, cond); err != nil {
			t.Fatal(err)
		}
		D, nc := cfg.SpatialDim, len(cfg.CondFrames)*cfg.Nodes*cfg.SpatialDim
		q := randomOrthogonal(rng, D)
		c, zc, oc := make([]float64, D), make([]float64, D), make([]float64, D)
		for i := range c {
			c[i] = 3 * rng.NormFloat64()
			zc[i], oc[i] = alpha*c[i], share*c[i]
		}
		xt, ct := append([]float64(nil), x...), append([]float64(nil), cond...)
		transform(xt, q, zc, D)
		for b := 0; b < 2; b++ {
			transform(ct[b*net.CondDim():b*net.CondDim()+nc], q, c, D)
		}
		got := make([]float64, len(x))
		if err := pred.PredictBatch(got, xt, []float64{tNet}, ct); err != nil {
			t.Fatal(err)
		}
		want := append([]float64(nil), out...)
		transform(want, q, oc, D)
		worst, scale := 0.0, 0.0
		for i := range got {
			worst = max(worst, math.Abs(got[i]-want[i]))
			scale = max(scale, math.Abs(want[i]))
		}
		if worst > 1e-9*max(1, scale) || scale < 1e-3 {
			t.Errorf("%s: transformed input gives an output %.3g away from the transformed output (scale %.3g)", name, worst, scale)
		}
	}
	bad := *smallSpecs()["egtn"].EGTN
	bad.Prior, bad.PriorOutput = "none", true
	if _, err := NewEGTN(bad, tensor.Float64); err == nil {
		t.Error("prior_output without a prior accepted")
	}
}
