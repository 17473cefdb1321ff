package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/trajdiff/trajdiff/gpu"
	"github.com/trajdiff/trajdiff/gpu/fromnn"
	"github.com/trajdiff/trajdiff/pde/wdno"
)

// registerPDEDevice adds the --device flag of pde evaluate, generate and estimate; where says what runs on
// the device in that command.
func registerPDEDevice(fs *flag.FlagSet, where string) *string {
	return fs.String("device", "cpu", "cpu, or gpu / gpu:N for a binary built with -tags trajdiff_cuda: the models' samples drawn on the GPU in float32 "+
		"(mlp, temporal_unet, unet2d and unet3d networks; "+where+")")
}

// checkPDEDevice refuses, before anything is read, a --device that cannot be sampled on: an unknown device,
// or an unknown or CPU-less precision.
func checkPDEDevice(device, precision string) error {
	ordinal, err := parseDevice(device)
	if err != nil {
		return usagef("%v", err)
	}
	_, err = parsePrecision(precision, ordinal)
	return err
}

// pdeDeviceSampler is the models' sampler for --device, their network on the device for the loops that
// stay on the host, and the function that releases them: nil for the CPU; for gpu or gpu:N a
// gpu/fromnn.Sampler on that device, opened once for every batch and method, injected into pde/wdno through
// Request.Device (the sampling loop) and Request.Network or EstimateOptions.Network (the network of a
// search by control cost, whose solver scores its candidates at every step, of physical-space guidance,
// and of the estimation methods clamp, guided and reddiff) so that pde/wdno never depends on package gpu. It names the device on
// stderr after the command's name (cmd, e.g. "pde evaluate").
func pdeDeviceSampler(env *cliEnv, cmd, device, precision string) (wdno.DeviceSampler, wdno.HostDenoiser, func() error, error) {
	none := func() error { return nil }
	if err := checkPDEDevice(device, precision); err != nil {
		return nil, nil, none, err
	}
	ordinal, _ := parseDevice(device)
	if ordinal < 0 {
		return nil, nil, none, nil
	}
	prec, _ := parsePrecision(precision, ordinal)
	s, err := fromnn.NewSampler(fromnn.SampleOptions{Ordinal: ordinal, Precision: prec})
	if err != nil {
		return nil, nil, none, err
	}
	fmt.Fprintf(env.stderr, "%s: sampling on %s\n", cmd, s.Info())
	run := func(ctx context.Context, p wdno.DeviceProblem) ([]float64, error) {
		q := fromnn.PlanProblem{Checkpoint: p.Checkpoint, Plan: p.Plan, X: p.X, Mask: p.Known, Values: p.Values,
			ClipX0: p.ClipX0, FixX0: true, Seed: p.Seed, Progress: p.Progress, NonFinite: p.NonFinite}
		if g := p.Guidance; g != nil {
			q.Guidance = &gpu.WaveletControlConfig{Wavelet: g.Wavelet, Mode: g.Mode, Cases: g.Cases, State: g.State, Control: g.Control,
				Frames: g.Frames, Cells: g.Cells, Channels: g.Channels, Height: g.Height, Width: g.Width, BandH: g.BandH, BandW: g.BandW,
				Scales: g.Scales, U0s: g.U0s, Targets: g.Targets, Energy: g.Energy}
			q.GuidanceStep = g.Step
		}
		if g := p.Smoke; g != nil {
			q.SmokeGuidance = &gpu.SmokeControlConfig{Wavelet: g.Wavelet, Mode: g.Mode, Cases: g.Cases, Frames: g.Frames,
				GridX: g.GridX, GridY: g.GridY, Channels: g.Channels, ImageFrames: g.ImageFrames, Height: g.Height, Width: g.Width,
				BandT: g.BandT, BandX: g.BandX, BandY: g.BandY, Scales: g.Scales, Linear: g.Linear, D0s: g.D0s, D0Weight: g.D0Weight}
			q.GuidanceStep = g.Step
		}
		return s.RunPlan(ctx, q)
	}
	return run, s.Denoiser, s.Close, nil
}

// refuseDeviceGuidance is the usage error for sampling m on a GPU with control guidance through the
// denoiser (its gradient needs the network's backward pass, which runs on the CPU only), or nil. Guidance
// at x0 runs on the device on the wavelet layouts (Burgers' 1-D, smoke's 3-D) and on the host with the
// network on the device on the physical layout (Request.Network). Settings gives the weight: req's, else
// the model's default; 0 outside control.
func refuseDeviceGuidance(device string, m *wdno.Model, req wdno.Request) error {
	_, _, guidance := m.Settings(req)
	if guidance != 0 && onDevice(device) && req.GuideThrough == wdno.GuideDenoiser {
		return usagef("--device %s: --guide-through denoiser runs on the CPU only; use --guide-through x0 or sample on the CPU", device)
	}
	return nil
}

// onDevice reports whether a checked --device names a GPU.
func onDevice(device string) bool {
	ordinal, err := parseDevice(device)
	return err == nil && ordinal >= 0
}
