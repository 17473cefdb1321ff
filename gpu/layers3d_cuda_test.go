//go:build cuda || trajdiff_cuda

package gpu

import (
	"math"
	"testing"
)

// conv3dHost is the float64 reference of Conv3d in its scatter form (each input voxel's tap (s, u, v) adds to
// the output voxel it lands on), independent of the kernel's gather form: w [k^3 In, Out].
func conv3dHost(x, w, bias []float32, c Conv3dShape, act Activation) []float64 {
	F, H, W, k, p := c.Frames, c.Height, c.Width, c.Kernel, c.Kernel/2
	y := make([]float64, c.Batch*F*H*W*c.Out)
	for r := 0; r < c.Batch*F*H*W; r++ {
		for o := 0; o < c.Out; o++ {
			y[r*c.Out+o] = float64(bias[o])
		}
	}
	for b := 0; b < c.Batch; b++ {
		for ff := 0; ff < F; ff++ {
			for ii := 0; ii < H; ii++ {
				for jj := 0; jj < W; jj++ {
					for t := 0; t < k*k*k; t++ {
						s, u, v := t/(k*k), (t/k)%k, t%k
						// Input voxel (ff, ii, jj) is tap (s, u, v) of output (f, i, j) when f - p + s = ff.
						f, i, j := ff+p-s, ii+p-u, jj+p-v
						if f < 0 || f >= F || i < 0 || i >= H || j < 0 || j >= W {
							continue
						}
						out := (((b*F+f)*H+i)*W + j) * c.Out
						for ci := 0; ci < c.In; ci++ {
							xv := float64(x[(((b*F+ff)*H+ii)*W+jj)*c.In+ci])
							for o := 0; o < c.Out; o++ {
								y[out+o] += xv * float64(w[(t*c.In+ci)*c.Out+o])
							}
						}
					}
				}
			}
		}
	}
	for i := range y {
		y[i] = refAct(act, y[i])
	}
	return y
}

// TestGPUConv3dMatchesHost: the implicit-GEMM 3-D convolution reproduces the float64 convolution for the
// shapes the 3-D U-Net uses (the 7^3 and 3^3 initial convolutions, the 3^3 block convolutions, a 1^3
// projection) with ragged channel counts, several tiles of voxels and channels, and a fused activation.
func TestGPUConv3dMatchesHost(t *testing.T) {
	s := testStream(t)
	worst := 0.0
	for i, c := range []struct {
		shape Conv3dShape
		act   Activation
	}{
		{Conv3dShape{Batch: 2, Frames: 5, Height: 6, Width: 4, In: 3, Out: 8, Kernel: 7}, ActIdentity},
		{Conv3dShape{Batch: 1, Frames: 4, Height: 5, Width: 7, In: 2, Out: 5, Kernel: 3}, ActIdentity},
		{Conv3dShape{Batch: 2, Frames: 3, Height: 6, Width: 6, In: 16, Out: 70, Kernel: 3}, ActSiLU},
		{Conv3dShape{Batch: 1, Frames: 2, Height: 3, Width: 5, In: 9, Out: 4, Kernel: 1}, ActGELU},
	} {
		sh := c.shape
		vox := sh.Batch * sh.Frames * sh.Height * sh.Width
		taps := sh.Kernel * sh.Kernel * sh.Kernel
		x32 := randomF32(uint64(310+i), vox*sh.In, 1)
		bound := 1 / math.Sqrt(float64(taps*sh.In))
		w32 := randomF32(uint64(320+i), taps*sh.In*sh.Out, bound)
		b32 := randomF32(uint64(330+i), sh.Out, bound)
		y := upload(t, make([]float32, vox*sh.Out))
		if err := s.Conv3d(y, upload(t, x32), upload(t, w32), upload(t, b32), sh, c.act); err != nil {
			t.Fatal(err)
		}
		a := compare(download(t, y), conv3dHost(x32, w32, b32, sh, c.act))
		worst = math.Max(worst, a.MaxAbs)
		if !(a.MaxAbs <= forwardTolFP32) {
			t.Errorf("%+v %v: max |device - host| %.3g > %.0e", sh, c.act, a.MaxAbs, forwardTolFP32)
		}
	}
	t.Logf("conv3d: worst |device - host| %.3g (tolerance %.0e)", worst, forwardTolFP32)
	one := upload(t, []float32{1})
	if err := s.Conv3d(one, one, one, one, Conv3dShape{Batch: 1, Frames: 1, Height: 1, Width: 1, In: 1, Out: 1, Kernel: 2}, ActIdentity); err == nil {
		t.Error("an even kernel was accepted")
	}
}

// convTranspose2dHost is the float64 reference of ConvTranspose2d in its scatter form, PyTorch's
// definition: input pixel (a, e)'s tap (u, v) adds x w to output (a stride - pad + u, e stride - pad + v).
func convTranspose2dHost(x, w, bias []float32, c ConvTranspose2dShape, act Activation) []float64 {
	ho, wo, k := c.OutHeight(), c.OutWidth(), c.Kernel
	y := make([]float64, c.Batch*ho*wo*c.Out)
	for r := 0; r < c.Batch*ho*wo; r++ {
		for o := 0; o < c.Out; o++ {
			y[r*c.Out+o] = float64(bias[o])
		}
	}
	for n := 0; n < c.Batch; n++ {
		for a := 0; a < c.Height; a++ {
			for e := 0; e < c.Width; e++ {
				for u := 0; u < k; u++ {
					for v := 0; v < k; v++ {
						i, j := a*c.Stride-c.Padding+u, e*c.Stride-c.Padding+v
						if i < 0 || i >= ho || j < 0 || j >= wo {
							continue
						}
						for ci := 0; ci < c.In; ci++ {
							xv := float64(x[((n*c.Height+a)*c.Width+e)*c.In+ci])
							for o := 0; o < c.Out; o++ {
								y[((n*ho+i)*wo+j)*c.Out+o] += xv * float64(w[((u*k+v)*c.In+ci)*c.Out+o])
							}
						}
					}
				}
			}
		}
	}
	for i := range y {
		y[i] = refAct(act, y[i])
	}
	return y
}

// TestGPUConvTranspose2dMatchesHost: the gathered transposed convolution reproduces PyTorch's scatter
// definition for the 3-D U-Net's upsampler (kernel 4, stride 2, padding 1, frames as images), an odd kernel
// with stride 3 whose taps often fall between input pixels, and stride 1.
func TestGPUConvTranspose2dMatchesHost(t *testing.T) {
	s := testStream(t)
	worst := 0.0
	for i, c := range []struct {
		shape ConvTranspose2dShape
		act   Activation
	}{
		{ConvTranspose2dShape{Batch: 10, Height: 4, Width: 4, In: 16, Out: 16, Kernel: 4, Stride: 2, Padding: 1}, ActIdentity},
		{ConvTranspose2dShape{Batch: 3, Height: 5, Width: 3, In: 7, Out: 70, Kernel: 4, Stride: 2, Padding: 1}, ActSiLU},
		{ConvTranspose2dShape{Batch: 2, Height: 3, Width: 4, In: 5, Out: 6, Kernel: 5, Stride: 3, Padding: 2}, ActIdentity},
		{ConvTranspose2dShape{Batch: 1, Height: 6, Width: 5, In: 4, Out: 3, Kernel: 3, Stride: 1, Padding: 1}, ActGELU},
	} {
		sh := c.shape
		x32 := randomF32(uint64(340+i), sh.Batch*sh.Height*sh.Width*sh.In, 1)
		bound := 1 / math.Sqrt(float64(sh.Kernel*sh.Kernel*sh.In))
		w32 := randomF32(uint64(350+i), sh.Kernel*sh.Kernel*sh.In*sh.Out, bound)
		b32 := randomF32(uint64(360+i), sh.Out, bound)
		y := upload(t, make([]float32, sh.Batch*sh.OutHeight()*sh.OutWidth()*sh.Out))
		if err := s.ConvTranspose2d(y, upload(t, x32), upload(t, w32), upload(t, b32), sh, c.act); err != nil {
			t.Fatal(err)
		}
		a := compare(download(t, y), convTranspose2dHost(x32, w32, b32, sh, c.act))
		worst = math.Max(worst, a.MaxAbs)
		if !(a.MaxAbs <= forwardTolFP32) {
			t.Errorf("%+v %v: max |device - host| %.3g > %.0e", sh, c.act, a.MaxAbs, forwardTolFP32)
		}
	}
	t.Logf("conv-transpose2d: worst |device - host| %.3g (tolerance %.0e)", worst, forwardTolFP32)
	one := upload(t, []float32{1})
	if err := s.ConvTranspose2d(one, one, one, one, ConvTranspose2dShape{Batch: 1, Height: 1, Width: 1, In: 1, Out: 1, Kernel: 1, Stride: 1, Padding: 1}, ActIdentity); err == nil {
		t.Error("an empty output was accepted")
	}
}

// TestGPUSwapMidMovesEveryValue: frames to positions puts value [b, p, q, c] at [b, q, p, c] exactly, and
// the swap back is the identity.
func TestGPUSwapMidMovesEveryValue(t *testing.T) {
	s := testStream(t)
	const B, P, Q, C = 2, 5, 6, 3
	x := make([]float32, B*P*Q*C)
	for i := range x {
		x[i] = float32(i)
	}
	xd, yd, back := upload(t, x), upload(t, make([]float32, len(x))), upload(t, make([]float32, len(x)))
	if err := s.SwapMid(yd, xd, B, P, Q, C); err != nil {
		t.Fatal(err)
	}
	y := download(t, yd)
	for b := 0; b < B; b++ {
		for p := 0; p < P; p++ {
			for q := 0; q < Q; q++ {
				for c := 0; c < C; c++ {
					if got, want := y[((b*Q+q)*P+p)*C+c], x[((b*P+p)*Q+q)*C+c]; got != want {
						t.Fatalf("[%d, %d, %d, %d] went to %v, want %v", b, p, q, c, got, want)
					}
				}
			}
		}
	}
	if err := s.SwapMid(back, yd, B, Q, P, C); err != nil {
		t.Fatal(err)
	}
	for i, v := range download(t, back) {
		if v != x[i] {
			t.Fatalf("swapped twice: value %d is %v, want %v", i, v, x[i])
		}
	}
	if err := s.SwapMid(xd, xd, B, P, Q, C); err == nil {
		t.Error("an in-place swap was accepted")
	}
}

// rotaryHost is the float64 reference of Rotary: each pair (2i, 2i+1) of the first 2 len(freqs) features of
// every query and key head turned by the angle l freqs[i] (formed in float32 as the reference forms it).
func rotaryHost(qkv, freqs []float32, a AttentionShape) []float64 {
	D := a.Heads * a.HeadDim
	y := make([]float64, len(qkv))
	for i, v := range qkv {
		y[i] = float64(v)
	}
	for n := 0; n < a.Batch; n++ {
		for l := 0; l < a.Length; l++ {
			row := y[(n*a.Length+l)*3*D:]
			for h := 0; h < 2*a.Heads; h++ {
				for i, f := range freqs {
					th := float64(float32(l) * f)
					p, q := row[h*a.HeadDim+2*i], row[h*a.HeadDim+2*i+1]
					row[h*a.HeadDim+2*i] = p*math.Cos(th) - q*math.Sin(th)
					row[h*a.HeadDim+2*i+1] = q*math.Cos(th) + p*math.Sin(th)
				}
			}
		}
	}
	return y
}

// TestGPURotaryTurnsQueriesAndKeys: the rotary embedding turns the first 2R features of every query and key
// head by the position's angles and leaves the rest (values, features past 2R) bit-identical; it preserves
// each pair's norm (a rotation), and position 0 is the identity.
func TestGPURotaryTurnsQueriesAndKeys(t *testing.T) {
	s := testStream(t)
	for i, c := range []struct {
		a AttentionShape
		r int
	}{
		{AttentionShape{Batch: 6, Length: 5, Heads: 2, HeadDim: 4}, 2},
		{AttentionShape{Batch: 3, Length: 40, Heads: 3, HeadDim: 10}, 4},
	} {
		D := c.a.Heads * c.a.HeadDim
		qkv32 := randomF32(uint64(370+i), c.a.Batch*c.a.Length*3*D, 1)
		freqs := make([]float32, c.r)
		for j := range freqs {
			freqs[j] = float32(math.Pow(10000, -2*float64(j)/float64(2*c.r)))
		}
		d := upload(t, qkv32)
		if err := s.Rotary(d, upload(t, freqs), c.a); err != nil {
			t.Fatal(err)
		}
		got := download(t, d)
		want := rotaryHost(qkv32, freqs, c.a)
		if a := compare(got, want); !(a.MaxAbs <= forwardTolFP32) {
			t.Errorf("%+v R %d: max |device - host| %.3g > %.0e", c.a, c.r, a.MaxAbs, forwardTolFP32)
		}
		for j, v := range got {
			col, l := j%(3*D), (j/(3*D))%c.a.Length
			turned := col < 2*D && col%c.a.HeadDim < 2*c.r && l > 0
			if !turned && v != qkv32[j] {
				t.Fatalf("%+v: value %d (column %d, position %d) changed from %v to %v", c.a, j, col, l, qkv32[j], v)
			}
			if turned && col%2 == 0 {
				n0 := math.Hypot(float64(qkv32[j]), float64(qkv32[j+1]))
				if n1 := math.Hypot(float64(v), float64(got[j+1])); math.Abs(n1-n0) > 1e-6*(1+n0) {
					t.Fatalf("%+v: pair at %d has norm %v after the rotation, %v before", c.a, j, n1, n0)
				}
			}
		}
	}
	buf := upload(t, make([]float32, 3*4))
	if err := s.Rotary(buf, upload(t, make([]float32, 3)), AttentionShape{Batch: 1, Length: 1, Heads: 1, HeadDim: 4}); err == nil {
		t.Error("more frequencies than a head has pairs were accepted")
	}
}

// biasedAttentionHost is the float64 reference of BiasedAttention: the scores of each query with the bias
// added, stored and normalised in two passes.
func biasedAttentionHost(qkv, bias []float32, a AttentionShape) []float64 {
	L, Dh := a.Length, a.HeadDim
	D := a.Heads * Dh
	o := make([]float64, a.Batch*L*D)
	p := make([]float64, L)
	at := func(b, l, col int) float64 { return float64(qkv[(b*L+l)*3*D+col]) }
	for b := 0; b < a.Batch; b++ {
		for h := 0; h < a.Heads; h++ {
			for i := 0; i < L; i++ {
				mx := math.Inf(-1)
				for j := 0; j < L; j++ {
					var dot float64
					for d := 0; d < Dh; d++ {
						dot += at(b, i, h*Dh+d) * at(b, j, D+h*Dh+d)
					}
					p[j] = dot/math.Sqrt(float64(Dh)) + float64(bias[(h*L+i)*L+j])
					mx = math.Max(mx, p[j])
				}
				var sum float64
				for j := range p {
					p[j] = math.Exp(p[j] - mx)
					sum += p[j]
				}
				for d := 0; d < Dh; d++ {
					var v float64
					for j := range p {
						v += p[j] * at(b, j, 2*D+h*Dh+d)
					}
					o[(b*L+i)*D+h*Dh+d] = v / sum
				}
			}
		}
	}
	return o
}

// TestGPUBiasedAttentionMatchesHost: attention with an additive per-head logit bias reproduces the two-pass
// float64 softmax(QK^T/sqrt(d) + bias)V for the temporal attention's short sequences (5 frames) and for
// lengths spanning several key tiles and query blocks, with large biases that move the maximum between key
// tiles, and for more sequences than one launch takes (the temporal attention's one per pixel); and a zero
// bias gives Attention's result bit for bit (where Attention takes the sequences in one launch).
func TestGPUBiasedAttentionMatchesHost(t *testing.T) {
	s := testStream(t)
	worst := 0.0
	for i, c := range []struct {
		a         AttentionShape
		biasScale float64
	}{
		{AttentionShape{Batch: 64, Length: 5, Heads: 2, HeadDim: 4}, 1},
		{AttentionShape{Batch: 2, Length: 70, Heads: 3, HeadDim: 8}, 6},
		{AttentionShape{Batch: 3, Length: 130, Heads: 2, HeadDim: 16}, 2},
		{AttentionShape{Batch: attentionMaxBatch + 2, Length: 2, Heads: 1, HeadDim: 2}, 3}, // two launches
	} {
		D := c.a.Heads * c.a.HeadDim
		qkv32 := randomF32(uint64(380+i), c.a.Batch*c.a.Length*3*D, 1)
		bias32 := randomF32(uint64(390+i), c.a.Heads*c.a.Length*c.a.Length, c.biasScale)
		qkv := upload(t, qkv32)
		o := upload(t, make([]float32, c.a.Batch*c.a.Length*D))
		if err := s.BiasedAttention(o, qkv, upload(t, bias32), c.a); err != nil {
			t.Fatal(err)
		}
		a := compare(download(t, o), biasedAttentionHost(qkv32, bias32, c.a))
		worst = math.Max(worst, a.MaxAbs)
		if !(a.MaxAbs <= forwardTolFP32) {
			t.Errorf("%+v (bias x%g): max |device - host| %.3g > %.0e", c.a, c.biasScale, a.MaxAbs, forwardTolFP32)
		}
		if c.a.Batch > attentionMaxBatch {
			continue
		}
		plain := upload(t, make([]float32, c.a.Batch*c.a.Length*D))
		if err := s.Attention(plain, qkv, c.a); err != nil {
			t.Fatal(err)
		}
		if err := s.BiasedAttention(o, qkv, upload(t, make([]float32, len(bias32))), c.a); err != nil {
			t.Fatal(err)
		}
		want, got := download(t, plain), download(t, o)
		for j := range want {
			if got[j] != want[j] {
				t.Fatalf("%+v: zero bias gives %v at %d, Attention %v", c.a, got[j], j, want[j])
			}
		}
	}
	t.Logf("biased attention: worst |device - host| %.3g (tolerance %.0e)", worst, forwardTolFP32)
	a := AttentionShape{Batch: 1, Length: 2, Heads: 1, HeadDim: 2}
	buf := upload(t, make([]float32, 2*3*2))
	if err := s.BiasedAttention(buf.Slice(0, 4), buf, upload(t, make([]float32, 3)), a); err == nil {
		t.Error("a bias of the wrong size was accepted")
	}
}
