//go:build unix

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/internal/fsutil"
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

// `data validate` mentions a killed writer's temporary next to a dataset, and says the next write removes
// it; after that write it is gone.
func TestValidateMentionsStaleTemporaries(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "umaze.arrow")
	if code, out, errs := runCLI("simulate", "maze2d", "--layout", "umaze", "--steps", "2000", "--out", path, "--quiet"); code != 0 {
		t.Fatalf("simulate: %d\n%s\n%s", code, out, errs)
	}
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Skip("no `true` to obtain a dead pid")
	}
	host, _ := os.Hostname()
	stale := filepath.Join(dir, fsutil.TempPrefix("umaze.arrow")+host+"-"+strconv.Itoa(dead.Process.Pid)+"-42")
	if err := os.WriteFile(stale, []byte("partial"), 0o666); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI("data", "validate", path)
	if code != 0 || !strings.Contains(out, stale) || !strings.Contains(out, "died") || !strings.Contains(out, "next write") {
		t.Fatalf("validate: %d\n%s\n%s", code, out, errs)
	}
	if code, out, errs := runCLI("simulate", "maze2d", "--layout", "umaze", "--steps", "2000", "--out", path, "--quiet", "--force"); code != 0 {
		t.Fatalf("simulate again: %d\n%s\n%s", code, out, errs)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("the stale temporary survived the next write: %v", err)
	}
}
