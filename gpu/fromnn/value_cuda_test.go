//go:build cuda || trajdiff_cuda

package fromnn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/trajdiff/trajdiff/gpu"
	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/train"
)

// TestGPUValueGradientMatchesModelValueGradient: the device's J and dJ/dx of a trained value run's MLP
// (gpu.ValueGradient from ValueMLP) agree with train.Model.ValueGradient (nn.RegressorInputGrad on the CPU,
// in float32) to float32 accuracy, at early and late process times.
func TestGPUValueGradientMatchesModelValueGradient(t *testing.T) {
	d := testDevice(t)
	for _, act := range []string{"mish", "relu"} {
		m := valueModel(t, act)
		net, err := ValueMLP(m)
		if err != nil {
			t.Fatal(err)
		}
		const B = 4
		W := net.Window
		rng := rand.New(rand.NewPCG(3, 4))
		x := make([]float64, B*W)
		x32 := make([]float32, B*W)
		for i := range x {
			x32[i] = float32(rng.NormFloat64())
			x[i] = float64(x32[i])
		}
		vg, err := gpu.NewValueGradient(d, net, B)
		if err != nil {
			t.Fatal(err)
		}
		s, err := d.NewStream()
		if err != nil {
			t.Fatal(err)
		}
		xb, err := d.Alloc(len(x32))
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Upload(xb, x32); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []float64{0.05, 0.5, 0.95} {
			want, wgrad := make([]float64, B), make([]float64, B*W)
			if err := m.ValueGradient(want, wgrad, x, tt); err != nil {
				t.Fatal(err)
			}
			if err := vg.Gradient(s, xb, tt); err != nil {
				t.Fatal(err)
			}
			if err := s.Synchronize(); err != nil {
				t.Fatal(err)
			}
			J, gin := make([]float32, B), make([]float32, vg.InputGrad().Len())
			if err := d.Download(J, vg.Values()); err != nil {
				t.Fatal(err)
			}
			if err := d.Download(gin, vg.InputGrad()); err != nil {
				t.Fatal(err)
			}
			I := W + net.Features
			eJ, eg, scale := 0.0, 0.0, 0.0
			for b := range B {
				eJ = math.Max(eJ, math.Abs(float64(J[b])-want[b])/(1+math.Abs(want[b])))
				for j := range W {
					w := wgrad[b*W+j]
					eg, scale = math.Max(eg, math.Abs(float64(gin[b*I+j])-w)), math.Max(scale, math.Abs(w))
				}
			}
			eg /= scale
			// Two float32 evaluations of the same network, summing in different orders: a few ulps.
			if !(eJ <= 1e-5 && eg <= 1e-5) {
				t.Errorf("%s at t=%v: J error %.3g, gradient error %.3g (tolerance 1e-5 of J's scale and of max |dJ/dx|)", act, tt, eJ, eg)
			}
			t.Logf("%s t=%v: worst J error %.3g, gradient %.3g (max |dJ/dx| %.3g)", act, tt, eJ, eg, scale)
		}
		d.Free(xb)
		s.Close()
		vg.Close()
	}
}

// TestGPUValueMLPRefusesTheUNetValueModel: Diffuser's temporal_value U-Net has no device path.
func TestGPUValueMLPRefusesTheUNetValueModel(t *testing.T) {
	m := windowModel(t, func(c *train.Config) {
		c.Data.ReturnsScale, c.Data.Discount = 10, 0.99
		c.Network = nn.Spec{Arch: "temporal_value", TemporalValue: &nn.TemporalValueConfig{Horizon: 8, Transition: 3, Dim: 4, DimMults: []int{1, 2}, Kernel: 3, Groups: 2}}
		c.Objective = train.ObjectiveConfig{Kind: train.ObjectiveValue, Process: "vp-cosine"}
		c.Sample = train.SampleConfig{}
	})
	if _, err := ValueMLP(m); err == nil {
		t.Fatal("ValueMLP accepted a temporal_value network")
	}
}
