package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"gorgonia.org/tensor"
)

// TestNetVJPMatchesFiniteDifferencesForEveryArchitecture: for every small network of every architecture
// (float64), (dy/dx)^T v from NetVJP equals central differences of sum(v * net(x)) in every input
// coordinate, and its y equals the Predictor's output.
func TestNetVJPMatchesFiniteDifferencesForEveryArchitecture(t *testing.T) {
	for name, spec := range smallSpecs() {
		t.Run(name, func(t *testing.T) {
			net, err := newTestNet(spec, tensor.Float64)
			if err != nil {
				t.Fatal(err)
			}
			randomize(net.Params(), 3, 0.3)
			D, C, B := net.Dim(), net.CondDim(), 2
			rng := rand.New(rand.NewPCG(4, 5))
			x, v := make([]float64, B*D), make([]float64, B*D)
			for i := range x {
				x[i], v[i] = rng.NormFloat64(), rng.NormFloat64()
			}
			ts := []float64{0.3, 0.7}
			var cond []float64
			for range B * C {
				cond = append(cond, rng.NormFloat64())
			}
			y, grad := make([]float64, B*D), make([]float64, B*D)
			vjp := NewNetVJP(net)
			if err := vjp.VJP(y, grad, x, ts, cond, v); err != nil {
				t.Fatal(err)
			}
			want := make([]float64, B*D)
			pred := NewPredictor(net)
			if err := pred.PredictBatch(want, x, ts, cond); err != nil {
				t.Fatal(err)
			}
			for i := range y {
				if math.Abs(y[i]-want[i]) > 1e-12*(1+math.Abs(want[i])) {
					t.Fatalf("y[%d] = %v, the predictor's %v", i, y[i], want[i])
				}
			}
			f := func() float64 {
				out := make([]float64, B*D)
				if err := pred.PredictBatch(out, x, ts, cond); err != nil {
					t.Fatal(err)
				}
				var s float64
				for i := range out {
					s += v[i] * out[i]
				}
				return s
			}
			const h = 1e-5
			var worst, norm float64
			for i := range x {
				x0 := x[i]
				x[i] = x0 + h
				fp := f()
				x[i] = x0 - h
				fm := f()
				x[i] = x0
				fd := (fp - fm) / (2 * h)
				worst = max(worst, math.Abs(fd-grad[i]))
				norm = max(norm, math.Abs(fd))
			}
			if norm == 0 {
				t.Fatal("the network ignores its input: the check cannot fail")
			}
			if worst > 1e-6*(1+norm) {
				t.Errorf("worst |finite difference - VJP| %.3g (largest gradient entry %.3g)", worst, norm)
			}
		})
	}
}

// A second call with another v reuses the graph and starts from a zero gradient (the tape machine adds
// into it): VJP is linear in v.
func TestNetVJPIsLinearInV(t *testing.T) {
	net, err := newTestNet(smallSpecs()["unet"], tensor.Float64)
	if err != nil {
		t.Fatal(err)
	}
	randomize(net.Params(), 3, 0.3)
	D := net.Dim()
	rng := rand.New(rand.NewPCG(6, 7))
	x, v := make([]float64, D), make([]float64, D)
	for i := range x {
		x[i], v[i] = rng.NormFloat64(), rng.NormFloat64()
	}
	vjp := NewNetVJP(net)
	y, g1, g2 := make([]float64, D), make([]float64, D), make([]float64, D)
	if err := vjp.VJP(y, g1, x, []float64{0.5}, nil, v); err != nil {
		t.Fatal(err)
	}
	for i := range v {
		v[i] *= 3
	}
	if err := vjp.VJP(y, g2, x, []float64{0.5}, nil, v); err != nil {
		t.Fatal(err)
	}
	for i := range g1 {
		if math.Abs(g2[i]-3*g1[i]) > 1e-12*(1+math.Abs(g2[i])) {
			t.Fatalf("entry %d: VJP(3v) = %v, 3 VJP(v) = %v", i, g2[i], 3*g1[i])
		}
	}
}

func TestNetVJPRefusesBadInput(t *testing.T) {
	net, err := newTestNet(smallSpecs()["mlp-cond"], tensor.Float64)
	if err != nil {
		t.Fatal(err)
	}
	vjp := NewNetVJP(net)
	D := net.Dim()
	ok := make([]float64, D)
	for name, call := range map[string]func() error{
		"short v":      func() error { return vjp.VJP(ok, ok, ok, []float64{0.5}, nil, ok[:D-1]) },
		"ragged x":     func() error { return vjp.VJP(ok[:D-1], ok[:D-1], ok[:D-1], []float64{0.5}, nil, ok[:D-1]) },
		"times":        func() error { return vjp.VJP(ok, ok, ok, []float64{0.5, 0.5}, nil, ok) },
		"condition":    func() error { return vjp.VJP(ok, ok, ok, []float64{0.5}, []float64{1}, ok) },
		"non-finite v": func() error { return vjp.VJP(ok, ok, ok, []float64{0.5}, nil, []float64{0, math.NaN(), 0}) },
	} {
		if err := call(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// BenchmarkNetVJP times the forward pass with the input's vector-Jacobian product (guidance through the
// denoiser: one per guided sampling step) against the forward pass alone, for the TemporalUnet at batch 32
// and the reduced smoke U-Net at batch 4.
func BenchmarkNetVJP(b *testing.B) {
	for _, c := range []struct {
		spec string
		B    int
	}{{"unet", 32}, {"unet3d-smoke-small", 4}} {
		net, err := benchSpecs[c.spec].New(tensor.Float32, 1)
		if err != nil {
			b.Fatal(err)
		}
		x := make([]float64, c.B*net.Dim())
		rng := rand.New(rand.NewPCG(1, 1))
		for i := range x {
			x[i] = rng.NormFloat64()
		}
		y, g := make([]float64, len(x)), make([]float64, len(x))
		ts := []float64{0.5}
		b.Run(c.spec+"/forward", func(b *testing.B) {
			p := NewPredictor(net)
			if err := p.PredictBatch(y, x, ts, nil); err != nil { // builds the graph
				b.Fatal(err)
			}
			b.ResetTimer()
			for range b.N {
				if err := p.PredictBatch(y, x, ts, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.spec+"/vjp", func(b *testing.B) {
			vjp := NewNetVJP(net)
			if err := vjp.VJP(y, g, x, ts, nil, x); err != nil { // builds the graph
				b.Fatal(err)
			}
			b.ResetTimer()
			for range b.N {
				if err := vjp.VJP(y, g, x, ts, nil, x); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
