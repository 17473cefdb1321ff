package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/diffusion"
)

func runCLI(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(context.Background(), &cliEnv{stdout: &out, stderr: &errb}, args)
	return code, out.String(), errb.String()
}

func writeJSON(t *testing.T, dir, name string, v any) string {
	t.Helper()
	b, _ := json.Marshal(v)
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSolveMatchesLibrary(t *testing.T) {
	dir := t.TempDir()
	target := map[string]any{
		"weights":     []float64{0.4, 0.6},
		"means":       [][]float64{{-1, 0}, {1, 1}},
		"covariances": [][][]float64{{{0.2, 0}, {0, 0.3}}, {{0.1, 0.05}, {0.05, 0.2}}},
	}
	init := [][]float64{{80, -20}, {3, 40}, {-60, 10}}
	tp, ip := writeJSON(t, dir, "target.json", target), writeJSON(t, dir, "init.json", init)
	op := filepath.Join(dir, "out.json")
	code, stdout, stderr := runCLI("solve", "--target", tp, "--process", "edm", "--solver", "heun", "--steps", "18", "--init", ip, "--out", op)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "35 evaluations") {
		t.Errorf("stdout %q, want the 2N-1 = 35 evaluations of Heun", stdout)
	}
	var got [][]float64
	b, _ := os.ReadFile(op)
	if err := json.Unmarshal(b, &got); err != nil || len(got) != 3 {
		t.Fatalf("output %s: %v", b, err)
	}
	// Same computation through the library.
	g, _ := diffusion.NewGaussianMixture([]float64{0.4, 0.6}, [][]float64{{-1, 0}, {1, 1}},
		[][][]float64{{{0.2, 0}, {0, 0.3}}, {{0.1, 0.05}, {0.05, 0.2}}})
	p := diffusion.NewEDM()
	times, _ := diffusion.Karras{Rho: 7}.Times(p, 18)
	plan, _ := diffusion.Heun{}.Plan(p, times)
	x := []float64{80, -20, 3, 40, -60, 10}
	diffusion.Sample(context.Background(), plan, g.Denoiser(p), x, diffusion.RunOptions{})
	for i := range got {
		for j := range got[i] {
			if got[i][j] != x[2*i+j] {
				t.Errorf("point %d: %v, library %v", i, got[i], x[2*i:2*i+2])
			}
		}
	}
}

func TestSolveErrorsExit2(t *testing.T) {
	dir := t.TempDir()
	good := writeJSON(t, dir, "t.json", map[string]any{"weights": []float64{1}, "means": [][]float64{{0}}, "covariances": [][][]float64{{{1}}}})
	init := writeJSON(t, dir, "i.json", [][]float64{{1}})
	badShape := writeJSON(t, dir, "b.json", map[string]any{"weights": []float64{1, 2}, "means": [][]float64{{0}}, "covariances": [][][]float64{{{1}}}})
	wrongDim := writeJSON(t, dir, "w.json", [][]float64{{1, 2}})
	notJSON := filepath.Join(dir, "n.json")
	os.WriteFile(notJSON, []byte("{weights"), 0o644)
	out := filepath.Join(dir, "o.json")
	cases := [][]string{
		{"solve", "--target", good, "--solver", "dpm-solver-9", "--steps", "5", "--init", init, "--out", out},
		{"solve", "--target", good, "--process", "vp-quadratic", "--solver", "heun", "--steps", "5", "--init", init, "--out", out},
		{"solve", "--target", good, "--solver", "heun", "--steps", "5", "--schedule", "cosine", "--init", init, "--out", out},
		{"solve", "--target", badShape, "--solver", "heun", "--steps", "5", "--init", init, "--out", out},
		{"solve", "--target", notJSON, "--solver", "heun", "--steps", "5", "--init", init, "--out", out},
		{"solve", "--target", good, "--solver", "heun", "--steps", "5", "--init", wrongDim, "--out", out},
		{"solve", "--target", good, "--solver", "heun", "--steps", "0", "--init", init, "--out", out},
		{"solve", "--bogus-flag"},
		{"frobnicate"},
		{"bench", "kittens"},
	}
	for _, c := range cases {
		code, _, stderr := runCLI(c...)
		if code != 2 || stderr == "" {
			t.Errorf("%v: exit %d (stderr %q), want 2 with a message", c, code, stderr)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a failed solve left an output file")
	}
}

func TestHelpExitsZero(t *testing.T) {
	for _, c := range [][]string{{"help"}, {"solve", "--help"}, {"bench", "samplers", "--help"}, {"quickstart", "-h"}} {
		code, stdout, _ := runCLI(c...)
		if code != 0 || !strings.Contains(stdout, "Usage") {
			t.Errorf("%v: exit %d, stdout %q", c, code, stdout)
		}
	}
}

func TestBenchSamplersSmall(t *testing.T) {
	code, stdout, stderr := runCLI("bench", "samplers", "--dim", "4", "--components", "2", "--points", "8",
		"--solvers", "ddim,dpmpp-2m,unipc-3", "--nfe", "10,100")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"ddim", "dpmpp-2m", "unipc-3", "Best at 10 NFE"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if code, _, _ := runCLI("bench", "samplers", "--solvers", "ddpm"); code != 2 {
		t.Errorf("stochastic solver in bench: exit %d, want 2", code)
	}
}

// --plot draws the table as error-vs-NFE curves, in the format of the file's extension.
func TestBenchSamplersPlotsErrorAgainstNFE(t *testing.T) {
	out := filepath.Join(t.TempDir(), "errors.svg")
	code, stdout, stderr := runCLI("bench", "samplers", "--dim", "4", "--components", "2", "--points", "8",
		"--solvers", "ddim,heun", "--nfe", "4,8", "--plot", out)
	if code != 0 || !strings.Contains(stdout, "error vs NFE -> "+out) {
		t.Fatalf("exit %d: %s\n%s", code, stdout, stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil || !strings.Contains(string(b), "heun") || !strings.Contains(string(b), "<svg") {
		t.Fatalf("plot file: %v\n%.300s", err, b)
	}
	if code, _, _ := runCLI("bench", "samplers", "--plot", "errors.gif"); code != 2 {
		t.Errorf("--plot errors.gif: exit %d, want 2", code)
	}
}

// solve's help ends with its list of solvers, every one named, and a final newline.
func TestSolveHelpListsSolvers(t *testing.T) {
	code, stdout, _ := runCLI("solve", "--help")
	if code != 0 || !strings.HasSuffix(stdout, "\n") || strings.HasSuffix(stdout, "\n\n") {
		t.Fatalf("exit %d; help does not end in exactly one newline: %q", code, stdout[max(0, len(stdout)-80):])
	}
	_, list, ok := strings.Cut(stdout, "\nSolvers:\n")
	if !ok {
		t.Fatalf("no solver list in\n%s", stdout)
	}
	var listed []string
	for _, f := range strings.Fields(list) {
		listed = append(listed, strings.TrimSuffix(f, ","))
	}
	if want := diffusion.SolverNames(); !slices.Equal(listed, want) {
		t.Errorf("listed %v, want %v", listed, want)
	}
	for _, line := range strings.Split(strings.TrimSuffix(list, "\n"), "\n") {
		if len(line) > 100 {
			t.Errorf("line of %d characters: %q", len(line), line)
		}
	}
}
