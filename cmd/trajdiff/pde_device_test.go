package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// tinySmokeUnet3D trains WDNO's smoke control model in miniature: 8 smoke trajectories of 8 stored frames
// (grid 32), the wavelet layout's 42 channels of 8 x 8 x 8, a 3-D U-Net of dim 48 (at least the 41 free
// values of a band position, pde/wdno's width bound) trained 4 steps. It returns the run directory and a
// test set of 2 cases.
func tinySmokeUnet3D(t *testing.T, dir string) (run, test string) {
	t.Helper()
	tinySmokeData(t, dir)
	cfg := `out = "run-smoke3d"
task = "control"
[data]
path = "train.arrow"
[layout]
space = "wavelet"
[network]
arch = "unet3d"
[network.unet3d]
channels = 42
frames = 8
height = 8
width = 8
dim = 48
dim_mults = [1, 2]
groups = 4
attn_heads = 2
attn_dim_head = 4
[train]
steps = 4
batch = 2
warmup = 1
checkpoint_every = 4
[sample]
steps = 3
`
	pdeTrain(t, dir, "smoke3d.toml", cfg)
	return filepath.Join(dir, "run-smoke3d"), filepath.Join(dir, "test.arrow")
}

// `pde evaluate`, `pde estimate` and `pde generate --device` are refused, before any checkpoint or dataset
// is read, where the device cannot sample: an unknown device. The loops that stay on the CPU evaluate their
// network on the device: the search by control cost (TestPDEEvaluateGPUSearchMatchesCPU), physical-space
// guidance (TestPDEEvaluateGPUHostGuidanceMatchesCPU) and the estimation methods clamp, guided and reddiff
// (TestPDEEstimateGPUMatchesCPU).
func TestPDEEvaluateDeviceRefusesWhatItCannotRun(t *testing.T) {
	absent := filepath.Join(t.TempDir(), "absent")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--device", "tpu"}, "--device"},
		{[]string{"--device", "gpu:x"}, "--device"},
	} {
		args := append([]string{"pde", "evaluate", "--checkpoint", absent, "--data", absent}, c.args...)
		if code, _, errs := runCLI(args...); code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want a usage error mentioning %q", c.args, code, errs, c.want)
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--device", "tpu"}, "--device"},
		{[]string{"--device", "gpu:x"}, "--device"},
	} {
		args := append([]string{"pde", "estimate", "--checkpoint", absent, "--data", absent}, c.args...)
		if code, _, errs := runCLI(args...); code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("pde estimate %v: exit %d, stderr %q; want a usage error mentioning %q", c.args, code, errs, c.want)
		}
	}
	for _, device := range []string{"tpu", "gpu:-1"} {
		args := []string{"pde", "generate", "--checkpoint", absent, "--data", absent, "--out", absent, "--device", device}
		if code, _, errs := runCLI(args...); code != 2 || !strings.Contains(errs, "--device") {
			t.Errorf("pde generate --device %s: exit %d, stderr %q; want a usage error about --device", device, code, errs)
		}
	}
}

// `pde evaluate --guide-through denoiser` samples a smoke control model on the CPU and is refused on the
// device (a usage error naming the flag, before any device is opened); an unknown value is a usage error.
func TestPDEEvaluateGuidesThroughTheDenoiserOnTheCPUOnly(t *testing.T) {
	dir := t.TempDir()
	run, test := tinySmokeMLP(t, dir)
	args := []string{"pde", "evaluate", "--checkpoint", run, "--data", test, "--baseline", "", "--guide-through", "denoiser"}
	if code, out, errs := runCLI(args...); code != 0 || !strings.Contains(out, "smoke_out") {
		t.Errorf("pde evaluate --guide-through denoiser: exit %d\n%s\n%s", code, out, errs)
	}
	if code, _, errs := runCLI(append(args, "--device", "gpu")...); code != 2 || !strings.Contains(errs, "--guide-through denoiser") {
		t.Errorf("--guide-through denoiser --device gpu: exit %d, stderr %q", code, errs)
	}
	args[len(args)-1] = "xt"
	if code, _, errs := runCLI(args...); code != 2 || !strings.Contains(errs, "--guide-through") {
		t.Errorf("--guide-through xt: exit %d, stderr %q", code, errs)
	}
}
