package main

import (
	"strings"
	"testing"
)

func TestBenchSamplersRunsDPMSolverV3(t *testing.T) {
	code, stdout, stderr := runCLI("bench", "samplers", "--dim", "4", "--components", "2", "--points", "8",
		"--solvers", "ddim,dpm-solver-v3-3", "--nfe", "5,10", "--ems-samples", "16", "--ems-steps", "20")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"DPM-Solver-v3 statistics: 16 calibration samples, 21 log-SNR points", "dpm-solver-v3-3"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
}

func TestBenchEMSNeedsACheckpoint(t *testing.T) {
	for _, args := range [][]string{{"bench", "ems"}, {"bench", "ems", "--checkpoint", "x", "--samples", "0"}} {
		if code, _, stderr := runCLI(args...); code != 2 || stderr == "" {
			t.Errorf("%v: exit %d (stderr %q), want 2 with a message", args, code, stderr)
		}
	}
}
