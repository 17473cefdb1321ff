package diffusion

import (
	"math"
	"testing"
)

// Each objective's target is the named prediction of the drawn (x0, eps): converting it back with the input
// recovers x0 exactly, and min-SNR weights have their published forms.
func TestDenoisingObjectiveTargets(t *testing.T) {
	rng := newRand(4)
	x0 := []float64{0.3, -1.2, 2.0, 0.7}
	for _, p := range allProcesses(t) {
		for _, k := range []Prediction{PredX0, PredEps, PredScore, PredV, PredVelocity} {
			o := DenoisingObjective{Process: p, Prediction: k, Time: UniformTime{Lo: p.TMin(), Hi: p.TMax() * 0.99}, Weighting: MinSNR{Gamma: 5}}
			in, tg := make([]float64, 4), make([]float64, 4)
			for trial := 0; trial < 20; trial++ {
				ex, err := o.Sample(rng, x0, in, tg)
				if err != nil {
					t.Fatal(err)
				}
				c := CoefficientsAt(p, ex.T)
				back := make([]float64, 4)
				if err := Convert(back, in, tg, k, PredX0, c); err != nil {
					t.Fatal(err)
				}
				for i := range x0 {
					if math.Abs(back[i]-x0[i]) > 1e-9*math.Max(1, math.Abs(c.Alpha/c.Sigma)) {
						t.Fatalf("%s %v: recovered x0 %v, want %v", p.Name(), k, back[i], x0[i])
					}
				}
				snr := math.Exp(2 * c.LogSNR)
				var want float64
				switch k {
				case PredX0:
					want = math.Min(snr, 5)
				case PredEps:
					want = math.Min(snr, 5) / snr
				default:
					_, c0 := k.Linear(c)
					want = math.Min(snr, 5) / (c0 * c0)
				}
				if k == PredV && (p.Name() == "vp-linear" || p.Name() == "trig") {
					want = math.Min(snr, 5) / (snr + 1) // Hang et al.'s v form on VP processes
				}
				if !closeRel(ex.Weight, want, 1e-9) {
					t.Fatalf("%s %v: weight %v, want %v", p.Name(), k, ex.Weight, want)
				}
			}
		}
	}
}

func TestFlowMatchingObjective(t *testing.T) {
	o := DenoisingObjective{Process: NewFlow(), Prediction: PredVelocity, Time: UniformTime{Lo: 0, Hi: 1}, Weighting: UnitWeight{}}
	x0 := []float64{1, 2, 3}
	in, tg := make([]float64, 3), make([]float64, 3)
	ex, err := o.Sample(newRand(1), x0, in, tg)
	if err != nil {
		t.Fatal(err)
	}
	for i := range x0 {
		eps := (in[i] - (1-ex.T)*x0[i]) / ex.T
		if math.Abs(tg[i]-(eps-x0[i])) > 1e-12 || ex.Weight != 1 {
			t.Errorf("flow target %v, want eps - x0 = %v (weight %v)", tg[i], eps-x0[i], ex.Weight)
		}
	}
}

// EDM's objective: the preconditioned denoiser applied to a network that outputs the target exactly returns
// x0, and log sigma has EDM's normal distribution.
func TestEDMObjective(t *testing.T) {
	o := NewEDMObjective()
	rng := newRand(5)
	x0 := []float64{0.4, -0.1}
	in, tg := make([]float64, 2), make([]float64, 2)
	var m, m2 float64
	const n = 20000
	for i := 0; i < n; i++ {
		ex, err := o.Sample(rng, x0, in, tg)
		if err != nil {
			t.Fatal(err)
		}
		cSkip, cOut, cIn, cNoise := EDMScalings(ex.T, o.SigmaData)
		if ex.NetTime != cNoise || ex.Weight != 1 {
			t.Fatalf("NetTime %v weight %v", ex.NetTime, ex.Weight)
		}
		for j := range x0 {
			x := in[j] / cIn
			if d := cSkip*x + cOut*tg[j]; math.Abs(d-x0[j]) > 1e-9*math.Max(1, ex.T) {
				t.Fatalf("D = %v, want x0 %v (sigma %v)", d, x0[j], ex.T)
			}
		}
		l := math.Log(ex.T)
		m += l / n
		m2 += l * l / n
	}
	if math.Abs(m+1.2) > 0.05 || math.Abs(math.Sqrt(m2-m*m)-1.2) > 0.05 {
		t.Errorf("log sigma mean %v sd %v, want -1.2 and 1.2", m, math.Sqrt(m2-m*m))
	}
}

// EDMPrecond wraps a raw network into a denoiser: with F = 0 it returns c_skip x.
func TestEDMPrecond(t *testing.T) {
	zero := networkFunc{dim: 2, f: func(dst, x []float64, t float64) {
		for i := range dst {
			dst[i] = 0
		}
	}}
	e := &EDMPrecond{Net: zero, SigmaData: 0.5}
	dst := make([]float64, 2)
	e.Denoise(dst, []float64{1, 2}, 0.5)
	if dst[0] != 0.5 || dst[1] != 1 {
		t.Errorf("c_skip x = %v, want [0.5 1]", dst)
	}
}

type networkFunc struct {
	dim int
	f   func(dst, x []float64, t float64)
}

func (n networkFunc) Dim() int { return n.dim }
func (n networkFunc) Predict(dst, x []float64, t float64) error {
	n.f(dst, x, t)
	return nil
}
