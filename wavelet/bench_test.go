package wavelet

import (
	"math/rand/v2"
	"testing"
)

// Benchmarks of the shapes in docs/benchmarks-wavelet.md; scripts/wavelet/bench_pywt.py times
// PyWavelets on the same shapes. Run single-threaded with -cpu 1 (the batched transforms use
// GOMAXPROCS workers).

const benchWavelet, benchMode = "db4", "symmetric"

func benchSignal(n int) []float64 {
	rng := rand.New(rand.NewPCG(1, 1))
	return randVec(rng, n)
}

func BenchmarkWavedec1D(b *testing.B) {
	x := benchSignal(1 << 20)
	b.SetBytes(8 << 20)
	for b.Loop() {
		if _, err := Wavedec(x, benchWavelet, benchMode, MaxLevel); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWaverec1D(b *testing.B) {
	c, err := Wavedec(benchSignal(1<<20), benchWavelet, benchMode, MaxLevel)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(8 << 20)
	for b.Loop() {
		if _, err := Waverec(c, benchWavelet, benchMode); err != nil {
			b.Fatal(err)
		}
	}
}

// batch is the [batch, channel, time, x] = [64, 9, 64, 64] array of the 2-D/3-D benchmarks.
func batch() *Array[float64] {
	shape := []int{64, 9, 64, 64}
	return &Array[float64]{Shape: shape, Data: benchSignal(64 * 9 * 64 * 64)}
}

func BenchmarkDwt2Batch(b *testing.B) {
	x := batch()
	b.SetBytes(int64(8 * len(x.Data)))
	for b.Loop() {
		if _, _, err := Dwt2(x, benchWavelet, benchMode, []int{2, 3}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkIdwt2Batch(b *testing.B) {
	a, d, err := Dwt2(batch(), benchWavelet, benchMode, []int{2, 3})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(8 * 64 * 9 * 64 * 64)
	for b.Loop() {
		if _, err := Idwt2(a, d, benchWavelet, benchMode, []int{2, 3}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDwtn3Batch(b *testing.B) {
	x := batch()
	b.SetBytes(int64(8 * len(x.Data)))
	for b.Loop() {
		if _, err := Dwtn(x, benchWavelet, benchMode, []int{1, 2, 3}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkIdwtn3Batch(b *testing.B) {
	c, err := Dwtn(batch(), benchWavelet, benchMode, []int{1, 2, 3})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(8 * 64 * 9 * 64 * 64)
	for b.Loop() {
		if _, err := Idwtn(c, benchWavelet, benchMode, []int{1, 2, 3}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPlanAdjoint2Batch times the gradient (transpose) of a single-level 2-D transform.
func BenchmarkPlanAdjoint2Batch(b *testing.B) {
	p, err := NewPlan[float64]([]int{64, 9, 64, 64}, benchWavelet, benchMode, 1, []int{2, 3})
	if err != nil {
		b.Fatal(err)
	}
	n, _ := shapeSize(p.PackedShape())
	g := benchSignal(n)
	b.SetBytes(8 * 64 * 9 * 64 * 64)
	for b.Loop() {
		if _, err := p.ForwardAdjoint(g); err != nil {
			b.Fatal(err)
		}
	}
}
