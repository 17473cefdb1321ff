//go:build cuda || trajdiff_cuda

package fromnn

import (
	"testing"

	"github.com/trajdiff/trajdiff/pde/wdno"
)

// TestGPUGuidedSmokeControlMatchesGenerate: WDNO's smoke control with its guidance (the reference's weight
// 100, DDIM, 3 steps, 2 cases) sampled through a Sampler (gpu.SmokeControlGuide as the captured x0
// correction) gives the trajectories Generate gives on the CPU, to relative RMS 1e-4 (float32 sampling
// against float64); and the device's guided trajectories are far further than that from the unguided ones
// (drawn on the CPU, which the device matches to float32 rounding without guidance: TestGPURunPlanIsWDNOsLoop).
func TestGPUGuidedSmokeControlMatchesGenerate(t *testing.T) {
	m := smokeControlModel(t)
	var req wdno.Request
	for j := range 2 {
		u0 := make([]float64, 64*4)
		for c := range 64 {
			x, y := c/8, c%8
			if x >= 2+j && x < 5+j && y >= 2 && y < 5 {
				u0[c*4] = 1 // a square of density
			}
		}
		req.Cases = append(req.Cases, wdno.Case{U0: u0})
	}
	req.Solver, req.Steps, req.Seed = "ddim", 3, 5
	cpu := generate(t, m, req)
	req.Device = deviceSampler(newSampler(t))
	dev := generate(t, m, req)
	zero := 0.0
	plain := req
	plain.Guidance, plain.Device = &zero, nil
	unguided := generate(t, m, plain) // on the CPU: the emulated U-Net is this test's cost
	rel, moved := relRMS(trajectories(dev), trajectories(cpu)), relRMS(trajectories(unguided), trajectories(dev))
	t.Logf("guided smoke control (ddim, %d steps, weight 100): device vs Generate on the CPU rel RMS %.2e; the unguided run (CPU) is %.2e away from the device's", req.Steps, rel, moved)
	checkGuidedRun(t, rel, moved)
}
