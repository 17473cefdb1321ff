package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/datasets"
)

// runCLIEnv is runCLI with a fake environment (an unset name reads as "").
func runCLIEnv(vars map[string]string, args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	env := &cliEnv{stdout: &out, stderr: &errb, getenv: func(name string) string { return vars[name] }}
	code := run(context.Background(), env, args)
	return code, out.String(), errb.String()
}

// slurmTask is the environment Slurm 22.05 gives task id of `sbatch --array=0-(n-1)`.
func slurmTask(id, n int) map[string]string {
	return map[string]string{"SLURM_ARRAY_TASK_ID": fmt.Sprint(id), "SLURM_ARRAY_TASK_COUNT": fmt.Sprint(n),
		"SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_MAX": fmt.Sprint(n - 1), "SLURM_ARRAY_TASK_STEP": "1"}
}

// sameFieldValues reports the first difference between two fields datasets: their lengths, or a
// trajectory's id, state, control or params, value for value (metadata such as the generator's shard
// parameters and the recomputed statistics' last bits are not compared).
func sameFieldValues(a, b string) error {
	da, err := datasets.Open(a)
	if err != nil {
		return err
	}
	defer da.Close()
	db, err := datasets.Open(b)
	if err != nil {
		return err
	}
	defer db.Close()
	if da.Len() != db.Len() {
		return fmt.Errorf("%s has %d trajectories, %s %d", a, da.Len(), b, db.Len())
	}
	for i := range da.Len() {
		fa, err := da.Field(i)
		if err != nil {
			return err
		}
		fb, err := db.Field(i)
		if err != nil {
			return err
		}
		if fa.ID != fb.ID {
			return fmt.Errorf("trajectory %d: id %d in %s, %d in %s", i, fa.ID, a, fb.ID, b)
		}
		for _, c := range []struct {
			name   string
			ta, tb datasets.Tensor
		}{{"state", fa.State, fb.State}, {"control", fa.Control, fb.Control}, {"params", fa.Params, fb.Params}} {
			if !slices.Equal(c.ta.AppendFloat64(nil), c.tb.AppendFloat64(nil)) {
				return fmt.Errorf("trajectory %d: %s differs between %s and %s", i, c.name, a, b)
			}
		}
	}
	return nil
}

// TestShardAutoShardsMergeToTheWholeDataset: three simulate tasks that take their shard from a Slurm
// array's variables (with --shard auto, and with --shard absent) say so on stderr and merge into the
// single-process dataset value for value.
func TestShardAutoShardsMergeToTheWholeDataset(t *testing.T) {
	dir := t.TempDir()
	common := []string{"simulate", "burgers", "--n", "7", "--seed", "4", "--quiet"}
	whole := filepath.Join(dir, "whole.arrow")
	if code, out, errs := runCLIEnv(nil, append(common, "--out", whole)...); code != 0 {
		t.Fatalf("whole: %d\n%s\n%s", code, out, errs)
	}
	for _, flagArgs := range [][]string{{"--shard", "auto"}, nil} {
		var parts []string
		for id := range 3 {
			p := filepath.Join(dir, fmt.Sprintf("part-%d-%d.arrow", len(flagArgs), id))
			code, out, errs := runCLIEnv(slurmTask(id, 3), slices.Concat(common, flagArgs, []string{"--out", p})...)
			if code != 0 {
				t.Fatalf("task %d %v: %d\n%s\n%s", id, flagArgs, code, out, errs)
			}
			if want := fmt.Sprintf("trajdiff: shard %d/3 from the Slurm job array (SLURM_ARRAY_TASK_ID=%d,", id, id); !strings.Contains(errs, want) {
				t.Errorf("task %d %v: stderr %q lacks %q", id, flagArgs, errs, want)
			}
			parts = append(parts, p)
		}
		merged := filepath.Join(dir, fmt.Sprintf("merged-%d.arrow", len(flagArgs)))
		if code, out, errs := runCLIEnv(nil, append([]string{"data", "merge", merged}, parts...)...); code != 0 {
			t.Fatalf("merge: %d\n%s\n%s", code, out, errs)
		}
		if err := sameFieldValues(whole, merged); err != nil {
			t.Errorf("%v: %v", flagArgs, err)
		}
	}
}

// TestExplicitShardFlagWinsOverTheEnvironment: --shard i/n is taken as given inside an array task.
func TestExplicitShardFlagWinsOverTheEnvironment(t *testing.T) {
	p := filepath.Join(t.TempDir(), "s.arrow")
	code, out, errs := runCLIEnv(slurmTask(2, 3), "simulate", "burgers", "--n", "4", "--quiet", "--shard", "0/2", "--out", p)
	if code != 0 || !strings.Contains(out, "indices 0..1") || strings.Contains(errs, "from the Slurm") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
}

// TestEveryShardFlagReadsTheEnvironment: each command with --shard resolves it through the one helper:
// an inconsistent array environment is a usage error (exit 2) before any file is read, and --shard auto
// outside an array is one too.
func TestEveryShardFlagReadsTheEnvironment(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing")
	out := filepath.Join(dir, "out.arrow")
	for _, args := range [][]string{
		{"simulate", "burgers", "--n", "4", "--out", out},
		{"simulate", "maze2d", "--steps", "1000", "--out", out},
		{"simulate", "charged", "--splits", "train=4", "--out", dir},
		{"pde", "evaluate", "--checkpoint", missing, "--data", missing},
		{"pde", "generate", "--checkpoint", missing, "--data", missing, "--out", out},
		{"plan", "evaluate", "--checkpoint", missing},
		{"geometry", "forecast", "--checkpoint", missing, "--data", missing, "--out", out},
		{"geometry", "evaluate", "--checkpoint", missing, "--data", missing},
	} {
		code, _, errs := runCLIEnv(map[string]string{"SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "3"}, args...)
		if code != 2 || !strings.Contains(errs, "inconsistent job-array environment") {
			t.Errorf("%v with task 3 of 3: exit %d\n%s", args, code, errs)
		}
		code, _, errs = runCLIEnv(nil, append(args, "--shard", "auto")...)
		if code != 2 || !strings.Contains(errs, "not a job-array task") {
			t.Errorf("%v --shard auto outside an array: exit %d\n%s", args, code, errs)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a refused command wrote its output")
	}
}

// TestSlurmMergedDatasetEqualsTheSingleProcessRun compares two dataset files named by
// TRAJDIFF_SAME_VALUES="WANT GOT" value for value; .ci/check.d/slurm.sh runs it on the merge of a real
// Slurm job array's shards. Without the variable it skips.
func TestSlurmMergedDatasetEqualsTheSingleProcessRun(t *testing.T) {
	files := strings.Fields(os.Getenv("TRAJDIFF_SAME_VALUES"))
	if len(files) == 0 {
		t.Skip("TRAJDIFF_SAME_VALUES not set (.ci/check.d/slurm.sh sets it)")
	}
	if len(files) != 2 {
		t.Fatalf("TRAJDIFF_SAME_VALUES=%q: want two files", os.Getenv("TRAJDIFF_SAME_VALUES"))
	}
	if err := sameFieldValues(files[0], files[1]); err != nil {
		t.Fatal(err)
	}
}

// TestSlurmCPUsPerTaskSizesTheWorkers: in a task with --cpus-per-task=1 the CLI's start-up sets
// GOMAXPROCS to 1, so simulate's default --workers is 1; an invalid value is reported and ignored.
// (It changes the process's GOMAXPROCS, restored at the end; no test of this package runs in parallel.)
func TestSlurmCPUsPerTaskSizesTheWorkers(t *testing.T) {
	old := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(old)
	var errb bytes.Buffer
	limitCPUs(&cliEnv{stderr: &errb, getenv: func(name string) string { return map[string]string{"SLURM_CPUS_PER_TASK": "x"}[name] }})
	if runtime.GOMAXPROCS(0) != old || !strings.Contains(errb.String(), `ignoring SLURM_CPUS_PER_TASK="x"`) {
		t.Fatalf("invalid value: GOMAXPROCS %d (was %d), stderr %q", runtime.GOMAXPROCS(0), old, errb.String())
	}
	limitCPUs(&cliEnv{stderr: &errb, getenv: func(name string) string { return map[string]string{"SLURM_CPUS_PER_TASK": "1"}[name] }})
	if got := runtime.GOMAXPROCS(0); got != 1 {
		t.Fatalf("GOMAXPROCS = %d with SLURM_CPUS_PER_TASK=1", got)
	}
	p := filepath.Join(t.TempDir(), "s.arrow")
	code, out, errs := runCLIEnv(nil, "simulate", "burgers", "--n", "3", "--quiet", "--out", p)
	if code != 0 || !strings.Contains(out, "1 workers)") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
}
