package wdno

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/trajdiff/trajdiff/wavelet"
)

// randomFields returns u and f of frames x cells (one channel each) with the dataset's zero last
// control row.
func randomFields(rng *rand.Rand, frames, cells int) (u, f []float64) {
	u, f = make([]float64, frames*cells), make([]float64, frames*cells)
	for i := range u {
		u[i] = rng.NormFloat64()
		if i < (frames-1)*cells {
			f[i] = rng.NormFloat64()
		}
	}
	return u, f
}

// randomFieldsOf returns random u and f of a resolved layout's sizes (f's last frame zero).
func randomFieldsOf(rng *rand.Rand, c LayoutConfig) (u, f []float64) {
	nu, nf := c.sizes()
	u, f = make([]float64, nu), make([]float64, nf)
	for i := range u {
		u[i] = rng.NormFloat64()
	}
	for i := range f {
		if i < nf-nf/c.Frames {
			f[i] = rng.NormFloat64()
		}
	}
	return u, f
}

func layoutsForTest(t *testing.T) map[string]Layout {
	out := map[string]Layout{}
	for name, c := range map[string]LayoutConfig{
		"wavelet-odd-frames": {Frames: 41, Cells: 60, Scales: []float64{10, 3, 3, 1, 21, 5, 5, 1, 10}},
		"wavelet-even":       {Frames: 16, Cells: 22, Height: 12, Width: 16},
		"wavelet-zero-mode":  {Frames: 9, Cells: 14, Wavelet: "bior1.3", Mode: "zero"},
		"physical":           {Space: SpacePhysical, Frames: 41, Cells: 60, Scales: []float64{2, 0.5}},
		"wavelet-cns":        {Frames: 11, Cells: 16, State: 3, Control: new(int)},
		"physical-cns":       {Space: SpacePhysical, Frames: 11, Cells: 16, State: 3, Control: new(int)},
		"physical-2-control": {Space: SpacePhysical, Frames: 6, Cells: 8, Control: ptr(2)},
		"wavelet-2-control":  {Frames: 6, Cells: 8, Control: ptr(2)},
	} {
		l, err := NewLayout(c)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = l
	}
	return out
}

func TestDecodeInvertsEncode(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for name, l := range layoutsForTest(t) {
		c := l.Config()
		u, f := randomFieldsOf(rng, c)
		x := make([]float64, l.Dim())
		for _, task := range []Task{Simulate, Control} {
			if err := l.Encode(task, u, f, x); err != nil {
				t.Fatal(err)
			}
			worst := roundTripError(t, l, x, u, f)
			if worst > 1e-12 {
				t.Errorf("%s %v: round trip error %.3g", name, task, worst)
			}
		}
	}
}

// <Decode(x), (gu, gf)> = <x, DecodeAdjoint(gu, gf)> for images whose padding is zero.
func TestDecodeAdjointIsTheTranspose(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for name, l := range layoutsForTest(t) {
		c := l.Config()
		known := l.Known(Control)
		x := make([]float64, l.Dim())
		u0, f0 := randomFieldsOf(rng, c)
		if err := l.Encode(Control, u0, f0, x); err != nil {
			t.Fatal(err)
		}
		for i := range x { // a random image on the field channels' support
			if x[i] != 0 && !known[i] {
				x[i] = rng.NormFloat64()
			}
		}
		gu, gf := randomFieldsOf(rng, c)
		for i := range gf {
			gf[i] = rng.NormFloat64()
		}
		u, f := make([]float64, len(gu)), make([]float64, len(gf))
		if err := l.Decode(x, u, f); err != nil {
			t.Fatal(err)
		}
		gx := make([]float64, l.Dim())
		if err := l.DecodeAdjoint(gu, gf, gx); err != nil {
			t.Fatal(err)
		}
		var lhs, rhs float64
		for i := range u {
			lhs += u[i] * gu[i]
		}
		for i := range f {
			lhs += f[i] * gf[i]
		}
		for i := range x {
			if !known[i] || c.Space == SpacePhysical {
				rhs += x[i] * gx[i]
			}
		}
		if c.Space == SpaceWavelet {
			// f's channels are unknown in control; the condition channels do not enter Decode.
			rhs = 0
			fields := 4 * (c.State + *c.Control)
			for i := range x {
				if i < fields*l.Shape()[1]*l.Shape()[2] {
					rhs += x[i] * gx[i]
				}
			}
		}
		if math.Abs(lhs-rhs) > 1e-9*math.Abs(lhs) {
			t.Errorf("%s: <Decode x, g> = %.12g, <x, Decode^T g> = %.12g", name, lhs, rhs)
		}
	}
}

// The channels are PyWavelets' dwt2 bands in its order (cA, cH, cV, cD), over the scales, and the
// condition channel holds the 1-D DWT of u0 and u* in quarter-height blocks.
func TestWaveletChannelsArePyWaveletsBands(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	scales := []float64{10, 3, 3, 1, 21, 5, 5, 1, 10}
	l, err := NewLayout(LayoutConfig{Frames: 41, Cells: 60, Scales: scales})
	if err != nil {
		t.Fatal(err)
	}
	shape := l.Shape()
	if shape[0] != 9 || shape[1] != 24 || shape[2] != 32 {
		t.Fatalf("shape %v, want [9 24 32] (21 x 30 bands padded to multiples of 4)", shape)
	}
	H, W := shape[1], shape[2]
	u, f := randomFields(rng, 41, 60)
	x := make([]float64, l.Dim())
	if err := l.Encode(Control, u, f, x); err != nil {
		t.Fatal(err)
	}
	for field, v := range [2][]float64{u, f} {
		arr, _ := wavelet.NewArray(v, 41, 60)
		cA, d, err := wavelet.Dwt2(arr, "bior2.4", "periodization", nil)
		if err != nil {
			t.Fatal(err)
		}
		for b, band := range []*wavelet.Array[float64]{cA, d.H, d.V, d.D} {
			ch := 4*field + b
			if band.Shape[0] != 21 || band.Shape[1] != 30 {
				t.Fatalf("band shape %v", band.Shape)
			}
			for r := 0; r < 21; r++ {
				for q := 0; q < 30; q++ {
					got, want := x[(ch*H+r)*W+q], band.Data[r*30+q]/scales[ch]
					if math.Abs(got-want) > 1e-13 {
						t.Fatalf("channel %d (%d, %d): %v, want %v", ch, r, q, got, want)
					}
				}
			}
		}
	}
	for i, row := range [][]float64{u[:60], u[40*60:]} {
		cA, cD, err := wavelet.Dwt(row, "bior2.4", "periodization")
		if err != nil {
			t.Fatal(err)
		}
		for j, band := range [][]float64{cA, cD} {
			r := (2*i + j) * H / 4
			for q := range band {
				if got, want := x[(8*H+r+1)*W+q], band[q]/10; math.Abs(got-want) > 1e-13 {
					t.Fatalf("condition block %d col %d: %v, want %v", 2*i+j, q, got, want)
				}
			}
		}
	}
}

func TestKnownEntriesAreConditionAndPadding(t *testing.T) {
	l, err := NewLayout(LayoutConfig{Frames: 41, Cells: 60})
	if err != nil {
		t.Fatal(err)
	}
	H, W := 24, 32
	count := func(k []bool) (n int) {
		for _, v := range k {
			if !v {
				n++
			}
		}
		return n
	}
	// Unknown: 8 band channels of 21 x 30 in control, the 4 of u in simulation.
	if got := count(l.Known(Control)); got != 8*21*30 {
		t.Errorf("control leaves %d entries to generate, want %d", got, 8*21*30)
	}
	if got := count(l.Known(Simulate)); got != 4*21*30 {
		t.Errorf("simulation leaves %d entries to generate, want %d", got, 4*21*30)
	}
	_ = H * W
	p, err := NewLayout(LayoutConfig{Space: SpacePhysical, Frames: 41, Cells: 60})
	if err != nil {
		t.Fatal(err)
	}
	if got := count(p.Known(Simulate)); got != 40*60 {
		t.Errorf("physical simulation leaves %d entries, want 40 frames of u", got)
	}
	if got := count(p.Known(Control)); got != 39*60+40*60 {
		t.Errorf("physical control leaves %d entries, want 39 frames of u and 40 of f", got)
	}
}

func TestBadLayoutsAreRefused(t *testing.T) {
	for name, c := range map[string]LayoutConfig{
		"tiny":          {Frames: 1, Cells: 60},
		"short height":  {Frames: 41, Cells: 60, Height: 16},
		"odd height":    {Frames: 41, Cells: 60, Height: 26, Multiple: 2},
		"scales":        {Frames: 41, Cells: 60, Scales: []float64{1, 2}},
		"zero scale":    {Space: SpacePhysical, Frames: 41, Cells: 60, Scales: []float64{1, 0}},
		"space":         {Space: "fourier", Frames: 41, Cells: 60},
		"wavelet":       {Frames: 41, Cells: 60, Wavelet: "nope"},
		"physical+wave": {Space: SpacePhysical, Frames: 41, Cells: 60, Wavelet: "db2"},
	} {
		if _, err := NewLayout(c); err == nil {
			t.Errorf("%s: accepted %+v", name, c)
		}
	}
	l, _ := NewLayout(LayoutConfig{Frames: 5, Cells: 8})
	u, f := make([]float64, 40), make([]float64, 40)
	u[7] = math.NaN()
	if err := l.Encode(Simulate, u, f, make([]float64, l.Dim())); err == nil {
		t.Error("a NaN field was encoded")
	}
}

func ptr[T any](v T) *T { return &v }

// roundTripError decodes x with d and returns the largest difference from the fields u and f it encodes.
func roundTripError(t *testing.T, d interface{ Decode(x, u, f []float64) error }, x, u, f []float64) float64 {
	t.Helper()
	u2, f2 := make([]float64, len(u)), make([]float64, len(f))
	if err := d.Decode(x, u2, f2); err != nil {
		t.Fatal(err)
	}
	var worst float64
	for i := range u {
		worst = max(worst, math.Abs(u2[i]-u[i]))
	}
	for i := range f {
		worst = max(worst, math.Abs(f2[i]-f[i]))
	}
	return worst
}
