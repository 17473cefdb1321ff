package diffusion

import (
	"fmt"
	"math"
)

// Denoiser is the x0-predictor D(x, t) = E[x0 | x_t = x] that every sampler drives. x holds a batch of points
// of Dim() values each, flattened row-major; Denoise writes one prediction per point into dst (len(dst) ==
// len(x)). t is the process's own time.
type Denoiser interface {
	Dim() int
	Denoise(dst, x []float64, t float64) error
}

// Network is a model that outputs some Prediction, e.g. a network trained to predict eps.
type Network interface {
	Dim() int
	Predict(dst, x []float64, t float64) error
}

// FromPrediction turns a network predicting `kind` under process p into a Denoiser, converting its output to
// x0 with the linear relations of Prediction.
func FromPrediction(net Network, kind Prediction, p Process) Denoiser {
	return &predictionDenoiser{net: net, kind: kind, p: p}
}

type predictionDenoiser struct {
	net  Network
	kind Prediction
	p    Process
}

func (d *predictionDenoiser) Dim() int { return d.net.Dim() }
func (d *predictionDenoiser) Denoise(dst, x []float64, t float64) error {
	if err := d.net.Predict(dst, x, t); err != nil {
		return err
	}
	if d.kind == PredX0 {
		return nil
	}
	return Convert(dst, x, dst, d.kind, PredX0, CoefficientsAt(d.p, t))
}

// EDMPrecond is the preconditioned denoiser of Karras et al. (2022, Sec. 5 and Table 1):
//
//	D(x, sigma) = c_skip x + c_out F(c_in x, c_noise),
//	c_skip = sd^2/(sigma^2+sd^2), c_out = sigma sd/sqrt(sigma^2+sd^2), c_in = 1/sqrt(sigma^2+sd^2),
//	c_noise = ln(sigma)/4,
//
// with sd = SigmaData. It wraps a raw network F, which is called with the scaled input and c_noise in place
// of t. For processes with alpha != 1 the wrapper applies to the rescaled state x/alpha at sigma/alpha.
type EDMPrecond struct {
	Net       Network
	SigmaData float64
	Process   Process // nil means EDM (alpha = 1, sigma = t)
	scratch   []float64
}

// EDMScalings returns (c_skip, c_out, c_in, c_noise) at noise level sigma.
func EDMScalings(sigma, sigmaData float64) (cSkip, cOut, cIn, cNoise float64) {
	s2, d2 := sigma*sigma, sigmaData*sigmaData
	cSkip = d2 / (s2 + d2)
	cOut = sigma * sigmaData / math.Sqrt(s2+d2)
	cIn = 1 / math.Sqrt(s2+d2)
	cNoise = math.Log(sigma) / 4
	return
}

func (e *EDMPrecond) Dim() int { return e.Net.Dim() }

// Denoise evaluates the preconditioned denoiser. It is not safe for concurrent use (it keeps a scratch buffer).
func (e *EDMPrecond) Denoise(dst, x []float64, t float64) error {
	if len(dst) != len(x) {
		return fmt.Errorf("diffusion: EDMPrecond: len(dst) %d != len(x) %d", len(dst), len(x))
	}
	alpha, sigma := 1.0, t
	if e.Process != nil {
		alpha, sigma = e.Process.Alpha(t), e.Process.Sigma(t)/e.Process.Alpha(t)
	}
	cSkip, cOut, cIn, cNoise := EDMScalings(sigma, e.SigmaData)
	if cap(e.scratch) < len(x) {
		e.scratch = make([]float64, len(x))
	}
	in := e.scratch[:len(x)]
	for i, v := range x {
		in[i] = cIn * v / alpha
	}
	if err := e.Net.Predict(dst, in, cNoise); err != nil {
		return err
	}
	for i, v := range x {
		dst[i] = cSkip*v/alpha + cOut*dst[i]
	}
	return nil
}
