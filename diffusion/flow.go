package diffusion

import "math"

// Flow is the rectified-flow / conditional optimal-transport path (Liu et al. 2023; Lipman et al. 2023):
// x_t = (1 - t) x0 + t eps on t in [0, 1]. Its velocity target is u = eps - x0. The signal-to-noise ratio is
// zero at t = 1, where sampling starts from pure noise.
type Flow struct{ Tmin float64 }

// NewFlow returns the rectified-flow path; the smallest noise level visited before t = 0 is 1e-3.
func NewFlow() *Flow { return &Flow{Tmin: 1e-3} }

func (p *Flow) Name() string             { return "flow" }
func (p *Flow) Alpha(t float64) float64  { return 1 - t }
func (p *Flow) Sigma(t float64) float64  { return t }
func (p *Flow) DAlpha(t float64) float64 { return -1 }
func (p *Flow) DSigma(t float64) float64 { return 1 }

// LogSNR = log((1-t)/t); -Inf at t = 1.
func (p *Flow) LogSNR(t float64) float64 { return math.Log1p(-t) - math.Log(t) }

// TimeAtLogSNR solves (1-t)/t = e^lambda: t = 1/(1 + e^lambda) (the logistic function of -lambda).
func (p *Flow) TimeAtLogSNR(lambda float64) float64 {
	if lambda >= 0 {
		e := math.Exp(-lambda)
		return e / (1 + e)
	}
	return 1 / (1 + math.Exp(lambda))
}
func (p *Flow) TMin() float64 { return p.Tmin }
func (p *Flow) TMax() float64 { return 1 }

// Trig is the trigonometric interpolant x_t = cos(pi t/2) x0 + sin(pi t/2) eps (Albergo & Vanden-Eijnden
// 2023; the "cosine" path of flow matching): variance preserving, with zero signal at t = 1.
type Trig struct{ Tmin float64 }

// NewTrig returns the trigonometric interpolant with smallest sampled noise level 1e-3.
func NewTrig() *Trig { return &Trig{Tmin: 1e-3} }

func (p *Trig) Name() string { return "trig" }

// Alpha is exactly zero at t = 1 (math.Cos(pi/2) is 6e-17, which would leave a spurious finite log-SNR).
func (p *Trig) Alpha(t float64) float64 {
	if t == 1 {
		return 0
	}
	return math.Cos(math.Pi / 2 * t)
}
func (p *Trig) Sigma(t float64) float64 {
	if t == 1 {
		return 1
	}
	return math.Sin(math.Pi / 2 * t)
}
func (p *Trig) DAlpha(t float64) float64 { return -math.Pi / 2 * p.Sigma(t) }
func (p *Trig) DSigma(t float64) float64 { return math.Pi / 2 * p.Alpha(t) }

// LogSNR = -log tan(pi t/2).
func (p *Trig) LogSNR(t float64) float64 {
	if t == 1 {
		return math.Inf(-1)
	}
	return -math.Log(math.Tan(math.Pi / 2 * t))
}

// TimeAtLogSNR: tan(pi t/2) = e^-lambda, t = (2/pi) atan(e^-lambda).
func (p *Trig) TimeAtLogSNR(lambda float64) float64 {
	if math.IsInf(lambda, -1) {
		return 1
	}
	return 2 / math.Pi * math.Atan(math.Exp(-lambda))
}
func (p *Trig) TMin() float64 { return p.Tmin }
func (p *Trig) TMax() float64 { return 1 }
