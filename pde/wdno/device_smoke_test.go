package wdno

import (
	"context"
	"math"
	"testing"

	"github.com/trajdiff/trajdiff/diffusion"
)

// cpuSmokeDevice runs a DeviceProblem on the CPU as a device follows it, smoke's guidance from
// DeviceProblem.Smoke's numbers alone (smokeGradientFromGuidance), counting its calls.
func cpuSmokeDevice(t *testing.T, calls *int) DeviceSampler {
	return func(ctx context.Context, p DeviceProblem) ([]float64, error) {
		*calls++
		if p.Guidance != nil {
			t.Error("a smoke problem carries the 1-D layout's guidance")
		}
		x := append([]float64(nil), p.X...)
		D := len(p.Known)
		fix := func(x0 []float64) {
			for i := range x0 {
				switch k := i % D; {
				case p.Known[k]:
					x0[i] = p.Values[i]
				case p.ClipX0:
					x0[i] = min(1, max(-1, x0[i]))
				}
			}
		}
		correct := func(x0, _ []float64, tt float64) error {
			fix(x0)
			if g := p.Smoke; g != nil {
				for j := range len(x0) / D {
					gx := smokeGradientFromGuidance(t, g, j, x0[j*D:(j+1)*D])
					for i, v := range gx {
						x0[j*D+i] -= g.Step(tt) * v
					}
				}
				fix(x0)
			}
			return nil
		}
		err := diffusion.Sample(ctx, p.Plan, p.Checkpoint.Denoiser, x, diffusion.RunOptions{Seed: p.Seed, Progress: p.Progress,
			Condition: &diffusion.Inpaint{Mask: p.Known, Values: p.Values}, CorrectX0: correct, NonFinite: p.NonFinite})
		return x, err
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
	var worst, scale, moved float64
	for j := range want.F {
		for i, w := range want.F[j] {
			worst, scale = max(worst, math.Abs(got.F[j][i]-w)), max(scale, math.Abs(w))
			moved = max(moved, math.Abs(unguided.F[j][i]-w))
		}
	}
	t.Logf("guided smoke control: max |device - CPU| %.3g of a largest control %.3g; guidance moved the control by up to %.3g", worst, scale, moved)
	if !(worst <= 1e-9*scale) || !(moved > 1e3*worst) || scale == 0 {
		t.Errorf("guided smoke control: max |device - CPU| %.3g of %.3g, guidance moved it by %.3g", worst, scale, moved)
	}
}
