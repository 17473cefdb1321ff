package diffusion

import (
	"fmt"
	"math"
	"sort"
)

// VP processes keep alpha^2 + sigma^2 = 1 (Ho et al. 2020; Song et al. 2021). Each is defined by log alpha(t);
// sigma = sqrt(1 - alpha^2) and lambda follow.

func vpSigma(logAlpha float64) float64 { return math.Sqrt(-math.Expm1(2 * logAlpha)) }

// vpDSigma: sigma' = -alpha alpha'/sigma, with alpha' = alpha (log alpha)'.
func vpDSigma(logAlpha, dLogAlpha float64) float64 {
	a := math.Exp(logAlpha)
	return -a * a * dLogAlpha / vpSigma(logAlpha)
}

// VPLinear is the continuous-time DDPM process (Song et al. 2021, VP SDE): beta(t) = beta0 + t (beta1 - beta0),
// log alpha(t) = -(beta1 - beta0) t^2/4 - beta0 t/2, t in [0, 1]. With beta0 = 0.1 and beta1 = 20 it is the limit
// of DDPM's 1000-step chain with betas 1e-4..0.02.
type VPLinear struct {
	Beta0, Beta1 float64
	Tmin         float64
}

// NewVPLinear returns VP-linear with DDPM's constants and the customary smallest time 1e-3.
func NewVPLinear() *VPLinear { return &VPLinear{Beta0: 0.1, Beta1: 20, Tmin: 1e-3} }

func (p *VPLinear) Name() string { return "vp-linear" }
func (p *VPLinear) logAlpha(t float64) float64 {
	return -(p.Beta1-p.Beta0)*t*t/4 - p.Beta0*t/2
}
func (p *VPLinear) dLogAlpha(t float64) float64 { return -(p.Beta1-p.Beta0)*t/2 - p.Beta0/2 }
func (p *VPLinear) Alpha(t float64) float64     { return math.Exp(p.logAlpha(t)) }
func (p *VPLinear) Sigma(t float64) float64     { return vpSigma(p.logAlpha(t)) }
func (p *VPLinear) DAlpha(t float64) float64    { return p.Alpha(t) * p.dLogAlpha(t) }
func (p *VPLinear) DSigma(t float64) float64    { return vpDSigma(p.logAlpha(t), p.dLogAlpha(t)) }
func (p *VPLinear) LogSNR(t float64) float64 {
	if t == 0 {
		return math.Inf(1)
	}
	return logSNRFromLogAlphaVP(p.logAlpha(t))
}

// TimeAtLogSNR solves the quadratic for t in the cancellation-free form of DPM-Solver's NoiseScheduleVP
// (Lu et al. 2022): t = -4 log alpha / (beta0 + sqrt(beta0^2 - 4 (beta1 - beta0) log alpha)).
func (p *VPLinear) TimeAtLogSNR(lambda float64) float64 {
	la := logAlphaFromLogSNRVP(lambda)
	return -4 * la / (p.Beta0 + math.Sqrt(p.Beta0*p.Beta0-4*(p.Beta1-p.Beta0)*la))
}
func (p *VPLinear) TMin() float64 { return p.Tmin }
func (p *VPLinear) TMax() float64 { return 1 }

// VPDiscrete is DDPM's N-step Markov chain (Ho et al. 2020) embedded in continuous time as in DPM-Solver:
// step n = 0..N-1 sits at t = (n+1)/N with log alpha_n = 0.5 sum_{i<=n} log(1 - beta_i); log alpha is linear
// between these knots and between t = 0 (log alpha = 0) and t = 1/N. Networks trained on integer steps receive
// the index n = t N - 1 (see Index).
type VPDiscrete struct {
	N        int
	logAlpha []float64 // knots at t = k/N, k = 0..N
}

// NewVPDiscrete builds the chain with betas linearly spaced from betaStart to betaEnd (DDPM's "linear").
func NewVPDiscrete(n int, betaStart, betaEnd float64) (*VPDiscrete, error) {
	if n < 1 {
		return nil, fmt.Errorf("diffusion: vp-discrete needs at least 1 step, got %d", n)
	}
	betas := make([]float64, n)
	for i := range betas {
		if n == 1 {
			betas[i] = betaStart
		} else {
			betas[i] = betaStart + (betaEnd-betaStart)*float64(i)/float64(n-1)
		}
	}
	return NewVPDiscreteBetas(betas)
}

// NewVPDiscreteBetas builds the chain from explicit betas, each in (0, 1).
func NewVPDiscreteBetas(betas []float64) (*VPDiscrete, error) {
	la := make([]float64, len(betas)+1)
	for i, b := range betas {
		if !(b > 0 && b < 1) {
			return nil, fmt.Errorf("diffusion: beta[%d] = %v, want 0 < beta < 1", i, b)
		}
		la[i+1] = la[i] + 0.5*math.Log1p(-b)
	}
	return &VPDiscrete{N: len(betas), logAlpha: la}, nil
}

func (p *VPDiscrete) Name() string { return "vp-discrete" }

// Index returns the continuous step index n = t N - 1 that a network trained on integer steps expects.
func (p *VPDiscrete) Index(t float64) float64 { return t*float64(p.N) - 1 }

// TimeOfIndex returns t = (n+1)/N for step n.
func (p *VPDiscrete) TimeOfIndex(n int) float64 { return float64(n+1) / float64(p.N) }

// segment returns k with t in [k/N, (k+1)/N] and the slope of log alpha there.
func (p *VPDiscrete) segment(t float64) (int, float64) {
	k := int(math.Floor(t * float64(p.N)))
	if k < 0 {
		k = 0
	}
	if k > p.N-1 {
		k = p.N - 1
	}
	return k, (p.logAlpha[k+1] - p.logAlpha[k]) * float64(p.N)
}

func (p *VPDiscrete) logAlphaAt(t float64) float64 {
	k, slope := p.segment(t)
	return p.logAlpha[k] + slope*(t-float64(k)/float64(p.N))
}

func (p *VPDiscrete) Alpha(t float64) float64 { return math.Exp(p.logAlphaAt(t)) }
func (p *VPDiscrete) Sigma(t float64) float64 { return vpSigma(p.logAlphaAt(t)) }

// DAlpha uses the slope of the segment to the right of t (left at t = 1).
func (p *VPDiscrete) DAlpha(t float64) float64 {
	_, s := p.segment(t)
	return p.Alpha(t) * s
}
func (p *VPDiscrete) DSigma(t float64) float64 {
	_, s := p.segment(t)
	return vpDSigma(p.logAlphaAt(t), s)
}
func (p *VPDiscrete) LogSNR(t float64) float64 {
	if t == 0 {
		return math.Inf(1)
	}
	return logSNRFromLogAlphaVP(p.logAlphaAt(t))
}

// TimeAtLogSNR inverts the piecewise-linear log alpha by bisection over the knots.
func (p *VPDiscrete) TimeAtLogSNR(lambda float64) float64 {
	la := logAlphaFromLogSNRVP(lambda)
	if la >= 0 {
		return 0
	}
	// logAlpha is decreasing in k: find the first knot below la.
	k := sort.Search(len(p.logAlpha), func(i int) bool { return p.logAlpha[i] <= la })
	if k >= len(p.logAlpha) {
		return 1
	}
	if k == 0 {
		return 0
	}
	lo, hi := p.logAlpha[k-1], p.logAlpha[k]
	return (float64(k-1) + (la-lo)/(hi-lo)) / float64(p.N)
}
func (p *VPDiscrete) TMin() float64 { return 1 / float64(p.N) }
func (p *VPDiscrete) TMax() float64 { return 1 }

// VPCosine is the cosine schedule of Nichol & Dhariwal (2021): alpha(t)^2 = f(t)/f(0) with
// f(t) = cos^2(pi/2 (t+s)/(1+s)), s = 0.008. Its signal vanishes at t = 1; like DPM-Solver we stop at
// TMax = 0.9946, where the discrete schedule's beta clipping at 0.999 takes over.
type VPCosine struct {
	S          float64
	Tmin, Tmax float64
}

// NewVPCosine returns the cosine schedule with s = 0.008, t in [1e-3, 0.9946].
func NewVPCosine() *VPCosine { return &VPCosine{S: 0.008, Tmin: 1e-3, Tmax: 0.9946} }

func (p *VPCosine) Name() string { return "vp-cosine" }
func (p *VPCosine) angle(t float64) float64 {
	return math.Pi / 2 * (t + p.S) / (1 + p.S)
}

// The coefficients use cos^2(a0) - cos^2(a) = sin(a + a0) sin(a - a0), a0 = angle(0), so that sigma keeps full
// relative precision near t = 0 where 1 - alpha^2 would cancel.
func (p *VPCosine) Alpha(t float64) float64 { return math.Cos(p.angle(t)) / math.Cos(p.angle(0)) }
func (p *VPCosine) Sigma(t float64) float64 {
	a, a0 := p.angle(t), p.angle(0)
	return math.Sqrt(math.Sin(a+a0)*math.Sin(a-a0)) / math.Cos(a0)
}
func (p *VPCosine) DAlpha(t float64) float64 {
	return -math.Sin(p.angle(t)) * math.Pi / (2 * (1 + p.S)) / math.Cos(p.angle(0))
}
func (p *VPCosine) DSigma(t float64) float64 { return -p.Alpha(t) * p.DAlpha(t) / p.Sigma(t) }
func (p *VPCosine) LogSNR(t float64) float64 {
	if t == 0 {
		return math.Inf(1)
	}
	a, a0 := p.angle(t), p.angle(0)
	return math.Log(math.Cos(a)) - 0.5*math.Log(math.Sin(a+a0)*math.Sin(a-a0))
}

// TimeAtLogSNR: t = 2(1+s)/pi acos(alpha cos(angle(0))) - s.
func (p *VPCosine) TimeAtLogSNR(lambda float64) float64 {
	la := logAlphaFromLogSNRVP(lambda)
	c := math.Min(math.Exp(la)*math.Cos(p.angle(0)), 1)
	t := 2*(1+p.S)/math.Pi*math.Acos(c) - p.S
	return math.Max(t, 0)
}
func (p *VPCosine) TMin() float64 { return p.Tmin }
func (p *VPCosine) TMax() float64 { return p.Tmax }
