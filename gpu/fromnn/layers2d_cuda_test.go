//go:build trajdiff_cuda

package fromnn

import (
	"fmt"
	"math"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/gpu"
	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/nn/safetensors"
)

// nnOp evaluates one nn op on the CPU in float32: build declares the inputs (filled with the given values in
// order) and returns the output node.
func nnOp(t *testing.T, inputs [][]float32, build func(b *nn.Builder) ([]*G.Node, *G.Node)) []float32 {
	t.Helper()
	b := nn.NewBuilder(tensor.Float32, false)
	in, out := build(b)
	if err := b.Err(); err != nil {
		t.Fatal(err)
	}
	for i, n := range in {
		copy(n.Value().Data().([]float32), inputs[i])
	}
	m := G.NewTapeMachine(b.G)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		t.Fatal(err)
	}
	return append([]float32(nil), out.Value().Data().([]float32)...)
}

// TestGPUUnet2DLayersMatchNN: each layer of the 2-D U-Net on the device equals nn's op on the CPU on random
// inputs: Conv2d (nn's layer with its state_dict converted by gpu.Conv2dDeviceWeight; the 7x7 initial and
// the 3x3 block convolutions), ChannelsLast, SpaceToDepth and Upsample2x (bit for bit), the channel
// LayerNorm, Modulate followed by SiLU, LinearAttention and Attention.
func TestGPUUnet2DLayersMatchNN(t *testing.T) {
	d := testDevice(t)
	s, err := d.NewStream()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var bufs []gpu.Buffer
	defer func() {
		for _, b := range bufs {
			d.Free(b)
		}
	}()
	up := func(v []float32) gpu.Buffer {
		b, err := d.Alloc(len(v))
		if err != nil {
			t.Fatal(err)
		}
		bufs = append(bufs, b)
		if err := s.Upload(b, v); err != nil {
			t.Fatal(err)
		}
		return b
	}
	down := func(b gpu.Buffer) []float32 {
		v := make([]float32, b.Len())
		if err := s.Download(v, b); err != nil {
			t.Fatal(err)
		}
		return v
	}
	check := func(name string, got, want []float32, tol float64) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s: %d values on the device, %d from nn", name, len(got), len(want))
		}
		md, size := 0.0, 0.0
		for i := range want {
			md = math.Max(md, math.Abs(float64(got[i])-float64(want[i])))
			size = math.Max(size, math.Abs(float64(want[i])))
		}
		if math.IsNaN(md) || md > tol {
			t.Errorf("%s: max |device - nn| %.3g > %.0e", name, md, tol)
		}
		if !(size > 0.1) {
			t.Errorf("%s: nn's output is at most %.3g in size; the comparison cannot see much", name, size)
		}
		t.Logf("%s: max |device - nn| %.3g (outputs up to %.3g)", name, md, size)
	}
	const B, H, W = 2, 6, 4
	for i, k := range []int{7, 3} {
		const in, out = 3, 10
		ps := nn.NewParams(tensor.Float32)
		layer := nn.NewConv2d(ps, "c", in, out, [2]int{k, k}, [2]int{1, 1}, [2]int{k / 2, k / 2}, [2]int{1, 1}, true)
		ps.Init(uint64(40 + i))
		x := to32(randomInput(uint64(41+i), B*H*W*in))
		want := nnOp(t, [][]float32{x}, func(b *nn.Builder) ([]*G.Node, *G.Node) {
			xn := b.Input("x", B, H, W, in)
			return []*G.Node{xn}, layer.Forward(b, xn)
		})
		ts := safetensors.Map(ps.Tensors())
		wt := ts["c.weight"]
		if len(wt.Shape) != 4 {
			t.Fatalf("conv2d weight shape %v", wt.Shape)
		}
		wv, _ := wt.Float32s()
		bv, _ := ts["c.bias"].Float32s()
		y := up(make([]float32, len(want)))
		c := gpu.Conv2dShape{Batch: B, Height: H, Width: W, In: in, Out: out, Kernel: k, Stride: 1, Padding: k / 2}
		if err := s.Conv2d(y, up(x), up(gpu.Conv2dDeviceWeight(wv, wt.Shape[0], wt.Shape[1], wt.Shape[2], wt.Shape[3])), up(bv), c, gpu.ActIdentity); err != nil {
			t.Fatal(err)
		}
		check(fmt.Sprintf("Conv2d %dx%d", k, k), down(y), want, tolFP32)
	}

	const C = 5
	img := to32(randomInput(50, B*C*H*W))
	want := nnOp(t, [][]float32{img}, func(b *nn.Builder) ([]*G.Node, *G.Node) {
		xn := b.Input("x", B, C, H, W)
		return []*G.Node{xn}, b.ChannelsLast(xn)
	})
	last := up(make([]float32, len(img)))
	if err := s.PermuteInner(last, up(img), B, C, H*W); err != nil {
		t.Fatal(err)
	}
	check("ChannelsLast", down(last), want, 0)
	nhwc := want
	want = nnOp(t, [][]float32{nhwc}, func(b *nn.Builder) ([]*G.Node, *G.Node) {
		xn := b.Input("x", B, H, W, C)
		return []*G.Node{xn}, b.SpaceToDepth(xn)
	})
	y := up(make([]float32, len(want)))
	if err := s.SpaceToDepth(y, last, B, H, W, C); err != nil {
		t.Fatal(err)
	}
	check("SpaceToDepth", down(y), want, 0)
	want = nnOp(t, [][]float32{nhwc}, func(b *nn.Builder) ([]*G.Node, *G.Node) {
		xn := b.Input("x", B, H, W, C)
		return []*G.Node{xn}, b.Upsample2x(xn)
	})
	y = up(make([]float32, len(want)))
	if err := s.Upsample2x(y, last, B, H, W, C); err != nil {
		t.Fatal(err)
	}
	check("Upsample2x", down(y), want, 0)

	gain := to32(randomInput(51, C))
	want = nnOp(t, [][]float32{nhwc, gain}, func(b *nn.Builder) ([]*G.Node, *G.Node) {
		xn, gn := b.Input("x", B, H, W, C), b.Input("g", C)
		return []*G.Node{xn, gn}, b.LayerNorm(xn, gn, nil, 1e-5)
	})
	y = up(make([]float32, len(want)))
	if err := s.LayerNormRows(y, last, up(gain), B*H*W, C, 1e-5); err != nil {
		t.Fatal(err)
	}
	check("channel LayerNorm", down(y), want, tolFP32)

	mod := to32(randomInput(52, 2*C))
	want = nnOp(t, [][]float32{nhwc[:H*W*C], mod}, func(b *nn.Builder) ([]*G.Node, *G.Node) {
		xn, mn := b.Input("x", 1, H, W, C), b.Input("mod", 1, 2*C)
		return []*G.Node{xn, mn}, b.Act(b.Modulate(xn, mn, nn.Chunk{E: 2 * C, Off: C}, nn.Chunk{E: 2 * C, Off: 0}), nn.SiLU)
	})
	y = up(make([]float32, len(want)))
	if err := s.ModulateAct(y, last.Slice(0, H*W*C), up(mod), H*W, C, gpu.ActSiLU); err != nil {
		t.Fatal(err)
	}
	check("Modulate, SiLU", down(y), want, tolFP32)

	const heads, dh = 2, 4
	a := gpu.AttentionShape{Batch: B, Length: H * W, Heads: heads, HeadDim: dh}
	qkv := to32(randomInput(53, B*H*W*3*heads*dh))
	for i := range qkv {
		qkv[i] *= 3
	}
	qd := up(qkv)
	want = nnOp(t, [][]float32{qkv}, func(b *nn.Builder) ([]*G.Node, *G.Node) {
		xn := b.Input("qkv", B, H, W, 3*heads*dh)
		return []*G.Node{xn}, b.LinearAttention(xn, heads)
	})
	y = up(make([]float32, len(want)))
	if err := s.LinearAttention(y, qd, up(make([]float32, B*heads*dh*dh)), a); err != nil {
		t.Fatal(err)
	}
	check("LinearAttention", down(y), want, tolFP32)
	want = nnOp(t, [][]float32{qkv}, func(b *nn.Builder) ([]*G.Node, *G.Node) {
		xn := b.Input("qkv", B, H*W, 3*heads*dh)
		return []*G.Node{xn}, b.Attention(xn, heads, false, nil)
	})
	y = up(make([]float32, len(want)))
	if err := s.Attention(y, qd, a); err != nil {
		t.Fatal(err)
	}
	check("Attention", down(y), want, tolFP32)
}
