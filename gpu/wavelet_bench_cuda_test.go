//go:build cuda || trajdiff_cuda

package gpu

import (
	"fmt"
	"testing"
)

// BenchmarkGPUWavelet times DWTN, IDWTN and IDWTNAdjoint on WDNO's shapes (waveletBenchShapes) for batches of
// 1 and 64 fields, each iteration enqueueing the transform and synchronising. On the emulator the numbers
// mean nothing (gpu/cudaemu/README.md); on a GPU they are read per field against BenchmarkWaveletCPU.
func BenchmarkGPUWavelet(b *testing.B) {
	s := testStream(b)
	for _, c := range waveletBenchShapes {
		bank, err := NewWaveletBank(c.wavelet)
		if err != nil {
			b.Fatal(err)
		}
		filt := upload(b, bank.Filters)
		for _, batch := range []int{1, 64} {
			w := WaveletN{Batch: batch, Shape: c.shape, Taps: bank.Taps, Mode: c.mode}
			x := upload(b, randomF32(1, batch*prodInts(c.shape), 1))
			y := upload(b, make([]float32, batch*prodInts(w.SynthesisShape())))
			scratch := upload(b, make([]float32, max(1, w.ScratchLen())))
			bands := make([]Buffer, w.Bands())
			for i := range bands {
				bands[i] = upload(b, make([]float32, batch*prodInts(w.BandShape())))
			}
			for _, op := range []struct {
				name string
				run  func() error
			}{
				{"analysis", func() error { return s.DWTN(bands, x, filt, scratch, w) }},
				{"synthesis", func() error { return s.IDWTN(y, bands, filt, scratch, w) }},
				{"synthesis_adjoint", func() error { return s.IDWTNAdjoint(bands, y, filt, scratch, w) }},
			} {
				b.Run(fmt.Sprintf("%s/batch%d/%s", c.name, batch, op.name), func(b *testing.B) {
					b.SetBytes(int64(4 * batch * prodInts(c.shape)))
					for b.Loop() {
						if err := op.run(); err != nil {
							b.Fatal(err)
						}
						if err := s.Synchronize(); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}
