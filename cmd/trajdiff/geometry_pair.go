package main

import (
	"flag"
	"fmt"
	"strconv"

	"github.com/trajdiff/trajdiff/geometry/geotdm"
)

// pairFlags are geometry evaluate's flags for the two-field interpolant sampler (geotdm.Pair).
type pairFlags struct {
	drift, denoiser string
	eps             floatList
	steps           int
	uniformT        bool
}

func (p *pairFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&p.drift, "drift", "", "also score the interpolant with its drift from this checkpoint (prediction velocity) and its denoiser from --denoiser")
	fs.StringVar(&p.denoiser, "denoiser", "", "the interpolant checkpoint giving the denoiser eta for --drift (default: --checkpoint)")
	fs.Var(&p.eps, "eps", "diffusion coefficient of a --drift sampler (repeatable, one method each): 0 integrates the ODE by Heun, > 0 the SDE by Euler-Maruyama (default 0)")
	fs.BoolVar(&p.uniformT, "pair-uniform-t", false, "space the --drift samplers' steps uniformly in t (default: uniform in sqrt(1 - t), stable where the drift is stiff)")
	fs.IntVar(&p.steps, "pair-steps", 0, "sampler steps of the --drift samplers (default --steps/2, else 5: 2 steps+1 network evaluations per sample)")
}

// methods loads the pair and returns one method per --eps.
func (p *pairFlags) methods(g geometryFlags) ([]geotdm.PairMethod, error) {
	if p.drift == "" {
		if p.denoiser != "" || len(p.eps) > 0 || p.steps != 0 || p.uniformT {
			return nil, usagef("--denoiser, --eps, --pair-steps and --pair-uniform-t go with --drift")
		}
		return nil, nil
	}
	if p.steps < 0 {
		return nil, usagef("--pair-steps must be non-negative")
	}
	steps := p.steps
	if steps == 0 {
		steps = max(g.steps/2, 1)
		if g.steps == 0 {
			steps = 5
		}
	}
	den := p.denoiser
	if den == "" {
		den = g.ckpt
	}
	dm, err := geotdm.Load(p.drift)
	if err != nil {
		return nil, err
	}
	em, err := geotdm.Load(den)
	if err != nil {
		return nil, err
	}
	pair, err := geotdm.NewPair(dm, em)
	if err != nil {
		return nil, err
	}
	eps := p.eps
	if len(eps) == 0 {
		eps = floatList{0}
	}
	var out []geotdm.PairMethod
	for _, e := range eps {
		out = append(out, geotdm.PairMethod{Pair: pair, Steps: steps, Eps: e, UniformT: p.uniformT})
	}
	return out, nil
}

// floatList is a repeatable float flag.
type floatList []float64

func (f *floatList) String() string { return fmt.Sprint([]float64(*f)) }
func (f *floatList) Set(s string) error {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || !(v >= 0) || v > 1e6 {
		return fmt.Errorf("want a finite number >= 0, got %q", s)
	}
	*f = append(*f, v)
	return nil
}
