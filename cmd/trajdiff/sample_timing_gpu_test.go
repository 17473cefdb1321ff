//go:build cuda || trajdiff_cuda

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestSampleGPUTimings prints, when TRAJDIFF_GPU_TIMINGS=1 (gpu/check.sh sets it), the wall time of whole
// `trajdiff sample` commands (checkpoint load, sampling, output) for the quickstart-sized planner with the
// quickstart's 20-step DPM-Solver++(2M), at 1, 32 and 1024 plans on --device gpu and on the CPU, each the
// median of three runs after a warm-up (the CPU at 1024: one run, about 30 s on one core). The weights are those of
// a one-step training run: the time does not depend on them. Nothing is asserted.
// TRAJDIFF_GPU_TIMINGS=smoke runs the same code on tinyPlanner (CI, on the emulator; its numbers mean nothing).
func TestSampleGPUTimings(t *testing.T) {
	mode := os.Getenv("TRAJDIFF_GPU_TIMINGS")
	if mode != "1" && mode != "smoke" {
		t.Skip("set TRAJDIFF_GPU_TIMINGS=1 to time trajdiff sample --device gpu against the CPU (smoke: a tiny planner)")
	}
	shape, steps, batches := quickstartPlanner, "20", []int{1, 32, 1024}
	if mode == "smoke" {
		shape, steps, batches = tinyPlanner, "2", []int{1, 2}
	}
	dir := t.TempDir()
	run := plannerRun(t, dir, shape, 1)
	var fixes []string
	for i, e := range shape.Ends {
		fixes = append(fixes, "--fix", e+"="+strconv.FormatFloat(0.1*float64(i%4), 'f', 1, 64))
	}
	var device string
	timeSample := func(dev string, n int) time.Duration {
		args := append([]string{"sample", "--checkpoint", run, "--out", filepath.Join(dir, "s.json"), "--n", strconv.Itoa(n), "--steps", steps, "--device", dev}, fixes...)
		var ds []time.Duration
		runs := 4 // a warm-up, then three timed runs
		if dev == "cpu" && n >= 1024 {
			runs = 1
		}
		for i := 0; i < runs; i++ {
			t0 := time.Now()
			code, stdout, stderr := runCLI(args...)
			if code != 0 {
				t.Fatalf("sample --device %s --n %d: exit %d: %s", dev, n, code, stderr)
			}
			if i > 0 || runs == 1 {
				ds = append(ds, time.Since(t0))
			}
			if dev == "gpu" {
				_, on, _ := strings.Cut(stdout, " on ")
				device, _, _ = strings.Cut(on, " -> ")
			}
		}
		if len(ds) == 1 {
			return ds[0]
		}
		return min(max(ds[0], ds[1]), max(ds[1], ds[2]), max(ds[0], ds[2])) // the median of three
	}
	gpuT := map[int]time.Duration{}
	for _, n := range batches {
		gpuT[n] = timeSample("gpu", n)
	}
	var out strings.Builder
	fmt.Fprintf(&out, "device: %s\nplanner: horizon %d, transition %d, temporal_unet dim %d mults %v, cond %d; dpmpp-2m %s steps\n",
		device, shape.Horizon, shape.Obs+shape.Act, shape.Dim, shape.Mults, len(shape.Ends), steps)
	fmt.Fprintf(&out, "| trajdiff sample --n | --device gpu | plans/s | --device cpu (GOMAXPROCS %d) | plans/s | speed-up |\n|---|---|---|---|---|---|\n", runtime.GOMAXPROCS(0))
	for _, n := range batches {
		g, c := gpuT[n], timeSample("cpu", n)
		fmt.Fprintf(&out, "| %d | %.3f s | %.1f | %.3f s | %.1f | %.1fx |\n", n, g.Seconds(), float64(n)/g.Seconds(), c.Seconds(), float64(n)/c.Seconds(), c.Seconds()/g.Seconds())
	}
	t.Log("\n" + out.String())
}
