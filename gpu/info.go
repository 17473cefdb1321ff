package gpu

import (
	"fmt"
	"strings"
)

// Info describes a device as the driver reports it.
type Info struct {
	Ordinal      int
	Name         string
	Major, Minor int   // compute capability
	SMs          int   // multiprocessors
	ClockKHz     int   // SM clock (the driver's typical/boost clock attribute)
	MemClockKHz  int   // memory clock
	BusWidth     int   // memory bus width in bits
	TotalMem     int64 // bytes
	L2Bytes      int
	SmemOptin    int // largest dynamic shared memory a block may opt into, bytes
	Driver       int // driver API version, e.g. 13000
}

func (i Info) String() string {
	return fmt.Sprintf("%s (sm_%d%d, %d SMs at %d MHz, %.1f GiB, driver %d.%d)", i.Name, i.Major, i.Minor, i.SMs,
		i.ClockKHz/1000, float64(i.TotalMem)/(1<<30), i.Driver/1000, (i.Driver%1000)/10)
}

// MemoryBandwidth is the theoretical DRAM bandwidth in bytes/s: double data rate x bus width x clock.
func (i Info) MemoryBandwidth() float64 {
	return 2 * float64(i.MemClockKHz) * 1e3 * float64(i.BusWidth) / 8
}

// PeakTFLOPS returns the dense tensor-core peak for TF32 and BF16 inputs in TFLOP/s and where the numbers come
// from. Known boards use NVIDIA's data-sheet figures (dense, without sparsity); other devices get
// SMs x clock x the per-SM rate of their architecture (dense FMA/clock/SM: sm_80 512 TF32 and 1024 BF16, sm_90
// twice that), which assumes the attribute clock is the boost clock.
func (i Info) PeakTFLOPS() (tf32, bf16 float64, source string) {
	n := strings.ToUpper(i.Name)
	switch {
	case strings.Contains(n, "H200"):
		return 494.7, 989.4, "H200 SXM data sheet (dense)"
	case strings.Contains(n, "H100") && (strings.Contains(n, "PCIE") || strings.Contains(n, "PCI-E")):
		return 378, 756, "H100 PCIe data sheet (dense)"
	case strings.Contains(n, "H100") && strings.Contains(n, "NVL"):
		return 417.5, 835, "H100 NVL data sheet (dense)"
	case strings.Contains(n, "H100"):
		return 494.7, 989.4, "H100 SXM data sheet (dense)"
	case strings.Contains(n, "A100"):
		return 156, 312, "A100 data sheet (dense)"
	}
	fma := map[int]float64{8: 512, 9: 1024}[i.Major]
	if i.Major == 8 && i.Minor != 0 {
		fma = 256 // GA10x consumer/workstation parts: half the A100's tensor rate per SM
	}
	per := 2 * float64(i.SMs) * float64(i.ClockKHz) * 1e3 / 1e12 // 2 flops per FMA
	return per * fma, per * 2 * fma, fmt.Sprintf("%d SMs x %d MHz x architecture rate", i.SMs, i.ClockKHz/1000)
}
