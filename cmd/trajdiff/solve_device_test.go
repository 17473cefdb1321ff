package main

import (
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
)

func TestSolveDeviceFlag(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int
		ok   bool
	}{{"cpu", -1, true}, {"gpu", 0, true}, {"gpu:3", 3, true}, {"gpu:-1", 0, false}, {"gpu:x", 0, false}, {"tpu", 0, false}, {"", 0, false}} {
		got, err := parseDevice(c.in)
		if (err == nil) != c.ok || (c.ok && got != c.want) {
			t.Errorf("parseDevice(%q) = %d, %v; want %d (ok %v)", c.in, got, err, c.want, c.ok)
		}
	}
	dir := t.TempDir()
	tp := writeJSON(t, dir, "t.json", map[string]any{"weights": []float64{1}, "means": [][]float64{{0}}, "covariances": [][][]float64{{{1}}}})
	ip := writeJSON(t, dir, "i.json", [][]float64{{1}})
	code, _, stderr := runCLI("solve", "--target", tp, "--solver", "heun", "--steps", "5", "--init", ip, "--out", filepath.Join(dir, "o.json"), "--device", "tpu")
	if code != 2 || !strings.Contains(stderr, "--device") {
		t.Errorf("--device tpu: exit %d, stderr %q; want 2 naming the flag", code, stderr)
	}
}

// solveTarget writes a 3-D, 3-component mixture and n initial points at EDM's sigma_max = 80.
func solveTarget(t *testing.T, dir string, n int) (target, init string) {
	t.Helper()
	target = writeJSON(t, dir, "target.json", map[string]any{
		"weights":     []float64{0.3, 0.5, 0.2},
		"means":       [][]float64{{-2, 0, 1}, {1.5, 1, -1}, {0, -2, 0}},
		"covariances": [][][]float64{{{0.3, 0, 0}, {0, 0.2, 0.05}, {0, 0.05, 0.4}}, {{0.1, 0.02, 0}, {0.02, 0.2, 0}, {0, 0, 0.1}}, {{0.5, 0, 0}, {0, 0.1, 0}, {0, 0, 0.3}}},
	})
	rng := rand.New(rand.NewPCG(1, 2))
	pts := make([][]float64, n)
	for i := range pts {
		pts[i] = []float64{80 * rng.NormFloat64(), 80 * rng.NormFloat64(), 80 * rng.NormFloat64()}
	}
	return target, writeJSON(t, dir, "init.json", pts)
}
