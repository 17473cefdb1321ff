package fromnn

import (
	"fmt"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/gpu"
	"github.com/trajdiff/trajdiff/nn"
)

// EGTN reads net (an nn network of architecture "egtn", GeoTDM's equivariant network) into the device's
// form: its configuration with nn's defaults filled in (nn.EGTN.Config), its state_dict as float32 in
// PyTorch's layouts, and the functions of the process its prior needs, as the trainer hands them to nn's
// network (train's useSignal): the signal coefficient alpha(t) of pz's process for the priors learned and
// com, and with prior_output the share A(t) of x0 in pz's prediction. gpu.EGTN.Validate then requires
// exactly the tensors the device evaluates.
func EGTN(net nn.Net, pz gpu.Parameterization) (*gpu.EGTN, error) {
	if net == nil {
		return nil, fmt.Errorf("fromnn: nil network")
	}
	e, ok := net.(*nn.EGTN)
	if !ok || net.Spec().Arch != "egtn" {
		return nil, fmt.Errorf("fromnn: EGTN of a %q network", net.Spec().Arch)
	}
	c := e.Config()
	m := &gpu.EGTN{Nodes: c.Nodes, SpatialDim: c.SpatialDim, CondFrames: c.CondFrames, TargetFrames: c.TargetFrames,
		NodeFeatures: c.NodeFeatures, EdgeFeatures: c.EdgeFeatures, Hidden: c.Hidden, Layers: c.Layers, TimeDim: c.TimeDim,
		TimeScale: c.TimeScale, Prior: c.Prior, PriorLayers: c.PriorLayers, PriorOutput: c.PriorOutput}
	if e.NeedsSignal() {
		if pz.Process == nil || pz.SigmaData > 0 {
			return nil, fmt.Errorf("fromnn: egtn prior %q needs the signal coefficient of a denoising objective's process", c.Prior)
		}
		m.Alpha = pz.Process.Alpha
	}
	if e.NeedsPriorOutput() {
		share, err := priorShare(pz)
		if err != nil {
			return nil, err
		}
		m.Share = share
	}
	tensors, err := float32Tensors(net.Params())
	if err != nil {
		return nil, err
	}
	m.Tensors = tensors
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("fromnn: %w", err)
	}
	return m, nil
}

// priorShare is A(t), the coefficient of x0 in pz's prediction A x0 + B eps (velocity: alpha'), the share
// of EGTN's prior in the output of a network with prior_output (the function train hands to nn's network).
func priorShare(pz gpu.Parameterization) (func(float64) float64, error) {
	if pz.Process == nil || pz.SigmaData > 0 {
		return nil, fmt.Errorf("fromnn: egtn prior_output needs a denoising objective's prediction, not EDM's preconditioning")
	}
	p, pred := pz.Process, pz.Prediction
	return func(t float64) float64 {
		c := diffusion.CoefficientsAt(p, t)
		if pred == diffusion.PredVelocity {
			return c.DAlpha
		}
		a, _ := pred.NoiseForm(c)
		return a
	}, nil
}
