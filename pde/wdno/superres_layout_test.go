package wdno

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/wavelet"
)

func superLayoutForTest(t *testing.T, frames, cells int) *SuperLayout {
	t.Helper()
	scales := make([]float64, 17)
	for i := range scales {
		scales[i] = 0.5 + float64(i)/4
	}
	l, err := NewSuperLayout(LayoutConfig{Frames: frames, Cells: cells, Scales: scales})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestSuperLayoutDecodeInvertsEncode(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, size := range [][2]int{{41, 60}, {21, 30}, {81, 120}, {16, 22}} {
		l := superLayoutForTest(t, size[0], size[1])
		u, f := randomFieldsOf(rng, l.Config())
		cu, cf, err := l.Coarsen(u, f)
		if err != nil {
			t.Fatal(err)
		}
		x := make([]float64, l.Dim())
		if err := l.Encode(u, f, cu, cf, x); err != nil {
			t.Fatal(err)
		}
		worst := roundTripError(t, l, x, u, f)
		if worst > 1e-12 {
			t.Errorf("%v: round trip error %g", size, worst)
		}
	}
}

// The coarse channels hold, at fine band (r, q), the coarse trajectory's own DWT band at (r/2, q/2) as
// package wavelet computes it on the subsampled data, over the channel's scale.
func TestSuperLayoutCoarseChannelsAreTheCoarseDWTUpsampled(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	l := superLayoutForTest(t, 41, 60)
	u, f := randomFieldsOf(rng, l.Config())
	cu, cf, err := l.Coarsen(u, f)
	if err != nil {
		t.Fatal(err)
	}
	if cu[1*30+2] != u[2*60+4] || len(cu) != 21*30 || len(cf) != 21*30 {
		t.Fatalf("coarse point (1, 2) is %v, want fine (2, 4) = %v (%d values)", cu[32], u[124], len(cu))
	}
	x := make([]float64, l.Dim())
	if err := l.Encode(u, f, cu, cf, x); err != nil {
		t.Fatal(err)
	}
	p, err := wavelet.NewPlan[float64]([]int{21, 30}, "bior2.4", "periodization", 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	lay := p.Layout()
	blocks := []wavelet.Block{lay.Approx, lay.Details[0]["da"], lay.Details[0]["ad"], lay.Details[0]["dd"]}
	pw := p.PackedShape()[1]
	h, w := l.h, l.w
	if l.bhE != 22 || l.bw != 30 || blocks[0].Shape[0] != 11 || blocks[0].Shape[1] != 15 {
		t.Fatalf("bands %d x %d from coarse %v", l.bhE, l.bw, blocks[0].Shape)
	}
	for field, v := range [2][]float64{cu, cf} {
		packed, err := p.Forward(v)
		if err != nil {
			t.Fatal(err)
		}
		for b, blk := range blocks {
			ch := 8 + 4*field + b
			for r := 0; r < 22; r++ {
				for q := 0; q < 30; q++ {
					want := packed[(blk.Start[0]+r/2)*pw+blk.Start[1]+q/2] / l.cfg.Scales[ch]
					if got := x[(ch*h+r)*w+q]; math.Abs(got-want) > 1e-12 {
						t.Fatalf("channel %d (%d, %d) = %v, want %v", ch, r, q, got, want)
					}
				}
			}
		}
	}
	// The fine state bands' last (odd) row is duplicated into row 21 and nothing lies beyond.
	for q := 0; q < 30; q++ {
		if x[21*w+q] != x[20*w+q] {
			t.Fatalf("row 21 col %d = %v, want the duplicate %v", q, x[21*w+q], x[20*w+q])
		}
	}
	known := l.Known()
	for i, k := range known {
		ch, r, q := i/(h*w), i/w%h, i%w
		if want := ch >= 4 || r >= 22 || q >= 30; k != want {
			t.Fatalf("known(%d, %d, %d) = %v", ch, r, q, k)
		}
		if k && ch < 8 && (r >= 22 || q >= 30) && x[i] != 0 {
			t.Fatalf("padding (%d, %d, %d) = %v", ch, r, q, x[i])
		}
	}
}

func TestSuperLayoutRefusesBadInput(t *testing.T) {
	l := superLayoutForTest(t, 41, 60)
	rng := rand.New(rand.NewPCG(7, 8))
	u, f := randomFieldsOf(rng, l.Config())
	cu, cf, _ := l.Coarsen(u, f)
	x := make([]float64, l.Dim())
	if err := l.Encode(u, f, cu[:len(cu)-30], cf, x); err == nil || !strings.Contains(err.Error(), "coarse") {
		t.Errorf("a coarse trajectory of the wrong resolution: %v", err)
	}
	cu[7] = math.NaN()
	if err := l.Encode(u, f, cu, cf, x); err == nil || !strings.Contains(err.Error(), "non-finite") {
		t.Errorf("a NaN in the coarse trajectory: %v", err)
	}
	if _, err := NewSuperLayout(LayoutConfig{Frames: 2, Cells: 60}); err == nil || !strings.Contains(err.Error(), "coarse") {
		t.Errorf("a 2-frame fine trajectory (a 1-frame coarse one): %v", err)
	}
	if _, err := NewSuperLayout(LayoutConfig{Frames: 41, Cells: 60, Space: SpacePhysical}); err == nil {
		t.Error("a physical-space super-resolution layout was accepted")
	}
}
