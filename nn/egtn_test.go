package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"gorgonia.org/tensor"
)

// randomOrthogonal returns a random d x d rotation or reflection (Gram-Schmidt of a Gaussian matrix).
func randomOrthogonal(rng *rand.Rand, d int) []float64 {
	q := make([]float64, d*d)
	for i := 0; i < d; i++ {
		row := q[i*d : (i+1)*d]
		for j := range row {
			row[j] = rng.NormFloat64()
		}
		for k := 0; k < i; k++ {
			prev := q[k*d : (k+1)*d]
			var dot float64
			for j := range row {
				dot += row[j] * prev[j]
			}
			for j := range row {
				row[j] -= dot * prev[j]
			}
		}
		var n float64
		for _, v := range row {
			n += v * v
		}
		for j := range row {
			row[j] /= math.Sqrt(n)
		}
	}
	return q
}

// transform applies y = Q p + s to every d-vector of v in place.
func transform(v, q, s []float64, d int) {
	tmp := make([]float64, d)
	for p := 0; p < len(v)/d; p++ {
		for i := 0; i < d; i++ {
			tmp[i] = s[i]
			for j := 0; j < d; j++ {
				tmp[i] += q[i*d+j] * v[p*d+j]
			}
		}
		copy(v[p*d:(p+1)*d], tmp)
	}
}

// TestEGTNIsEquivariant checks that a rotation or reflection Q of every input coordinate rotates the
// network's output, and that translations leave it unchanged wherever the process keeps them: a
// translation c of the data moves the condition frames by c and the noisy input z = alpha x0 + sigma eps
// by alpha c (learned and centre-of-mass priors), and an unconditional network is translation invariant.
// The conditional network with the N(0, I) prior is only rotation equivariant, which is why GeoTDM's
// ablation loses to the learned prior.
func TestEGTNIsEquivariant(t *testing.T) {
	const tNet = 0.35
	alpha := math.Exp(-tNet) // newTestNet's signal coefficient
	specs := smallSpecs()
	noPrior := *specs["egtn"].EGTN
	noPrior.Prior = "none"
	specs["egtn-none"] = Spec{Arch: "egtn", EGTN: &noPrior}
	for _, name := range []string{"egtn", "egtn-com", "egtn-uncond", "egtn-none"} {
		net, err := newTestNet(specs[name], tensor.Float32)
		if err != nil {
			t.Fatal(err)
		}
		randomize(net.Params(), 9, 0.3)
		cfg := net.(*EGTN).Config()
		D, N := cfg.SpatialDim, cfg.Nodes
		rng := rand.New(rand.NewPCG(5, uint64(len(name))))
		const B = 2
		x := make([]float64, B*net.Dim())
		for i := range x {
			x[i] = rng.NormFloat64()
		}
		cond := make([]float64, B*net.CondDim())
		for i := range cond {
			cond[i] = rng.NormFloat64()
		}
		pred := NewPredictor(net)
		out := make([]float64, len(x))
		if err := pred.PredictBatch(out, x, []float64{tNet}, cond); err != nil {
			t.Fatal(err)
		}
		q := randomOrthogonal(rng, D)
		c := make([]float64, D)
		for i := range c {
			c[i] = 3 * rng.NormFloat64()
		}
		zc := make([]float64, D) // the noisy input's share of the translation
		for i := range c {
			switch {
			case name == "egtn-none":
				c[i] = 0
			case name == "egtn-uncond":
				zc[i] = c[i]
			default:
				zc[i] = alpha * c[i]
			}
		}
		xr := append([]float64(nil), x...)
		transform(xr, q, zc, D)
		cr := append([]float64(nil), cond...)
		nc := len(cfg.CondFrames) * N * D
		for b := 0; b < B; b++ {
			transform(cr[b*net.CondDim():b*net.CondDim()+nc], q, c, D)
		}
		got := make([]float64, len(x))
		if err := pred.PredictBatch(got, xr, []float64{tNet}, cr); err != nil {
			t.Fatal(err)
		}
		want := append([]float64(nil), out...)
		transform(want, q, make([]float64, D), D)
		var worst, scale float64
		for i := range got {
			worst = max(worst, math.Abs(got[i]-want[i]))
			scale = max(scale, math.Abs(want[i]))
		}
		if worst > 2e-5*max(1, scale) {
			t.Errorf("%s: transformed input gives an output %.3g away from the transformed output (scale %.3g)", name, worst, scale)
		}
		if scale < 1e-3 {
			t.Errorf("%s: output scale %.3g: the test would not see a broken equivariance", name, scale)
		}
	}
}
