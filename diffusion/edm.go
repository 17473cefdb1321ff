package diffusion

import "math"

// EDM is the process of Karras et al. (2022, "Elucidating the Design Space of Diffusion-Based Generative
// Models", Sec. 3): alpha = 1, sigma(t) = t, so time is the noise level itself and the probability-flow ODE
// dx/dsigma = (x - D(x, sigma))/sigma has the straightest trajectories among the affine choices.
type EDM struct {
	SigmaMin, SigmaMax float64
	name               string
}

// NewEDM returns EDM's process with the paper's sampling range sigma 0.002..80.
func NewEDM() *EDM { return &EDM{SigmaMin: 0.002, SigmaMax: 80, name: "edm"} }

// NewVE returns the variance-exploding process of Song et al. (2021, SMLD / VE SDE) in EDM's time
// parameterisation sigma(t) = t, with Song's range sigma 0.02..100 as used in EDM's Table 1. Song's geometric
// noise levels are the "logsnr" schedule (uniform log-SNR is geometric in sigma), its default.
func NewVE() *EDM { return &EDM{SigmaMin: 0.02, SigmaMax: 100, name: "ve"} }

func (p *EDM) Name() string {
	if p.name == "" {
		return "edm"
	}
	return p.name
}
func (p *EDM) Alpha(t float64) float64  { return 1 }
func (p *EDM) Sigma(t float64) float64  { return t }
func (p *EDM) DAlpha(t float64) float64 { return 0 }
func (p *EDM) DSigma(t float64) float64 { return 1 }
func (p *EDM) LogSNR(t float64) float64 { return -math.Log(t) }
func (p *EDM) TimeAtLogSNR(lambda float64) float64 {
	return math.Exp(-lambda)
}
func (p *EDM) TMin() float64 { return p.SigmaMin }
func (p *EDM) TMax() float64 { return p.SigmaMax }
