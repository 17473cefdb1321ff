package main

import (
	"flag"

	"github.com/trajdiff/trajdiff/diffusion"
)

// particleFlags are the inference-time search flags plan evaluate, plan scaling and pde evaluate share.
type particleFlags struct {
	method            string
	budget, particles int
	eta, temperature  float64
	topK              int
}

// register adds the flags; methodHelp describes --particle-method, subject prefixes the others' help and
// unit names what a budget is spent on.
func (f *particleFlags) register(fs *flag.FlagSet, methodHelp, subject, unit string) {
	fs.StringVar(&f.method, "particle-method", "", methodHelp)
	fs.IntVar(&f.budget, "nfe-budget", 0, subject+": network evaluations per "+unit+" (best-of-n and resample: a multiple of the steps)")
	fs.IntVar(&f.particles, "particles", 0, subject+", rollover: initial particles scored at the first step (0: the budget's share per step)")
	fs.Float64Var(&f.eta, "particle-eta", 1, subject+", resample and rollover: DDIM eta, the diffusion coefficient of the SDE (1: DDPM)")
	fs.Float64Var(&f.temperature, "particle-temperature", 0, subject+", resample: multinomial resampling on softmax(reward/T) (0: greedy)")
	fs.IntVar(&f.topK, "particle-topk", 0, subject+", resample: greedy resampling keeps the K best (0: 1, unless --particle-temperature)")
}

// registerControl adds the flags for pde evaluate (control models: reward -J of the re-simulated control).
func (f *particleFlags) registerControl(fs *flag.FlagSet) {
	f.register(fs, "control models: sample by inference-time search with the reward -J of the re-simulated control: best-of-n, resample or rollover",
		"search", "case")
}

// search is the configured search, nil without --particle-method. Best-of-n uses the sampling flags'
// solver (default DDPM), the particle methods DDIM with --particle-eta.
func (f *particleFlags) search(solver string, steps int) (*diffusion.ParticleSearch, error) {
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
