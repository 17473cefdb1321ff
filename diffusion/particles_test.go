package diffusion

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
)

// particleCountingDenoiser counts the points it is asked to denoise.
type particleCountingDenoiser struct {
	Denoiser
	points int
}

func (c *particleCountingDenoiser) Denoise(dst, x []float64, t float64) error {
	c.points += len(x) / c.Dim()
	return c.Denoiser.Denoise(dst, x, t)
}

// particleConstantReward scores every candidate 0.
func particleConstantReward(r, _ []float64) error {
	clear(r)
	return nil
}

// particleFirstCoordinate rewards points by their first coordinate.
func particleFirstCoordinate(dim int) Reward {
	return func(r, x0 []float64) error {
		for i := range r {
			r[i] = x0[i*dim]
		}
		return nil
	}
}

func particleMoments(x []float64) (mean, variance float64) {
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	for _, v := range x {
		variance += (v - mean) * (v - mean)
	}
	return mean, variance / float64(len(x)-1)
}

// With a constant reward no candidate is preferred: every method's output is one particle of its
// stochastic sampler, so it has that sampler's law (here close to N(1, 0.5^2), with the first-order
// samplers' own loss of variance at 50 steps), and each spends exactly its budget. Each method's mean and variance on n outputs agree with the
// plain sampler's on 4n samples within 4.5 standard errors of the difference.
func TestParticleMethodsKeepTheLawUnderAConstantReward(t *testing.T) {
	g, err := NewGaussianMixture([]float64{1}, [][]float64{{1}}, [][][]float64{{{0.25}}})
	if err != nil {
		t.Fatal(err)
	}
	p := NewVPLinear()
	const steps, n = 50, 3000
	for _, s := range []ParticleSearch{
		{Method: BestOfN, Budget: 4 * steps},
		{Method: ParticleResample, Budget: 4 * steps, Temperature: 1},
		{Method: ParticleResample, Budget: 4 * steps, TopK: 2, ResampleEvery: 3},
		{Method: ParticleRollover, Budget: 4 * steps},
		{Method: ParticleRollover, Budget: 4*steps + 3, Particles: 7, Solver: DDIM{Eta: 0.6}},
	} {
		s.Process, s.Steps = p, steps
		ref := ParticleSearch{Method: BestOfN, Process: p, Solver: s.Solver, Steps: steps, Budget: steps}
		plain, err := ref.Sample(context.Background(), g.Denoiser(p), particleConstantReward, 4*n, ParticleOptions{Seed: 11})
		if err != nil {
			t.Fatal(err)
		}
		pm, pv := particleMoments(plain.X)
		den := &particleCountingDenoiser{Denoiser: g.Denoiser(p)}
		last := 0
		res, err := s.Sample(context.Background(), den, particleConstantReward, n, ParticleOptions{Seed: 5, Progress: func(done, total int) {
			if total != n*s.Budget || done < last {
				t.Fatalf("progress %d/%d after %d", done, total, last)
			}
			last = done
		}})
		if err != nil {
			t.Fatal(err)
		}
		if res.NFE != n*s.Budget || den.points != res.NFE || last != res.NFE {
			t.Errorf("%s: NFE %d, denoised points %d, progress %d; budget %d x %d", s.Method, res.NFE, den.points, last, n, s.Budget)
		}
		m, v := particleMoments(res.X)
		se := math.Sqrt(1.0/n + 1.0/(4*n))
		tolM, tolV := 4.5*math.Sqrt(pv)*se, 4.5*pv*math.Sqrt2*se
		t.Logf("%s (K %d, %s): mean %.4f var %.4f; plain sampler %.4f %.4f; N(1, 0.25)", s.Method, res.K, res.Plan.Solver, m, v, pm, pv)
		if math.Abs(m-pm) > tolM || math.Abs(v-pv) > tolV {
			t.Errorf("%s: mean %.4f vs %.4f (tol %.4f), variance %.4f vs %.4f (tol %.4f)", s.Method, m, pm, tolM, v, pv, tolV)
		}
		// The first-order samplers lose variance at 50 steps (0.20-0.22 for 0.25, with or without particles);
		// the mean is unbiased.
		if math.Abs(pm-1) > 0.02 || pv < 0.18 || pv > 0.25 {
			t.Errorf("plain %s: mean %.4f variance %.4f, far from N(1, 0.25)", res.Plan.Solver, pm, pv)
		}
	}
}

// With an exact mixture denoiser and a reward that prefers the rarer, right-hand mode, the particle
// methods find it more often than best-of-N at the same number of evaluations: their mean reward exceeds
// best-of-N's by more than 3 standard errors of the difference (seed fixed).
func TestParticleMethodsBeatBestOfNOnARewardedMode(t *testing.T) {
	g, err := NewGaussianMixture([]float64{0.9, 0.1}, [][]float64{{-1, 0}, {1.5, 0}},
		[][][]float64{{{0.1, 0}, {0, 0.1}}, {{0.1, 0}, {0, 0.1}}})
	if err != nil {
		t.Fatal(err)
	}
	p := NewVPLinear()
	const steps, budget, n = 10, 40, 400
	run := func(s ParticleSearch) []float64 {
		s.Process, s.Steps, s.Budget = p, steps, budget
		res, err := s.Sample(context.Background(), g.Denoiser(p), particleFirstCoordinate(2), n, ParticleOptions{Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		if res.NFE != n*budget {
			t.Fatalf("%s spent %d evaluations, want %d", s.Method, res.NFE, n*budget)
		}
		return res.Rewards
	}
	bon := run(ParticleSearch{Method: BestOfN})
	bm, bv := particleMoments(bon)
	t.Logf("best-of-%d: mean reward %.4f", budget/steps, bm)
	for _, s := range []ParticleSearch{
		{Method: ParticleResample, TopK: 1},
		{Method: ParticleResample, Temperature: 0.1},
		{Method: ParticleRollover},
	} {
		m, v := particleMoments(run(s))
		se := math.Sqrt((bv + v) / n)
		t.Logf("%s: mean reward %.4f, best-of-N %.4f, se %.4f", s.Method, m, bm, se)
		if m-bm < 3*se {
			t.Errorf("%s: mean reward %.4f does not beat best-of-N's %.4f by 3 se (%.4f)", s.Method, m, bm, se)
		}
	}
}

// Best-of-N keeps, for each output, the particle of highest reward among N plain samples of the plan,
// which are exactly what Sample draws from the same initial noise and seed.
func TestBestOfNIsTheMaxOverItsSamples(t *testing.T) {
	g, err := RandomMixture(4, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	p := NewEDM()
	s := ParticleSearch{Method: BestOfN, Process: p, Solver: DPMSolverPP{Order: 2}, Steps: 8, Budget: 40}
	const outputs, dim = 6, 3
	res, err := s.Sample(context.Background(), g.Denoiser(p), particleFirstCoordinate(dim), outputs, ParticleOptions{Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	if res.K != 5 {
		t.Fatalf("K = %d, want 40/8", res.K)
	}
	x := make([]float64, outputs*res.K*dim)
	particleInitialNoise(x, p, res.Plan.Times[0], 9)
	if err := Sample(context.Background(), res.Plan, g.Denoiser(p), x, RunOptions{Seed: 9}); err != nil {
		t.Fatal(err)
	}
	for i := range x {
		if x[i] != res.Particles[i] {
			t.Fatalf("particle value %d: %v, plain sample %v", i, res.Particles[i], x[i])
		}
	}
	for o := 0; o < outputs; o++ {
		best := math.Inf(-1)
		for j := 0; j < res.K; j++ {
			best = max(best, x[(o*res.K+j)*dim])
		}
		if res.Rewards[o] != best || res.X[o*dim] != best {
			t.Errorf("output %d: reward %v, sample %v, max over its samples %v", o, res.Rewards[o], res.X[o*dim], best)
		}
	}
}

// The same seed gives the same result, and a rollover output does not depend on how many are drawn.
func TestParticleSearchIsDeterministic(t *testing.T) {
	g, _ := RandomMixture(2, 2, 3)
	p := NewVPCosine()
	for _, s := range []ParticleSearch{
		{Method: ParticleResample, Temperature: 0.5, Budget: 24},
		{Method: ParticleRollover, Budget: 30},
	} {
		s.Process, s.Steps = p, 6
		a, err := s.Sample(context.Background(), g.Denoiser(p), particleFirstCoordinate(2), 4, ParticleOptions{Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := s.Sample(context.Background(), g.Denoiser(p), particleFirstCoordinate(2), 4, ParticleOptions{Seed: 1})
		c, _ := s.Sample(context.Background(), g.Denoiser(p), particleFirstCoordinate(2), 4, ParticleOptions{Seed: 2})
		for i := range a.X {
			if a.X[i] != b.X[i] {
				t.Fatalf("%s: same seed, value %d differs", s.Method, i)
			}
		}
		if a.X[0] == c.X[0] {
			t.Errorf("%s: different seeds, same sample", s.Method)
		}
		if s.Method == ParticleRollover {
			one, _ := s.Sample(context.Background(), g.Denoiser(p), particleFirstCoordinate(2), 1, ParticleOptions{Seed: 1})
			if one.X[0] != a.X[0] || one.X[1] != a.X[1] {
				t.Errorf("rollover output 0 depends on the number of outputs")
			}
		}
	}
}

// Rollover moves on as soon as a candidate beats the best reward so far: with an informative reward it
// accepts early and still spends exactly the budget, which the last search step uses up.
func TestRolloverSpendsExactlyTheBudget(t *testing.T) {
	g, _ := RandomMixture(5, 2, 3)
	p := NewVPLinear()
	for _, budget := range []int{8, 9, 31, 100} {
		den := &particleCountingDenoiser{Denoiser: g.Denoiser(p)}
		s := ParticleSearch{Method: ParticleRollover, Process: p, Steps: 8, Budget: budget}
		res, err := s.Sample(context.Background(), den, particleFirstCoordinate(2), 3, ParticleOptions{Seed: 4})
		if err != nil {
			t.Fatal(err)
		}
		if res.NFE != 3*budget || den.points != res.NFE {
			t.Errorf("budget %d: NFE %d, denoised %d, want %d", budget, res.NFE, den.points, 3*budget)
		}
	}
}

func TestParticleSearchStopsWhenCancelled(t *testing.T) {
	g, _ := RandomMixture(5, 2, 3)
	p := NewVPLinear()
	for _, m := range ParticleMethods() {
		ctx, cancel := context.WithCancel(context.Background())
		s := ParticleSearch{Method: m, Process: p, Steps: 5, Budget: 20, TopK: 1}
		if m != ParticleResample {
			s.TopK = 0
		}
		_, err := s.Sample(ctx, g.Denoiser(p), particleFirstCoordinate(2), 2, ParticleOptions{Progress: func(done, _ int) {
			if done > 0 {
				cancel()
			}
		}})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s: err = %v, want context.Canceled", m, err)
		}
	}
}

func TestParticleSearchRefusesBadInput(t *testing.T) {
	g, _ := RandomMixture(5, 2, 3)
	p := NewVPLinear()
	ok := ParticleSearch{Method: ParticleResample, Process: p, Steps: 5, Budget: 20, TopK: 1}
	nan := func(r, _ []float64) error { r[0] = math.NaN(); return nil }
	cases := []struct {
		name   string
		edit   func(*ParticleSearch)
		reward Reward
		out    int
		want   string
	}{
		{"no process", func(s *ParticleSearch) { s.Process = nil }, nil, 1, "required"},
		{"unknown method", func(s *ParticleSearch) { s.Method = "smc" }, nil, 1, "unknown method"},
		{"zero outputs", func(s *ParticleSearch) {}, nil, 0, "outputs"},
		{"zero steps", func(s *ParticleSearch) { s.Steps = 0 }, nil, 1, "steps"},
		{"zero budget", func(s *ParticleSearch) { s.Budget = 0 }, nil, 1, "budget"},
		{"budget not a multiple", func(s *ParticleSearch) { s.Budget = 21 }, nil, 1, "not a multiple"},
		{"both resamplings", func(s *ParticleSearch) { s.Temperature = 1 }, nil, 1, "exactly one"},
		{"neither resampling", func(s *ParticleSearch) { s.TopK = 0 }, nil, 1, "exactly one"},
		{"top-k too large", func(s *ParticleSearch) { s.TopK = 5 }, nil, 1, "exceeds"},
		{"negative temperature", func(s *ParticleSearch) { s.Temperature = -1 }, nil, 1, "temperature"},
		{"multistep solver", func(s *ParticleSearch) { s.Solver = DPMSolverPP{Order: 2} }, nil, 1, "multistep"},
		{"rollover with heun", func(s *ParticleSearch) {
			s.Method, s.Solver, s.TopK, s.Budget = ParticleRollover, Heun{SChurn: 1}, 0, 40
		}, nil, 1, "before evaluating"},
		{"rollover budget too small", func(s *ParticleSearch) { s.Method, s.TopK, s.Budget = ParticleRollover, 0, 4 }, nil, 1, "cannot pay"},
		{"rollover too many initial", func(s *ParticleSearch) { s.Method, s.TopK, s.Particles = ParticleRollover, 0, 17 }, nil, 1, "cannot pay"},
		{"NaN reward", func(s *ParticleSearch) {}, nan, 1, "NaN"},
	}
	for _, c := range cases {
		s := ok
		c.edit(&s)
		r := c.reward
		if r == nil {
			r = particleFirstCoordinate(2)
		}
		_, err := s.Sample(context.Background(), g.Denoiser(p), r, c.out, ParticleOptions{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.want)
		}
	}
}
