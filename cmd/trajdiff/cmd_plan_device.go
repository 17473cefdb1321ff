package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/gpu/fromnn"
	"github.com/trajdiff/trajdiff/rl/diffuser"
	"github.com/trajdiff/trajdiff/train"
)

// sampleFunc draws a planner's windows: Model.Sample on the CPU (nil) or the device sampler, injected into
// the planners through their Options.Sample so that they never depend on package gpu.
type sampleFunc = func(context.Context, *train.Model, train.SampleRequest) (*train.Samples, error)

// registerPlanDevice adds `plan evaluate`'s --device flag.
func registerPlanDevice(fs *flag.FlagSet) *string {
	return fs.String("device", "cpu", "cpu, or gpu / gpu:N for a binary built with -tags trajdiff_cuda: the plans of Diffuser and Decision Diffuser, and Trajectory Diffuser's refinement, sampled on the GPU in float32 "+
		"(mlp and temporal_unet networks; conditions, guidance, warm starts and --value guidance by an MLP or temporal_value model included; "+
		"--particle-method and --wall-clearance evaluate their network there, their loop, reward and projection stay on the CPU, and so do Trajectory Diffuser's draft, inverse dynamics and critic; one plan at a time, so --workers 1)")
}

// planDevice is what --device gives the planners, injected through their options so that they never
// depend on package gpu: all nil on the CPU.
type planDevice struct {
	sample  sampleFunc             // the plans' windows (Options.Sample)
	guided  diffuser.GuidedSampler // Diffuser's value-guided windows (Options.SampleGuided)
	network hostNetwork            // the network of Diffuser's host loops: particle search, projection (Options.Network)
	close   func() error
}

// hostNetwork is a model's network as a request evaluates it, on the device, for host loops.
type hostNetwork = func(*train.Model, train.SampleRequest, int) (diffusion.Denoiser, error)

// planDeviceSampler opens what --device names for the planners: nothing for the CPU; for gpu or gpu:N a
// gpu/fromnn.Sampler on that device, opened once for all plans, which draws what Model.Sample draws to
// float32 accuracy, value guidance by either value model included (fromnn.Sampler.SampleGuided), and
// evaluates the network of Diffuser's particle search and free-space projection, whose loops (the reward,
// the projection) stay on the CPU (fromnn.Sampler.NetworkDenoiser). The device runs the plans of Diffuser
// and Decision Diffuser and the refinement of Trajectory Diffuser (its draft's rollout, inverse dynamics and
// critic stay on the CPU), one plan at a time. It names the device on stderr after the command's name (cmd).
func planDeviceSampler(env *cliEnv, cmd, device, precision string, workers int) (planDevice, error) {
	none := planDevice{close: func() error { return nil }}
	ordinal, err := parseDevice(device)
	if err != nil {
		return none, usagef("%v", err)
	}
	prec, err := parsePrecision(precision, ordinal)
	if err != nil {
		return none, err
	}
	if ordinal < 0 {
		return none, nil
	}
	if workers != 1 {
		return none, usagef("--device %s plans one episode at a time: --workers 1, not %d", device, workers)
	}
	s, err := fromnn.NewSampler(fromnn.SampleOptions{Ordinal: ordinal, Precision: prec})
	if err != nil {
		return none, err
	}
	fmt.Fprintf(env.stderr, "%s: sampling the plans on %s\n", cmd, s.Info())
	guided := func(ctx context.Context, m *train.Model, req train.SampleRequest, g diffuser.ValueGuidance) (*train.Samples, error) {
		return s.SampleGuided(ctx, m, req, fromnn.ValueGuide{Model: g.Model, Scale: g.Scale, Steps: g.Steps, StopGradBelow: g.StopGradBelow,
			NoStdScaling: g.NoStdScaling, Fixed: g.Fixed})
	}
	return planDevice{sample: s.Sample, guided: guided, network: s.NetworkDenoiser, close: s.Close}, nil
}
