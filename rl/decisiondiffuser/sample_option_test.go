package decisiondiffuser_test

import (
	"context"
	"errors"
	"testing"

	dd "github.com/trajdiff/trajdiff/rl/decisiondiffuser"
	"github.com/trajdiff/trajdiff/train"
)

// Options.Sample draws the plans (the CLI injects the GPU sampler there): every plan's request, the warm
// starts' included, goes to it, a sampler that returns what Model.Sample returns gives the same plans as the
// planner's own, and its errors reach the caller.
func TestPlansAreDrawnWithTheInjectedSampler(t *testing.T) {
	m, inv := load(t)
	s0 := [4]float64{3.02, 1.13, 0.4, -0.2}
	var reqs []train.SampleRequest
	counting := func(ctx context.Context, mm *train.Model, req train.SampleRequest) (*train.Samples, error) {
		if mm != m {
			t.Error("the sampler got another model")
		}
		reqs = append(reqs, req)
		return mm.Sample(ctx, req)
	}
	opt := dd.Options{Steps: 3, Guidance: 1.2, Return: 30, WarmTime: 0.3, WarmSteps: 2}
	plans := func(sample func(context.Context, *train.Model, train.SampleRequest) (*train.Samples, error)) [2]*dd.Plan {
		o := opt
		o.Sample = sample
		p, err := dd.New(m, inv, umaze(), o)
		if err != nil {
			t.Fatal(err)
		}
		cold, err := p.Plan(context.Background(), s0, nil, 3)
		if err != nil {
			t.Fatal(err)
		}
		warm, err := p.Plan(context.Background(), s0, dd.Shift(cold.Observations, 1), 4)
		if err != nil {
			t.Fatal(err)
		}
		return [2]*dd.Plan{cold, warm}
	}
	own, injected := plans(nil), plans(counting)
	if len(reqs) != 2 || reqs[0].Guidance != 1.2 || reqs[1].Init == nil || reqs[1].StartTime != 0.3 {
		t.Fatalf("the sampler saw %d requests (%+v); want the cold and the warm plan's", len(reqs), reqs)
	}
	for k := range own {
		for i, o := range own[k].Observations {
			if injected[k].Observations[i] != o {
				t.Fatalf("plan %d state %d: %v with the injected sampler, %v with the planner's own", k, i, injected[k].Observations[i], o)
			}
		}
	}
	boom := errors.New("device lost")
	p, err := dd.New(m, inv, umaze(), dd.Options{Steps: 3, Return: 30, Sample: func(context.Context, *train.Model, train.SampleRequest) (*train.Samples, error) {
		return nil, boom
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Plan(context.Background(), s0, nil, 1); !errors.Is(err, boom) {
		t.Errorf("a failing sampler gave %v, want its error", err)
	}
}
