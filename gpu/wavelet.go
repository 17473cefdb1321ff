package gpu

import (
	"fmt"

	"github.com/trajdiff/trajdiff/wavelet"
)

// WaveletBank is a discrete wavelet's filter bank as the device kernels read it: dec_lo, dec_hi, rec_lo,
// rec_hi (package wavelet's PyWavelets tables) rounded to float32 and laid end to end, Taps values each.
type WaveletBank struct {
	Name    string
	Taps    int
	Filters []float32 // 4 Taps values
}

// NewWaveletBank looks a wavelet up in package wavelet (PyWavelets' names, e.g. "bior2.4").
func NewWaveletBank(name string) (WaveletBank, error) {
	w, err := wavelet.NewWavelet(name)
	if err != nil {
		return WaveletBank{}, fmt.Errorf("gpu: wavelet bank: %w", err)
	}
	f := w.DecLen()
	b := WaveletBank{Name: name, Taps: f, Filters: make([]float32, 0, 4*f)}
	for _, h := range [][]float64{w.DecLo, w.DecHi, w.RecLo, w.RecHi} {
		if len(h) != f {
			return WaveletBank{}, fmt.Errorf("gpu: wavelet %s: filters of unequal lengths", name)
		}
		for _, v := range h {
			b.Filters = append(b.Filters, float32(v))
		}
	}
	return b, nil
}

// waveletModeCode is the kernels' mode argument (WAVELET_PERIODIZATION, WAVELET_ZERO in kernels/wavelet.cu):
// the two extension modes the device implements.
func waveletModeCode(m wavelet.Mode) (int64, error) {
	switch m {
	case wavelet.ModePeriodization:
		return 0, nil
	case wavelet.ModeZero:
		return 1, nil
	}
	return 0, fmt.Errorf("gpu: wavelet mode %v: the device implements periodization and zero only", m)
}

// WaveletAxis describes one level of PyWavelets' DWT along the middle axis of a row-major tensor
// [Outer, N, Inner] with a bank of Taps filter values: the analysis gives two bands [Outer, CoeffLen(), Inner]
// (pywt.dwt along that axis), the synthesis of two such bands gives [Outer, SynthesisLen(), Inner] (pywt.idwt,
// which for an odd N returns N+1 values: the caller crops, as pywt.waverec does).
type WaveletAxis struct {
	Outer, N, Inner int
	Taps            int
	Mode            wavelet.Mode
}

// CoeffLen is PyWavelets' dwt_coeff_len: ceil(N/2) for periodization, floor((N + Taps - 1)/2) for zero.
func (w WaveletAxis) CoeffLen() int {
	if w.Mode == wavelet.ModePeriodization {
		return (w.N + 1) / 2
	}
	return (w.N + w.Taps - 1) / 2
}

// SynthesisLen is pywt.idwt's output length for CoeffLen() coefficients: 2m for periodization, 2m - Taps + 2
// for zero; in both modes N rounded up to even.
func (w WaveletAxis) SynthesisLen() int {
	m := w.CoeffLen()
	if w.Mode == wavelet.ModePeriodization {
		return 2 * m
	}
	return 2*m - w.Taps + 2
}

// Validate checks that the sizes are positive, the bank has an even number of taps and the mode is one the
// device implements.
func (w WaveletAxis) Validate() error {
	if w.Outer < 1 || w.N < 1 || w.Inner < 1 {
		return fmt.Errorf("gpu: wavelet axis %+v: sizes must be positive", w)
	}
	if w.Taps < 2 || w.Taps%2 != 0 {
		return fmt.Errorf("gpu: wavelet axis %+v: a filter bank has an even number of taps, at least 2", w)
	}
	if _, err := waveletModeCode(w.Mode); err != nil {
		return err
	}
	return nil
}

// signal, bands and synthesis are the value counts of the three tensors.
func (w WaveletAxis) signal() int    { return w.Outer * w.N * w.Inner }
func (w WaveletAxis) bands() int     { return w.Outer * w.CoeffLen() * w.Inner }
func (w WaveletAxis) synthesis() int { return w.Outer * w.SynthesisLen() * w.Inner }

// WaveletN describes one level of PyWavelets' separable DWT over every axis of Shape (pywt.dwtn with all
// axes), for Batch tensors at once: the input is [Batch, Shape...] row-major, the 2^len(Shape) bands are
// [Batch, BandShape()...] each, and band b is detail along axis i when bit i of b is set (WaveletBandKey(b)
// is its pywt.dwtn key: b = 1 is "da" in 2-D). The synthesis (pywt.idwtn) gives [Batch, SynthesisShape()...].
type WaveletN struct {
	Batch int
	Shape []int
	Taps  int
	Mode  wavelet.Mode
}

// WaveletBandKey is the pywt.dwtn key of band b over ndim axes: letter i is 'd' when bit i of b is set.
func WaveletBandKey(b, ndim int) string {
	k := make([]byte, ndim)
	for i := range k {
		k[i] = 'a'
		if b>>i&1 == 1 {
			k[i] = 'd'
		}
	}
	return string(k)
}

func (w WaveletN) axis(n int) WaveletAxis {
	return WaveletAxis{Outer: 1, N: n, Inner: 1, Taps: w.Taps, Mode: w.Mode}
}

// BandShape is the shape of each band: CoeffLen along every axis.
func (w WaveletN) BandShape() []int {
	s := make([]int, len(w.Shape))
	for i, n := range w.Shape {
		s[i] = w.axis(n).CoeffLen()
	}
	return s
}

// SynthesisShape is the shape pywt.idwtn reconstructs from the bands: every axis rounded up to even.
func (w WaveletN) SynthesisShape() []int {
	s := make([]int, len(w.Shape))
	for i, n := range w.Shape {
		s[i] = w.axis(n).SynthesisLen()
	}
	return s
}

// Bands is the number of bands, 2^len(Shape).
func (w WaveletN) Bands() int { return 1 << len(w.Shape) }

// Validate checks the batch, the shape (1 to 3 axes, as WDNO's layouts need: more would only multiply the
// scratch) and every axis.
func (w WaveletN) Validate() error {
	if w.Batch < 1 || len(w.Shape) < 1 || len(w.Shape) > 3 {
		return fmt.Errorf("gpu: wavelet %+v: a positive batch and 1 to 3 axes", w)
	}
	for i, n := range w.Shape {
		if err := w.axis(n).Validate(); err != nil {
			return fmt.Errorf("gpu: wavelet %+v, axis %d: %w", w, i, err)
		}
	}
	return nil
}

// stageLen is the value count of one buffer of stage s (1 <= s < len(Shape)): Batch tensors whose axes
// before s are bands and the others SynthesisShape (the larger of the signal's and the synthesis's length,
// so the analysis, the synthesis and its adjoint share the stages).
func (w WaveletN) stageLen(s int) int {
	bs, rs := w.BandShape(), w.SynthesisShape()
	n := w.Batch
	for i := range w.Shape {
		if i < s {
			n *= bs[i]
		} else {
			n *= rs[i]
		}
	}
	return n
}

// ScratchLen is the number of float32 values of scratch DWTN, IDWTN and IDWTNAdjoint need: the 2^s
// intermediate tensors of every stage s between two axes.
func (w WaveletN) ScratchLen() int {
	n := 0
	for s := 1; s < len(w.Shape); s++ {
		n += (1 << s) * w.stageLen(s)
	}
	return n
}

// prodInts is the product of s (1 for none).
func prodInts(s []int) int {
	p := 1
	for _, v := range s {
		p *= v
	}
	return p
}
