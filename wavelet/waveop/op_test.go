package waveop

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/trajdiff/trajdiff/wavelet"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func randData(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return v
}

func size(shape []int) int {
	n := 1
	for _, s := range shape {
		n *= s
	}
	return n
}

// costGraph builds c = Σ w ⊙ f(x) for f = Wavedecn or Waverecn and returns the machine, x, c and ∂c/∂x.
type costGraph struct {
	g    *gorgonia.ExprGraph
	x, c *gorgonia.Node
	out  *gorgonia.Node
	grad *gorgonia.Node
	vm   gorgonia.VM
}

func buildCost(t *testing.T, x0 []float64, xShape []int, w []float64, f func(*gorgonia.Node) (*gorgonia.Node, error)) *costGraph {
	t.Helper()
	cg := &costGraph{g: gorgonia.NewGraph()}
	cg.x = gorgonia.NewTensor(cg.g, tensor.Float64, len(xShape), gorgonia.WithShape(xShape...), gorgonia.WithName("x"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(xShape...), tensor.WithBacking(append([]float64(nil), x0...)))))
	var err error
	if cg.out, err = f(cg.x); err != nil {
		t.Fatal(err)
	}
	oshape := cg.out.Shape().Clone()
	wn := gorgonia.NewTensor(cg.g, tensor.Float64, len(oshape), gorgonia.WithShape(oshape...), gorgonia.WithName("w"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(oshape...), tensor.WithBacking(w))))
	cg.c = gorgonia.Must(gorgonia.Sum(gorgonia.Must(gorgonia.HadamardProd(cg.out, wn))))
	grads, err := gorgonia.Grad(cg.c, cg.x)
	if err != nil {
		t.Fatal(err)
	}
	cg.grad = grads[0]
	cg.vm = gorgonia.NewTapeMachine(cg.g)
	return cg
}

func (cg *costGraph) eval(t *testing.T, x []float64, shape []int) float64 {
	t.Helper()
	if err := gorgonia.Let(cg.x, tensor.New(tensor.WithShape(shape...), tensor.WithBacking(append([]float64(nil), x...)))); err != nil {
		t.Fatal(err)
	}
	cg.vm.Reset()
	if err := cg.vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	return cg.c.Value().Data().(float64)
}

type gradCase struct {
	shape   []int
	wavelet string
	mode    string
	level   int
	axes    []int
}

var gradCases = []gradCase{
	{[]int{24}, "db2", "symmetric", wavelet.MaxLevel, nil},
	{[]int{19}, "bior2.4", "antireflect", 1, nil},
	{[]int{2, 13, 10}, "sym3", "smooth", 1, []int{1, 2}},
	{[]int{2, 3, 11, 10}, "bior1.3", "periodization", 1, []int{2, 3}},
	{[]int{6, 7, 9}, "haar", "reflect", 2, nil},
	{[]int{3, 16}, "rbio3.1", "zero", 2, []int{-1}},
	// Levels above DwtnMaxLevel (0 for both), which PyWavelets computes with only a warning.
	{[]int{7}, "db4", "smooth", 3, nil},
	{[]int{2, 5, 9}, "coif2", "antireflect", 3, []int{1, 2}},
}

// The gradient of Σ w ⊙ Wavedecn(x) (and of Waverecn) is checked against central finite differences
// through the same graph. The maps are linear, so the differences are exact up to rounding.
func TestGradientsMatchFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, gc := range gradCases {
		for _, inv := range []bool{false, true} {
			name := fmt.Sprintf("%v/%s/%s/inverse=%v", gc.shape, gc.wavelet, gc.mode, inv)
			p, err := wavelet.NewPlan[float64](gc.shape, gc.wavelet, gc.mode, gc.level, gc.axes)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			inShape, outShape := p.SignalShape(), p.PackedShape()
			f := func(x *gorgonia.Node) (*gorgonia.Node, error) {
				return Wavedecn(x, gc.wavelet, gc.mode, gc.level, gc.axes)
			}
			if inv {
				inShape, outShape = p.PackedShape(), p.ReconstructionShape()
				f = func(x *gorgonia.Node) (*gorgonia.Node, error) {
					return Waverecn(x, gc.shape, gc.wavelet, gc.mode, gc.level, gc.axes)
				}
			}
			x0 := randData(rng, size(inShape))
			w := randData(rng, size(outShape))
			cg := buildCost(t, x0, inShape, w, f)
			cg.eval(t, x0, inShape)
			grad := append([]float64(nil), cg.grad.Value().Data().([]float64)...)
			if len(grad) != len(x0) {
				t.Fatalf("%s: gradient has %d values, input %d", name, len(grad), len(x0))
			}
			const h = 1e-2
			idx := rng.Perm(len(x0))
			if len(idx) > 25 {
				idx = idx[:25]
			}
			for _, i := range idx {
				xp := append([]float64(nil), x0...)
				xp[i] += h
				cp := cg.eval(t, xp, inShape)
				xp[i] -= 2 * h
				cm := cg.eval(t, xp, inShape)
				fd := (cp - cm) / (2 * h)
				if math.Abs(fd-grad[i]) > 1e-8*(1+math.Abs(fd)) {
					t.Errorf("%s: ∂c/∂x[%d] = %.12g, finite difference %.12g", name, i, grad[i], fd)
				}
			}
			// The gradient is the exact transpose applied to w.
			var want []float64
			if inv {
				want, _ = p.InverseAdjoint(w)
			} else {
				want, _ = p.ForwardAdjoint(w)
			}
			for i := range want {
				if math.Abs(want[i]-grad[i]) > 1e-12*(1+math.Abs(want[i])) {
					t.Fatalf("%s: gradient[%d] = %v, Plan adjoint %v", name, i, grad[i], want[i])
				}
			}
			cg.vm.Close()
		}
	}
}

// Forward values equal the package's Wavedecn packed with CoeffsToArray, and a Waverecn∘Wavedecn graph
// reconstructs its input.
func TestOpsRoundTripAndValues(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	shape := []int{2, 3, 16, 12}
	axes := []int{2, 3}
	x0 := randData(rng, size(shape))
	g := gorgonia.NewGraph()
	x := gorgonia.NewTensor(g, tensor.Float64, 4, gorgonia.WithShape(shape...), gorgonia.WithName("x"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(shape...), tensor.WithBacking(x0))))
	y, err := Wavedecn(x, "db2", "symmetric", 1, axes)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Waverecn(y, shape, "db2", "symmetric", 1, axes)
	if err != nil {
		t.Fatal(err)
	}
	vm := gorgonia.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	arr := &wavelet.Array[float64]{Shape: shape, Data: x0}
	c, err := wavelet.Wavedecn(arr, "db2", "symmetric", 1, axes)
	if err != nil {
		t.Fatal(err)
	}
	packed, _, err := wavelet.CoeffsToArray(c, axes)
	if err != nil {
		t.Fatal(err)
	}
	got := y.Value().Data().([]float64)
	if !y.Shape().Eq(tensor.Shape(packed.Shape)) {
		t.Fatalf("packed shape %v, CoeffsToArray %v", y.Shape(), packed.Shape)
	}
	for i := range got {
		if got[i] != packed.Data[i] {
			t.Fatalf("packed[%d] = %v, CoeffsToArray %v", i, got[i], packed.Data[i])
		}
	}
	rec := r.Value().Data().([]float64)
	for i := range x0 {
		if math.Abs(rec[i]-x0[i]) > 1e-12 {
			t.Fatalf("round trip [%d]: %v vs %v", i, rec[i], x0[i])
		}
	}
}

// Float32 graphs run in float32 and agree with float64 to single precision.
func TestFloat32Op(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	shape := []int{4, 20}
	x64 := randData(rng, size(shape))
	x32 := make([]float32, len(x64))
	for i, v := range x64 {
		x32[i] = float32(v)
	}
	g := gorgonia.NewGraph()
	x := gorgonia.NewTensor(g, tensor.Float32, 2, gorgonia.WithShape(shape...), gorgonia.WithName("x"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(shape...), tensor.WithBacking(x32))))
	y, err := Wavedecn(x, "sym4", "periodization", 1, []int{1})
	if err != nil {
		t.Fatal(err)
	}
	var yv gorgonia.Value
	gorgonia.Read(y, &yv) // y's own buffer may be reused by the backward pass
	c := gorgonia.Must(gorgonia.Sum(gorgonia.Must(gorgonia.Square(y))))
	if _, err := gorgonia.Grad(c, x); err != nil {
		t.Fatal(err)
	}
	vm := gorgonia.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	p, _ := wavelet.NewPlan[float64](shape, "sym4", "periodization", 1, []int{1})
	want, _ := p.Forward(x64)
	got := yv.Data().([]float32)
	for i := range want {
		if math.Abs(float64(got[i])-want[i]) > 1e-5*(1+math.Abs(want[i])) {
			t.Fatalf("float32 coefficient %d: %v, float64 %v", i, got[i], want[i])
		}
	}
	// Orthogonal wavelet, periodization, even length: energy is preserved, so ∂Σy²/∂x = 2x.
	gx, err := x.Grad()
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range gx.Data().([]float32) {
		if math.Abs(float64(v)-2*x64[i]) > 1e-4 {
			t.Fatalf("∂Σy²/∂x[%d] = %v, want 2x = %v", i, v, 2*x64[i])
		}
	}
}

func TestOpErrors(t *testing.T) {
	g := gorgonia.NewGraph()
	x := gorgonia.NewTensor(g, tensor.Float64, 1, gorgonia.WithShape(8), gorgonia.WithName("x"))
	if _, err := Wavedecn(x, "db99", "symmetric", 1, nil); err == nil {
		t.Error("unknown wavelet accepted")
	}
	if _, err := Wavedecn(x, "db2", "mirror", 1, nil); err == nil {
		t.Error("unknown mode accepted")
	}
	if _, err := Wavedecn(x, "db2", "symmetric", -2, nil); err == nil {
		t.Error("negative level accepted")
	}
	// Levels above the maximum are PyWavelets' (it only warns), not errors.
	if _, err := Wavedecn(x, "db2", "symmetric", 5, nil); err != nil {
		t.Errorf("level above the maximum: %v", err)
	}
	xi := gorgonia.NewTensor(g, tensor.Int, 1, gorgonia.WithShape(8), gorgonia.WithName("xi"))
	if _, err := Wavedecn(xi, "db2", "symmetric", 1, nil); err == nil {
		t.Error("integer tensor accepted")
	}
}
