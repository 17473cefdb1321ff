package gpu

import (
	"math"
	"testing"
)

func TestPeakTFLOPS(t *testing.T) {
	for _, c := range []struct {
		info       Info
		tf32, bf16 float64
	}{
		{Info{Name: "NVIDIA H100 80GB HBM3", Major: 9, SMs: 132, ClockKHz: 1980000}, 494.7, 989.4},
		{Info{Name: "NVIDIA H100 PCIe", Major: 9, SMs: 114, ClockKHz: 1755000}, 378, 756},
		{Info{Name: "NVIDIA H200", Major: 9, SMs: 132, ClockKHz: 1980000}, 494.7, 989.4},
		{Info{Name: "NVIDIA A100-SXM4-40GB", Major: 8, SMs: 108, ClockKHz: 1410000}, 156, 312},
		// Unknown sm_80 part at A100's SM count and clock: the architecture rate gives A100's numbers.
		{Info{Name: "future sm_80", Major: 8, SMs: 108, ClockKHz: 1410000}, 155.9, 311.9},
	} {
		tf32, bf16, src := c.info.PeakTFLOPS()
		if math.Abs(tf32-c.tf32) > 0.1 || math.Abs(bf16-c.bf16) > 0.1 || src == "" {
			t.Errorf("%s: peak %v / %v (%s), want %v / %v", c.info.Name, tf32, bf16, src, c.tf32, c.bf16)
		}
	}
	i := Info{MemClockKHz: 2619000, BusWidth: 5120}
	if bw := i.MemoryBandwidth(); math.Abs(bw-3.352e12) > 1e9 {
		t.Errorf("bandwidth %g, want 3.35e12 (H100 SXM)", bw)
	}
}
