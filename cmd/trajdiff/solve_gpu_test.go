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

// On a GPU (or gpu/cudaemu, the CPU emulation of the driver that CI runs this on), `solve --device gpu`
// agrees with the float64 CPU run to float32 accuracy, for a deterministic and a stochastic solver (same seed,
// same Philox noise).
func TestSolveGPUMatchesCPU(t *testing.T) {
	dir := t.TempDir()
	tp, ip := solveTarget(t, dir, 1000)
	for _, solver := range []string{"dpmpp-2m", "heun", "dpmpp-2m-sde", "unipc-3"} {
		cpu, gpu := filepath.Join(dir, solver+"-cpu.json"), filepath.Join(dir, solver+"-gpu.json")
		args := []string{"solve", "--target", tp, "--process", "edm", "--solver", solver, "--steps", "12", "--init", ip, "--seed", "7"}
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
		// Points end within a few units of the means; float32 state over 12 steps from sigma 80.
		if d := maxDiff(readOut(t, cpu), readOut(t, gpu)); !(d <= 2e-3) {
			t.Errorf("%s: GPU and CPU samples differ by up to %.3g", solver, d)
		} else {
			t.Logf("%s: GPU vs CPU max difference %.2e (%s)", solver, d, strings.TrimSpace(stdout))
		}
	}
}

func readOut(t *testing.T, path string) [][]float64 {
	t.Helper()
	var pts [][]float64
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &pts); err != nil {
		t.Fatal(err)
	}
	return pts
}

// maxDiff is the largest coordinate difference between two point sets.
func maxDiff(a, b [][]float64) float64 {
	worst := 0.0
	for i := range a {
		for j := range a[i] {
			worst = math.Max(worst, math.Abs(a[i][j]-b[i][j]))
		}
	}
	return worst
}
