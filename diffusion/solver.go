package diffusion

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// Solver compiles a sampler for a process and a time grid (from a Schedule) into a Plan.
type Solver interface {
	Name() string
	Plan(p Process, times []float64) (*Plan, error)
}

// NewSolver returns a solver by its CLI name with default settings; see SolverNames.
func NewSolver(name string) (Solver, error) {
	switch name {
	case "ddpm":
		return DDIM{Eta: 1, name: "ddpm"}, nil
	case "ddpm-large":
		return DDPMLarge{}, nil
	case "ddim":
		return DDIM{}, nil
	case "euler":
		return Euler{}, nil
	case "heun":
		return Heun{}, nil
	case "euler-maruyama":
		return EulerMaruyama{}, nil
	case "dpm-solver-1", "dpm-solver-2", "dpm-solver-3":
		return DPMSolver{Order: int(name[len(name)-1] - '0')}, nil
	case "dpmpp-2m":
		return DPMSolverPP{Order: 2}, nil
	case "dpmpp-3m":
		return DPMSolverPP{Order: 3}, nil
	case "dpmpp-2m-sde":
		return DPMSolverPPSDE{Eta: 1}, nil
	case "hb-dpmpp":
		return DPMSolverPP{Order: 2, Beta: 0.8}, nil
	case "unipc-1", "unipc-2", "unipc-3":
		return UniPC{Order: int(name[len(name)-1] - '0'), Variant: "bh2"}, nil
	case "deis-1", "deis-2", "deis-3":
		return DEIS{Order: int(name[len(name)-1] - '0')}, nil
	case "pndm":
		return PNDM{Warmup: "prk"}, nil
	case "plms":
		return PNDM{Warmup: "skip"}, nil
	case "ipndm":
		return PNDM{Warmup: "lower-order"}, nil
	case "hb-pndm":
		return Momentum{Order: 4, Beta: 0.8}, nil
	case "ghvb-pndm":
		return Momentum{Order: 4, Beta: 0.5, Generalized: true}, nil
	case "dpm-solver-v3-1", "dpm-solver-v3-2", "dpm-solver-v3-3":
		return nil, fmt.Errorf("diffusion: %s needs empirical model statistics (ComputeEMS or LoadEMS, then NewSolverWithStats)", name)
	}
	return nil, fmt.Errorf("diffusion: unknown solver %q (want one of %s)", name, strings.Join(SolverNames(), ", "))
}

// SolverNames lists the names NewSolver accepts.
func SolverNames() []string {
	n := []string{"ddpm", "ddpm-large", "ddim", "euler", "heun", "euler-maruyama", "dpm-solver-1", "dpm-solver-2",
		"dpm-solver-3", "dpmpp-2m", "dpmpp-3m", "dpmpp-2m-sde", "hb-dpmpp", "unipc-1", "unipc-2", "unipc-3",
		"deis-1", "deis-2", "deis-3", "pndm", "plms", "ipndm", "hb-pndm", "ghvb-pndm"}
	sort.Strings(n)
	return n
}

// grid precomputes the process coefficients at every time of a grid.
func grid(p Process, times []float64) ([]Coefficients, error) {
	if err := ValidateTimes(p, times); err != nil {
		return nil, err
	}
	c := make([]Coefficients, len(times))
	for i, t := range times {
		c[i] = CoefficientsAt(p, t)
	}
	return c, nil
}

// Linear combinations shared by the solvers. X, D, E name buffers holding a state, its x0-prediction and a
// noise prediction.

// epsOf returns eps = (X - alpha D)/sigma as terms.
func epsOf(c Coefficients, x, d int) []Term {
	return []Term{{1 / c.Sigma, x}, {-c.Alpha / c.Sigma, d}}
}

// velocityOf returns the probability-flow velocity dx/dt = alpha' D + sigma' (X - alpha D)/sigma at c.
func velocityOf(c Coefficients, x, d int) []Term {
	r := c.DSigma / c.Sigma
	return []Term{{r, x}, {c.DAlpha - c.Alpha*r, d}}
}

// dataStep is the first-order exponential-integrator step in data prediction from c to cn (DDIM with eta = 0,
// DPM-Solver-1, DPM-Solver++ 1; Lu et al. 2022b, Eq. 8): x_n = (sigma_n/sigma) x + alpha_n (1 - e^-h) D, h =
// lambda_n - lambda. It is finite at both ends of the process: from zero signal (h = +Inf) it gives
// sigma_n x + alpha_n D, and at the data end (sigma_n = 0) it returns D.
func dataStep(c, cn Coefficients, x, d int) []Term {
	h := cn.LogSNR - c.LogSNR
	return []Term{{cn.Sigma / c.Sigma, x}, {-cn.Alpha * math.Expm1(-h), d}}
}

// transfer is PNDM's transfer phi(x, e, t -> t_n) (Liu et al. 2022, Eq. 11), the DDIM step with a given
// noise estimate e: x_n = (alpha_n/alpha) x + (sigma_n - alpha_n sigma/alpha) e. In x/alpha it is the Euler
// step d(x/alpha) = e d(sigma/alpha).
func transfer(c, cn Coefficients, x int, e []Term) []Term {
	return append([]Term{{cn.Alpha / c.Alpha, x}}, scaled(cn.Sigma-cn.Alpha*c.Sigma/c.Alpha, e...)...)
}

// zeroSignal reports whether c sits where alpha = 0 (lambda = -Inf), the start of rectified flow and of the
// trigonometric interpolant. Solvers written in x/alpha or in eps are singular there; every solver takes the
// exact first-order data step from such a point (its limit), and multistep solvers drop such points from
// their history (their weight vanishes as lambda -> -Inf).
func zeroSignal(c Coefficients) bool { return math.IsInf(c.LogSNR, -1) }
