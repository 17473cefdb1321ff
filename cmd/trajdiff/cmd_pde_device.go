package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/trajdiff/trajdiff/gpu/fromnn"
	"github.com/trajdiff/trajdiff/pde/wdno"
)

// registerPDEDevice adds `pde evaluate`'s --device flag.
func registerPDEDevice(fs *flag.FlagSet) *string {
	return fs.String("device", "cpu", "cpu, or gpu / gpu:N for a binary built with -tags trajdiff_cuda: the models' samples drawn on the GPU in float32 "+
		"(mlp, temporal_unet and unet2d networks; simulation, and control with --guidance 0; not with --particle-method)")
}

// checkPDEDevice refuses, before anything is read, a --device that pde evaluate cannot sample on: an
// unknown device, or the GPU with the search by control cost.
func checkPDEDevice(device string, search bool) error {
	ordinal, err := parseDevice(device)
	if err != nil {
		return usagef("%v", err)
	}
	if ordinal >= 0 && search {
		return usagef("--device %s: the search by control cost (--particle-method) runs on the CPU", device)
	}
	return nil
}

// pdeDeviceSampler is the models' sampler for --device and the function that releases it: nil for the CPU;
// for gpu or gpu:N a gpu/fromnn.Sampler on that device, opened once for every batch and method, injected into
// pde/wdno through Request.Device so that it never depends on package gpu. It names the device on stderr.
func pdeDeviceSampler(env *cliEnv, device string, search bool) (wdno.DeviceSampler, func() error, error) {
	none := func() error { return nil }
	if err := checkPDEDevice(device, search); err != nil {
		return nil, none, err
	}
	ordinal, _ := parseDevice(device)
	if ordinal < 0 {
		return nil, none, nil
	}
	s, err := fromnn.NewSampler(fromnn.SampleOptions{Ordinal: ordinal})
	if err != nil {
		return nil, none, err
	}
	fmt.Fprintf(env.stderr, "pde evaluate: sampling on %s\n", s.Info())
	run := func(ctx context.Context, p wdno.DeviceProblem) ([]float64, error) {
		return s.RunPlan(ctx, fromnn.PlanProblem{Checkpoint: p.Checkpoint, Plan: p.Plan, X: p.X, Mask: p.Known, Values: p.Values,
			ClipX0: p.ClipX0, FixX0: true, Seed: p.Seed, Progress: p.Progress})
	}
	return run, s.Close, nil
}
