//go:build !cuda && !trajdiff_cuda

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Without GPU support, `plan evaluate --device gpu` fails, before it reads the checkpoint, with a message
// that says how to build with it, and writes nothing.
func TestPlanEvaluateGPUWithoutCUDA(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "r.json")
	code, _, errs := runCLI("plan", "evaluate", "--checkpoint", filepath.Join(dir, "absent"), "--episodes", "1", "--device", "gpu", "--out", out)
	if code == 0 || !strings.Contains(errs, "trajdiff_cuda") {
		t.Errorf("--device gpu without CUDA: exit %d, stderr %q; want a failure naming the build tag", code, errs)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a failed GPU evaluation left a results file")
	}
}
