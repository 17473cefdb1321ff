//go:build cuda || trajdiff_cuda

package gpu

import (
	"math"
	"testing"
)

// groupNormActHost is y = act(GroupNorm(x) gamma + beta) in float64 over channels-last x [B, S, C].
func groupNormActHost(x []float64, gamma, beta []float32, B, S, C, G int, eps float64, act Activation) []float64 {
	y, cg := make([]float64, len(x)), C/G
	for b := range B {
		for g := range G {
			at := func(s, j int) int { return (b*S+s)*C + g*cg + j }
			mean, v := 0.0, 0.0
			for s := range S {
				for j := range cg {
					mean += x[at(s, j)]
				}
			}
			mean /= float64(S * cg)
			for s := range S {
				for j := range cg {
					v += (x[at(s, j)] - mean) * (x[at(s, j)] - mean)
				}
			}
			rstd := 1 / math.Sqrt(v/float64(S*cg)+eps)
			for s := range S {
				for j := range cg {
					c := g*cg + j
					y[at(s, j)] = refAct(act, float64(gamma[c])*(x[at(s, j)]-mean)*rstd+float64(beta[c]))
				}
			}
		}
	}
	return y
}

// TestGPUGroupNormActGradMatchesCentralDifferences: group_norm_act_grad_f32's gx is the gradient of
// <gy, act(GN(x) gamma + beta)> with respect to x, by central differences of the float64 forward pass
// (step 1e-5: truncation ~1e-10, rounding ~1e-11 of values of order one), to 1e-5 of max |gx| (the
// kernel's double arithmetic rounded to float32 once, from float32 inputs), in place (gx = gy) as well.
func TestGPUGroupNormActGradMatchesCentralDifferences(t *testing.T) {
	s := testStream(t)
	for _, c := range []struct {
		B, S, C, G int
		act        Activation
	}{{2, 5, 6, 3, ActMish}, {3, 7, 8, 2, ActSiLU}, {1, 40, 16, 8, ActMish}} {
		n := c.B * c.S * c.C
		x32, gy32 := randomF32(11, n, 1.5), randomF32(12, n, 1)
		gamma, beta := randomF32(13, c.C, 1), randomF32(14, c.C, 0.5)
		x, gy := to64(x32), to64(gy32)
		dot := func(x []float64) float64 {
			y, sum := groupNormActHost(x, gamma, beta, c.B, c.S, c.C, c.G, 1e-5, c.act), 0.0
			for i := range y {
				sum += gy[i] * y[i]
			}
			return sum
		}
		want, scale := make([]float64, n), 0.0
		for i := range x {
			const h = 1e-5
			xp, xm := append([]float64(nil), x...), append([]float64(nil), x...)
			xp[i] += h
			xm[i] -= h
			want[i] = (dot(xp) - dot(xm)) / (2 * h)
			scale = math.Max(scale, math.Abs(want[i]))
		}
		xb, gb, gxb := upload(t, x32), upload(t, gamma), upload(t, make([]float32, n))
		bb, gyb := upload(t, beta), upload(t, gy32)
		if err := s.GroupNormActGrad(gxb, gyb, xb, gb, bb, c.B, c.S, c.C, c.G, 1e-5, c.act); err != nil {
			t.Fatal(err)
		}
		if err := s.GroupNormActGrad(gyb, gyb, xb, gb, bb, c.B, c.S, c.C, c.G, 1e-5, c.act); err != nil {
			t.Fatal(err)
		}
		if err := s.Synchronize(); err != nil {
			t.Fatal(err)
		}
		got, inPlace := download(t, gxb), download(t, gyb)
		worst := 0.0
		for i := range got {
			worst = math.Max(worst, math.Abs(float64(got[i])-want[i])/scale)
			if math.Float32bits(got[i]) != math.Float32bits(inPlace[i]) {
				t.Fatalf("%+v entry %d: %v, in place %v", c, i, got[i], inPlace[i])
			}
		}
		if !(worst <= 1e-5) {
			t.Errorf("%+v: worst error %.3g of max |gx| %.3g (tolerance 1e-5)", c, worst, scale)
		}
		t.Logf("%+v: worst error %.3g of max |gx| %.3g", c, worst, scale)
	}
}
