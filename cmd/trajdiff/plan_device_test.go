package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// `plan evaluate --device` is refused, before any checkpoint is read, where the device cannot plan: an
// unknown device and parallel episodes (value guidance by an MLP or temporal_value model runs on the
// device: TestPlanEvaluateGPUValueGuidedMatchesCPU; Trajectory Diffuser's refinement and the network of
// Diffuser's particle search and free-space projection too: TestPlanEvaluateGPUMatchesCPU).
func TestPlanEvaluateDeviceRefusesWhatItCannotRun(t *testing.T) {
	ckpt := filepath.Join(t.TempDir(), "absent")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--device", "tpu"}, "--device"},
		{[]string{"--device", "gpu:1", "--workers", "2"}, "--workers 1"},
	} {
		args := append([]string{"plan", "evaluate", "--checkpoint", ckpt}, c.args...)
		if code, _, errs := runCLI(args...); code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want a usage error mentioning %q", c.args, code, errs, c.want)
		}
	}
}
