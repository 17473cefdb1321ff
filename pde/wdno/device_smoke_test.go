package wdno

import (
	"context"
	"testing"
)

// cpuSmokeDevice runs a DeviceProblem on the CPU as a device follows it (runOnCPU), smoke's guidance from
// DeviceProblem.Smoke's numbers alone (smokeGradientFromGuidance), counting its calls.
func cpuSmokeDevice(t *testing.T, calls *int) DeviceSampler {
	return func(ctx context.Context, p DeviceProblem) ([]float64, error) {
		*calls++
		if p.Guidance != nil {
			t.Error("a smoke problem carries the 1-D layout's guidance")
		}
		if g := p.Smoke; g != nil {
			return runOnCPU(ctx, p, g.Step, func(j int, x0 []float64) []float64 { return smokeGradientFromGuidance(t, g, j, x0) })
		}
		return runOnCPU(ctx, p, nil, nil)
	}
}

// TestASmokeDeviceSamplerSeesGeneratesGuidedRun: smoke control's guidance reaches a device sampler as
// DeviceProblem.Smoke, whose numbers alone reproduce Generate's guided controls (to 1e-9 of the largest; the
// gradient is summed in another order), which guidance moves far more than that against --guidance 0.
func TestASmokeDeviceSamplerSeesGeneratesGuidedRun(t *testing.T) {
	dir := t.TempDir()
	m := tinySmokeModel(t, dir, "control")
	d := openData(t, writeSmoke(t, dir, "test.arrow", tinySmokeParams(), 2, 2))
	var req Request
	for i := range d.Len() {
		u, _, err := d.Fields(i, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Cases = append(req.Cases, Case{U0: u[:d.Cells*smokeState]})
	}
	req.Solver, req.Steps, req.Seed = "ddim", 3, 7
	ctx := context.Background()
	want, err := m.Generate(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	req.Device = cpuSmokeDevice(t, &calls)
	got, err := m.Generate(ctx, req)
	if err != nil {
		t.Fatalf("smoke guidance through the device sampler: %v", err)
	}
	zero := 0.0
	plain := req
	plain.Guidance = &zero
	unguided, err := m.Generate(ctx, plain)
	if err != nil {
		t.Fatal(err)
	}
	if calls != 2 {
		t.Errorf("the device sampler ran %d times, want 2", calls)
	}
	worst, scale, moved := controlGaps(want, got, unguided)
	t.Logf("guided smoke control: max |device - CPU| %.3g of a largest control %.3g; guidance moved the control by up to %.3g", worst, scale, moved)
	if !(worst <= 1e-9*scale) || !(moved > 1e3*worst) || scale == 0 {
		t.Errorf("guided smoke control: max |device - CPU| %.3g of %.3g, guidance moved it by %.3g", worst, scale, moved)
	}
}
