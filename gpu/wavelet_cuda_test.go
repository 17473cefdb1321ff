//go:build cuda || trajdiff_cuda

package gpu

import (
	"math"
	"testing"

	"github.com/trajdiff/trajdiff/wavelet"
)

// The wavelet kernels against package wavelet (PyWavelets-exact, float64). The device sums Taps products in
// float32 with float32 filters, so a band value is within the standard dot-product bound
// Taps 2^-23 sum_j |h_j| |x_j| of the float64 result: each of the Taps roundings of the running sum and the
// rounding of each filter value contributes at most 2^-24 times that magnitude. waveletTol is this bound
// with max|x| for |x_j| and the larger of the two filters' absolute sums.

// waveletCase is a bank, a mode and a batched axis shape.
type waveletCase struct {
	name            string
	mode            wavelet.Mode
	outer, n, inner int
}

func waveletCases() []waveletCase {
	var cs []waveletCase
	for _, b := range []struct {
		name string
		mode wavelet.Mode
	}{{"bior2.4", wavelet.ModePeriodization}, {"bior1.3", wavelet.ModeZero}} {
		// Odd and even lengths, batched before and after the axis; 1 to 7 are shorter than bior2.4's 10 taps,
		// so the periodic extension wraps more than once; 81 and 120 are Burgers' frames and cells.
		for _, s := range [][3]int{{2, 1, 3}, {1, 2, 2}, {1, 4, 1}, {3, 7, 2}, {2, 8, 3}, {1, 13, 5}, {2, 81, 1}, {1, 120, 3}} {
			cs = append(cs, waveletCase{b.name, b.mode, s[0], s[1], s[2]})
		}
	}
	return cs
}

func waveletBankOnDevice(t *testing.T, name string) (WaveletBank, Buffer) {
	t.Helper()
	b, err := NewWaveletBank(name)
	if err != nil {
		t.Fatal(err)
	}
	return b, upload(t, b.Filters)
}

// waveletTol is the float32 bound above for inputs of largest magnitude xmax.
func waveletTol(b WaveletBank, xmax float64) float64 {
	worst := 0.0
	for i := 0; i < 4; i++ {
		s := 0.0
		for _, v := range b.Filters[i*b.Taps : (i+1)*b.Taps] {
			s += math.Abs(float64(v))
		}
		worst = math.Max(worst, s)
	}
	return float64(b.Taps) * 0x1p-23 * worst * xmax
}

func maxAbs32(v []float32) float64 {
	m := 0.0
	for _, x := range v {
		m = math.Max(m, math.Abs(float64(x)))
	}
	return m
}

func to64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

func array64(t *testing.T, v []float32, shape ...int) *wavelet.Array[float64] {
	t.Helper()
	a, err := wavelet.NewArray(to64(v), shape...)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestGPUDWTAxisMatchesPyWavelets: the analysis and the synthesis along the middle axis equal package
// wavelet's DwtAxis and IdwtAxis (pywt.dwt and pywt.idwt with axis=1) for bior2.4 periodization and bior1.3
// zero, odd and even lengths, batched on both sides of the axis.
func TestGPUDWTAxisMatchesPyWavelets(t *testing.T) {
	s := testStream(t)
	worstA, worstS := 0.0, 0.0
	for i, c := range waveletCases() {
		bank, filt := waveletBankOnDevice(t, c.name)
		w := WaveletAxis{Outer: c.outer, N: c.n, Inner: c.inner, Taps: bank.Taps, Mode: c.mode}
		x32 := randomF32(uint64(100+i), w.signal(), 1)
		a, d := upload(t, make([]float32, w.bands())), upload(t, make([]float32, w.bands()))
		if err := s.DWTAxis(a, d, upload(t, x32), filt, w); err != nil {
			t.Fatal(err)
		}
		wa, wd, err := wavelet.DwtAxis(array64(t, x32, c.outer, c.n, c.inner), c.name, c.mode.String(), 1)
		if err != nil {
			t.Fatal(err)
		}
		tol := waveletTol(bank, maxAbs32(x32))
		for band, pair := range map[string][2]any{"a": {a, wa}, "d": {d, wd}} {
			got, want := download(t, pair[0].(Buffer)), pair[1].(*wavelet.Array[float64])
			if len(want.Data) != len(got) {
				t.Fatalf("%+v: %s band of %d values, pywt has %d", c, band, len(got), len(want.Data))
			}
			e := compare(got, want.Data).MaxAbs
			worstA = math.Max(worstA, e/tol)
			if !(e <= tol) {
				t.Errorf("%+v: analysis band %s: max |device - cpu| %.3g > %.3g", c, band, e, tol)
			}
		}
		// Synthesis of random bands (not of a's and d's: every coefficient vector is a valid input).
		a32 := randomF32(uint64(200+i), w.bands(), 1)
		d32 := randomF32(uint64(300+i), w.bands(), 1)
		y := upload(t, make([]float32, w.synthesis()))
		if err := s.IDWTAxis(y, upload(t, a32), upload(t, d32), filt, w); err != nil {
			t.Fatal(err)
		}
		m := w.CoeffLen()
		wy, err := wavelet.IdwtAxis(array64(t, a32, c.outer, m, c.inner), array64(t, d32, c.outer, m, c.inner), c.name, c.mode.String(), 1)
		if err != nil {
			t.Fatal(err)
		}
		if wy.Shape[1] != w.SynthesisLen() {
			t.Fatalf("%+v: synthesis length %d, pywt.idwt gives %d", c, w.SynthesisLen(), wy.Shape[1])
		}
		// Each output sums 2 x Taps/2 products of both bands: the same bound with twice the input magnitude.
		tolS := waveletTol(bank, 2*math.Max(maxAbs32(a32), maxAbs32(d32)))
		e := compare(download(t, y), wy.Data).MaxAbs
		worstS = math.Max(worstS, e/tolS)
		if !(e <= tolS) {
			t.Errorf("%+v: synthesis: max |device - cpu| %.3g > %.3g", c, e, tolS)
		}
	}
	t.Logf("dwt axis: worst error %.3f of the float32 bound; idwt axis: %.3f", worstA, worstS)
}

// TestGPUIDWTAxisAdjointIsTheTranspose: <S(a, d), g> = <(a, d), S^T g> for the synthesis S to float32
// rounding, and S^T g equals package wavelet's adjoint of the inverse (Plan.InverseAdjoint over axis 1).
func TestGPUIDWTAxisAdjointIsTheTranspose(t *testing.T) {
	s := testStream(t)
	worstDot, worstRef := 0.0, 0.0
	for i, c := range waveletCases() {
		bank, filt := waveletBankOnDevice(t, c.name)
		w := WaveletAxis{Outer: c.outer, N: c.n, Inner: c.inner, Taps: bank.Taps, Mode: c.mode}
		a32 := randomF32(uint64(400+i), w.bands(), 1)
		d32 := randomF32(uint64(500+i), w.bands(), 1)
		g32 := randomF32(uint64(600+i), w.synthesis(), 1)
		y := upload(t, make([]float32, w.synthesis()))
		ga, gd := upload(t, make([]float32, w.bands())), upload(t, make([]float32, w.bands()))
		if err := s.IDWTAxis(y, upload(t, a32), upload(t, d32), filt, w); err != nil {
			t.Fatal(err)
		}
		if err := s.IDWTAxisAdjoint(ga, gd, upload(t, g32), filt, w); err != nil {
			t.Fatal(err)
		}
		sy, sga, sgd := download(t, y), download(t, ga), download(t, gd)
		lhs, rhs, mag := 0.0, 0.0, 0.0
		for j, v := range sy {
			lhs += float64(v) * float64(g32[j])
			mag += math.Abs(float64(v) * float64(g32[j]))
		}
		for j := range sga {
			rhs += float64(a32[j])*float64(sga[j]) + float64(d32[j])*float64(sgd[j])
			mag += math.Abs(float64(a32[j])*float64(sga[j])) + math.Abs(float64(d32[j])*float64(sgd[j]))
		}
		// Both sides are float64 sums of float32 results, each within Taps 2^-23 relative of its exact value
		// (entrywise in the magnitudes), so they agree to Taps 2^-23 sum |terms| times the filters' gain.
		tolDot := waveletTol(bank, 1) * mag
		worstDot = math.Max(worstDot, math.Abs(lhs-rhs)/tolDot)
		if !(math.Abs(lhs-rhs) <= tolDot) {
			t.Errorf("%+v: <S a, g> = %.9g, <a, S^T g> = %.9g (tolerance %.3g)", c, lhs, rhs, tolDot)
		}
		// The CPU adjoint: Plan over axis 1 of the synthesis's shape, whose packed gradient holds the
		// approximation's gradient at [.., :m, ..] and the detail's at [.., m:, ..].
		p, err := wavelet.NewPlan[float64]([]int{c.outer, w.SynthesisLen(), c.inner}, c.name, c.mode.String(), 1, []int{1})
		if err != nil {
			t.Fatal(err)
		}
		if rs := p.ReconstructionShape(); rs[1] != w.SynthesisLen() {
			t.Fatalf("%+v: the plan reconstructs %v", c, rs)
		}
		packed, err := p.InverseAdjoint(to64(g32))
		if err != nil {
			t.Fatal(err)
		}
		lay := p.Layout()
		tol := waveletTol(bank, maxAbs32(g32))
		for band, pair := range map[string]struct {
			got []float32
			blk wavelet.Block
		}{"a": {sga, lay.Approx}, "d": {sgd, lay.Details[0]["d"]}} {
			want := cropBlock(packed, lay.Shape, pair.blk)
			e := compare(pair.got, want).MaxAbs
			worstRef = math.Max(worstRef, e/tol)
			if !(e <= tol) {
				t.Errorf("%+v: adjoint band %s: max |device - cpu| %.3g > %.3g", c, band, e, tol)
			}
		}
	}
	t.Logf("idwt adjoint: worst |<S a, g> - <a, S^T g>| %.3f of its bound; worst |device - cpu| %.3f of the float32 bound", worstDot, worstRef)
}

// cropBlock copies block b of a row-major array of shape out of data.
func cropBlock(data []float64, shape []int, b wavelet.Block) []float64 {
	offs := blockOffsets(shape, b)
	out := make([]float64, 0, len(offs))
	for _, off := range offs {
		out = append(out, data[off])
	}
	return out
}

// blockOffsets lists where the entries of block b (row-major, the last axis fastest) lie in a row-major
// array of shape.
func blockOffsets(shape []int, b wavelet.Block) []int {
	n := prodInts(b.Shape)
	offs := make([]int, n)
	idx := make([]int, len(b.Shape))
	for k := range n {
		r := k
		for i := len(b.Shape) - 1; i >= 0; i-- {
			idx[i] = r % b.Shape[i]
			r /= b.Shape[i]
		}
		off := 0
		for i := range shape {
			off = off*shape[i] + b.Start[i] + idx[i]
		}
		offs[k] = off
	}
	return offs
}

// bandOfPacked is band b (WaveletN's numbering) of a level-1 Plan's packed array, for each of batch tensors.
func bandOfPacked(p *wavelet.Plan[float64], packed []float64, b, ndim int) []float64 {
	lay := p.Layout()
	blk := lay.Approx
	if b != 0 {
		blk = lay.Details[0][WaveletBandKey(b, ndim)]
	}
	return cropBlock(packed, lay.Shape, blk)
}

// TestGPUWaveletNMatchesPlanAndRoundTrips: the separable transforms over WDNO's shapes (Burgers' 81 x 120
// bior2.4 periodization, a 3-D bior1.3 zero block as the smoke layout's, smaller than its 32^3 to keep the
// emulator fast, with odd and even axes) equal package wavelet's level-1 Plan (Forward, Inverse,
// InverseAdjoint), and the synthesis of the analysis recovers the signal.
func TestGPUWaveletNMatchesPlanAndRoundTrips(t *testing.T) {
	s := testStream(t)
	for i, c := range []struct {
		name  string
		mode  wavelet.Mode
		batch int
		shape []int
	}{
		{"bior2.4", wavelet.ModePeriodization, 2, []int{81, 120}},
		{"bior1.3", wavelet.ModeZero, 2, []int{9, 12, 11}},
		{"bior2.4", wavelet.ModePeriodization, 1, []int{8, 7, 10}},
		{"bior1.3", wavelet.ModeZero, 3, []int{15}},
	} {
		bank, filt := waveletBankOnDevice(t, c.name)
		w := WaveletN{Batch: c.batch, Shape: c.shape, Taps: bank.Taps, Mode: c.mode}
		nd := len(c.shape)
		sig, nb, nr := prodInts(c.shape), prodInts(w.BandShape()), prodInts(w.SynthesisShape())
		scratch := upload(t, make([]float32, max(1, w.ScratchLen())))
		x32 := randomF32(uint64(700+i), c.batch*sig, 1)
		bands := make([]Buffer, w.Bands())
		for b := range bands {
			bands[b] = upload(t, make([]float32, c.batch*nb))
		}
		if err := s.DWTN(bands, upload(t, x32), filt, scratch, w); err != nil {
			t.Fatal(err)
		}
		y := upload(t, make([]float32, c.batch*nr))
		if err := s.IDWTN(y, bands, filt, scratch, w); err != nil {
			t.Fatal(err)
		}
		g32 := randomF32(uint64(800+i), c.batch*nr, 1)
		gb := make([]Buffer, w.Bands())
		for b := range gb {
			gb[b] = upload(t, make([]float32, c.batch*nb))
		}
		if err := s.IDWTNAdjoint(gb, upload(t, g32), filt, scratch, w); err != nil {
			t.Fatal(err)
		}
		p, err := wavelet.NewPlan[float64](c.shape, c.name, c.mode.String(), 1, nil)
		if err != nil {
			t.Fatal(err)
		}
		// Each axis multiplies the float32 error bound by the filters' gain: nd passes of the 1-D bound.
		gain := waveletTol(bank, 1) / (float64(bank.Taps) * 0x1p-23)
		tolN := float64(nd) * waveletTol(bank, maxAbs32(x32)) * math.Pow(gain, float64(nd-1))
		var worstF, worstI, worstA, worstR float64
		yd, gbd := download(t, y), make([][]float32, len(gb))
		for b := range gb {
			gbd[b] = download(t, gb[b])
		}
		for e := 0; e < c.batch; e++ {
			xe := to64(x32[e*sig : (e+1)*sig])
			packed, err := p.Forward(xe)
			if err != nil {
				t.Fatal(err)
			}
			for b := range bands {
				got := download(t, bands[b])[e*nb : (e+1)*nb]
				worstF = math.Max(worstF, compare(got, bandOfPacked(p, packed, b, nd)).MaxAbs)
			}
			// The CPU inverse of the device's bands (in float64) against the device's synthesis.
			devPacked := make([]float64, prodInts(p.Layout().Shape))
			for b := range bands {
				blk := p.Layout().Approx
				if b != 0 {
					blk = p.Layout().Details[0][WaveletBandKey(b, nd)]
				}
				scatterBlock(devPacked, p.Layout().Shape, blk, to64(download(t, bands[b])[e*nb:(e+1)*nb]))
			}
			inv, err := p.Inverse(devPacked)
			if err != nil {
				t.Fatal(err)
			}
			worstI = math.Max(worstI, compare(yd[e*nr:(e+1)*nr], inv).MaxAbs)
			// Round trip: the synthesis cropped to the signal's shape is the signal.
			rec := cropBlock(to64(yd[e*nr:(e+1)*nr]), w.SynthesisShape(), wavelet.Block{Start: make([]int, nd), Shape: c.shape})
			for j, v := range rec {
				worstR = math.Max(worstR, math.Abs(v-xe[j]))
			}
			ga, err := p.InverseAdjoint(to64(g32[e*nr : (e+1)*nr]))
			if err != nil {
				t.Fatal(err)
			}
			for b := range gb {
				worstA = math.Max(worstA, compare(gbd[b][e*nb:(e+1)*nb], bandOfPacked(p, ga, b, nd)).MaxAbs)
			}
		}
		tolI := float64(nd) * waveletTol(bank, 2*maxAbs32(yd)) * math.Pow(gain, float64(nd-1))
		tolA := float64(nd) * waveletTol(bank, maxAbs32(g32)) * math.Pow(gain, float64(nd-1))
		// The round trip composes both: the analysis's error through the synthesis's gain, plus the synthesis's.
		tolR := tolN*math.Pow(gain, float64(nd)) + tolI
		for _, r := range []struct {
			what     string
			err, tol float64
		}{{"dwtn vs Plan.Forward", worstF, tolN}, {"idwtn vs Plan.Inverse", worstI, tolI},
			{"idwtn adjoint vs Plan.InverseAdjoint", worstA, tolA}, {"idwtn(dwtn(x)) vs x", worstR, tolR}} {
			if !(r.err <= r.tol) {
				t.Errorf("%s %v %v: %s: max error %.3g > %.3g", c.name, c.mode, c.shape, r.what, r.err, r.tol)
			}
			t.Logf("%s %v batch %d %v: %s: max error %.3g (bound %.3g)", c.name, c.mode, c.batch, c.shape, r.what, r.err, r.tol)
		}
	}
}

// scatterBlock writes v into block b of a row-major array of shape.
func scatterBlock(data []float64, shape []int, b wavelet.Block, v []float64) {
	for k, off := range blockOffsets(shape, b) {
		data[off] = v[k]
	}
}

// TestGPUWaveletRejectsBadShapes: wrong operand lengths, modes the device lacks, odd banks and short scratch
// are errors before anything is launched.
func TestGPUWaveletRejectsBadShapes(t *testing.T) {
	s := testStream(t)
	bank, filt := waveletBankOnDevice(t, "bior2.4")
	w := WaveletAxis{Outer: 1, N: 8, Inner: 1, Taps: bank.Taps, Mode: wavelet.ModePeriodization}
	x, a := upload(t, make([]float32, 8)), upload(t, make([]float32, 4))
	if err := s.DWTAxis(a, a, x, filt, w); err != nil {
		t.Fatalf("a valid call failed: %v", err)
	}
	if err := s.DWTAxis(a, a, a, filt, w); err == nil {
		t.Error("a signal of the wrong length was accepted")
	}
	if err := s.IDWTAxis(a, a, a, filt, w); err == nil {
		t.Error("a synthesis output of the wrong length was accepted")
	}
	if err := s.DWTAxis(a, a, x, a, w); err == nil {
		t.Error("filters of the wrong length were accepted")
	}
	sym := w
	sym.Mode = wavelet.ModeSymmetric
	if err := s.IDWTAxisAdjoint(a, a, x, filt, sym); err == nil {
		t.Error("mode symmetric was accepted")
	}
	n := WaveletN{Batch: 1, Shape: []int{8, 8}, Taps: bank.Taps, Mode: wavelet.ModePeriodization}
	bands := []Buffer{upload(t, make([]float32, 16)), upload(t, make([]float32, 16)), upload(t, make([]float32, 16)), upload(t, make([]float32, 16))}
	if err := s.DWTN(bands, upload(t, make([]float32, 64)), filt, upload(t, make([]float32, n.ScratchLen()-1)), n); err == nil {
		t.Error("a short scratch was accepted")
	}
	if err := s.DWTN(bands[:3], upload(t, make([]float32, 64)), filt, upload(t, make([]float32, n.ScratchLen())), n); err == nil {
		t.Error("three bands of a 2-D transform were accepted")
	}
}
