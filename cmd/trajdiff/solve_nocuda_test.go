//go:build !cuda && !trajdiff_cuda

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Without GPU support, --device gpu fails with a message that says how to build with it, and writes nothing.
func TestSolveGPUWithoutCUDA(t *testing.T) {
	dir := t.TempDir()
	tp, ip := solveTarget(t, dir, 4)
	out := filepath.Join(dir, "o.json")
	code, _, stderr := runCLI("solve", "--target", tp, "--solver", "heun", "--steps", "5", "--init", ip, "--out", out, "--device", "gpu")
	if code == 0 || !strings.Contains(stderr, "trajdiff_cuda") {
		t.Errorf("--device gpu without CUDA: exit %d, stderr %q; want a failure naming the build tag", code, stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a failed GPU solve left an output file")
	}
}
