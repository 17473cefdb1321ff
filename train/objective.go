package train

import (
	"fmt"

	"github.com/trajdiff/trajdiff/diffusion"
)

// ObjectiveConfig names a training objective of package diffusion; checkpoints store it so that a trained
// network can be turned back into a denoiser.
type ObjectiveConfig struct {
	Kind       string  `json:"kind"`                 // "denoising" (default), "edm" or "regression" (ObjectiveRegression)
	Process    string  `json:"process"`              // denoising: a diffusion process name (default vp-cosine)
	Prediction string  `json:"prediction,omitempty"` // denoising: eps (default), x0, v, score, velocity
	Time       string  `json:"time,omitempty"`       // denoising: uniform (default), discrete, lognormal, logit-normal
	PMean      float64 `json:"p_mean,omitempty"`     // lognormal / logit-normal location (EDM: -1.2)
	PStd       float64 `json:"p_std,omitempty"`      // lognormal / logit-normal scale (EDM: 1.2)
	Weighting  string  `json:"weighting,omitempty"`  // denoising: unit (default), min-snr, edm
	Gamma      float64 `json:"gamma,omitempty"`      // min-snr gamma (default 5)
	SigmaData  float64 `json:"sigma_data,omitempty"` // edm (default 0.5)
	PFGMD      float64 `json:"pfgm_d,omitempty"`     // edm: PFGM++ augmentation dimension; 0 is Gaussian noise
	// Steps is the length of the vp-discrete chain (default 1000). Its linear betas are rescaled as in
	// guided-diffusion and GeoTDM, from 1e-4*1000/Steps to 0.02*1000/Steps, so that a shorter chain still
	// ends near pure noise (alpha-bar_T is 4.0e-5 for 1000 steps, 2.0e-5 for 100); the default keeps DDPM's 1e-4..0.02.
	// Only vp-discrete has steps: other processes reject it rather than ignore it.
	Steps int `json:"steps,omitempty"`
	// InterpolantBase and InterpolantLatent set the interpolant process (diffusion.InterpolantProcess):
	// the base noise around the reference (default 0.1) and the latent amplitude (default 1; 0 allowed).
	// Other processes reject them.
	InterpolantBase   float64  `json:"interpolant_base,omitempty"`
	InterpolantLatent *float64 `json:"interpolant_latent,omitempty"`
}

func (c ObjectiveConfig) withDefaults() ObjectiveConfig {
	if c.Kind == ObjectiveRegression {
		return c // no diffusion settings (regressionOnly)
	}
	if c.Kind == ObjectiveValue { // a process and uniform time only (valueOnly)
		if c.Process == "" {
			c.Process = "vp-cosine"
		}
		return c
	}
	if c.Kind == "" {
		c.Kind = "denoising"
	}
	if c.Process == "" {
		if c.Kind == "edm" {
			c.Process = "edm"
		} else {
			c.Process = "vp-cosine"
		}
	}
	if c.Prediction == "" {
		c.Prediction = "eps"
	}
	if c.Time == "" {
		c.Time = "uniform"
	}
	if c.Weighting == "" {
		c.Weighting = "unit"
	}
	if c.Gamma == 0 {
		c.Gamma = 5
	}
	if c.SigmaData == 0 {
		c.SigmaData = 0.5
	}
	if c.PMean == 0 && c.PStd == 0 && (c.Kind == "edm" || c.Time == "lognormal") {
		c.PMean, c.PStd = -1.2, 1.2
	}
	return c
}

// Build returns the objective and the process to sample with.
func (c ObjectiveConfig) Build() (diffusion.Objective, diffusion.Process, error) {
	if c.Kind == ObjectiveRegression {
		return nil, nil, fmt.Errorf("train: objective kind regression is not a diffusion objective (it fits a regressor: Trainer.Run, Model.Predict)")
	}
	c = c.withDefaults()
	p, err := c.process()
	if err != nil {
		return nil, nil, err
	}
	switch c.Kind {
	case "edm":
		if p.Name() != "edm" && p.Name() != "ve" {
			return nil, nil, fmt.Errorf("train: the edm objective samples with the edm or ve process, got %q", c.Process)
		}
		o := diffusion.EDMObjective{SigmaData: c.SigmaData, PMean: c.PMean, PStd: c.PStd}
		if c.PFGMD > 0 {
			o.Kernel = &diffusion.PFGMPP{D: c.PFGMD}
		}
		return o, p, nil
	case "denoising":
	default:
		return nil, nil, fmt.Errorf("train: unknown objective kind %q (want denoising or edm)", c.Kind)
	}
	pred, err := diffusion.ParsePrediction(c.Prediction)
	if err != nil {
		return nil, nil, err
	}
	var ts diffusion.TimeSampler
	switch c.Time {
	case "uniform":
		ts = diffusion.UniformTime{Lo: p.TMin(), Hi: p.TMax()}
	case "discrete":
		vd, ok := p.(*diffusion.VPDiscrete)
		if !ok {
			return nil, nil, fmt.Errorf("train: discrete times need the vp-discrete process, got %q", c.Process)
		}
		ts = diffusion.DiscreteTime{N: vd.N}
	case "lognormal":
		ts = diffusion.LogNormalSigma{Process: p, PMean: c.PMean, PStd: c.PStd}
	case "logit-normal":
		ts = diffusion.LogitNormalTime{Mean: c.PMean, Std: c.PStd}
	default:
		return nil, nil, fmt.Errorf("train: unknown time sampler %q (want uniform, discrete, lognormal, logit-normal)", c.Time)
	}
	var w diffusion.Weighting
	switch c.Weighting {
	case "unit":
		w = diffusion.UnitWeight{}
	case "min-snr":
		w = diffusion.MinSNR{Gamma: c.Gamma}
	case "edm":
		w = diffusion.EDMWeight{SigmaData: c.SigmaData}
	default:
		return nil, nil, fmt.Errorf("train: unknown weighting %q (want unit, min-snr, edm)", c.Weighting)
	}
	return diffusion.DenoisingObjective{Process: p, Prediction: pred, Time: ts, Weighting: w}, p, nil
}

// process builds the named process, a vp-discrete chain of Steps steps when Steps is set.
func (c ObjectiveConfig) process() (diffusion.Process, error) {
	if c.Process == "interpolant" && c.Steps == 0 {
		base, latent := 0.1, 1.0
		if c.InterpolantBase != 0 {
			base = c.InterpolantBase
		}
		if c.InterpolantLatent != nil {
			latent = *c.InterpolantLatent
		}
		p, err := diffusion.NewInterpolantProcess(base, latent)
		if err != nil {
			return nil, fmt.Errorf("train: objective: %w", err)
		}
		return p, nil
	}
	if c.InterpolantBase != 0 || c.InterpolantLatent != nil {
		return nil, fmt.Errorf("train: objective interpolant_base and interpolant_latent belong to process interpolant, got %q", c.Process)
	}
	if c.Steps == 0 {
		return diffusion.NewProcess(c.Process)
	}
	if c.Process != "vp-discrete" {
		return nil, fmt.Errorf("train: objective steps %d: only the vp-discrete process has steps, got %q", c.Steps, c.Process)
	}
	if c.Steps < 1 {
		return nil, fmt.Errorf("train: objective steps %d, want at least 1", c.Steps)
	}
	s := 1000 / float64(c.Steps)
	p, err := diffusion.NewVPDiscrete(c.Steps, 1e-4*s, 0.02*s)
	if err != nil {
		return nil, fmt.Errorf("train: objective steps %d: %w", c.Steps, err)
	}
	return p, nil
}

// Denoiser turns a network trained with this objective into the x0-predictor every sampler drives.
func (c ObjectiveConfig) Denoiser(net diffusion.Network) (diffusion.Denoiser, diffusion.Process, error) {
	c = c.withDefaults()
	_, p, err := c.Build()
	if err != nil {
		return nil, nil, err
	}
	if c.Kind == "edm" {
		return &diffusion.EDMPrecond{Net: net, SigmaData: c.SigmaData}, p, nil
	}
	pred, err := diffusion.ParsePrediction(c.Prediction)
	if err != nil {
		return nil, nil, err
	}
	return diffusion.FromPrediction(net, pred, p), p, nil
}
