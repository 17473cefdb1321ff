package wdno

import (
	"context"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
)

// smokeSuperConfig is the super-resolution layout configuration of smoke at frames x m x m.
func smokeSuperConfig(frames, m int) LayoutConfig {
	c := smokeConfig(SpaceWavelet, frames, m)
	c.Space = ""
	return c
}

// The smoke super-resolution image is exact where it is a representation: at the reduced benchmark's
// 32 frames of 32 x 32 (bands 18^3 padded to 20^3, 82 channels) and at a small size, decoding an encoded
// fine trajectory gives back its density, velocity, s and control to round-off, with random scales. The
// generated entries are exactly the density and velocity bands (channels 0..23 inside the band box).
func TestSmokeSuperLayoutRoundTripIsExact(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct {
		frames, m int
		shape     []int
		band      int // fine band side
	}{
		{32, 32, []int{82, 20, 20, 20}, 18},
		{8, 8, []int{82, 8, 8, 8}, 6},
	} {
		c := smokeSuperConfig(tc.frames, tc.m)
		l, err := newSmokeSuperLayout(c)
		if err != nil {
			t.Fatal(err)
		}
		if got := l.Shape(); len(got) != 4 || got[0] != tc.shape[0] || got[1] != tc.shape[1] || got[2] != tc.shape[2] || got[3] != tc.shape[3] {
			t.Fatalf("%d x %d^2: shape %v, want %v", tc.frames, tc.m, got, tc.shape)
		}
		free := 0
		for _, k := range l.Known() {
			if !k {
				free++
			}
		}
		bt := (tc.frames + 5) / 2 // bior1.3, zero mode: floor((n + 6 - 1) / 2)
		if want := 24 * bt * tc.band * tc.band; free != want {
			t.Errorf("%d x %d^2: %d generated entries, want 24 channels of %d x %d^2 = %d", tc.frames, tc.m, free, bt, tc.band, want)
		}
		c.Scales = make([]float64, 82)
		for i := range c.Scales {
			c.Scales[i] = 0.5 + r.Float64()
		}
		if l, err = newSmokeSuperLayout(c); err != nil {
			t.Fatal(err)
		}
		u, f := randomSmokeFields(r, l.Config())
		cu, cf, err := l.Coarsen(u, f)
		if err != nil {
			t.Fatal(err)
		}
		x := make([]float64, l.Dim())
		if err := l.Encode(u, f, cu, cf, x); err != nil {
			t.Fatal(err)
		}
		gu, gf := make([]float64, len(u)), make([]float64, len(f))
		if err := l.Decode(x, gu, gf); err != nil {
			t.Fatal(err)
		}
		var worst float64
		for i := range u {
			worst = max(worst, math.Abs(gu[i]-u[i]))
		}
		for i := range f {
			worst = max(worst, math.Abs(gf[i]-f[i]))
		}
		if worst > 1e-12 {
			t.Errorf("%d x %d^2: round trip error %g", tc.frames, tc.m, worst)
		}
	}
}

// Channel 40 + c of the image is the coarse trajectory's band c nearest-upsampled in space: the value of
// the smoke wavelet layout's encoding of the coarse trajectory (an independent layout at the coarse grid)
// at (t, floor(r/2), floor(q/2)), for every entry of the fine band box; outside it the channel is zero.
func TestSmokeSuperLayoutCoarseChannelsAreTheCoarseBandsUpsampled(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	l, err := newSmokeSuperLayout(smokeSuperConfig(8, 16))
	if err != nil {
		t.Fatal(err)
	}
	u, f := randomSmokeFields(r, l.Config())
	cu, cf, _ := l.Coarsen(u, f)
	x := make([]float64, l.Dim())
	if err := l.Encode(u, f, cu, cf, x); err != nil {
		t.Fatal(err)
	}
	cl, err := NewLayout(smokeConfig(SpaceWavelet, 8, 8))
	if err != nil {
		t.Fatal(err)
	}
	cx := make([]float64, cl.Dim())
	if err := cl.Encode(Simulate, cu, cf, cx); err != nil {
		t.Fatal(err)
	}
	cs := cl.Shape() // [42, tf, h, w]
	sh := l.Shape()
	bt, bx := (8+5)/2, (16+5)/2
	for c := 0; c < 40; c++ {
		for tt := 0; tt < sh[1]; tt++ {
			for rr := 0; rr < sh[2]; rr++ {
				for q := 0; q < sh[3]; q++ {
					var want float64
					if tt < bt && rr < bx && q < bx {
						want = cx[((c*cs[1]+tt)*cs[2]+rr/2)*cs[3]+q/2]
					}
					if got := x[(((40+c)*sh[1]+tt)*sh[2]+rr)*sh[3]+q]; got != want {
						t.Fatalf("channel %d at (%d, %d, %d): %g, want %g", 40+c, tt, rr, q, got, want)
					}
				}
			}
		}
	}
}

// Training pairs are the subsampled truth: for a smoke dataset stored at 8 x 8, the example of level k
// decodes to the data's cells (2^k x, 2^k y) of every frame, and its coarse channels are those of the
// data's cells (2^(k+1) x, 2^(k+1) y), both read by direct indexing of the dataset's fields.
func TestSmokeSuperresPairsAreTheSubsampledTruth(t *testing.T) {
	dir := t.TempDir()
	d, err := OpenData(writeSmoke(t, dir, "train.arrow", tinySmokeParams(), 2, 3))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ls, err := superLayouts(LayoutConfig{}, d, []int{0, 1})
	if err != nil {
		t.Fatal(err)
	}
	u, f, err := d.Fields(1, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := d.Grid[0]
	pick := func(v []float64, ch, step int) []float64 { // cells (step x, step y) of every frame
		var out []float64
		for tt := 0; tt < d.Frames; tt++ {
			for x := 0; x < m; x += step {
				for y := 0; y < m; y += step {
					out = append(out, v[((tt*m+x)*m+y)*ch:][:ch]...)
				}
			}
		}
		return out
	}
	for k, l := range ls {
		if got := l.Config().Grid; got[0] != m>>k || l.Shape()[2] != ls[0].Shape()[2] {
			t.Fatalf("level %d: grid %v, image %v (want the level-0 image %v)", k, got, l.Shape(), ls[0].Shape())
		}
		x := make([]float64, l.Dim())
		if err := encodeLevel(l, d, u, f, x); err != nil {
			t.Fatal(err)
		}
		fu, ff := pick(u, smokeState, 1<<k), pick(f, smokeControl, 1<<k)
		gu, gf := make([]float64, len(fu)), make([]float64, len(ff))
		if err := l.Decode(x, gu, gf); err != nil {
			t.Fatal(err)
		}
		var worst float64
		for i := range fu {
			worst = max(worst, math.Abs(gu[i]-fu[i]))
		}
		for i := range ff {
			worst = max(worst, math.Abs(gf[i]-ff[i]))
		}
		if worst > 1e-12 {
			t.Errorf("level %d: the fine trajectory is %g from the data subsampled %d times", k, worst, 1<<k)
		}
		want := make([]float64, l.Dim())
		if err := l.Encode(fu, ff, pick(u, smokeState, 2<<k), pick(f, smokeControl, 2<<k), want); err != nil {
			t.Fatal(err)
		}
		if worst := maxAbsDiff(x, want); worst != 0 {
			t.Errorf("level %d: the example is %g from the pair of the data subsampled %d and %d times", k, worst, 1<<k, 2<<k)
		}
	}
}

// Odd or too small grids are refused with the reason: smoke's pairs halve the grid and keep the box.
func TestSmokeSuperresRefusesOddGrids(t *testing.T) {
	for _, m := range []int{7, 2} {
		if _, err := newSmokeSuperLayout(smokeSuperConfig(8, m)); err == nil || !strings.Contains(err.Error(), "even sides") {
			t.Errorf("grid %d: %v", m, err)
		}
	}
	if _, err := atLevel(smokeSuperConfig(8, 12), 3); err == nil || !strings.Contains(err.Error(), "[3 3]") {
		t.Errorf("12 -> 6 -> 3 -> ?: %v", err)
	}
	c := smokeSuperConfig(8, 8)
	c.Space = SpacePhysical
	if _, err := newSmokeSuperLayout(c); err == nil || !strings.Contains(err.Error(), "wavelet") {
		t.Errorf("physical space: %v", err)
	}
}

func maxAbsDiff(a, b []float64) float64 {
	var w float64
	for i := range a {
		w = max(w, math.Abs(a[i]-b[i]))
	}
	return w
}

// The smoke configuration's network takes the images of both trained levels (32 | 16 and 16 | 8 in one
// 82 x 20^3 image) and is wide enough for their generated entries.
func TestSmokeSuperresConfigMatchesItsLayouts(t *testing.T) {
	c, err := LoadConfig(filepath.Join("..", "..", "configs", "wdno-smoke-small-superres.toml"))
	if err != nil {
		t.Fatal(err)
	}
	levels, err := c.Superres.levels()
	if err != nil || c.Task != TaskSuperres {
		t.Fatalf("task %q, levels %v: %v", c.Task, levels, err)
	}
	u := c.Network.Unet3D
	for _, k := range levels {
		lc, err := atLevel(smokeSuperConfig(32, 32), k)
		if err != nil {
			t.Fatal(err)
		}
		lc.Wavelet, lc.Mode, lc.ImageFrames, lc.Height, lc.Width = c.Layout.Wavelet, c.Layout.Mode, u.Frames, u.Height, u.Width
		l, err := newSmokeSuperLayout(lc)
		if err != nil {
			t.Fatalf("level %d: %v", k, err)
		}
		if got := l.Shape(); got[0] != u.Channels || got[1] != u.Frames || got[2] != u.Height || got[3] != u.Width {
			t.Errorf("level %d: layout %v, network %d x %d x %d x %d", k, got, u.Channels, u.Frames, u.Height, u.Width)
		}
		if err := checkWidth(c.Network, l.Shape(), l.Known()); err != nil {
			t.Errorf("level %d: %v", k, err)
		}
	}
}

// A Burgers super-resolution model refuses smoke test data, naming both.
func TestEvaluateSuperresRefusesABurgersModelOnSmokeData(t *testing.T) {
	dir := t.TempDir()
	m := trainTinySuperres(t, dir)
	d, err := OpenData(writeSmoke(t, dir, "smoke.arrow", tinySmokeParams(), 1, 3))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	_, err = EvaluateSuperres(context.Background(), m, d, SuperresEvalOptions{Passes: 1})
	if err == nil || !strings.Contains(err.Error(), "1-D") || !strings.Contains(err.Error(), "smoke") {
		t.Errorf("a Burgers model on smoke data: %v", err)
	}
	if _, err := m.Upsample(context.Background(), UpsampleRequest{Coarse: [][]float64{{0}}, U0: [][]float64{{0}}, F: [][]float64{{0}},
		Frames: 8, Cells: 64, Grid: []int{8, 8}}); err == nil || !strings.Contains(err.Error(), "cannot refine") {
		t.Errorf("a Burgers model asked for a grid: %v", err)
	}
}

// Smoke's interpolation baselines work frame by frame in (x, y): every method reproduces the coarse
// cells, and bilinear is exact on a field bilinear in (x, y) with a different plane in every frame, up to
// the last coarse cell (past it the rules hold the boundary value).
func TestSmokeInterpolationIsPerFrameAndExactOnBilinearFields(t *testing.T) {
	fine := smokeSuperConfig(3, 16)
	in, err := atLevel(fine, 2)
	if err != nil {
		t.Fatal(err)
	}
	value := func(tt, x, y, ch int) float64 {
		return float64(tt+1)*(0.5+0.25*float64(x)-0.125*float64(y)+0.01*float64(x*y)) + float64(ch)
	}
	coarse := make([]float64, 0, in.Frames*in.Cells*smokeState)
	for tt := 0; tt < in.Frames; tt++ {
		for x := 0; x < in.Grid[0]; x++ {
			for y := 0; y < in.Grid[1]; y++ {
				for ch := range smokeState {
					coarse = append(coarse, value(tt, 4*x, 4*y, ch))
				}
			}
		}
	}
	for _, kind := range []string{InterpNearest, InterpBilinear, InterpCubic} {
		out, err := interpolateLevel(kind, coarse, in, fine, 4)
		if err != nil {
			t.Fatal(err)
		}
		for tt := 0; tt < fine.Frames; tt++ {
			for x := 0; x <= 12; x++ {
				for y := 0; y <= 12; y++ {
					for ch := range smokeState {
						got, want := out[((tt*16+x)*16+y)*smokeState+ch], value(tt, x, y, ch)
						onCoarse := x%4 == 0 && y%4 == 0
						if (onCoarse || kind == InterpBilinear) && math.Abs(got-want) > 1e-12 {
							t.Fatalf("%s frame %d (%d, %d) channel %d: %g, want %g", kind, tt, x, y, ch, got, want)
						}
					}
				}
			}
		}
	}
}
