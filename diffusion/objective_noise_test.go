package diffusion

import (
	"math/rand/v2"
	"testing"
)

// Given the noise Sample would have drawn, SampleWithNoise reproduces Sample exactly: Sample draws the time
// first and then one normal per value, so replaying that stream's normals as eps gives the same example.
func TestSampleWithNoiseEqualsSampleOnItsNoise(t *testing.T) {
	p, _ := NewProcess("vp-cosine")
	objs := []NoiseObjective{
		DenoisingObjective{Process: p, Prediction: PredX0, Time: UniformTime{Lo: p.TMin(), Hi: p.TMax()}, Weighting: MinSNR{Gamma: 5}},
		NewEDMObjective(),
	}
	x0 := []float64{0.3, -1.2, 0.8, 2}
	for k, o := range objs {
		in1, tg1 := make([]float64, 4), make([]float64, 4)
		ex1, err := o.Sample(rand.New(rand.NewPCG(9, 9)), x0, in1, tg1)
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(9, 9))
		if k == 0 {
			rng.Float64() // the uniform time
		} else {
			rng.NormFloat64() // EDM's log sigma
		}
		eps := make([]float64, 4)
		for i := range eps {
			eps[i] = rng.NormFloat64()
		}
		in2, tg2 := make([]float64, 4), make([]float64, 4)
		ex2, err := o.SampleWithNoise(rand.New(rand.NewPCG(9, 9)), x0, eps, in2, tg2)
		if err != nil {
			t.Fatal(err)
		}
		if ex1 != ex2 {
			t.Errorf("objective %d: example %+v, want %+v", k, ex2, ex1)
		}
		for i := range in1 {
			if d := in1[i] - in2[i]; d*d > 1e-28 || (tg1[i]-tg2[i])*(tg1[i]-tg2[i]) > 1e-28 {
				t.Errorf("objective %d value %d: input %v target %v, want %v %v", k, i, in2[i], tg2[i], in1[i], tg1[i])
			}
		}
	}
}

func TestSampleWithNoiseRefusesPFGMAndBadLengths(t *testing.T) {
	o := NewEDMObjective()
	o.Kernel = &PFGMPP{D: 128}
	x := make([]float64, 3)
	if _, err := o.SampleWithNoise(rand.New(rand.NewPCG(1, 1)), x, x, x, x); err == nil {
		t.Error("PFGM++ kernel accepted given Gaussian noise")
	}
	p, _ := NewProcess("vp-cosine")
	d := DenoisingObjective{Process: p, Prediction: PredEps, Time: UniformTime{Lo: p.TMin(), Hi: p.TMax()}}
	if _, err := d.SampleWithNoise(rand.New(rand.NewPCG(1, 1)), x, x[:2], x, x); err == nil {
		t.Error("noise of the wrong length accepted")
	}
}
