//go:build cuda || trajdiff_cuda

package gpu

import (
	"context"
	"math"
	"testing"

	"github.com/trajdiff/trajdiff/diffusion"
)

// valueNet is a random value MLP of window W, 8 time features and the hidden widths, on [0, 1].
func valueNet(seed uint64, W int, hidden []int, act Activation) ValueMLP {
	v := ValueMLP{Window: W, Features: 8, TMin: 0, TMax: 1, Act: act}
	in := W + v.Features
	for l, out := range append(append([]int(nil), hidden...), 1) {
		v.Weights = append(v.Weights, randomF32(seed+uint64(2*l), out*in, 1/math.Sqrt(float64(in))))
		v.Biases = append(v.Biases, randomF32(seed+uint64(2*l+1), out, 0.3))
		in = out
	}
	return v
}

// actHostGrad is the derivative of the activation a in float64 (refAct's, math's functions).
func actHostGrad(a Activation, v float64) float64 {
	const h = 1e-6 // the derivative by a central difference in float64 (truncation ~1e-12, rounding ~1e-10)
	if a == ActReLU {
		if v > 0 {
			return 1
		}
		return 0
	}
	return (refAct(a, v+h) - refAct(a, v-h)) / (2 * h)
}

// valueHost is the float64 reference of ValueGradient: J and dJ/dx of every window of x at t, by the
// forward pass written out and the chain rule layer by layer.
func valueHost(v ValueMLP, x []float64, t float64) (J, grad []float64) {
	W, I := v.Window, v.Window+v.Features
	u := (t - v.TMin) / (v.TMax - v.TMin)
	for b := range len(x) / W {
		h := append([]float64(nil), x[b*W:(b+1)*W]...)
		for k := 1; k <= v.Features/2; k++ {
			h = append(h, math.Cos(math.Pi*float64(k)*u), math.Sin(math.Pi*float64(k)*u))
		}
		var zs [][]float64
		for l, bias := range v.Biases {
			in, z := len(h), make([]float64, len(bias))
			for o := range z {
				z[o] = float64(bias[o])
				for i := range in {
					z[o] += float64(v.Weights[l][o*in+i]) * h[i]
				}
			}
			zs = append(zs, z)
			if l < len(v.Biases)-1 {
				h = make([]float64, len(z))
				for i := range z {
					h[i] = refAct(v.Act, z[i])
				}
			}
		}
		J = append(J, zs[len(zs)-1][0])
		g := []float64{1}
		for l := len(v.Biases) - 1; l >= 0; l-- {
			out := len(v.Biases[l])
			in := I
			if l > 0 {
				in = len(v.Biases[l-1])
			}
			gi := make([]float64, in)
			for i := range in {
				for o := range out {
					gi[i] += g[o] * float64(v.Weights[l][o*in+i])
				}
				if l > 0 {
					gi[i] *= actHostGrad(v.Act, zs[l-1][i])
				}
			}
			g = gi
		}
		grad = append(grad, g[:W]...)
	}
	return J, grad
}

// deviceValue runs ValueGradient on x at t and returns J and the window part of dJ/dx.
func deviceValue(t *testing.T, v ValueMLP, x []float32, tt float64) (J, grad []float64) {
	t.Helper()
	s := testStream(t)
	B := len(x) / v.Window
	g, err := NewValueGradient(testDevice(t), v, B)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if err := g.Gradient(s, upload(t, x), tt); err != nil {
		t.Fatal(err)
	}
	if err := s.Synchronize(); err != nil {
		t.Fatal(err)
	}
	J = f64(download(t, g.Values()))
	gin := download(t, g.InputGrad())
	I := v.Window + v.Features
	for b := range B {
		grad = append(grad, f64(gin[b*I:b*I+v.Window])...)
	}
	return J, grad
}

// maxRelErr is max |a - b| / (1 + max |b|).
func maxRelErr(a, b []float64) float64 {
	worst, scale := 0.0, 0.0
	for i := range b {
		worst, scale = max(worst, math.Abs(a[i]-b[i])), max(scale, math.Abs(b[i]))
	}
	return worst / (1 + scale)
}

// TestGPUValueGradientMatchesTheBackwardPass: J and dJ/dx of a value MLP on the device agree with the
// float64 forward and backward passes for every activation, to float32 accuracy.
func TestGPUValueGradientMatchesTheBackwardPass(t *testing.T) {
	for _, act := range []Activation{ActMish, ActSiLU, ActGELU, ActReLU, ActIdentity} {
		v := valueNet(uint64(10+act), 12, []int{20, 16}, act)
		x := randomF32(7, 5*12, 1)
		for _, tt := range []float64{0.03, 0.5, 0.97} {
			J, g := deviceValue(t, v, x, tt)
			wJ, wg := valueHost(v, f64(x), tt)
			eJ, eg := maxRelErr(J, wJ), maxRelErr(g, wg)
			// float32 accumulation over at most 20 terms per layer: the emulator stays near 1e-7.
			if !(eJ <= 2e-6 && eg <= 2e-6) {
				t.Errorf("%v at t=%v: J error %.3g, gradient error %.3g (tolerance 2e-6 relative to 1 + max)", act, tt, eJ, eg)
			}
			t.Logf("%v t=%v: worst J error %.3g, gradient %.3g", act, tt, eJ, eg)
		}
	}
}

// TestGPUValueGradientMatchesCentralDifferences: the device's dJ/dx is the slope of the device's own J,
// (J(x + h e_i) - J(x - h e_i))/2h, on every window entry.
func TestGPUValueGradientMatchesCentralDifferences(t *testing.T) {
	v := valueNet(3, 6, []int{16}, ActMish)
	x := randomF32(4, 6, 1)
	_, g := deviceValue(t, v, x, 0.4)
	const h = 1e-2
	for i := range x {
		xp, xm := append([]float32(nil), x...), append([]float32(nil), x...)
		xp[i] += h
		xm[i] -= h
		jp, _ := deviceValue(t, v, xp, 0.4)
		jm, _ := deviceValue(t, v, xm, 0.4)
		fd := (jp[0] - jm[0]) / (float64(xp[i]) - float64(xm[i]))
		// Truncation h^2 J'''/6 and float32 rounding of J over 2h: a few 1e-5.
		if math.Abs(fd-g[i]) > 2e-4*(1+math.Abs(fd)) {
			t.Errorf("entry %d: gradient %.6g, central difference %.6g", i, g[i], fd)
		}
	}
}

// hostGuide is rl/diffuser's valueGuide.correct in float64 on the reference network.
func hostGuide(c ValueGuideConfig) func(x0, x []float64, t float64) error {
	net := c.Net.(ValueMLP)
	return func(x0, x []float64, t float64) error {
		if t < c.Stop {
			return nil
		}
		a, s := c.Process.Alpha(t), c.Process.Sigma(t)
		if !(a > 0) {
			return nil
		}
		k := c.Scale
		if !c.NoStd {
			k *= s * s
		}
		y := append([]float64(nil), x...)
		for range c.Steps {
			_, g := valueHost(net, y, t)
			for i := range y {
				if c.Free[i%net.Window] {
					y[i] += k * g[i]
				}
			}
		}
		for i := range x0 {
			x0[i] += (y[i] - x[i]) / a
		}
		return nil
	}
}

// TestGPUValueGuideLeavesFixedEntriesAndEarlyTimes: the guide moves the free entries of x0 only, and not
// at all below its stop time.
func TestGPUValueGuideLeavesFixedEntriesAndEarlyTimes(t *testing.T) {
	d, s := testDevice(t), testStream(t)
	W := 8
	free := []bool{false, true, true, false, true, true, true, false}
	c := ValueGuideConfig{Net: valueNet(5, W, []int{16}, ActSiLU), Windows: 3, Free: free, Process: diffusion.NewVPCosine(),
		Scale: 3, Steps: 2, Stop: 0.2}
	g, err := NewValueGuide(d, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	x, x0h := randomF32(1, 3*W, 1), randomF32(2, 3*W, 0.5)
	for _, tt := range []float64{0.1, 0.6} {
		x0 := upload(t, x0h)
		if err := g.CorrectX0(s, x0, upload(t, x), tt); err != nil {
			t.Fatal(err)
		}
		if err := s.Synchronize(); err != nil {
			t.Fatal(err)
		}
		got := download(t, x0)
		for i := range got {
			moved := got[i] != x0h[i]
			if want := tt >= c.Stop && free[i%W]; moved != want {
				t.Errorf("t=%v entry %d (free %v): moved %v", tt, i, free[i%W], moved)
			}
		}
	}
}

// TestGPUValueGuidedSamplingMatchesTheCPU: a whole value-guided DDIM run with the guide in the executor's
// x0 correction after the clamp ends where diffusion.Sample with the float64 guide ends, to float32
// accuracy; replayed from CUDA graphs it is bit for bit the launched run; and the guidance moved it.
func TestGPUValueGuidedSamplingMatchesTheCPU(t *testing.T) {
	d := testDevice(t)
	W, B := 10, 3
	p := diffusion.NewVPCosine()
	free := make([]bool, W)
	for i := 2; i < W; i++ {
		free[i] = true
	}
	c := ValueGuideConfig{Net: valueNet(8, W, []int{24, 16}, ActMish), Windows: B, Free: free, Process: p,
		Scale: 0.5, Steps: 2, Stop: 0.05}
	plan, times := ddimPlan(t, p, 10)
	g, err := NewValueGuide(d, c, ClipX0{Lo: -1, Hi: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	start := to64(randomF32(99, B*W, p.Sigma(times[0])))
	run := func(guided bool) []float64 {
		x := append([]float64(nil), start...)
		guide := hostGuide(c)
		correct := func(z, xs []float64, tt float64) error {
			for i := range z {
				z[i] = min(1, max(-1, z[i]))
			}
			if guided {
				return guide(z, xs, tt)
			}
			return nil
		}
		if err := diffusion.Sample(context.Background(), plan, shrinkHost{W, 0.7}, x, diffusion.RunOptions{Seed: 5, CorrectX0: correct}); err != nil {
			t.Fatal(err)
		}
		return x
	}
	want, unguided := run(true), run(false)
	e, err := NewExecutor(d, plan, len(start))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	device := func(graph bool) []float32 {
		x := to32(start)
		if err := e.Run(context.Background(), shrinkDenoiser{W, 0.7}, x, RunOptions{Seed: 5, CorrectX0: g, Graph: graph}); err != nil {
			t.Fatal(err)
		}
		return x
	}
	launched, replayed := device(false), device(true)
	for i := range launched {
		if math.Float32bits(launched[i]) != math.Float32bits(replayed[i]) {
			t.Fatalf("entry %d: launched %v, replayed from graphs %v", i, launched[i], replayed[i])
		}
	}
	a, moved := compare(replayed, want), compare(to32(unguided), want)
	if !(a.RelRMS <= 1e-5 && a.MaxAbs <= 2e-5) {
		t.Errorf("value-guided device run vs CPU: relative RMS %.3g (tolerance 1e-5), max %.3g (2e-5)", a.RelRMS, a.MaxAbs)
	}
	if !(moved.MaxAbs > 100*a.MaxAbs) {
		t.Errorf("the guidance moved the sample by at most %.3g, not far beyond the device's error %.3g", moved.MaxAbs, a.MaxAbs)
	}
	t.Logf("value-guided device run vs CPU: relative RMS %.3g, max %.3g; guided vs unguided: max %.3g", a.RelRMS, a.MaxAbs, moved.MaxAbs)
}
