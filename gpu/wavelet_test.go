package gpu

import (
	"fmt"
	"testing"

	"github.com/trajdiff/trajdiff/wavelet"
)

// TestWaveletLengthsArePyWavelets: CoeffLen is pywt.dwt_coeff_len and SynthesisLen pywt.idwt's output length
// (package wavelet's), for both modes the device implements, odd and even lengths, short and long signals.
func TestWaveletLengthsArePyWavelets(t *testing.T) {
	for _, name := range []string{"bior2.4", "bior1.3", "db2", "haar"} {
		bank, err := NewWaveletBank(name)
		if err != nil {
			t.Fatal(err)
		}
		if len(bank.Filters) != 4*bank.Taps {
			t.Fatalf("%s: %d filter values for %d taps", name, len(bank.Filters), bank.Taps)
		}
		for _, mode := range []wavelet.Mode{wavelet.ModePeriodization, wavelet.ModeZero} {
			for n := 1; n <= 130; n++ {
				w := WaveletAxis{Outer: 1, N: n, Inner: 1, Taps: bank.Taps, Mode: mode}
				m, err := wavelet.DwtCoeffLen(n, name, mode.String())
				if err != nil {
					t.Fatal(err)
				}
				if w.CoeffLen() != m {
					t.Fatalf("%s %v n=%d: CoeffLen %d, pywt %d", name, mode, n, w.CoeffLen(), m)
				}
				y, err := wavelet.Idwt(make([]float64, m), make([]float64, m), name, mode.String())
				if err != nil {
					t.Fatal(err)
				}
				if w.SynthesisLen() != len(y) {
					t.Fatalf("%s %v n=%d: SynthesisLen %d, pywt.idwt %d", name, mode, n, w.SynthesisLen(), len(y))
				}
			}
		}
	}
}

// TestWaveletNScratchCoversEveryStage: the scratch holds the 2^s tensors of every stage between two axes, and
// the band keys are pywt.dwtn's (first letter the first axis).
func TestWaveletNScratchCoversEveryStage(t *testing.T) {
	w := WaveletN{Batch: 2, Shape: []int{81, 120}, Taps: 10, Mode: wavelet.ModePeriodization}
	if got, want := w.ScratchLen(), 2*2*41*120; got != want {
		t.Errorf("2-D scratch %d, want %d", got, want)
	}
	w3 := WaveletN{Batch: 1, Shape: []int{32, 32, 32}, Taps: 6, Mode: wavelet.ModeZero}
	if got, want := w3.ScratchLen(), 2*18*32*32+4*18*18*32; got != want {
		t.Errorf("3-D scratch %d, want %d", got, want)
	}
	if got := WaveletBandKey(1, 2) + WaveletBandKey(2, 2) + WaveletBandKey(6, 3); got != "daadadd" {
		t.Errorf("band keys %q", got)
	}
	for _, bad := range []WaveletN{{Batch: 0, Shape: []int{4}, Taps: 2}, {Batch: 1, Taps: 2}, {Batch: 1, Shape: []int{2, 2, 2, 2}, Taps: 2},
		{Batch: 1, Shape: []int{4}, Taps: 3}, {Batch: 1, Shape: []int{4}, Taps: 2, Mode: wavelet.ModeSymmetric}} {
		if bad.Validate() == nil {
			t.Errorf("%+v was accepted", bad)
		}
	}
	if _, err := NewWaveletBank("nonesuch"); err == nil {
		t.Error("an unknown wavelet was accepted")
	}
}

// The shapes of one level of bior2.4 periodization on Burgers' (time, space) field, as WDNO's layout stores it.
func ExampleWaveletN() {
	bank, err := NewWaveletBank("bior2.4")
	if err != nil {
		panic(err)
	}
	w := WaveletN{Batch: 2, Shape: []int{81, 120}, Taps: bank.Taps, Mode: wavelet.ModePeriodization}
	fmt.Println(bank.Taps, w.Bands(), w.BandShape(), w.SynthesisShape(), WaveletBandKey(1, 2))
	// Output: 10 4 [41 60] [82 120] da
}
