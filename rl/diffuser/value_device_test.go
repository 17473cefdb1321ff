package diffuser_test

import (
	"context"
	"slices"
	"testing"

	"github.com/trajdiff/trajdiff/rl"
	"github.com/trajdiff/trajdiff/rl/diffuser"
	"github.com/trajdiff/trajdiff/train"
)

// guideFromNumbers is the value guide rebuilt from a GuidedSampler's numbers alone, on the CPU.
func guideFromNumbers(m *train.Model, g diffuser.ValueGuidance) func(x0, x []float64, t float64) error {
	W := len(g.Fixed)
	p := m.Checkpoint.Process
	return func(x0, x []float64, t float64) error {
		if t < g.StopGradBelow {
			return nil
		}
		a, s := p.Alpha(t), p.Sigma(t)
		if !(a > 0) {
			return nil
		}
		k := g.Scale
		if !g.NoStdScaling {
			k *= s * s
		}
		y, grad, vals := slices.Clone(x), make([]float64, len(x)), make([]float64, len(x)/W)
		for range g.Steps {
			if err := g.Model.ValueGradient(vals, grad, y, t); err != nil {
				return err
			}
			for i := range y {
				if !g.Fixed[i%W] {
					y[i] += k * grad[i]
				}
			}
		}
		for i := range x0 {
			x0[i] += (y[i] - x[i]) / a
		}
		return nil
	}
}

// A GuidedSampler (Options.SampleGuided, the CLI's --device gpu) receives everything the guide does: rebuilt
// on the CPU from its numbers alone, it plans bit for bit what the CPU-guided planner plans, with the goal
// inpainted or not; its mask fixes the start's observations (and the goal's unless NoGoal), and the
// request it gets carries no host-side correction. An unguided planner never calls it.
func TestAGuidedSamplerSeesTheWholeValueGuide(t *testing.T) {
	dir := t.TempDir()
	m := trainTinyModel(t, dir, 20)
	v := trainTinyValue(t, dir, 8, 20)
	l, _ := rl.LayoutByName("umaze")
	start, goal := [4]float64{3.05, 1.02, 0.13, -0.07}, [2]float64{1, 1}
	for _, noGoal := range []bool{true, false} {
		var seen []diffuser.ValueGuidance
		sampleGuided := func(ctx context.Context, m *train.Model, req train.SampleRequest, g diffuser.ValueGuidance) (*train.Samples, error) {
			if req.CorrectX0 != nil {
				t.Errorf("the guided sampler got a host-side correction")
			}
			seen = append(seen, g)
			req.CorrectX0 = guideFromNumbers(m, g)
			return m.Sample(ctx, req)
		}
		opt := diffuser.Options{Solver: "ddim", Steps: 4, NoGoal: noGoal}
		cpu, err := diffuser.New(m, l, opt)
		if err != nil {
			t.Fatal(err)
		}
		opt.SampleGuided = sampleGuided
		dev, err := diffuser.New(m, l, opt)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := dev.Plan(context.Background(), start, goal, 2); err != nil || len(seen) != 0 {
			t.Fatalf("an unguided planner: %v, %d guided calls", err, len(seen))
		}
		vg := diffuser.ValueGuide{Model: v, Scale: 3, Steps: 2, StopGradBelow: 0.05}
		if cpu, err = cpu.WithValueGuide(vg); err != nil {
			t.Fatal(err)
		}
		if dev, err = dev.WithValueGuide(vg); err != nil {
			t.Fatal(err)
		}
		want, err := cpu.Plan(context.Background(), start, goal, 2)
		if err != nil {
			t.Fatal(err)
		}
		got, err := dev.Plan(context.Background(), start, goal, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(seen) != 1 {
			t.Fatalf("%d guided calls for one plan", len(seen))
		}
		for k := range want.Observations {
			if got.Observations[k] != want.Observations[k] || got.Actions[k] != want.Actions[k] {
				t.Fatalf("no-goal %v, step %d: %v from the numbers, %v on the CPU", noGoal, k, got.Observations[k], want.Observations[k])
			}
		}
		g := seen[0]
		if g.Model != v || g.Scale != 3 || g.Steps != 2 || g.StopGradBelow != 0.05 || len(g.Fixed) != 8*6 {
			t.Fatalf("guidance numbers %+v", g.ValueGuide)
		}
		for i, f := range g.Fixed { // windows of (2 actions, 4 observations) per step
			step, c := i/6, i%6
			if want := c >= 2 && (step == 0 || (step == 7 && !noGoal)); f != want {
				t.Errorf("no-goal %v: entry %d (step %d, column %d) fixed %v", noGoal, i, step, c, f)
			}
		}
	}
}
