//go:build cuda || trajdiff_cuda

package gpu

import (
	"math"
	"testing"
)

// layerNormModHost is the float64 reference of LayerNormModulate.
func layerNormModHost(x, mod []float32, m Modulation, shiftOff, scaleOff int, eps float64) []float64 {
	C := m.Channels
	y := make([]float64, len(x))
	for r := 0; r < m.Rows; r++ {
		var mean, v float64
		for c := 0; c < C; c++ {
			mean += float64(x[r*C+c])
		}
		mean /= float64(C)
		for c := 0; c < C; c++ {
			d := float64(x[r*C+c]) - mean
			v += d * d
		}
		v /= float64(C)
		e := (r / m.Positions) * m.Stride
		for c := 0; c < C; c++ {
			h := (float64(x[r*C+c]) - mean) / math.Sqrt(v+eps)
			y[r*C+c] = h*(1+float64(mod[e+scaleOff+c])) + float64(mod[e+shiftOff+c])
		}
	}
	return y
}

// TestGPULayerNormModulateMatchesHost: the modulated LayerNorm reproduces LN(x)(1 + scale) + shift in float64
// for one modulation row per example and one shared row, rows wider and narrower than a warp, off-centre
// inputs (mean 3) and in place.
func TestGPULayerNormModulateMatchesHost(t *testing.T) {
	s := testStream(t)
	worst := 0.0
	for i, c := range []struct {
		m                     Modulation
		E, shiftOff, scaleOff int
	}{
		{Modulation{Rows: 15, Channels: 40, Positions: 5, Stride: 6 * 40}, 6 * 40, 0, 40},
		{Modulation{Rows: 15, Channels: 40, Positions: 5, Stride: 6 * 40}, 6 * 40, 120, 160},
		{Modulation{Rows: 17, Channels: 8, Positions: 17, Stride: 0}, 16, 0, 8},
		{Modulation{Rows: 260, Channels: 96, Positions: 65, Stride: 0}, 192, 0, 96},
	} {
		x32 := randomF32(uint64(40+i), c.m.Rows*c.m.Channels, 1)
		for j := range x32 {
			x32[j] += 3
		}
		mod32 := randomF32(uint64(50+i), (c.m.Rows/c.m.Positions)*c.E, 0.5)
		want := layerNormModHost(x32, mod32, c.m, c.shiftOff, c.scaleOff, 1e-6)
		y := upload(t, make([]float32, len(x32)))
		x := upload(t, x32)
		if err := s.LayerNormModulate(y, x, upload(t, mod32), c.m, c.shiftOff, c.scaleOff, 1e-6); err != nil {
			t.Fatal(err)
		}
		a := compare(download(t, y), want)
		if err := s.LayerNormModulate(x, x, upload(t, mod32), c.m, c.shiftOff, c.scaleOff, 1e-6); err != nil {
			t.Fatal(err)
		}
		b := compare(download(t, x), want)
		worst = math.Max(worst, math.Max(a.MaxAbs, b.MaxAbs))
		if !(a.MaxAbs <= forwardTolFP32 && b.MaxAbs <= forwardTolFP32) {
			t.Errorf("%+v: max |device - host| %.3g (in place %.3g) > %.0e", c.m, a.MaxAbs, b.MaxAbs, forwardTolFP32)
		}
	}
	t.Logf("modulated layer norm: worst |device - host| %.3g (tolerance %.0e)", worst, forwardTolFP32)
	one := upload(t, make([]float32, 8))
	if err := s.LayerNormModulate(one, one, one, Modulation{Rows: 1, Channels: 8, Positions: 1}, 0, 1, 1e-6); err == nil {
		t.Error("a scale chunk past the end of mod was accepted")
	}
}

// TestGPUGatedAddMatchesHost: the gated residual adds gate_e z with each example's gate row, or the batch's.
func TestGPUGatedAddMatchesHost(t *testing.T) {
	s := testStream(t)
	for i, c := range []struct {
		m       Modulation
		E, gate int
	}{
		{Modulation{Rows: 12, Channels: 10, Positions: 4, Stride: 60}, 60, 20},
		{Modulation{Rows: 12, Channels: 10, Positions: 12, Stride: 0}, 60, 50},
	} {
		x32 := randomF32(uint64(60+i), c.m.Rows*c.m.Channels, 1)
		z32 := randomF32(uint64(70+i), len(x32), 1)
		mod32 := randomF32(uint64(80+i), (c.m.Rows/c.m.Positions)*c.E, 1)
		want := make([]float64, len(x32))
		for j := range want {
			r, ch := j/c.m.Channels, j%c.m.Channels
			want[j] = float64(x32[j]) + float64(mod32[(r/c.m.Positions)*c.m.Stride+c.gate+ch])*float64(z32[j])
		}
		x := upload(t, x32)
		if err := s.GatedAdd(x, upload(t, z32), upload(t, mod32), c.m, c.gate); err != nil {
			t.Fatal(err)
		}
		if a := compare(download(t, x), want); !(a.MaxAbs <= forwardTolFP32) {
			t.Errorf("%+v: max |device - host| %.3g > %.0e", c.m, a.MaxAbs, forwardTolFP32)
		}
	}
}

// attentionHost is the float64 reference of Attention: the scores of each query stored and normalised in two
// passes (the form nn's CPU kernel takes), independent of the device's online softmax.
func attentionHost(qkv []float32, a AttentionShape) []float64 {
	L, Dh := a.Length, a.HeadDim
	D := a.Heads * Dh
	o := make([]float64, a.Batch*L*D)
	p := make([]float64, L)
	at := func(b, l, col int) float64 { return float64(qkv[(b*L+l)*3*D+col]) }
	for b := 0; b < a.Batch; b++ {
		for h := 0; h < a.Heads; h++ {
			for i := 0; i < L; i++ {
				n := L
				if a.Causal {
					n = i + 1
				}
				mx := math.Inf(-1)
				for j := 0; j < n; j++ {
					var dot float64
					for d := 0; d < Dh; d++ {
						dot += at(b, i, h*Dh+d) * at(b, j, D+h*Dh+d)
					}
					p[j] = dot / math.Sqrt(float64(Dh))
					mx = math.Max(mx, p[j])
				}
				var sum float64
				for j := 0; j < n; j++ {
					p[j] = math.Exp(p[j] - mx)
					sum += p[j]
				}
				for d := 0; d < Dh; d++ {
					var v float64
					for j := 0; j < n; j++ {
						v += p[j] * at(b, j, 2*D+h*Dh+d)
					}
					o[(b*L+i)*D+h*Dh+d] = v / sum
				}
			}
		}
	}
	return o
}

// TestGPUAttentionMatchesHost: the fused attention reproduces the two-pass float64 softmax(QK^T/sqrt(d))V for
// several heads, lengths spanning several key tiles and query blocks (70, 130) and one shorter than a tile,
// causal and not, head widths up to the kernel's limit, and large logits (queries scaled by 8) whose maximum
// moves between key tiles, which the online softmax must rescale exactly.
func TestGPUAttentionMatchesHost(t *testing.T) {
	s := testStream(t)
	worst := 0.0
	for i, c := range []struct {
		a     AttentionShape
		scale float64
	}{
		{AttentionShape{Batch: 2, Length: 70, Heads: 3, HeadDim: 8}, 1},
		{AttentionShape{Batch: 2, Length: 70, Heads: 2, HeadDim: 16, Causal: true}, 1},
		{AttentionShape{Batch: 1, Length: 130, Heads: 1, HeadDim: 4, Causal: true}, 8},
		{AttentionShape{Batch: 3, Length: 100, Heads: 2, HeadDim: 4}, 8},
		{AttentionShape{Batch: 1, Length: 5, Heads: 1, HeadDim: attentionMaxHeadDim}, 0.3},
	} {
		D := c.a.Heads * c.a.HeadDim
		qkv32 := randomF32(uint64(90+i), c.a.Batch*c.a.Length*3*D, 1)
		for j := range qkv32 {
			if j%(3*D) < D {
				qkv32[j] *= float32(c.scale)
			}
		}
		o := upload(t, make([]float32, c.a.Batch*c.a.Length*D))
		if err := s.Attention(o, upload(t, qkv32), c.a); err != nil {
			t.Fatal(err)
		}
		a := compare(download(t, o), attentionHost(qkv32, c.a))
		worst = math.Max(worst, a.MaxAbs)
		if !(a.MaxAbs <= forwardTolFP32) {
			t.Errorf("%+v (queries x%g): max |device - host| %.3g > %.0e", c.a, c.scale, a.MaxAbs, forwardTolFP32)
		}
	}
	t.Logf("attention: worst |device - host| %.3g (tolerance %.0e)", worst, forwardTolFP32)
	wide := AttentionShape{Batch: 1, Length: 1, Heads: 1, HeadDim: attentionMaxHeadDim + 1}
	buf := upload(t, make([]float32, 3*wide.HeadDim))
	if err := s.Attention(buf.Slice(0, wide.HeadDim), buf, wide); err == nil {
		t.Error("a head wider than the kernel's registers was accepted")
	}
}

// TestGPUTokenEmbedMatchesHost: the token embedding is x W^T + b plus the position's row of the position
// embedding, with the input scale applied first.
func TestGPUTokenEmbedMatchesHost(t *testing.T) {
	s := testStream(t)
	const B, L, C, D, xs = 3, 7, 3, 20, 0.7
	x32, w32 := randomF32(1, B*L*C, 1), randomF32(2, C*D, 0.5)
	b32, pos32 := randomF32(3, D, 0.5), randomF32(4, L*D, 0.5)
	want := make([]float64, B*L*D)
	for r := 0; r < B*L; r++ {
		for d := 0; d < D; d++ {
			v := float64(b32[d]) + float64(pos32[(r%L)*D+d])
			for c := 0; c < C; c++ {
				v += xs * float64(x32[r*C+c]) * float64(w32[c*D+d])
			}
			want[r*D+d] = v
		}
	}
	h := upload(t, make([]float32, B*L*D))
	if err := s.TokenEmbed(h, upload(t, x32), upload(t, w32), upload(t, b32), upload(t, pos32), B*L, L, C, D, xs); err != nil {
		t.Fatal(err)
	}
	if a := compare(download(t, h), want); !(a.MaxAbs <= forwardTolFP32) {
		t.Errorf("max |device - host| %.3g > %.0e", a.MaxAbs, forwardTolFP32)
	}
}
