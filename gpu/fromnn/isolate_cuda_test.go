//go:build trajdiff_cuda

package fromnn

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/gpu"
	"github.com/trajdiff/trajdiff/nn/safetensors"
	"github.com/trajdiff/trajdiff/train"
)

// poison is a known value that overflows float32: finite in the host's float64 (so problems accept it), the
// network reads it as Inf on the CPU (nn's float32 inputs) and on the device alike, and that example's
// output goes non-finite.
const poison = 1e39

// checkIsolated checks an isolated run against a clean one: the failed examples of size d are NaN
// throughout and every other value is bit for bit the clean run's.
func checkIsolated(t *testing.T, name string, got, clean []float64, d int, failed []int) {
	t.Helper()
	for i := range got {
		if slices.Contains(failed, i/d) {
			if !math.IsNaN(got[i]) {
				t.Fatalf("%s: failed example %d has value %v at %d, want NaN", name, i/d, got[i], i)
			}
		} else if math.Float64bits(got[i]) != math.Float64bits(clean[i]) {
			t.Fatalf("%s: example %d value %d is %v, %v in the run without the diverging example", name, i/d, i, got[i], clean[i])
		}
	}
}

// returnsMLP conditions on the window's return (Decision Diffuser's condition; CondValues, not a window
// entry).
func returnsMLP(c *train.Config) {
	c.Data.Condition = []string{"returns"}
	c.Data.ReturnsScale = 10
	c.Network.MLP.CondDim = 1
	c.Objective.Prediction = "x0"
}

// overflowOnCondition sets the first layer's weights on the condition input of a trained returnsMLP to
// 3e38, a finite float32: every hidden unit then overflows to Inf for a training condition c = return/10
// with |c| >= 2 (on the CPU and the device alike, both in float32), while a tiny c adds 3e38 c, O(1).
func overflowOnCondition(t *testing.T, m *train.Model) {
	t.Helper()
	cfg := m.Checkpoint.Net.Spec().MLP
	in := cfg.Dim + cfg.TimeDim + cfg.CondDim
	ps := m.Checkpoint.Net.Params()
	ts := ps.Tensors()
	for k, tn := range ts {
		if tn.Name != "net.0.weight" {
			continue
		}
		w, err := tn.Float32s()
		if err != nil {
			t.Fatal(err)
		}
		if len(w) != cfg.Hidden[0]*in {
			t.Fatalf("net.0.weight has %d values, want %d x %d", len(w), cfg.Hidden[0], in)
		}
		for o := range cfg.Hidden[0] {
			w[o*in+in-1] = 3e38
		}
		ts[k] = safetensors.F32(tn.Name, tn.Shape, w)
	}
	if err := ps.SetTensors(ts); err != nil {
		t.Fatal(err)
	}
}

// TestGPUDivergingWindowFailsAlone: a trained conditional MLP whose first layer overflows for a large
// condition (overflowOnCondition), sampled with IsolateFailures and one window's return large, reports that window alone in Samples.Failed, on the device as
// Model.Sample does on the CPU; its values are NaN, the other windows are bit for bit those of a device run
// in which that window is healthy and match Model.Sample's to the FP32 sampler tolerance. Without
// IsolateFailures the same request fails.
func TestGPUDivergingWindowFailsAlone(t *testing.T) {
	m := windowModel(t, returnsMLP)
	overflowOnCondition(t, m)
	ctx := context.Background()
	const n, bad = 4, 2
	returns := [][]float64{{1e-37}, {-2e-37}, {3e-37}, {0}} // 3e38 c of -6 .. 9
	healthy := train.SampleRequest{N: n, Seed: 7, Fixed: ends(n, true), CondValues: returns, ClipX0: true, IsolateFailures: true}
	req := healthy
	req.CondValues = slices.Clone(returns)
	req.CondValues[bad] = []float64{25}
	want, err := m.Sample(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(want.Failed, []int{bad}) {
		t.Fatalf("Model.Sample failed windows %v, want [%d]: the poisoned condition does not diverge on the CPU", want.Failed, bad)
	}
	s, err := NewSampler(SampleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	clean, err := s.Sample(ctx, m, healthy)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Sample(ctx, m, req)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Failed, want.Failed) {
		t.Fatalf("device failed windows %v, Model.Sample %v", got.Failed, want.Failed)
	}
	D := m.Horizon * m.Transition
	checkIsolated(t, "Sample", got.X, clean.X, D, got.Failed)
	var num, den, mx float64
	for i, w := range want.X {
		if i/D == bad {
			continue
		}
		d := got.X[i] - w
		num, den, mx = num+d*d, den+w*w, math.Max(mx, math.Abs(d))
	}
	rel := math.Sqrt(num / den)
	if tol := samplerTol[gpu.FP32]; !(rel <= tol[0] && mx <= tol[1]) {
		t.Errorf("healthy windows differ from Model.Sample's by rel RMS %.3g, max %.3g (tolerance %.0e, %.0e)", rel, mx, tol[0], tol[1])
	}
	t.Logf("healthy windows: device vs Model.Sample rel RMS %.2e, max %.2e", rel, mx)
	strict := req
	strict.IsolateFailures = false
	if _, err := s.Sample(ctx, m, strict); err == nil {
		t.Error("the diverging request without IsolateFailures succeeded")
	}
}

// TestGPUDivergingExampleOfAPlanFailsAlone: RunPlan (pde/wdno's loop) with NonFinite, one example's known
// value overflowing float32, reports that example once, at the evaluation time diffusion.Sample reports it
// on the CPU; its values are NaN and the others are bit for bit those of the problem without it.
func TestGPUDivergingExampleOfAPlanFailsAlone(t *testing.T) {
	m := windowModel(t, nil)
	c := m.Checkpoint
	const n, bad = 5, 1
	D := c.Net.Dim()
	mask := make([]bool, D)
	mask[0], mask[D-1] = true, true
	solver, _ := diffusion.NewSolver("ddpm")
	plan, err := diffusion.PlanForNFE(solver, c.Process, diffusion.DefaultSchedule(c.Process), 6)
	if err != nil {
		t.Fatal(err)
	}
	values := randomInput(41, n*D)
	for i := range values {
		values[i] = math.Tanh(values[i])
	}
	clean := PlanProblem{Checkpoint: c, Plan: plan, X: randomInput(42, n*D), Mask: mask, Values: values, ClipX0: true, FixX0: true, Seed: 3}
	p := clean
	p.Values = slices.Clone(values)
	p.Values[bad*D+D-1] = poison
	type report struct {
		j int
		t float64
	}
	var cpuReports, reports []report
	cpu := slices.Clone(p.X)
	fix := func(x0, _ []float64, _ float64) error {
		for i := range x0 {
			x0[i] = min(1, max(-1, x0[i]))
			if mask[i%D] {
				x0[i] = p.Values[i]
			}
		}
		return nil
	}
	err = diffusion.Sample(context.Background(), plan, c.Denoiser, cpu, diffusion.RunOptions{Seed: p.Seed, Workers: 1,
		Condition: &diffusion.Inpaint{Mask: mask, Values: p.Values}, CorrectX0: fix,
		NonFinite: func(j int, t float64) { cpuReports = append(cpuReports, report{j, t}) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(cpuReports) != 1 || cpuReports[0].j != bad {
		t.Fatalf("the CPU reports %v, want example %d alone: the poisoned value does not diverge there", cpuReports, bad)
	}
	s, err := NewSampler(SampleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	want, err := s.RunPlan(context.Background(), clean)
	if err != nil {
		t.Fatal(err)
	}
	p.NonFinite = func(j int, t float64) { reports = append(reports, report{j, t}) }
	got, err := s.RunPlan(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(reports, cpuReports) {
		t.Fatalf("the device reports %v, the CPU %v", reports, cpuReports)
	}
	checkIsolated(t, "RunPlan", got, want, D, []int{bad})
	p.NonFinite = nil
	if _, err := s.RunPlan(context.Background(), p); err == nil {
		t.Error("the diverging problem without NonFinite succeeded")
	}
}
