//go:build !cuda && !trajdiff_cuda

package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// Without GPU support, `plan evaluate --device gpu` fails with a message that says how to build with it.
func TestPlanEvaluateGPUWithoutCUDA(t *testing.T) {
	dir, run := trainTinyUMaze(t, "")
	code, _, errs := runCLI("plan", "evaluate", "--checkpoint", run, "--episodes", "1", "--baselines=false", "--device", "gpu", "--out", filepath.Join(dir, "r.json"))
	if code == 0 || !strings.Contains(errs, "trajdiff_cuda") {
		t.Errorf("--device gpu without CUDA: exit %d, stderr %q; want a failure naming the build tag", code, errs)
	}
}
