package trajdiffuser_test

import (
	"context"
	"errors"
	"testing"

	td "github.com/trajdiff/trajdiff/rl/trajdiffuser"
	"github.com/trajdiff/trajdiff/train"
)

// Options.Sample draws the refined candidates (the CLI injects the GPU sampler there): the refinement's
// request goes to it with the draft as the warm start, a sampler that returns what Model.Sample returns
// gives the same decision as the planner's own, and its errors reach the caller.
func TestRefinementIsDrawnWithTheInjectedSampler(t *testing.T) {
	ms := loadModels(t)
	hist := [][4]float64{{3, 1, 0, 0}, {3.01, 1, 0.5, 0}}
	rets := []float64{30, 30.3}
	var reqs []train.SampleRequest
	counting := func(ctx context.Context, m *train.Model, req train.SampleRequest) (*train.Samples, error) {
		if m != ms.States {
			t.Error("the sampler got another model than the state model")
		}
		reqs = append(reqs, req)
		return m.Sample(ctx, req)
	}
	decide := func(sample func(context.Context, *train.Model, train.SampleRequest) (*train.Samples, error)) *td.Plan {
		p, err := td.New(ms, umaze(), td.Options{Return: 30, Guidance: 1.1, Candidates: 3, RefineSteps: 2, Sample: sample})
		if err != nil {
			t.Fatal(err)
		}
		pl, err := p.Plan(context.Background(), hist, rets, 7, 0.5)
		if err != nil {
			t.Fatal(err)
		}
		return pl
	}
	own, injected := decide(nil), decide(counting)
	if len(reqs) != 1 {
		t.Fatalf("the sampler saw %d requests; want the one refinement", len(reqs))
	}
	r := reqs[0]
	if r.N != 3 || r.Steps != 2 || r.Guidance != 1.1 || len(r.Init) != 3*len(own.Draft)*4 {
		t.Errorf("request N %d, steps %d, guidance %v, init %d values; want 3 candidates of the %d-state draft, 2 steps, w 1.1",
			r.N, r.Steps, r.Guidance, len(r.Init), len(own.Draft))
	}
	if !(r.StartTime > 0) {
		t.Errorf("the refinement starts at time %v, not at the draft's intermediate time", r.StartTime)
	}
	if injected.Chosen != own.Chosen || len(injected.Candidates) != len(own.Candidates) {
		t.Fatalf("chose %d of %d with the injected sampler, %d of %d with the planner's own", injected.Chosen, len(injected.Candidates), own.Chosen, len(own.Candidates))
	}
	for i, c := range own.Candidates {
		for k, s := range c {
			if injected.Candidates[i][k] != s {
				t.Fatalf("candidate %d state %d: %v with the injected sampler, %v with the planner's own", i, k, injected.Candidates[i][k], s)
			}
		}
	}
	boom := errors.New("device lost")
	p, err := td.New(ms, umaze(), td.Options{Return: 30, Candidates: 2, Sample: func(context.Context, *train.Model, train.SampleRequest) (*train.Samples, error) {
		return nil, boom
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Plan(context.Background(), hist, rets, 1, 0); !errors.Is(err, boom) {
		t.Errorf("a failing sampler gave %v, want its error", err)
	}
}
