//go:build cuda || trajdiff_cuda

package gpu

import (
	"math"
	"testing"
)

// conv2dHost is the float64 reference of Conv2d in its scatter form (each input pixel's tap (u, v) adds to
// the output pixel it lands on), independent of the kernel's gather form: w [Kernel*Kernel*In, Out].
func conv2dHost(x, w, bias []float32, c Conv2dShape, act Activation) []float64 {
	ho, wo, k := c.OutHeight(), c.OutWidth(), c.Kernel
	y := make([]float64, c.Batch*ho*wo*c.Out)
	for b := 0; b < c.Batch; b++ {
		for i := 0; i < ho; i++ {
			for j := 0; j < wo; j++ {
				for o := 0; o < c.Out; o++ {
					y[((b*ho+i)*wo+j)*c.Out+o] = float64(bias[o])
				}
			}
		}
		for ii := 0; ii < c.Height; ii++ {
			for jj := 0; jj < c.Width; jj++ {
				for u := 0; u < k; u++ {
					for v := 0; v < k; v++ {
						// Input pixel (ii, jj) is tap (u, v) of output (i, j) when i stride - pad + u = ii.
						pi, pj := ii+c.Padding-u, jj+c.Padding-v
						if pi < 0 || pj < 0 || pi%c.Stride != 0 || pj%c.Stride != 0 || pi/c.Stride >= ho || pj/c.Stride >= wo {
							continue
						}
						i, j := pi/c.Stride, pj/c.Stride
						for ci := 0; ci < c.In; ci++ {
							xv := float64(x[((b*c.Height+ii)*c.Width+jj)*c.In+ci])
							for o := 0; o < c.Out; o++ {
								y[((b*ho+i)*wo+j)*c.Out+o] += xv * float64(w[((u*k+v)*c.In+ci)*c.Out+o])
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

// TestGPUConv2dMatchesHost: the implicit-GEMM 2-D convolution reproduces the float64 convolution for the
// shapes the 2-D U-Net uses (the 7x7 initial convolution with padding 3, the 3x3 block convolutions, the 1x1
// projections) and for a strided, non-square one with ragged channel counts and several tiles of pixels and
// channels, with a fused activation.
func TestGPUConv2dMatchesHost(t *testing.T) {
	s := testStream(t)
	worst := 0.0
	for i, c := range []struct {
		shape Conv2dShape
		act   Activation
	}{
		{Conv2dShape{Batch: 2, Height: 8, Width: 12, In: 3, Out: 16, Kernel: 7, Stride: 1, Padding: 3}, ActIdentity},
		{Conv2dShape{Batch: 3, Height: 6, Width: 4, In: 16, Out: 70, Kernel: 3, Stride: 1, Padding: 1}, ActSiLU},
		{Conv2dShape{Batch: 1, Height: 10, Width: 14, In: 64, Out: 8, Kernel: 1, Stride: 1, Padding: 0}, ActIdentity},
		{Conv2dShape{Batch: 2, Height: 9, Width: 7, In: 5, Out: 6, Kernel: 3, Stride: 2, Padding: 1}, ActGELU},
	} {
		sh := c.shape
		x32 := randomF32(uint64(110+i), sh.Batch*sh.Height*sh.Width*sh.In, 1)
		bound := 1 / math.Sqrt(float64(sh.Kernel*sh.Kernel*sh.In))
		w32 := randomF32(uint64(120+i), sh.Kernel*sh.Kernel*sh.In*sh.Out, bound)
		b32 := randomF32(uint64(130+i), sh.Out, bound)
		y := upload(t, make([]float32, sh.Batch*sh.OutHeight()*sh.OutWidth()*sh.Out))
		if err := s.Conv2d(y, upload(t, x32), upload(t, w32), upload(t, b32), sh, c.act); err != nil {
			t.Fatal(err)
		}
		a := compare(download(t, y), conv2dHost(x32, w32, b32, sh, c.act))
		worst = math.Max(worst, a.MaxAbs)
		if !(a.MaxAbs <= forwardTolFP32) {
			t.Errorf("%+v %v: max |device - host| %.3g > %.0e", sh, c.act, a.MaxAbs, forwardTolFP32)
		}
	}
	t.Logf("conv2d: worst |device - host| %.3g (tolerance %.0e)", worst, forwardTolFP32)
	one := upload(t, []float32{1})
	if err := s.Conv2d(one, one, one, one, Conv2dShape{Batch: 1, Height: 1, Width: 1, In: 1, Out: 1, Kernel: 3, Stride: 1}, ActIdentity); err == nil {
		t.Error("a kernel larger than the image was accepted")
	}
}

// TestGPUImageLayoutsMoveEveryValue: the layout kernels put every value where the index arithmetic of their
// definitions says, exactly: channels-first to channels-last and back (the identity), space-to-depth
// (channel 4c + 2p + q of pixel (i, j) from channel c of pixel (2i + p, 2j + q)) and nearest upsampling
// (each pixel repeated over a 2x2 block).
func TestGPUImageLayoutsMoveEveryValue(t *testing.T) {
	s := testStream(t)
	const B, C, H, W = 2, 3, 4, 6
	x := make([]float32, B*C*H*W) // channels-first, every value distinct
	for i := range x {
		x[i] = float32(i)
	}
	xd := upload(t, x)
	last := upload(t, make([]float32, len(x)))
	if err := s.PermuteInner(last, xd, B, C, H*W); err != nil {
		t.Fatal(err)
	}
	nhwc := download(t, last)
	for b := 0; b < B; b++ {
		for c := 0; c < C; c++ {
			for p := 0; p < H*W; p++ {
				if got, want := nhwc[(b*H*W+p)*C+c], x[(b*C+c)*H*W+p]; got != want {
					t.Fatalf("channels-last [%d, %d, %d] = %v, want %v", b, p, c, got, want)
				}
			}
		}
	}
	back := upload(t, make([]float32, len(x)))
	if err := s.PermuteInner(back, last, B, H*W, C); err != nil {
		t.Fatal(err)
	}
	for i, v := range download(t, back) {
		if v != x[i] {
			t.Fatalf("channels-first after channels-last: value %d is %v, want %v", i, v, x[i])
		}
	}
	deep := upload(t, make([]float32, len(x)))
	if err := s.SpaceToDepth(deep, last, B, H, W, C); err != nil {
		t.Fatal(err)
	}
	dv := download(t, deep)
	seen := make([]bool, len(x))
	for b := 0; b < B; b++ {
		for ii := 0; ii < H; ii++ {
			for jj := 0; jj < W; jj++ {
				for c := 0; c < C; c++ {
					k := (((b*H/2+ii/2)*W/2+jj/2)*4*C + 4*c + 2*(ii%2) + jj%2)
					if got, want := dv[k], nhwc[((b*H+ii)*W+jj)*C+c]; got != want {
						t.Fatalf("space-to-depth: pixel (%d, %d) channel %d of example %d went to %v, want %v", ii, jj, c, b, got, want)
					}
					seen[k] = true
				}
			}
		}
	}
	for k, ok := range seen {
		if !ok {
			t.Fatalf("space-to-depth: output %d holds no input", k)
		}
	}
	up := upload(t, make([]float32, 4*len(x)))
	if err := s.Upsample2x(up, last, B, H, W, C); err != nil {
		t.Fatal(err)
	}
	uv := download(t, up)
	for b := 0; b < B; b++ {
		for i := 0; i < 2*H; i++ {
			for j := 0; j < 2*W; j++ {
				for c := 0; c < C; c++ {
					if got, want := uv[((b*2*H+i)*2*W+j)*C+c], nhwc[((b*H+i/2)*W+j/2)*C+c]; got != want {
						t.Fatalf("upsampled (%d, %d) channel %d of example %d is %v, want %v", i, j, c, b, got, want)
					}
				}
			}
		}
	}
	if err := s.SpaceToDepth(deep, last, B, H, W-1, C); err == nil {
		t.Error("space-to-depth of an odd width was accepted")
	}
}

// TestGPULayerNormRowsAndModulationMatchHost: the channel LayerNorm (rows of widths below, at and above a
// warp, offset far from zero so a one-pass variance would lose digits) and the ResnetBlock's time modulation
// with SiLU match their float64 definitions.
func TestGPULayerNormRowsAndModulationMatchHost(t *testing.T) {
	s := testStream(t)
	worstLN, worstMod := 0.0, 0.0
	for i, c := range []struct{ rows, C int }{{37, 8}, {5, 32}, {300, 70}} {
		x := randomF32(uint64(140+i), c.rows*c.C, 1)
		for j := range x {
			x[j] += 30
		}
		g := randomF32(uint64(150+i), c.C, 1)
		y := upload(t, make([]float32, len(x)))
		if err := s.LayerNormRows(y, upload(t, x), upload(t, g), c.rows, c.C, 1e-5); err != nil {
			t.Fatal(err)
		}
		want := make([]float64, len(x))
		for r := 0; r < c.rows; r++ {
			var m, v float64
			for k := 0; k < c.C; k++ {
				m += float64(x[r*c.C+k]) / float64(c.C)
			}
			for k := 0; k < c.C; k++ {
				d := float64(x[r*c.C+k]) - m
				v += d * d / float64(c.C)
			}
			for k := 0; k < c.C; k++ {
				want[r*c.C+k] = float64(g[k]) * (float64(x[r*c.C+k]) - m) / math.Sqrt(v+1e-5)
			}
		}
		a := compare(download(t, y), want)
		worstLN = math.Max(worstLN, a.MaxAbs)
		// x of size 30 holds its O(1) deviations from the mean to 2^-19 only: 2e-5 after normalisation.
		if !(a.MaxAbs <= 2e-5) {
			t.Errorf("layer norm [%d, %d]: max |device - host| %.3g > 2e-5", c.rows, c.C, a.MaxAbs)
		}

		mod := randomF32(uint64(160+i), 2*c.C, 1)
		z := randomF32(uint64(170+i), c.rows*c.C, 2)
		zd := upload(t, z)
		if err := s.ModulateAct(zd, zd, upload(t, mod), c.rows, c.C, ActSiLU); err != nil {
			t.Fatal(err)
		}
		for j := range want {
			k := j % c.C
			want[j] = refAct(ActSiLU, float64(z[j])*(1+float64(mod[k]))+float64(mod[c.C+k]))
		}
		a = compare(download(t, zd), want)
		worstMod = math.Max(worstMod, a.MaxAbs)
		if !(a.MaxAbs <= forwardTolFP32) {
			t.Errorf("modulation [%d, %d]: max |device - host| %.3g > %.0e", c.rows, c.C, a.MaxAbs, forwardTolFP32)
		}
	}
	t.Logf("layer norm: worst |device - host| %.3g (tolerance 2e-5); modulation: %.3g (tolerance %.0e)", worstLN, worstMod, forwardTolFP32)
}

// linearAttentionHost is the float64 reference of lucidrains' linear attention on qkv [B, N, 3 H Dh]: keys
// softmaxed over positions, queries over features and scaled by Dh^-1/2, o = Q (K^T V).
func linearAttentionHost(qkv []float32, a AttentionShape) []float64 {
	B, N, H, Dh := a.Batch, a.Length, a.Heads, a.HeadDim
	D := H * Dh
	at := func(b, n, part, h, d int) float64 { return float64(qkv[(b*N+n)*3*D+part*D+h*Dh+d]) }
	o := make([]float64, B*N*D)
	scale := 1 / math.Sqrt(float64(Dh))
	softmax := func(v []float64) {
		m := math.Inf(-1)
		for _, x := range v {
			m = math.Max(m, x)
		}
		z := 0.0
		for i, x := range v {
			v[i] = math.Exp(x - m)
			z += v[i]
		}
		for i := range v {
			v[i] /= z
		}
	}
	for b := 0; b < B; b++ {
		for h := 0; h < H; h++ {
			ks := make([][]float64, Dh) // ks[d][n]
			for d := range ks {
				ks[d] = make([]float64, N)
				for n := 0; n < N; n++ {
					ks[d][n] = at(b, n, 1, h, d)
				}
				softmax(ks[d])
			}
			for n := 0; n < N; n++ {
				q := make([]float64, Dh)
				for d := range q {
					q[d] = at(b, n, 0, h, d)
				}
				softmax(q)
				for e := 0; e < Dh; e++ {
					s := 0.0
					for d := 0; d < Dh; d++ {
						ctx := 0.0
						for m := 0; m < N; m++ {
							ctx += ks[d][m] * at(b, m, 2, h, e)
						}
						s += scale * q[d] * ctx
					}
					o[(b*N+n)*D+h*Dh+e] = s
				}
			}
		}
	}
	return o
}

// TestGPULinearAttentionMatchesHost: the linear attention (context kernel and output kernel) matches its
// float64 definition for the U-Net's head shapes, with a query feature and a key large enough that a softmax
// without its max shift would overflow float32. (The full attention, attention_f32, is the DiT's:
// TestGPUAttentionMatchesHost.)
func TestGPULinearAttentionMatchesHost(t *testing.T) {
	s := testStream(t)
	worst := 0.0
	for i, a := range []AttentionShape{{Batch: 2, Length: 24, Heads: 2, HeadDim: 8}, {Batch: 1, Length: 70, Heads: 4, HeadDim: 32}, {Batch: 3, Length: 1, Heads: 1, HeadDim: 4}} {
		d := a.Heads * a.HeadDim
		qkv := randomF32(uint64(180+i), a.Batch*a.Length*3*d, 2)
		qkv[0] = 100 // exp(100) overflows float32
		qkv[d] = 100
		o := upload(t, make([]float32, a.Batch*a.Length*d))
		if err := s.LinearAttention(o, upload(t, qkv), upload(t, make([]float32, a.Batch*a.Heads*a.HeadDim*a.HeadDim)), a); err != nil {
			t.Fatal(err)
		}
		r := compare(download(t, o), linearAttentionHost(qkv, a))
		worst = math.Max(worst, r.MaxAbs)
		if !(r.MaxAbs <= forwardTolFP32) {
			t.Errorf("%+v: max |device - host| %.3g > %.0e", a, r.MaxAbs, forwardTolFP32)
		}
	}
	t.Logf("linear attention: worst |device - host| %.3g (tolerance %.0e)", worst, forwardTolFP32)
	one := upload(t, make([]float32, 3*129))
	if err := s.LinearAttention(upload(t, make([]float32, 129)), one, upload(t, make([]float32, 129*129)), AttentionShape{Batch: 1, Length: 1, Heads: 1, HeadDim: 129}); err == nil {
		t.Error("a head wider than the kernels hold was accepted")
	}
}
