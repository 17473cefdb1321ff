package wavelet

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// Levels above dwt_max_level lose nothing: every level is a perfect-reconstruction step of its own
// input, however dominated by the extension, so the inverses recover the signal. This is checked here
// for random signals well beyond the reference cases (which pin the exact coefficients).

// aboveMaxWavelets mixes two-tap, short, long and biorthogonal filters; dmey is left out because its
// filter bank is only approximately perfect-reconstruction.
var aboveMaxWavelets = []string{"haar", "db2", "bior3.5", "rbio2.8", "coif7", "coif9", "db20", "sym20"}

// roundTripTol bounds |waverec(wavedec(x)) - x| for coefficient bands c. Each synthesis step is exact up
// to rounding, relative to the largest coefficient (the smooth mode's linear extrapolation inflates
// them level after level), plus the filter bank's own defect times the l1 norm of its input (the
// triangle inequality over impulses, as in TestPerfectReconstruction), once per band; sym20's
// tabulated filters have a defect of about 1e-11, the others rounding level.
func roundTripTol(c [][]float64, defect float64) float64 {
	largest, l1 := 0.0, 0.0
	for _, b := range c {
		for _, v := range b {
			largest = math.Max(largest, math.Abs(v))
			l1 += math.Abs(v)
		}
	}
	return (1e-12*(1+largest) + defect*l1) * float64(len(c))
}

// loopsForever reports the error Wavedec returns where PyWavelets would loop forever (a one-sample
// approximation in reflect or antireflect mode), which two-tap filters reach above the maximum.
func loopsForever(err error, mode string) bool {
	return err != nil && (mode == "reflect" || mode == "antireflect") && strings.Contains(err.Error(), "at least 2 samples")
}

func maxAbsDiff(t *testing.T, name string, got, want []float64) float64 {
	t.Helper()
	if len(got) < len(want) {
		t.Fatalf("%s: reconstruction has %d samples, signal %d", name, len(got), len(want))
	}
	worst := 0.0
	for i := range want {
		worst = math.Max(worst, math.Abs(got[i]-want[i]))
	}
	return worst
}

func TestWaverecInvertsLevelsAboveMax(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	worst := 0.0
	for _, name := range aboveMaxWavelets {
		w, _ := NewWavelet(name)
		defect := prDefect(t, name)
		for _, mode := range Modes() {
			// Shorter than the filter, about as long, and several filter lengths long.
			for _, n := range []int{3, w.DecLen() - 1, 3*w.DecLen() + 1} {
				top := w.DwtMaxLevel(n)
				for _, level := range []int{top + 1, top + 4} {
					wname := fmt.Sprintf("%s/%s n=%d level=%d (max %d)", name, mode, n, level, top)
					x := randVec(rng, n)
					c, err := Wavedec(x, name, mode, level)
					if loopsForever(err, mode) {
						continue
					}
					if err != nil {
						t.Fatalf("%s: %v", wname, err)
					}
					back, err := Waverec(c, name, mode)
					if err != nil {
						t.Fatalf("%s: Waverec: %v", wname, err)
					}
					d := maxAbsDiff(t, wname, back, x)
					tol := roundTripTol(c, defect)
					if d > tol {
						t.Errorf("%s: |waverec(wavedec(x)) - x| = %.3g > %.3g", wname, d, tol)
					}
					worst = math.Max(worst, d/tol)
				}
			}
		}
	}
	t.Logf("worst 1-D round-trip error: %.3g of the tolerance", worst)
}

// The 2-D and N-D forms and the packed Plan invert levels above the maximum of the shorter axis too.
func TestNDInversesInvertLevelsAboveMax(t *testing.T) {
	rng := rand.New(rand.NewPCG(43, 44))
	shape, axes := []int{2, 5, 12}, []int{1, 2}
	for _, name := range []string{"db2", "bior3.5", "coif7", "sym20"} {
		for _, mode := range Modes() {
			top, _ := DwtnMaxLevel(shape, name, axes)
			level := top + 2
			wname := fmt.Sprintf("%s/%s %v level=%d (max %d)", name, mode, shape, level, top)
			x := &Array[float64]{Shape: shape, Data: randVec(rng, 2*5*12)}
			defect := prDefect(t, name)

			c2, err := Wavedec2(x, name, mode, level, axes)
			if err != nil {
				t.Fatalf("%s: Wavedec2: %v", wname, err)
			}
			back, err := Waverec2(c2, name, mode, axes)
			if err != nil {
				t.Fatalf("%s: Waverec2: %v", wname, err)
			}
			bands := [][]float64{c2.Approx.Data}
			for _, d := range c2.Details {
				bands = append(bands, d.H.Data, d.V.Data, d.D.Data)
			}
			tol := roundTripTol(bands, defect)
			if d := maxAbsDiff(t, wname, crop(back, shape).Data, x.Data); d > tol {
				t.Errorf("%s: |waverec2(wavedec2(x)) - x| = %.3g > %.3g", wname, d, tol)
			}

			cn, err := Wavedecn(x, name, mode, level, axes)
			if err != nil {
				t.Fatalf("%s: Wavedecn: %v", wname, err)
			}
			if back, err = Waverecn(cn, name, mode, axes); err != nil {
				t.Fatalf("%s: Waverecn: %v", wname, err)
			}
			if d := maxAbsDiff(t, wname, crop(back, shape).Data, x.Data); d > tol {
				t.Errorf("%s: |waverecn(wavedecn(x)) - x| = %.3g > %.3g", wname, d, tol)
			}

			p, err := NewPlan[float64](shape, name, mode, level, axes)
			if err != nil {
				t.Fatalf("%s: NewPlan: %v", wname, err)
			}
			y, err := p.Forward(x.Data)
			if err != nil {
				t.Fatalf("%s: Forward: %v", wname, err)
			}
			inv, err := p.Inverse(y)
			if err != nil {
				t.Fatalf("%s: Inverse: %v", wname, err)
			}
			r := &Array[float64]{Shape: p.ReconstructionShape(), Data: inv}
			// The packed array holds the same coefficients: the same bound with one term per band.
			tol = roundTripTol([][]float64{y}, defect) * float64(len(bands))
			if d := maxAbsDiff(t, wname, crop(r, shape).Data, x.Data); d > tol {
				t.Errorf("%s: |Plan.Inverse(Plan.Forward(x)) - x| = %.3g > %.3g", wname, d, tol)
			}
		}
	}
}
