package nn

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func TestGradUpsample1dMatchesFiniteDifferences(t *testing.T) {
	checkGrads(t, gradCase{name: "upsample1d", shapes: [][]int{{2, 3, 4}},
		build: func(b *Builder, in []*G.Node) *G.Node { return b.Act(b.Upsample1d2x(in[0]), Mish) }})
}

// TestResizeConvolutionIsATiedTransposedConvolution checks the identity the temporal U-Net's "nearest"
// upsampler rests on (and the device path uses): nearest doubling followed by Conv1d(3, padding 1) with
// taps w0, w1, w2 equals ConvTranspose1d(4, stride 2, padding 1) with taps [w2, w1 + w2, w0 + w1, w0].
// Both sums of even and odd taps are then w0 + w1 + w2, so a constant sequence maps to a constant one:
// the resize-convolution cannot write a checkerboard, while an untied transposed convolution does.
func TestResizeConvolutionIsATiedTransposedConvolution(t *testing.T) {
	const B, L, C, O = 2, 5, 3, 4
	rng := rand.New(rand.NewPCG(1, 2))
	ps := newParams(tensor.Float64)
	x := ps.add("x", false, constant(0), B, L, C)
	w := ps.add("w", false, constant(0), O, 3, C)   // Conv1d weight, tap-major [Cout, K, Cin]
	wt := ps.add("wt", false, constant(0), C, 4, O) // ConvTranspose1d weight [Cin, K, Cout]
	bias := ps.add("bias", false, constant(0), O)
	for _, p := range []*Param{x, w, bias} {
		for i := range p.Float64s() {
			p.Float64s()[i] = rng.NormFloat64()
		}
	}
	wv, tv := w.Float64s(), wt.Float64s()
	for c := 0; c < C; c++ {
		for o := 0; o < O; o++ {
			tap := func(k int) float64 { return wv[(o*3+k)*C+c] }
			for k, v := range []float64{tap(2), tap(1) + tap(2), tap(0) + tap(1), tap(0)} {
				tv[(c*4+k)*O+o] = v
			}
		}
	}
	b := NewBuilder(tensor.Float64, false)
	resize := b.Conv1d(b.Upsample1d2x(b.Param(x)), b.Param(w), b.Param(bias), 1, 1, 1)
	transposed := b.ConvTranspose1d(b.Param(x), b.Param(wt), b.Param(bias), 2, 1, 0, 1)
	defer runGraph(t, b).Close()
	r, tr := data[float64](resize.Value()), data[float64](transposed.Value())
	if len(r) != B*2*L*O || len(tr) != len(r) {
		t.Fatalf("lengths %d and %d, want %d", len(r), len(tr), B*2*L*O)
	}
	for i := range r {
		if math.Abs(r[i]-tr[i]) > 1e-12 {
			t.Fatalf("element %d: resize-convolution %v, tied transposed convolution %v", i, r[i], tr[i])
		}
	}
}

// TestTemporalUnetRejectsAnUnknownUpsampler: a typo in a configuration is an error, not Diffuser's default.
func TestTemporalUnetRejectsAnUnknownUpsampler(t *testing.T) {
	_, err := NewTemporalUnet(TemporalUnetConfig{Horizon: 8, Transition: 2, Dim: 8, DimMults: []int{1, 2}, Upsample: "bilinear"}, tensor.Float32)
	if err == nil || !strings.Contains(err.Error(), "upsample") {
		t.Fatalf("got %v, want an error naming the upsampler", err)
	}
	u, err := NewTemporalUnet(TemporalUnetConfig{Horizon: 8, Transition: 2, Dim: 8, DimMults: []int{1, 2}, Upsample: UpsampleTransposed}, tensor.Float32)
	if err != nil || u.Config().Upsample != "" {
		t.Fatalf("explicit %q: %v, config %+v; want the default written as empty", UpsampleTransposed, err, u.Config())
	}
	for _, c := range []struct{ up, init string }{{UpsampleNearest, UpsampleInitTied}, {"", "icnr"}} {
		_, err := NewTemporalUnet(TemporalUnetConfig{Horizon: 8, Transition: 2, Dim: 8, DimMults: []int{1, 2}, Upsample: c.up, UpsampleInit: c.init}, tensor.Float32)
		if err == nil || !strings.Contains(err.Error(), "upsample_init") {
			t.Errorf("upsample %q, upsample_init %q: got %v, want an error naming upsample_init", c.up, c.init, err)
		}
	}
}

// TestTiedInitStartsWithoutACheckerboard: with upsample_init "tied" every transposed upsampler starts as a
// resize-convolution, so its even and odd outputs sum the same taps (w0 + w2 = w1 + w3 for every input and
// output channel) and a constant sequence comes out constant; PyTorch's default initialisation breaks both,
// which is the period-2 zig-zag of an under-trained Diffuser's plans.
func TestTiedInitStartsWithoutACheckerboard(t *testing.T) {
	for _, tied := range []bool{true, false} {
		cfg := TemporalUnetConfig{Horizon: 16, Transition: 3, Dim: 8, DimMults: []int{1, 2, 4}, Groups: 4}
		if tied {
			cfg.UpsampleInit = UpsampleInitTied
		}
		u, err := NewTemporalUnet(cfg, tensor.Float64)
		if err != nil {
			t.Fatal(err)
		}
		u.Params().Init(3)
		for _, l := range u.upsample {
			in, out := l.W.Shape[0], l.W.Shape[2]
			v, worst := l.W.Float64s(), 0.0
			for ci := 0; ci < in; ci++ {
				for co := 0; co < out; co++ {
					tap := func(k int) float64 { return v[(ci*4+k)*out+co] }
					worst = math.Max(worst, math.Abs(tap(0)+tap(2)-tap(1)-tap(3)))
				}
			}
			// A constant input through the layer: interior outputs (away from the zero padding) alternate
			// by exactly the even/odd tap imbalance.
			b := NewBuilder(tensor.Float64, false)
			ps := newParams(tensor.Float64)
			x := ps.add("x", false, constant(1), 1, 6, in)
			for i := range x.Float64s() {
				x.Float64s()[i] = 1
			}
			y := l.Forward(b, b.Param(x))
			m := runGraph(t, b)
			yv, zig := data[float64](y.Value()), 0.0
			for i := 2; i < 10; i++ { // rows 2..9 of 12 see no padding
				for c := 0; c < out; c++ {
					zig = math.Max(zig, math.Abs(yv[i*out+c]-yv[(i+1)*out+c]))
				}
			}
			m.Close()
			if tied && (worst > 1e-12 || zig > 1e-12) {
				t.Errorf("%s tied: tap imbalance %.3g, output zig-zag on a constant input %.3g; want 0", l.W.Name, worst, zig)
			}
			if !tied && (worst < 1e-3 || zig < 1e-3) {
				t.Errorf("%s default init: tap imbalance %.3g, zig-zag %.3g; the test no longer discriminates", l.W.Name, worst, zig)
			}
		}
	}
}

// runGraph runs a test graph built with b once; the caller closes the machine after reading the values.
func runGraph(t *testing.T, b *Builder) G.VM {
	t.Helper()
	if b.Err() != nil {
		t.Fatal(b.Err())
	}
	m := G.NewTapeMachine(b.G)
	if err := m.RunAll(); err != nil {
		m.Close()
		t.Fatal(err)
	}
	return m
}
