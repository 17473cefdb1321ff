package wavelet

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// Closed form from PyWavelets' documentation: Haar averages and differences of neighbouring pairs.
func TestHaarClosedForm(t *testing.T) {
	cA, cD, err := Dwt([]float64{1, 2, 3, 4, 5, 6}, "db1", "symmetric")
	if err != nil {
		t.Fatal(err)
	}
	s := 1 / math.Sqrt2
	for i, want := range []float64{3 * s, 7 * s, 11 * s} {
		if math.Abs(cA[i]-want) > 1e-15 || math.Abs(cD[i]+s) > 1e-15 {
			t.Errorf("coefficient %d: cA=%v cD=%v, want %v and %v", i, cA[i], cD[i], want, -s)
		}
	}
}

// prDefect measures how far a filter bank is from perfect reconstruction: the largest error of one
// periodization analysis/synthesis round trip of a unit impulse (the operator is 2-shift invariant, so
// impulses at two positions cover it).
func prDefect(t *testing.T, name string) float64 {
	w, _ := NewWavelet(name)
	n := 4 * w.DecLen()
	worst := 0.0
	for pos := 0; pos < 2; pos++ {
		x := make([]float64, n)
		x[pos] = 1
		a, d, err := Dwt(x, name, "periodization")
		if err != nil {
			t.Fatal(err)
		}
		r, err := Idwt(a, d, name, "periodization")
		if err != nil {
			t.Fatal(err)
		}
		for i := range x {
			worst = math.Max(worst, math.Abs(r[i]-x[i]))
		}
	}
	return worst
}

// Round trips are exact to 1e-12 up to the filter bank's own defect: for every wavelet and mode,
// |waverec(wavedec(x)) - x| <= 1e-12 + defect·Σ|x| (the triangle inequality over impulses). The defect
// is at rounding level except for filters PyWavelets tabulates with fewer digits (some sym, bior 4.4,
// 5.5) and dmey, a finite approximation of the Meyer wavelet.
func TestPerfectReconstruction(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for _, name := range Wavelist() {
		defect := prDefect(t, name)
		if defect > 1e-14 {
			t.Logf("%s: filter-bank reconstruction defect %.2g", name, defect)
		}
		if name != "dmey" && defect > 1e-10 {
			t.Errorf("%s: filter-bank reconstruction defect %.3g", name, defect)
		}
		w, _ := NewWavelet(name)
		for _, mode := range Modes() {
			for _, n := range []int{4*(w.DecLen()-1) + 1, 4 * (w.DecLen() - 1)} {
				x := randVec(rng, n)
				c, err := Wavedec(x, name, mode, MaxLevel)
				if err != nil {
					t.Fatal(err)
				}
				r, err := Waverec(c, name, mode)
				if err != nil {
					t.Fatal(err)
				}
				l1 := 0.0
				for _, v := range x {
					l1 += math.Abs(v)
				}
				bound := 1e-12 + defect*l1*float64(len(c))
				for i := range x {
					if d := math.Abs(r[i] - x[i]); d > bound {
						t.Fatalf("%s/%s n=%d: |rec-x|[%d] = %.3g > %.3g", name, mode, n, i, d, bound)
					}
				}
			}
		}
	}
}

// Independent checks of the generated filters: low-pass sums to √2, high-pass to 0, orthogonal banks
// are orthonormal under even shifts, and the analysis high-pass of orthogonal families annihilates
// polynomials up to its number of vanishing moments (capped at degree 3 to stay well conditioned).
func TestFilterBankAlgebra(t *testing.T) {
	for _, name := range Wavelist() {
		w, _ := NewWavelet(name)
		f := w.DecLen()
		if f%2 != 0 || len(w.RecLo) != f || len(w.DecHi) != f || len(w.RecHi) != f {
			t.Errorf("%s: filter lengths %d %d %d %d", name, len(w.DecLo), len(w.DecHi), len(w.RecLo), len(w.RecHi))
			continue
		}
		tol := 1e-10
		if name == "dmey" {
			tol = 5e-3 // a truncated FIR approximation of the Meyer wavelet
		}
		sum := func(h []float64) float64 {
			s := 0.0
			for _, v := range h {
				s += v
			}
			return s
		}
		if d := math.Abs(sum(w.DecLo) - math.Sqrt2); d > tol {
			t.Errorf("%s: Σ dec_lo = %v", name, sum(w.DecLo))
		}
		if d := math.Abs(sum(w.RecLo) - math.Sqrt2); d > tol {
			t.Errorf("%s: Σ rec_lo = %v", name, sum(w.RecLo))
		}
		if math.Abs(sum(w.DecHi)) > tol || math.Abs(sum(w.RecHi)) > tol {
			t.Errorf("%s: high-pass filters do not sum to 0", name)
		}
		if !w.Orthogonal {
			continue
		}
		for m := 0; 2*m < f; m++ {
			s := 0.0
			for k := 0; k+2*m < f; k++ {
				s += w.DecLo[k] * w.DecLo[k+2*m]
			}
			want := 0.0
			if m == 0 {
				want = 1
			}
			if math.Abs(s-want) > tol {
				t.Errorf("%s: Σ h[k]h[k+%d] = %v, want %v", name, 2*m, s, want)
			}
		}
		for p := 1; p < min(w.VanishingMomentsPsi, 4); p++ {
			s, scale := 0.0, 0.0
			for k, g := range w.DecHi {
				v := g * math.Pow(float64(k), float64(p))
				s += v
				scale += math.Abs(v)
			}
			if math.Abs(s) > 1e-8*scale {
				t.Errorf("%s: moment %d of dec_hi = %.3g (scale %.3g)", name, p, s, scale)
			}
		}
	}
}

// Orthogonal wavelets in periodization mode preserve energy (Parseval) and commute with circular
// shifts by two samples (one coefficient).
func TestPeriodizationParsevalAndShift(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	for _, name := range []string{"haar", "db4", "sym8", "coif3", "db20"} {
		x := randVec(rng, 128)
		c, err := Wavedec(x, name, "periodization", MaxLevel)
		if err != nil {
			t.Fatal(err)
		}
		e := 0.0
		for _, b := range c {
			e += dot(b, b)
		}
		if d := math.Abs(e - dot(x, x)); d > 1e-11*dot(x, x) {
			t.Errorf("%s: Σ|c|² = %v, |x|² = %v", name, e, dot(x, x))
		}
		a, d, _ := Dwt(x, name, "periodization")
		xs := append(append([]float64(nil), x[2:]...), x[:2]...) // shift left by two
		as, ds, _ := Dwt(xs, name, "periodization")
		for i := range as {
			j := (i + 1) % len(a)
			if math.Abs(as[i]-a[j]) > 1e-13 || math.Abs(ds[i]-d[j]) > 1e-13 {
				t.Fatalf("%s: shifting x by 2 does not shift the coefficients by 1", name)
			}
		}
	}
}

// Strided axes (gathered in tiles) give exactly the contiguous-row results, and the worker count does
// not change a single bit.
func TestAxesAndWorkersAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	const b, n, k = 3, 37, 21
	x := &Array[float64]{Shape: []int{b, n, k}, Data: randVec(rng, b*n*k)}
	xt := Zeros[float64](b, k, n) // x with the last two axes swapped
	for i := 0; i < b; i++ {
		for j := 0; j < n; j++ {
			for l := 0; l < k; l++ {
				xt.Data[(i*k+l)*n+j] = x.Data[(i*n+j)*k+l]
			}
		}
	}
	for _, mode := range Modes() {
		a1, d1, err := DwtAxis(x, "sym5", mode, 1, WithWorkers(1))
		if err != nil {
			t.Fatal(err)
		}
		a2, d2, err := DwtAxis(xt, "sym5", mode, -1, WithWorkers(3))
		if err != nil {
			t.Fatal(err)
		}
		L := a1.Shape[1]
		for i := 0; i < b; i++ {
			for j := 0; j < L; j++ {
				for l := 0; l < k; l++ {
					p, q := (i*L+j)*k+l, (i*k+l)*L+j
					if a1.Data[p] != a2.Data[q] || d1.Data[p] != d2.Data[q] {
						t.Fatalf("%s: strided and contiguous transforms differ at (%d,%d,%d)", mode, i, j, l)
					}
				}
			}
		}
		r1, err := IdwtAxis(a1, d1, "sym5", mode, 1, WithWorkers(4))
		if err != nil {
			t.Fatal(err)
		}
		r2, err := IdwtAxis(a2, d2, "sym5", mode, 2, WithWorkers(1))
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < b; i++ {
			for j := 0; j < n; j++ {
				for l := 0; l < k; l++ {
					if r1.Data[(i*r1.Shape[1]+j)*k+l] != r2.Data[(i*k+l)*r2.Shape[2]+j] {
						t.Fatalf("%s: strided and contiguous inverses differ", mode)
					}
				}
			}
		}
	}
	// A batch large enough to be split across goroutines gives the serial result bit for bit.
	big := &Array[float64]{Shape: []int{8, 3, 64, 64}, Data: randVec(rng, 8*3*64*64)}
	c1, err := Dwtn(big, "db4", "symmetric", []int{2, 3}, WithWorkers(1))
	if err != nil {
		t.Fatal(err)
	}
	c4, err := Dwtn(big, "db4", "symmetric", []int{2, 3}, WithWorkers(4))
	if err != nil {
		t.Fatal(err)
	}
	for key, v := range c1 {
		for i := range v.Data {
			if v.Data[i] != c4[key].Data[i] {
				t.Fatalf("band %s differs between 1 and 4 workers", key)
			}
		}
	}
}

// float32 transforms agree with float64 to single precision.
func TestFloat32MatchesFloat64(t *testing.T) {
	rng := rand.New(rand.NewPCG(27, 28))
	shape := []int{2, 19, 16}
	x64 := &Array[float64]{Shape: shape, Data: randVec(rng, 2*19*16)}
	x32 := &Array[float32]{Shape: shape, Data: make([]float32, len(x64.Data))}
	for i, v := range x64.Data {
		x32.Data[i] = float32(v)
	}
	for _, mode := range Modes() {
		c64, err := Wavedecn(x64, "bior2.4", mode, MaxLevel, []int{1, 2})
		if err != nil {
			t.Fatal(err)
		}
		c32, err := Wavedecn(x32, "bior2.4", mode, MaxLevel, []int{1, 2})
		if err != nil {
			t.Fatal(err)
		}
		cmp := func(what string, a *Array[float32], b *Array[float64]) {
			for i := range b.Data {
				if math.Abs(float64(a.Data[i])-b.Data[i]) > 2e-5*(1+math.Abs(b.Data[i])) {
					t.Fatalf("%s %s[%d]: float32 %v, float64 %v", mode, what, i, a.Data[i], b.Data[i])
				}
			}
		}
		cmp("approx", c32.Approx, c64.Approx)
		for l := range c64.Details {
			for k := range c64.Details[l] {
				cmp(fmt.Sprintf("level %d %s", l, k), c32.Details[l][k], c64.Details[l][k])
			}
		}
		r32, err := Waverecn(c32, "bior2.4", mode, []int{1, 2})
		if err != nil {
			t.Fatal(err)
		}
		for i := range x64.Data {
			if math.Abs(float64(r32.Data[i])-x64.Data[i]) > 1e-5*(1+math.Abs(x64.Data[i])) {
				t.Fatalf("%s: float32 round trip [%d] = %v, want %v", mode, i, r32.Data[i], x64.Data[i])
			}
		}
	}
}

// Packing with CoeffsToArray and unpacking with ArrayToCoeffs is lossless, and the Plan's packed
// forward transform equals it.
func TestPackedLayoutRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(29, 30))
	x := &Array[float64]{Shape: []int{2, 23, 18}, Data: randVec(rng, 2*23*18)}
	c, err := Wavedecn(x, "db3", "smooth", MaxLevel, []int{1, 2})
	if err != nil {
		t.Fatal(err)
	}
	arr, lay, err := CoeffsToArray(c, []int{1, 2})
	if err != nil {
		t.Fatal(err)
	}
	back, err := ArrayToCoeffs(arr, lay)
	if err != nil {
		t.Fatal(err)
	}
	r1, err := Waverecn(c, "db3", "smooth", []int{1, 2})
	if err != nil {
		t.Fatal(err)
	}
	r2, err := Waverecn(back, "db3", "smooth", []int{1, 2})
	if err != nil {
		t.Fatal(err)
	}
	for i := range r1.Data {
		if r1.Data[i] != r2.Data[i] {
			t.Fatal("unpacked coefficients reconstruct differently")
		}
	}
	p, err := NewPlan[float64](x.Shape, "db3", "smooth", MaxLevel, []int{1, 2})
	if err != nil {
		t.Fatal(err)
	}
	y, err := p.Forward(x.Data)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.PackedShape(), arr.Shape) {
		t.Fatalf("plan packed shape %v, CoeffsToArray %v", p.PackedShape(), arr.Shape)
	}
	for i := range y {
		if y[i] != arr.Data[i] {
			t.Fatalf("plan packing differs at %d", i)
		}
	}
	rx, err := p.Inverse(y)
	if err != nil {
		t.Fatal(err)
	}
	for i := range rx {
		if rx[i] != r1.Data[i] {
			t.Fatalf("plan inverse differs from Waverecn at %d", i)
		}
	}
}

// Strided axes wider than one lane chunk, and inverse transforms with a missing band, agree with the
// 1-D transform of every column.
func TestStridedAxisMatchesColumns(t *testing.T) {
	rng := rand.New(rand.NewPCG(33, 34))
	const n, lanes = 19, 2*laneChunk + 37
	x := &Array[float64]{Shape: []int{2, n, lanes}, Data: randVec(rng, 2*n*lanes)}
	col := func(a *Array[float64], b, l int) []float64 {
		m := a.Shape[1]
		c := make([]float64, m)
		for i := range c {
			c[i] = a.Data[(b*m+i)*lanes+l]
		}
		return c
	}
	for _, mode := range Modes() {
		for _, wav := range []string{"db3", "bior3.1"} {
			a, d, err := DwtAxis(x, wav, mode, 1)
			if err != nil {
				t.Fatal(err)
			}
			ra, err := IdwtAxis(a, nil, wav, mode, 1)
			if err != nil {
				t.Fatal(err)
			}
			rd, err := IdwtAxis(nil, d, wav, mode, 1)
			if err != nil {
				t.Fatal(err)
			}
			for b := 0; b < 2; b++ {
				for _, l := range []int{0, 5, laneChunk - 1, laneChunk, 2*laneChunk + 36} {
					wa, wd, err := Dwt(col(x, b, l), wav, mode)
					if err != nil {
						t.Fatal(err)
					}
					ga, gd := col(a, b, l), col(d, b, l)
					wra, _ := Idwt(wa, nil, wav, mode)
					wrd, _ := Idwt(nil, wd, wav, mode)
					for i := range wa {
						if ga[i] != wa[i] || gd[i] != wd[i] {
							t.Fatalf("%s/%s lane %d: strided DWT differs from the column's", wav, mode, l)
						}
					}
					gra, grd := col(ra, b, l), col(rd, b, l)
					for i := range wra {
						if gra[i] != wra[i] || grd[i] != wrd[i] {
							t.Fatalf("%s/%s lane %d: strided IDWT with a missing band differs from the column's", wav, mode, l)
						}
					}
				}
			}
		}
	}
}

// The blocked evaluation of batched N-D transforms gives the axis-by-axis result bit for bit.
func TestBlockedMatchesAxisByAxis(t *testing.T) {
	rng := rand.New(rand.NewPCG(35, 36))
	x := &Array[float64]{Shape: []int{5, 3, 11, 10}, Data: randVec(rng, 5*3*11*10)}
	w, _ := NewWavelet("sym3")
	fl := newFilters[float64](w)
	for _, name := range Modes() {
		m, _ := ParseMode(name)
		for _, axes := range [][]int{{2, 3}, {1, 2, 3}, {3, 1}, {2}} {
			blocked, err := dwtn(x, fl, m, axes, config{workers: 2})
			if err != nil {
				t.Fatal(err)
			}
			plain, err := dwtn(x, fl, m, axes, config{workers: 2, noBlock: true})
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range plain {
				if !slices.Equal(v.Shape, blocked[k].Shape) {
					t.Fatalf("%s %v band %s: shapes %v vs %v", name, axes, k, v.Shape, blocked[k].Shape)
				}
				for i := range v.Data {
					if v.Data[i] != blocked[k].Data[i] {
						t.Fatalf("%s %v band %s differs", name, axes, k)
					}
				}
			}
			delete(plain, bandKeys(len(axes))[1]) // a missing band counts as zeros
			r1, err := idwtn(plain, fl, m, axes, config{workers: 2})
			if err != nil {
				t.Fatal(err)
			}
			r2, err := idwtn(plain, fl, m, axes, config{workers: 2, noBlock: true})
			if err != nil {
				t.Fatal(err)
			}
			for i := range r1.Data {
				if r1.Data[i] != r2.Data[i] {
					t.Fatalf("%s %v: blocked inverse differs", name, axes)
				}
			}
		}
	}
}

// Long 1-D rows are spread over goroutines in blocks; the result is the serial one bit for bit.
func TestLongRowSplitMatchesSerial(t *testing.T) {
	rng := rand.New(rand.NewPCG(37, 38))
	x := randVec(rng, 3*minSplit+5)
	for _, mode := range []string{"symmetric", "periodization"} {
		w, _ := NewWavelet("coif2")
		fl := newFilters[float64](w)
		m, _ := ParseMode(mode)
		par := &workspace[float64]{par: 4}
		a1, d1 := dwt1(par, x, fl, m)
		a2, d2 := dwt1(&workspace[float64]{}, x, fl, m)
		for i := range a1 {
			if a1[i] != a2[i] || d1[i] != d2[i] {
				t.Fatalf("%s: split DWT differs at %d", mode, i)
			}
		}
		r1, err := idwt1(par, a1, d1, fl, m)
		if err != nil {
			t.Fatal(err)
		}
		r2, _ := idwt1(&workspace[float64]{}, a1, d1, fl, m)
		for i := range r1 {
			if r1[i] != r2[i] {
				t.Fatalf("%s: split IDWT differs at %d", mode, i)
			}
		}
	}
}
