//go:build cuda || trajdiff_cuda

package main

import (
	"math"
	"path/filepath"
	"testing"
)

// On a GPU (or gpu/cudaemu), `plan evaluate --device gpu --value RUN` guides Diffuser's goal-free plans with
// a value model on the device, an MLP (arch regressor) or Diffuser's U-Net (arch temporal_value), and plans
// what the CPU plans with the same guide: first plans and executed paths agree to 1e-3 in maze units (the
// FP32 sampler tolerance), while the guide moves the plans far more than that.
func TestPlanEvaluateGPUValueGuidedMatchesCPU(t *testing.T) {
	dir, run := trainTinyUMaze(t, "")
	for _, c := range []struct{ name, network, scale string }{
		{"value", `[network]
arch = "regressor"
[network.regressor]
in = 56
out = 1
hidden = [16]
activation = "mish"`, "2"},
		{"unet-value", `[network]
arch = "temporal_value"
[network.temporal_value]
horizon = 8
transition = 6
dim = 4
dim_mults = [1, 2]
kernel = 3
groups = 2`, "2"},
	} {
		value := trainValueRun(t, dir, c.name, c.network)
		evaluate := func(device string, guided bool) []planEpisode {
			out := filepath.Join(dir, c.name+"-"+device+map[bool]string{true: "-guided", false: "-plain"}[guided]+".json")
			args := []string{"plan", "evaluate", "--checkpoint", run, "--no-goal", "--episodes", "2", "--seed", "3", "--baselines=false",
				"--device", device, "--out", out}
			if guided {
				args = append(args, "--value", value, "--value-scale", c.scale, "--value-steps", "2")
			}
			code, stdout, errs := runCLI(args...)
			if code != 0 {
				t.Fatalf("%v: %d\n%s\n%s", args, code, stdout, errs)
			}
			return readPlanEpisodes(t, out)
		}
		cpu, gpu, plain := evaluate("cpu", true), evaluate("gpu", true), evaluate("gpu", false)
		if len(cpu) == 0 || len(cpu) != len(gpu) || len(gpu) != len(plain) {
			t.Fatalf("%s: %d, %d and %d episodes", c.name, len(cpu), len(gpu), len(plain))
		}
		plan, path, moved := 0.0, 0.0, 0.0
		for e := range cpu {
			if len(cpu[e].FirstPlan) == 0 || len(cpu[e].FirstPlan) != len(gpu[e].FirstPlan) || len(cpu[e].Path) != len(gpu[e].Path) {
				t.Fatalf("%s episode %d: first plans of %d and %d points, paths of %d and %d", c.name, e, len(cpu[e].FirstPlan), len(gpu[e].FirstPlan),
					len(cpu[e].Path), len(gpu[e].Path))
			}
			plan = math.Max(plan, maxPointDiff(cpu[e].FirstPlan, gpu[e].FirstPlan))
			path = math.Max(path, maxPointDiff(cpu[e].Path, gpu[e].Path))
			moved = math.Max(moved, maxPointDiff(plain[e].FirstPlan, gpu[e].FirstPlan))
		}
		t.Logf("%s-guided GPU vs CPU: first plans differ by up to %.2e, paths by up to %.2e; guided vs unguided first plans by %.2e (maze units)",
			c.name, plan, path, moved)
		if !(plan <= 1e-3) || !(path <= 1e-3) {
			t.Errorf("%s: guided GPU and CPU differ by up to %.3g in the first plans and %.3g in the paths (tolerance 1e-3)", c.name, plan, path)
		}
		if !(moved > 10*1e-3) {
			t.Errorf("%s: the value guide moved the device's first plans by at most %.3g: not beyond the tolerance", c.name, moved)
		}
	}
}
