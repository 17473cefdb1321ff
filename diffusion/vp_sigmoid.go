package diffusion

import "math"

// VPSigmoid is the sigmoid schedule of Jabri, Fleet & Chen (2023, "Scalable Adaptive Computation for
// Iterative Generation", Fig. 8), the schedule WDNO trains its smoke model with (start -3, end 3, tau 1):
//
//	alpha(t)^2 = (v_e - sig(u(t))) / (v_e - v_s),  u(t) = (start + t (end - start)) / tau,
//
// with sig the logistic function, v_s = sig(start/tau) and v_e = sig(end/tau). The discrete chain of the
// reference takes t = i/T and clips beta at 0.999, which only the last step reaches; here time is
// continuous and stops at TMax = 0.9998 (log-SNR about -10, where vp-cosine stops too).
type VPSigmoid struct {
	Start, End, Tau float64
	Tmin, Tmax      float64
}

// NewVPSigmoid returns the sigmoid schedule with start -3, end 3, tau 1, t in [1e-3, 0.9998].
func NewVPSigmoid() *VPSigmoid {
	return &VPSigmoid{Start: -3, End: 3, Tau: 1, Tmin: 1e-3, Tmax: 0.9998}
}

func (p *VPSigmoid) Name() string { return "vp-sigmoid" }

func (p *VPSigmoid) u(t float64) float64 { return (p.Start + t*(p.End-p.Start)) / p.Tau }

func logistic(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// parts returns a = v_e - sig(u(t)) and b = sig(u(t)) - v_s (a + b = v_e - v_s), each from the identity
// sig(x) - sig(y) = -sig(x) sig(y) e^{-y} expm1(y - x), so that neither cancels: b near t = 0, where sigma
// is small, and a near t = 1, where alpha is.
func (p *VPSigmoid) parts(t float64) (a, b float64) {
	u, us, ue := p.u(t), p.Start/p.Tau, p.End/p.Tau
	su := logistic(u)
	a = -logistic(ue) * su * math.Exp(-u) * math.Expm1(u-ue)
	b = -su * logistic(us) * math.Exp(-us) * math.Expm1(us-u)
	return a, b
}

// norm is v_e - v_s, computed as parts(0)'s a so that alpha(0) is exactly 1.
func (p *VPSigmoid) norm() float64 {
	us, ue := p.Start/p.Tau, p.End/p.Tau
	return -logistic(ue) * logistic(us) * math.Exp(-us) * math.Expm1(us-ue)
}

func (p *VPSigmoid) Alpha(t float64) float64 {
	a, _ := p.parts(t)
	return math.Sqrt(a / p.norm())
}

func (p *VPSigmoid) Sigma(t float64) float64 {
	_, b := p.parts(t)
	return math.Sqrt(b / p.norm())
}

// dAlphaBar is d(alpha^2)/dt = -sig'(u) u' / (v_e - v_s).
func (p *VPSigmoid) dAlphaBar(t float64) float64 {
	s := logistic(p.u(t))
	return -s * (1 - s) * (p.End - p.Start) / p.Tau / p.norm()
}

func (p *VPSigmoid) DAlpha(t float64) float64 { return p.dAlphaBar(t) / (2 * p.Alpha(t)) }
func (p *VPSigmoid) DSigma(t float64) float64 { return -p.dAlphaBar(t) / (2 * p.Sigma(t)) }

func (p *VPSigmoid) LogSNR(t float64) float64 {
	if t == 0 {
		return math.Inf(1)
	}
	a, b := p.parts(t)
	return 0.5 * (math.Log(a) - math.Log(b))
}

// TimeAtLogSNR solves alpha^2 = sig(2 lambda): sig(u) = v_e - sig(2 lambda)(v_e - v_s), so
// u = logit(v_s + sig(-2 lambda)(v_e - v_s)) (the form without cancellation for large lambda).
func (p *VPSigmoid) TimeAtLogSNR(lambda float64) float64 {
	if math.IsInf(lambda, 1) {
		return 0
	}
	vs := logistic(p.Start / p.Tau)
	s := vs + logistic(-2*lambda)*p.norm()
	u := math.Log(s) - math.Log1p(-s)
	t := (u*p.Tau - p.Start) / (p.End - p.Start)
	return math.Min(math.Max(t, 0), 1)
}

func (p *VPSigmoid) TMin() float64 { return p.Tmin }
func (p *VPSigmoid) TMax() float64 { return p.Tmax }
