//go:build cuda || trajdiff_cuda

package fromnn

import (
	"context"
	"math"
	"testing"

	"github.com/trajdiff/trajdiff/pde/wdno"
)

// trajectories flattens a Generated's states and controls.
func trajectories(g *wdno.Generated) []float64 {
	var out []float64
	for j := range g.U {
		out = append(append(out, g.U[j]...), g.F[j]...)
	}
	return out
}

// relRMS is |a - b| / |b| over all values.
func relRMS(a, b []float64) float64 {
	var num, den float64
	for i, w := range b {
		d := a[i] - w
		num, den = num+d*d, den+w*w
	}
	return math.Sqrt(num / den)
}

// TestGPUGuidedBurgersControlMatchesGenerate: WDNO's Burgers control with guidance (the reference's weight
// 1.2e5, DDIM, 8 steps, 3 cases) sampled through a Sampler (the guide's gradient through the decoder as the
// captured x0 correction) gives the trajectories Generate gives on the CPU, to relative RMS 1e-4 (float32
// sampling against float64); guidance changes them far more than that (against the device's unguided run);
// the same guided problem run again on the kept sampler is bit for bit the first run (fresh guide, graphs
// captured again); and the unguided problem after it is bit for bit a fresh sampler's (the guide's graphs
// are gone).
func TestGPUGuidedBurgersControlMatchesGenerate(t *testing.T) {
	m := burgersControlModel(t)
	var req wdno.Request
	for j := range 3 {
		u0, target := make([]float64, 12), make([]float64, 12)
		for x := range u0 {
			u0[x] = 0.6 * math.Sin(2*math.Pi*float64(x)/12+float64(j))
			target[x] = 0.3 * math.Cos(2*math.Pi*float64(x)/12-float64(j))
		}
		req.Cases = append(req.Cases, wdno.Case{U0: u0, Target: target})
	}
	req.Solver, req.Steps, req.Seed = "ddim", 8, 11
	cpu := generate(t, m, req)
	req.Device = deviceSampler(newSampler(t))
	dev := generate(t, m, req)
	again := generate(t, m, req)
	zero := 0.0
	plain := req
	plain.Guidance = &zero
	unguided := generate(t, m, plain)
	plain.Device = deviceSampler(newSampler(t))
	want := generate(t, m, plain)
	rel, moved := relRMS(trajectories(dev), trajectories(cpu)), relRMS(trajectories(unguided), trajectories(cpu))
	t.Logf("guided Burgers control (ddim, %d steps, weight 1.2e5): device vs Generate on the CPU rel RMS %.2e; the unguided run is %.2e away", req.Steps, rel, moved)
	checkGuidedRun(t, rel, moved)
	if !same(trajectories(again), trajectories(dev)) {
		t.Error("the guided problem run again on the kept sampler differs from its first run")
	}
	if !same(trajectories(unguided), trajectories(want)) {
		t.Error("the unguided problem after a guided one differs from a fresh sampler's")
	}
}

// generate is m.Generate(req), failing the test on an error.
func generate(t *testing.T, m *wdno.Model, req wdno.Request) *wdno.Generated {
	t.Helper()
	g, err := m.Generate(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// newSampler is a default Sampler, closed when the test ends.
func newSampler(t *testing.T) *Sampler {
	t.Helper()
	s, err := NewSampler(SampleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// checkGuidedRun is the guided control tests' claim: the guided device run is within rel RMS 1e-4 of
// Generate's on the CPU (rel; float32 sampling against float64), and guidance moved the trajectories far
// further than that (moved: at least 100 rel and 1e-3, relative RMS).
func checkGuidedRun(t *testing.T, rel, moved float64) {
	t.Helper()
	if !(rel <= 1e-4) {
		t.Errorf("the guided device run differs from Generate by rel RMS %.3g (tolerance 1e-4)", rel)
	}
	if !(moved >= 100*rel) || !(moved > 1e-3) {
		t.Errorf("guidance moved the trajectories by rel RMS %.3g only (device vs CPU %.3g)", moved, rel)
	}
}
