//go:build trajdiff_cuda

package fromnn

import (
	"math"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/gpu"
	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/nn/safetensors"
)

// TestGPUConv1dBlockMatchesNN: nn's Conv1dBlock (Diffuser's Conv1d -> GroupNorm -> Mish, the building block
// of TemporalUnet), with random weights and a random GroupNorm affine map, evaluated by nn on the CPU, equals
// the device's conv1d_f32 and group_norm_act_f32 on its state_dict (Conv1dWeight's layout), for the widths
// TemporalUnet uses.
func TestGPUConv1dBlockMatchesNN(t *testing.T) {
	d := testDevice(t)
	s, err := d.NewStream()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	worst := 0.0
	for i, c := range []struct{ B, L, in, out, k, groups int }{
		{3, 32, 6, 32, 5, 8},
		{2, 16, 32, 64, 5, 8},
		{1, 9, 3, 12, 3, 4},
	} {
		ps := nn.NewParams(tensor.Float32)
		block := nn.NewConv1dBlock(ps, "b", c.in, c.out, c.k, c.groups)
		ps.Init(uint64(i + 1))
		rng := randomInput(uint64(70+i), 2*c.out)
		for j, name := range []string{"b.block.2.weight", "b.block.2.bias"} {
			v := ps.Get(name).Value.Data().([]float32)
			for k := range v {
				v[k] = float32(1 + 0.5*rng[j*c.out+k])
			}
		}
		b := nn.NewBuilder(tensor.Float32, false)
		xn := b.Input("x", c.B, c.L, c.in)
		yn := block.Forward(b, xn)
		if err := b.Err(); err != nil {
			t.Fatal(err)
		}
		x := randomInput(uint64(80+i), c.B*c.L*c.in)
		copy(xn.Value().Data().([]float32), to32(x))
		m := G.NewTapeMachine(b.G)
		if err := m.RunAll(); err != nil {
			t.Fatal(err)
		}
		want := yn.Value().Data().([]float32)
		m.Close()

		ts := safetensors.Map(ps.Tensors())
		w, err := Conv1dWeight(ts["b.block.0.weight"])
		if err != nil {
			t.Fatal(err)
		}
		f32 := func(name string) []float32 {
			v, err := ts[name].Float32s()
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		shape := gpu.Conv1dShape{Batch: c.B, Length: c.L, In: c.in, Out: c.out, Kernel: c.k, Stride: 1, Padding: c.k / 2, Dilation: 1}
		bufs := map[string]gpu.Buffer{}
		for name, v := range map[string][]float32{"x": to32(x), "w": w, "bias": f32("b.block.0.bias"), "gamma": f32("b.block.2.weight"),
			"beta": f32("b.block.2.bias"), "h": make([]float32, len(want)), "y": make([]float32, len(want))} {
			buf, err := d.Alloc(len(v))
			if err != nil {
				t.Fatal(err)
			}
			defer d.Free(buf)
			if err := s.Upload(buf, v); err != nil {
				t.Fatal(err)
			}
			bufs[name] = buf
		}
		if err := s.Conv1d(bufs["h"], bufs["x"], bufs["w"], bufs["bias"], shape, gpu.ActIdentity); err != nil {
			t.Fatal(err)
		}
		if err := s.GroupNormAct(bufs["y"], bufs["h"], bufs["gamma"], bufs["beta"], c.B, c.L, c.out, c.groups, 1e-5, gpu.ActMish); err != nil {
			t.Fatal(err)
		}
		got := make([]float32, len(want))
		if err := s.Download(got, bufs["y"]); err != nil {
			t.Fatal(err)
		}
		md := 0.0
		for j := range want {
			md = math.Max(md, math.Abs(float64(got[j])-float64(want[j])))
		}
		if math.IsNaN(md) || md > tolFP32 {
			t.Errorf("Conv1dBlock(%d, %d, %d) on [%d, %d]: max |device - nn| %.3g > %.0e", c.in, c.out, c.k, c.B, c.L, md, tolFP32)
		}
		worst = math.Max(worst, md)
	}
	t.Logf("Conv1dBlock: worst |device - nn| %.3g (tolerance %.0e)", worst, tolFP32)
}

// TestGPUConvTranspose1dMatchesNN: nn's ConvTranspose1d layer (TemporalUnet's upsampling, kernel 4, stride 2,
// padding 1; and one with output padding and dilation) evaluated by nn on the CPU equals the device's
// conv_transpose1d_f32 on its state_dict (ConvTranspose1dWeight's layout).
func TestGPUConvTranspose1dMatchesNN(t *testing.T) {
	d := testDevice(t)
	s, err := d.NewStream()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	worst := 0.0
	for i, c := range []gpu.Conv1dShape{
		{Batch: 2, Length: 8, In: 32, Out: 32, Kernel: 4, Stride: 2, Padding: 1, Dilation: 1},
		{Batch: 3, Length: 5, In: 6, Out: 9, Kernel: 3, Stride: 2, Padding: 1, Dilation: 2, OutPadding: 1},
	} {
		ps := nn.NewParams(tensor.Float32)
		layer := nn.NewConvTranspose1d(ps, "u", c.In, c.Out, c.Kernel, c.Stride, c.Padding, c.OutPadding, c.Dilation, true)
		ps.Init(uint64(i + 5))
		b := nn.NewBuilder(tensor.Float32, false)
		xn := b.Input("x", c.Batch, c.Length, c.In)
		yn := layer.Forward(b, xn)
		if err := b.Err(); err != nil {
			t.Fatal(err)
		}
		x := to32(randomInput(uint64(120+i), c.Batch*c.Length*c.In))
		copy(xn.Value().Data().([]float32), x)
		m := G.NewTapeMachine(b.G)
		if err := m.RunAll(); err != nil {
			t.Fatal(err)
		}
		want := append([]float32(nil), yn.Value().Data().([]float32)...)
		m.Close()
		if len(want) != c.Batch*c.TransposedLength()*c.Out {
			t.Fatalf("%+v: nn gives %d values, the device shape %d", c, len(want), c.Batch*c.TransposedLength()*c.Out)
		}
		ts := safetensors.Map(ps.Tensors())
		w, err := ConvTranspose1dWeight(ts["u.weight"])
		if err != nil {
			t.Fatal(err)
		}
		bias, err := ts["u.bias"].Float32s()
		if err != nil {
			t.Fatal(err)
		}
		bufs := make([]gpu.Buffer, 4)
		for j, v := range [][]float32{x, w, bias, make([]float32, len(want))} {
			if bufs[j], err = d.Alloc(len(v)); err != nil {
				t.Fatal(err)
			}
			defer d.Free(bufs[j])
			if err := s.Upload(bufs[j], v); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.ConvTranspose1d(bufs[3], bufs[0], bufs[1], bufs[2], c, gpu.ActIdentity); err != nil {
			t.Fatal(err)
		}
		got := make([]float32, len(want))
		if err := s.Download(got, bufs[3]); err != nil {
			t.Fatal(err)
		}
		md := 0.0
		for j := range want {
			md = math.Max(md, math.Abs(float64(got[j])-float64(want[j])))
		}
		if math.IsNaN(md) || md > tolFP32 {
			t.Errorf("ConvTranspose1d %+v: max |device - nn| %.3g > %.0e", c, md, tolFP32)
		}
		worst = math.Max(worst, md)
	}
	t.Logf("ConvTranspose1d: worst |device - nn| %.3g (tolerance %.0e)", worst, tolFP32)
}
