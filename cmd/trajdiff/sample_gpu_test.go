//go:build cuda || trajdiff_cuda

package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// On a GPU (or gpu/cudaemu, on which CI runs this), `sample --device gpu` of a planner-shaped checkpoint (a
// conditional temporal U-Net with inpainted start and goal, x0 clipping) writes the samples the CPU run
// writes, to float32 accuracy, with the fixed entries exactly as on the CPU, for a deterministic and a
// stochastic solver; --precision tf32 and bf16 move the samples within gpu/fromnn's sampler tolerances; a
// device that is not there is a clear error.
func TestSampleGPUMatchesCPU(t *testing.T) {
	dir := t.TempDir()
	run := tinyPlannerRun(t, dir)
	for _, solver := range []string{"dpmpp-2m", "ddpm"} {
		cpu, gpu := filepath.Join(dir, solver+"-cpu.json"), filepath.Join(dir, solver+"-gpu.json")
		args := []string{"sample", "--checkpoint", run, "--n", "4", "--solver", solver, "--steps", "5", "--seed", "3", "--fix", "0:1=0.4", "--fix", "-1:1=-0.3"}
		if code, _, stderr := runCLI(append(args, "--out", cpu)...); code != 0 {
			t.Fatalf("%s on the CPU: exit %d: %s", solver, code, stderr)
		}
		code, stdout, stderr := runCLI(append(args, "--out", gpu, "--device", "gpu")...)
		if code != 0 {
			t.Fatalf("%s on the GPU: exit %d: %s", solver, code, stderr)
		}
		if !strings.Contains(stdout, "sm_") {
			t.Errorf("%s: stdout %q does not name the device", solver, stdout)
		}
		c, g := readSamples(t, cpu), readSamples(t, gpu)
		worst := 0.0
		for i := range c {
			for s := range c[i] {
				for k := range c[i][s] {
					worst = math.Max(worst, math.Abs(c[i][s][k]-g[i][s][k]))
				}
			}
			if g[i][0][1] != c[i][0][1] || g[i][7][1] != c[i][7][1] {
				t.Errorf("%s window %d: fixed entries %v, %v on the GPU, %v, %v on the CPU", solver, i, g[i][0][1], g[i][7][1], c[i][0][1], c[i][7][1])
			}
		}
		if !(worst <= 1e-4) {
			t.Errorf("%s: GPU and CPU samples differ by up to %.3g", solver, worst)
		} else {
			t.Logf("%s: GPU vs CPU max difference %.2e (%s)", solver, worst, strings.TrimSpace(stdout))
		}
		// --precision tf32 and bf16: the tensor cores' rounding moves the samples, within the sampler
		// tolerances of gpu/fromnn (TF32: relative RMS 5e-3, largest difference 0.3 on samples of size O(1);
		// BF16, 8 times TF32's unit roundoff: 4e-2 and 2.4), and BF16 further than TF32.
		prev := worst
		for _, p := range []struct {
			name     string
			rel, max float64
		}{{"tf32", 5e-3, 0.3}, {"bf16", 4e-2, 2.4}} {
			tf := filepath.Join(dir, solver+"-"+p.name+".json")
			if code, _, stderr := runCLI(append(args, "--out", tf, "--device", "gpu", "--precision", p.name)...); code != 0 {
				t.Fatalf("%s in %s: exit %d: %s", solver, p.name, code, stderr)
			}
			g32 := readSamples(t, tf)
			var d2, c2, dmax float64
			for i := range c {
				for s := range c[i] {
					for k := range c[i][s] {
						d := g32[i][s][k] - c[i][s][k]
						d2, c2, dmax = d2+d*d, c2+c[i][s][k]*c[i][s][k], math.Max(dmax, math.Abs(d))
					}
				}
				if g32[i][0][1] != c[i][0][1] || g32[i][7][1] != c[i][7][1] {
					t.Errorf("%s %s window %d: the fixed entries moved", solver, p.name, i)
				}
			}
			rel := math.Sqrt(d2 / c2)
			if !(rel <= p.rel && dmax <= p.max) || dmax <= prev {
				t.Errorf("%s %s: relative RMS %.2g, max %.2g against the CPU (the previous precision: max %.2g); want within %.0e and %.2g, and moved further by the rounding",
					solver, p.name, rel, dmax, prev, p.rel, p.max)
			} else {
				t.Logf("%s: %s vs CPU relative RMS %.2e, max %.2e", solver, p.name, rel, dmax)
			}
			prev = dmax
		}
	}
	if code, _, stderr := runCLI("sample", "--checkpoint", run, "--n", "2", "--fix", "0:1=0.4", "--fix", "-1:1=-0.3", "--device", "gpu:7",
		"--out", filepath.Join(dir, "none.json")); code == 0 || !strings.Contains(stderr, "device 7") {
		t.Errorf("--device gpu:7: exit %d, stderr %q; want a failure naming the device", code, stderr)
	}
}

func readSamples(t *testing.T, path string) [][][]float64 {
	t.Helper()
	var res struct {
		Samples [][][]float64 `json:"samples"`
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	return res.Samples
}
