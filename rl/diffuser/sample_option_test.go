package diffuser_test

import (
	"context"
	"errors"
	"testing"

	"github.com/trajdiff/trajdiff/rl/diffuser"
	"github.com/trajdiff/trajdiff/train"
)

// Options.Sample draws the plan (the CLI injects the GPU sampler there): the plan's request goes to it, a
// sampler that returns what Model.Sample returns gives the planner's own plan, and its errors reach the
// caller.
func TestPlansAreDrawnWithTheInjectedSampler(t *testing.T) {
	m, l := tinyUMazeModel(t, 2)
	start, goal := [4]float64{1, 1, 0, 0}, [2]float64{3, 1}
	var reqs []train.SampleRequest
	plan := func(sample func(context.Context, *train.Model, train.SampleRequest) (*train.Samples, error)) (*diffuser.Plan, error) {
		p, err := diffuser.New(m, l, diffuser.Options{Steps: 3, Sample: sample})
		if err != nil {
			t.Fatal(err)
		}
		return p.Plan(context.Background(), start, goal, 9)
	}
	own, err := plan(nil)
	if err != nil {
		t.Fatal(err)
	}
	injected, err := plan(func(ctx context.Context, mm *train.Model, req train.SampleRequest) (*train.Samples, error) {
		reqs = append(reqs, req)
		return mm.Sample(ctx, req)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(reqs) != 1 || reqs[0].N != 1 || len(reqs[0].Fixed) != 8 || reqs[0].Seed != 9 {
		t.Fatalf("the sampler saw %+v; want the one plan's request with its 8 fixed endpoint values", reqs)
	}
	for i, o := range own.Observations {
		if injected.Observations[i] != o || injected.Actions[i] != own.Actions[i] {
			t.Fatalf("step %d: %v with the injected sampler, %v with the planner's own", i, injected.Observations[i], o)
		}
	}
	boom := errors.New("device lost")
	if _, err := plan(func(context.Context, *train.Model, train.SampleRequest) (*train.Samples, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Errorf("a failing sampler gave %v, want its error", err)
	}
}
