//go:build cuda || trajdiff_cuda

package gpu

import (
	"math"
	"testing"
)

// conv1dHost is the float64 reference of Conv1d: w [Kernel*In, Out].
func conv1dHost(x, w, bias []float32, c Conv1dShape, act Activation) []float64 {
	lout := c.OutLength()
	y := make([]float64, c.Batch*lout*c.Out)
	for b := 0; b < c.Batch; b++ {
		for p := 0; p < lout; p++ {
			for o := 0; o < c.Out; o++ {
				s := float64(bias[o])
				for t := 0; t < c.Kernel; t++ {
					pos := p*c.Stride - c.Padding + t*c.Dilation
					if pos < 0 || pos >= c.Length {
						continue
					}
					for ci := 0; ci < c.In; ci++ {
						s += float64(x[(b*c.Length+pos)*c.In+ci]) * float64(w[(t*c.In+ci)*c.Out+o])
					}
				}
				y[(b*lout+p)*c.Out+o] = refAct(act, s)
			}
		}
	}
	return y
}

// TestGPUConv1dMatchesHost: the implicit-GEMM convolution reproduces the float64 convolution for the shapes
// TemporalUnet uses (kernel 5 with padding 2, the stride-2 downsampling conv of kernel 3) and for dilation,
// no padding, ragged channel counts and several tiles of output positions and channels, with a fused
// activation.
func TestGPUConv1dMatchesHost(t *testing.T) {
	s := testStream(t)
	worst := 0.0
	for i, c := range []struct {
		shape Conv1dShape
		act   Activation
	}{
		{Conv1dShape{Batch: 3, Length: 32, In: 6, Out: 32, Kernel: 5, Stride: 1, Padding: 2, Dilation: 1}, ActIdentity},
		{Conv1dShape{Batch: 2, Length: 32, In: 32, Out: 32, Kernel: 3, Stride: 2, Padding: 1, Dilation: 1}, ActMish},
		{Conv1dShape{Batch: 5, Length: 21, In: 7, Out: 70, Kernel: 3, Stride: 1, Padding: 0, Dilation: 2}, ActSiLU},
		{Conv1dShape{Batch: 1, Length: 130, In: 3, Out: 5, Kernel: 1, Stride: 1, Padding: 0, Dilation: 1}, ActGELU},
	} {
		sh := c.shape
		x32 := randomF32(uint64(10+i), sh.Batch*sh.Length*sh.In, 1)
		bound := 1 / math.Sqrt(float64(sh.Kernel*sh.In))
		w32 := randomF32(uint64(20+i), sh.Kernel*sh.In*sh.Out, bound)
		b32 := randomF32(uint64(30+i), sh.Out, bound)
		y := upload(t, make([]float32, sh.Batch*sh.OutLength()*sh.Out))
		if err := s.Conv1d(y, upload(t, x32), upload(t, w32), upload(t, b32), sh, c.act); err != nil {
			t.Fatal(err)
		}
		a := compare(download(t, y), conv1dHost(x32, w32, b32, sh, c.act))
		worst = math.Max(worst, a.MaxAbs)
		if !(a.MaxAbs <= forwardTolFP32) {
			t.Errorf("%+v %v: max |device - host| %.3g > %.0e", sh, c.act, a.MaxAbs, forwardTolFP32)
		}
	}
	t.Logf("conv1d: worst |device - host| %.3g (tolerance %.0e)", worst, forwardTolFP32)
	bad := Conv1dShape{Batch: 1, Length: 2, In: 1, Out: 1, Kernel: 5, Stride: 1, Dilation: 1}
	one := upload(t, []float32{1})
	if err := s.Conv1d(one, one, one, one, bad, ActIdentity); err == nil {
		t.Error("a kernel longer than the input was accepted")
	}
	ok := Conv1dShape{Batch: 1, Length: 1, In: 1, Out: 1, Kernel: 1, Stride: 1, Dilation: 1}
	if err := s.Conv1d(upload(t, []float32{1, 2}), one, one, one, ok, ActIdentity); err == nil {
		t.Error("an output of the wrong length was accepted")
	}
}

// convTranspose1dHost is the float64 reference of ConvTranspose1d in its scatter form (each input position's
// tap t adds to output position i stride - pad + t dil), independent of the kernel's gather form.
func convTranspose1dHost(x, w, bias []float32, c Conv1dShape, act Activation) []float64 {
	lout := c.TransposedLength()
	y := make([]float64, c.Batch*lout*c.Out)
	for b := 0; b < c.Batch; b++ {
		for i := 0; i < c.Length; i++ {
			for tap := 0; tap < c.Kernel; tap++ {
				p := i*c.Stride - c.Padding + tap*c.Dilation
				if p < 0 || p >= lout {
					continue
				}
				for ci := 0; ci < c.In; ci++ {
					for o := 0; o < c.Out; o++ {
						y[(b*lout+p)*c.Out+o] += float64(x[(b*c.Length+i)*c.In+ci]) * float64(w[(tap*c.In+ci)*c.Out+o])
					}
				}
			}
		}
		for p := 0; p < lout; p++ {
			for o := 0; o < c.Out; o++ {
				k := (b*lout+p)*c.Out + o
				y[k] = refAct(act, y[k]+float64(bias[o]))
			}
		}
	}
	return y
}

// TestGPUConvTranspose1dMatchesHost: the gathered transposed convolution equals the scatter definition for
// TemporalUnet's upsampling (kernel 4, stride 2, padding 1), output padding, dilation and stride 3 with taps
// that fall between input positions.
func TestGPUConvTranspose1dMatchesHost(t *testing.T) {
	s := testStream(t)
	worst := 0.0
	for i, c := range []struct {
		shape Conv1dShape
		act   Activation
	}{
		{Conv1dShape{Batch: 2, Length: 16, In: 32, Out: 32, Kernel: 4, Stride: 2, Padding: 1, Dilation: 1}, ActIdentity},
		{Conv1dShape{Batch: 3, Length: 7, In: 5, Out: 70, Kernel: 3, Stride: 3, Padding: 2, Dilation: 1, OutPadding: 2}, ActMish},
		{Conv1dShape{Batch: 1, Length: 9, In: 4, Out: 6, Kernel: 3, Stride: 1, Padding: 0, Dilation: 2}, ActReLU},
	} {
		sh := c.shape
		x32 := randomF32(uint64(90+i), sh.Batch*sh.Length*sh.In, 1)
		bound := 1 / math.Sqrt(float64(sh.Kernel*sh.Out))
		w32 := randomF32(uint64(100+i), sh.Kernel*sh.In*sh.Out, bound)
		b32 := randomF32(uint64(110+i), sh.Out, bound)
		y := upload(t, make([]float32, sh.Batch*sh.TransposedLength()*sh.Out))
		if err := s.ConvTranspose1d(y, upload(t, x32), upload(t, w32), upload(t, b32), sh, c.act); err != nil {
			t.Fatal(err)
		}
		a := compare(download(t, y), convTranspose1dHost(x32, w32, b32, sh, c.act))
		worst = math.Max(worst, a.MaxAbs)
		if !(a.MaxAbs <= forwardTolFP32) {
			t.Errorf("%+v %v: max |device - host| %.3g > %.0e", sh, c.act, a.MaxAbs, forwardTolFP32)
		}
	}
	t.Logf("conv_transpose1d: worst |device - host| %.3g (tolerance %.0e)", worst, forwardTolFP32)
	one := upload(t, []float32{1})
	bad := Conv1dShape{Batch: 1, Length: 1, In: 1, Out: 1, Kernel: 1, Stride: 2, Dilation: 1, OutPadding: 2}
	if err := s.ConvTranspose1d(one, one, one, one, bad, ActIdentity); err == nil {
		t.Error("an output padding as large as the stride was accepted")
	}
}

// TestGPUConcatChannelsInterleavesRows: every row of the concatenation is a's row followed by b's, exactly.
func TestGPUConcatChannelsInterleavesRows(t *testing.T) {
	s := testStream(t)
	const rows, ca, cb = 37, 5, 3
	a, b := randomF32(1, rows*ca, 1), randomF32(2, rows*cb, 1)
	y := upload(t, make([]float32, rows*(ca+cb)))
	if err := s.ConcatChannels(y, upload(t, a), upload(t, b), rows, ca, cb); err != nil {
		t.Fatal(err)
	}
	got := download(t, y)
	for r := 0; r < rows; r++ {
		for j := 0; j < ca+cb; j++ {
			want := a[r*ca+min(j, ca-1)]
			if j >= ca {
				want = b[r*cb+j-ca]
			}
			if got[r*(ca+cb)+j] != want {
				t.Fatalf("row %d, channel %d: %v, want %v", r, j, got[r*(ca+cb)+j], want)
			}
		}
	}
	if err := s.ConcatChannels(y, upload(t, a), upload(t, b), rows, ca+1, cb); err == nil {
		t.Error("mismatched widths were accepted")
	}
}

// groupNormHost is the float64 reference of GroupNormAct.
func groupNormHost(x, gamma, beta []float32, B, S, C, G int, eps float64, act Activation) []float64 {
	y := make([]float64, len(x))
	cg := C / G
	for b := 0; b < B; b++ {
		for g := 0; g < G; g++ {
			var sum, sq float64
			at := func(s, c int) int { return (b*S+s)*C + g*cg + c }
			for s := 0; s < S; s++ {
				for c := 0; c < cg; c++ {
					sum += float64(x[at(s, c)])
				}
			}
			n := float64(S * cg)
			mean := sum / n
			for s := 0; s < S; s++ {
				for c := 0; c < cg; c++ {
					d := float64(x[at(s, c)]) - mean
					sq += d * d
				}
			}
			rstd := 1 / math.Sqrt(sq/n+eps)
			for s := 0; s < S; s++ {
				for c := 0; c < cg; c++ {
					ch := g*cg + c
					y[at(s, c)] = refAct(act, float64(gamma[ch])*(float64(x[at(s, c)])-mean)*rstd+float64(beta[ch]))
				}
			}
		}
	}
	return y
}

// TestGPUGroupNormActMatchesHost: group normalisation with its fused activation reproduces the float64
// reference for TemporalUnet's shapes (8 groups, Mish) and for groups larger than a block, one channel per
// group, an offset mean (where E[x^2] - E[x]^2 would cancel) and in place.
func TestGPUGroupNormActMatchesHost(t *testing.T) {
	s := testStream(t)
	worst := 0.0
	for i, c := range []struct {
		B, S, C, G int
		act        Activation
		offset     float64
	}{
		{4, 32, 32, 8, ActMish, 0},
		{2, 300, 16, 2, ActSiLU, 0},
		{3, 5, 6, 6, ActIdentity, 0},
		{1, 64, 64, 8, ActMish, 100},
	} {
		x32 := randomF32(uint64(40+i), c.B*c.S*c.C, 2)
		for j := range x32 {
			x32[j] += float32(c.offset)
		}
		gamma, beta := randomF32(uint64(50+i), c.C, 1), randomF32(uint64(60+i), c.C, 1)
		want := groupNormHost(x32, gamma, beta, c.B, c.S, c.C, c.G, 1e-5, c.act)
		x := upload(t, x32)
		y := upload(t, make([]float32, len(x32)))
		g, b := upload(t, gamma), upload(t, beta)
		if err := s.GroupNormAct(y, x, g, b, c.B, c.S, c.C, c.G, 1e-5, c.act); err != nil {
			t.Fatal(err)
		}
		if err := s.GroupNormAct(x, x, g, b, c.B, c.S, c.C, c.G, 1e-5, c.act); err != nil { // in place
			t.Fatal(err)
		}
		got, inPlace := download(t, y), download(t, x)
		a := compare(got, want)
		worst = math.Max(worst, a.MaxAbs)
		if !(a.MaxAbs <= forwardTolFP32) {
			t.Errorf("[%d %d %d] in %d groups, offset %v: max |device - host| %.3g > %.0e", c.B, c.S, c.C, c.G, c.offset, a.MaxAbs, forwardTolFP32)
		}
		for j := range got {
			if math.Float32bits(got[j]) != math.Float32bits(inPlace[j]) {
				t.Fatalf("[%d %d %d]: in place differs at %d: %v vs %v", c.B, c.S, c.C, j, inPlace[j], got[j])
			}
		}
	}
	t.Logf("group norm: worst |device - host| %.3g (tolerance %.0e)", worst, forwardTolFP32)
	one := upload(t, []float32{1, 2, 3})
	if err := s.GroupNormAct(one, one, one, one, 1, 1, 3, 2, 1e-5, ActMish); err == nil {
		t.Error("3 channels in 2 groups were accepted")
	}
}

// TestGPUBiasActGroupsRows: bias_act_f32 adds bias row r / group to row r of y (a window's own time and
// condition projection added to each of its positions, TemporalUnet with per-window conditions), and bias
// row 0 to every row with group 0, with the activation after the sum.
func TestGPUBiasActGroupsRows(t *testing.T) {
	s := testStream(t)
	const rows, n, group = 45, 7, 9
	y0, bias := randomF32(70, rows*n, 1), randomF32(71, rows/group*n, 1)
	for _, g := range []int{group, 0} {
		y := upload(t, y0)
		b := upload(t, bias)
		if err := s.d.do(func() error {
			return s.grid1(kBiasAct, int64(rows*n), pArg(y.ptr), pArg(b.ptr), iArg(rows), iArg(n), iArg(int64(ActSiLU)), iArg(int64(g)))
		}); err != nil {
			t.Fatal(err)
		}
		got := download(t, y)
		want := make([]float64, len(y0))
		for r := 0; r < rows; r++ {
			br := 0
			if g > 0 {
				br = r / g
			}
			for c := 0; c < n; c++ {
				want[r*n+c] = refAct(ActSiLU, float64(y0[r*n+c]+bias[br*n+c]))
			}
		}
		if a := compare(got, want); !(a.MaxAbs <= forwardTolFP32) {
			t.Errorf("group %d: max |device - host| %.3g > %.0e", g, a.MaxAbs, forwardTolFP32)
		}
	}
}
