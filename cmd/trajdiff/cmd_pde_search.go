package main

import (
	"flag"

	"github.com/trajdiff/trajdiff/diffusion"
)

// pdeSearchFlags are pde evaluate's inference-time search flags (control models: reward -J of the
// re-simulated control).
type pdeSearchFlags struct {
	method            string
	budget, particles int
	eta, temperature  float64
	topK              int
}

func (f *pdeSearchFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.method, "particle-method", "", "control models: sample by inference-time search with the reward -J of the re-simulated control: best-of-n, resample or rollover")
	fs.IntVar(&f.budget, "nfe-budget", 0, "search: network evaluations per case (best-of-n and resample: a multiple of the steps)")
	fs.IntVar(&f.particles, "particles", 0, "search, rollover: initial particles scored at the first step (0: the budget's share per step)")
	fs.Float64Var(&f.eta, "particle-eta", 1, "search, resample and rollover: DDIM eta of the particles (1: DDPM)")
	fs.Float64Var(&f.temperature, "particle-temperature", 0, "search, resample: multinomial resampling on softmax(reward/T) (0: greedy)")
	fs.IntVar(&f.topK, "particle-topk", 0, "search, resample: greedy resampling keeps the K best (0: 1, unless --particle-temperature)")
}

// search is the configured search, nil without --particle-method. Best-of-n uses the sampling flags'
// solver (default DDPM), the particle methods DDIM with --particle-eta.
func (f *pdeSearchFlags) search(solver string, steps int) (*diffusion.ParticleSearch, error) {
	if f.method == "" {
		return nil, nil
	}
	s := &diffusion.ParticleSearch{Method: diffusion.ParticleMethod(f.method), Steps: steps, Budget: f.budget,
		Particles: f.particles, Temperature: f.temperature, TopK: f.topK}
	switch s.Method {
	case diffusion.BestOfN:
		if solver == "" {
			solver = "ddpm"
		}
		sv, err := diffusion.NewSolver(solver)
		if err != nil {
			return nil, usagef("%v", err)
		}
		s.Solver = sv
	case diffusion.ParticleResample, diffusion.ParticleRollover:
		s.Solver = diffusion.DDIM{Eta: f.eta}
		if s.Method == diffusion.ParticleResample && s.Temperature == 0 && s.TopK == 0 {
			s.TopK = 1
		}
	default:
		return nil, usagef("--particle-method %q: want one of %v", f.method, diffusion.ParticleMethods())
	}
	if f.budget < 1 {
		return nil, usagef("--particle-method needs --nfe-budget")
	}
	return s, nil
}
