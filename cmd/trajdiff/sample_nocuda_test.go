//go:build !cuda && !trajdiff_cuda

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Without GPU support, `sample --device gpu` fails with a message that says how to build with it, and
// writes nothing; a request the device path cannot run is refused first, for what it is.
func TestSampleGPUWithoutCUDA(t *testing.T) {
	dir := t.TempDir()
	run := tinyPlannerRun(t, dir)
	out := filepath.Join(dir, "s.json")
	args := []string{"sample", "--checkpoint", run, "--out", out, "--n", "2", "--fix", "0:1=0.4", "--fix", "-1:1=-0.3", "--device", "gpu"}
	code, _, stderr := runCLI(args...)
	if code == 0 || !strings.Contains(stderr, "trajdiff_cuda") {
		t.Errorf("--device gpu without CUDA: exit %d, stderr %q; want a failure naming the build tag", code, stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a failed GPU sample left an output file")
	}
	// Guidance runs on the device, but not for a model trained without condition dropout: refused as the
	// CPU refuses it (a usage error), before the missing GPU support is noticed.
	if code, _, stderr := runCLI(append(args, "--guidance", "1.2")...); code != 2 || !strings.Contains(stderr, "cond_dropout") {
		t.Errorf("--device gpu --guidance: exit %d, stderr %q; want a usage error about cond_dropout", code, stderr)
	}
}
