//go:build unix

package main

import (
	"path/filepath"
	"testing"

	"github.com/trajdiff/trajdiff/internal/fsutil/fsutiltest"
)

// What the CLI writes (simulated datasets in a new directory, plots) is readable by whoever the umask lets
// read an ordinary file.
func TestCLIOutputsHaveOrdinaryPermissions(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	fsutiltest.WithUmask(t, 0o022, func() {
		if code, out, errs := runCLI("simulate", "charged", "--out", dir, "--splits", "train=2", "--steps", "300", "--quiet"); code != 0 {
			t.Fatalf("simulate charged: %d\n%s\n%s", code, out, errs)
		}
		png := filepath.Join(dir, "paths.png")
		if code, out, errs := runCLI("plot", filepath.Join(dir, "train.arrow"), "-out", png); code != 0 {
			t.Fatalf("plot: %d\n%s\n%s", code, out, errs)
		}
	})
	if files, dirs := fsutiltest.RequireOrdinaryModes(t, dir, 0o022); files < 2 || dirs != 1 {
		t.Fatalf("checked %d files and %d directories", files, dirs)
	}
}
