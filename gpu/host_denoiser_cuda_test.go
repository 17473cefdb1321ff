//go:build cuda || trajdiff_cuda

package gpu

import (
	"math"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/diffusion"
)

// TestGPUHostDenoiserServesAnyBatch: a HostDenoiser over a Predictor computes on host slices what the
// Predictor computes on device buffers, bit for bit, for a batch within its points and for one of 2.5 times
// them (served in chunks), in place too; it refuses a misfitting batch, a predictor smaller than it, and
// calls after Close, which closes the predictor it owns.
func TestGPUHostDenoiserServesAnyBatch(t *testing.T) {
	d := testDevice(t)
	s := testStream(t)
	net := randomMLP(41, 6, 0, 8, []int{24}, ActSiLU, false)
	cosine, _ := diffusion.NewProcess("vp-cosine")
	pz := Parameterization{Prediction: diffusion.PredEps, Process: cosine}
	const points = 8
	p, err := NewPredictor(d, net, pz, 3*points, PredictorOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewHostDenoiser(d, p, 3*points+1); err == nil || !strings.Contains(err.Error(), "sized for") {
		t.Errorf("a host denoiser larger than its predictor: %v", err)
	}
	h, err := NewHostDenoiser(d, p, points)
	if err != nil {
		p.Close()
		t.Fatal(err)
	}
	var _ diffusion.Denoiser = h
	for _, n := range []int{points - 3, points*2 + points/2} {
		x32 := randomF32(uint64(n), n*6, 1)
		want := make([]float32, len(x32))
		// The reference: the predictor on device buffers, in chunks of at most 3*points points.
		for lo := 0; lo < len(x32); lo += 3 * points * 6 {
			hi := min(lo+3*points*6, len(x32))
			xb, db := upload(t, x32[lo:hi]), upload(t, make([]float32, hi-lo))
			if err := p.Denoise(s, db, xb, 0.4); err != nil {
				t.Fatal(err)
			}
			copy(want[lo:], download(t, db))
		}
		x := f64(x32)
		got := make([]float64, len(x))
		if err := h.Denoise(got, x, 0.4); err != nil {
			t.Fatal(err)
		}
		if err := h.Denoise(x, x, 0.4); err != nil {
			t.Fatal(err)
		}
		for i := range got {
			if math.Float32bits(float32(got[i])) != math.Float32bits(want[i]) || got[i] != x[i] {
				t.Fatalf("batch of %d points, value %d: host denoiser %v (in place %v), predictor %v", n, i, got[i], x[i], want[i])
			}
		}
	}
	if err := h.Denoise(make([]float64, 5), make([]float64, 5), 0.4); err == nil {
		t.Error("a batch of 5 values for dimension 6 was accepted")
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if err := h.Close(); err != nil {
		t.Errorf("a second Close: %v", err)
	}
	if err := h.Denoise(make([]float64, 6), make([]float64, 6), 0.4); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("a closed host denoiser: %v", err)
	}
}
