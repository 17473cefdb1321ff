package wdno

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/diffusion"
)

// cpuDevice runs a DeviceProblem on the CPU as its documentation states it (runOnCPU), with Guidance's
// gradient computed from the guidance's numbers alone (gradientFromGuidance), counting its calls.
func cpuDevice(t *testing.T, calls *int) DeviceSampler {
	return func(ctx context.Context, p DeviceProblem) ([]float64, error) {
		*calls++
		if g := p.Guidance; g != nil {
			return runOnCPU(ctx, p, g.Step, func(j int, x0 []float64) []float64 { return gradientFromGuidance(t, g, j, x0) })
		}
		return runOnCPU(ctx, p, nil, nil)
	}
}

// runOnCPU is a DeviceProblem run on the CPU as its documentation states it: the plan from X with the
// checkpoint's denoiser, the known entries set after every step and in every x0 prediction, the other x0
// entries clamped when ClipX0, and, with a guidance's step and gradient (nil for none), each x0 prediction
// fixed, image j moved by -step(t) gradient(j, its x0) and fixed again.
func runOnCPU(ctx context.Context, p DeviceProblem, step func(t float64) float64, gradient func(j int, x0 []float64) []float64) ([]float64, error) {
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
		if gradient != nil {
			for j := range len(x0) / D {
				gx := gradient(j, x0[j*D:(j+1)*D])
				for i, v := range gx {
					x0[j*D+i] -= step(tt) * v
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

// controlGaps compares guided control runs: worst is the largest |got - want| over the controls, scale
// the largest |want| and moved the largest |unguided - want|.
func controlGaps(want, got, unguided *Generated) (worst, scale, moved float64) {
	for j := range want.F {
		for i, w := range want.F[j] {
			worst, scale = max(worst, math.Abs(got.F[j][i]-w)), max(scale, math.Abs(w))
			moved = max(moved, math.Abs(unguided.F[j][i]-w))
		}
	}
	return worst, scale, moved
}

// TestADeviceSamplerSeesGeneratesWholeProblem: Generate with a DeviceSampler that runs the DeviceProblem
// on the CPU as documented gives, bit for bit, what Generate gives on its own (a stochastic solver, so the
// seed must reach the device too): the problem carries everything the loop needs. Control guidance on the
// wavelet layout reaches the device as DeviceProblem.Guidance, whose numbers alone reproduce Generate's guided
// run (to 1e-9 relative; the gradient is summed in another order) and change it against --guidance 0; the
// physical layout's guidance, which has no device path, is refused, and so is a search by control cost given
// only the device sampler (its loop stays on the host: TestControlSearchEvaluatesTheInjectedNetwork).
func TestADeviceSamplerSeesGeneratesWholeProblem(t *testing.T) {
	dir := t.TempDir()
	data := writeTinyData(t, dir, "train.arrow", 16, 1)
	test := writeTinyData(t, dir, "test.arrow", 3, 2)
	d := openData(t, test)
	m, _ := trainTiny(t, tinyConfig(dir, data, SpaceWavelet, "simulate", 5))
	var req Request
	for i := 0; i < d.Len(); i++ {
		u, f, err := d.Fields(i, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Cases = append(req.Cases, Case{U0: u[:d.Cells*d.State], F: f})
	}
	req.Solver, req.Steps, req.Seed = "ddpm", 6, 3
	want, err := m.Generate(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	req.Device = cpuDevice(t, &calls)
	got, err := m.Generate(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if calls != 1 {
		t.Fatalf("the device sampler ran %d times, want 1", calls)
	}
	for j := range want.U {
		for i := range want.U[j] {
			if math.Float64bits(got.U[j][i]) != math.Float64bits(want.U[j][i]) {
				t.Fatalf("case %d u[%d]: %v through the device sampler, %v from Generate", j, i, got.U[j][i], want.U[j][i])
			}
		}
	}

	ctl, _ := trainTiny(t, tinyConfig(dir, data, SpaceWavelet, "control", 5))
	creq := Request{Cases: []Case{{U0: req.Cases[0].U0, Target: req.Cases[1].U0}, {U0: req.Cases[1].U0, Target: req.Cases[2].U0}},
		Solver: "ddim", Steps: 4, Seed: 2}
	wantCtl, err := ctl.Generate(context.Background(), creq)
	if err != nil {
		t.Fatal(err)
	}
	creq.Device = cpuDevice(t, &calls)
	gotCtl, err := ctl.Generate(context.Background(), creq)
	if err != nil {
		t.Fatalf("control guidance through the device sampler: %v", err)
	}
	zero := 0.0
	unguided := creq
	unguided.Guidance = &zero
	plain, err := ctl.Generate(context.Background(), unguided)
	if err != nil {
		t.Errorf("control without guidance on the device: %v", err)
	}
	worst, scale, moved := controlGaps(wantCtl, gotCtl, plain)
	t.Logf("guided control: max |device - CPU| %.3g of a largest control %.3g; guidance moved the control by up to %.3g", worst, scale, moved)
	if !(worst <= 1e-9*scale) || !(moved > 1e3*worst) {
		t.Errorf("guided control: max |device - CPU| %.3g of %.3g, guidance moved it by %.3g", worst, scale, moved)
	}
	phys, _ := trainTiny(t, tinyConfig(dir, data, SpacePhysical, "control", 2))
	if _, err := phys.Generate(context.Background(), Request{Cases: creq.Cases, Steps: 2, Device: cpuDevice(t, &calls)}); err == nil || !strings.Contains(err.Error(), "guidance") {
		t.Errorf("the physical layout's guidance on the device: %v, want a refusal naming the guidance", err)
	}
	if _, err := ctl.SearchControl(context.Background(), creq, diffusion.ParticleSearch{}, tinyParams()); err == nil || !strings.Contains(err.Error(), "device") {
		t.Errorf("a search given only the device sampler: %v, want a refusal", err)
	}
}

// TestEstimationsPriorRunsOnADeviceSampler: Estimate's prior draw through a DeviceSampler that runs the
// DeviceProblem on the CPU gives, bit for bit, the CPU's estimate; the methods that use the model where a
// DeviceProblem cannot say it (clamp, guided, reddiff) are refused naming the method.
func TestEstimationsPriorRunsOnADeviceSampler(t *testing.T) {
	dir := t.TempDir()
	data := writeTinyData(t, dir, "train.arrow", 16, 1)
	d := openData(t, data)
	m, _ := trainTiny(t, tinyConfig(dir, data, SpaceWavelet, "estimate", 3))
	s := Sensors{Cells: []int{2, 8}, Frames: []int{1, 5}}
	var probs []EstimationProblem
	for i := range 3 {
		_, f, err := d.Fields(i, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		probs = append(probs, EstimationProblem{F: f, Y: []float64{0.1, -0.2, 0.3, float64(i)}})
	}
	ctx := context.Background()
	o := EstimateOptions{Sensors: s, Solver: "ddpm", Steps: 5, Seed: 4}
	want, err := m.Estimate(ctx, EstimatePrior, probs, o)
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	o.Device = cpuDevice(t, &calls)
	got, err := m.Estimate(ctx, EstimatePrior, probs, o)
	if err != nil {
		t.Fatal(err)
	}
	if calls != 1 || got.NFE != want.NFE {
		t.Fatalf("the device sampler ran %d times (want 1), NFE %d (want %d)", calls, got.NFE, want.NFE)
	}
	for j := range want.U {
		for i := range want.U[j] {
			if math.Float64bits(got.U[j][i]) != math.Float64bits(want.U[j][i]) {
				t.Fatalf("problem %d u[%d]: %v through the device sampler, %v on the CPU", j, i, got.U[j][i], want.U[j][i])
			}
		}
	}
	for _, method := range []EstimateMethod{EstimateClamp, EstimateGuided, EstimateREDDiff} {
		if _, err := m.Estimate(ctx, method, probs, o); err == nil || !strings.Contains(err.Error(), string(method)) || !strings.Contains(err.Error(), "device") {
			t.Errorf("%s on a device: %v, want a refusal naming the method", method, err)
		}
	}
	if calls != 1 {
		t.Errorf("a refused method reached the device sampler (%d calls)", calls)
	}
}

// TestADeviceSamplerIsolatesADivergedCase: a case whose sampling diverges (a poisoned denoiser output) is
// in Generated.Failed through a DeviceSampler that honours DeviceProblem.NonFinite, as on the CPU, and the
// other cases are bit for bit the CPU's.
func TestADeviceSamplerIsolatesADivergedCase(t *testing.T) {
	dir := t.TempDir()
	data := writeTinyData(t, dir, "train.arrow", 16, 1)
	d := openData(t, data)
	m, _ := trainTiny(t, tinyConfig(dir, data, SpaceWavelet, "simulate", 5))
	m.Checkpoint.Denoiser = poisoned{m.Checkpoint.Denoiser, 1}
	var req Request
	for i := range 3 {
		u, f, err := d.Fields(i, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Cases = append(req.Cases, Case{U0: u[:d.Cells*d.State], F: f})
	}
	req.Solver, req.Steps, req.Seed = "ddpm", 4, 3
	want, err := m.Generate(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if len(want.Failed) != 1 || want.Failed[0] != 1 {
		t.Fatalf("the CPU failed cases %v, want [1]", want.Failed)
	}
	calls := 0
	req.Device = cpuDevice(t, &calls)
	got, err := m.Generate(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Failed) != 1 || got.Failed[0] != 1 {
		t.Fatalf("through the device sampler failed cases %v, want [1]", got.Failed)
	}
	for _, j := range []int{0, 2} {
		for i := range want.U[j] {
			if math.Float64bits(got.U[j][i]) != math.Float64bits(want.U[j][i]) {
				t.Fatalf("case %d u[%d]: %v through the device sampler, %v on the CPU", j, i, got.U[j][i], want.U[j][i])
			}
		}
	}
}
