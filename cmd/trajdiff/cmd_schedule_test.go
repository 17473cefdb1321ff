package main

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestScheduleSearchFileIsAcceptedWhereSchedulesAre(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "s.json")
	code, out, errs := runCLI("schedule", "search", "--target", "mixture", "--dim", "4", "--components", "2", "--points", "16",
		"--solver", "dpmpp-2m", "--nfe", "4", "--max-evals", "60", "--out", file)
	if code != 0 {
		t.Fatalf("schedule search: %d\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{"start karras", "searched: loss", "wrote " + file} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errs, "search:") {
		t.Errorf("no progress line on stderr:\n%s", errs)
	}
	code, out, errs = runCLI("bench", "samplers", "--dim", "4", "--components", "2", "--points", "16", "--solvers", "dpmpp-2m,ddim",
		"--nfe", "4,8", "--schedule", file)
	if code != 0 {
		t.Fatalf("bench samplers --schedule file: %d\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(out, "searched for dpmpp-2m, 4 NFE") {
		t.Errorf("bench does not name the searched schedule:\n%s", out)
	}
	// The 8-NFE column is refused ('-'), the 4-NFE one runs.
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "dpmpp-2m" && (f[1] == "-" || f[2] != "-") {
			t.Errorf("bench row %q: want a value at 4 NFE and '-' at 8", line)
		}
	}
	// solve takes it at its step count and refuses another.
	tp := writeJSON(t, dir, "t.json", mixtureFile{Weights: []float64{1}, Means: [][]float64{{0, 0, 0, 0}},
		Covariances: [][][]float64{{{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}}}})
	ip := writeJSON(t, dir, "i.json", [][]float64{{1, 2, 3, 4}})
	op := filepath.Join(dir, "o.json")
	if code, out, errs := runCLI("solve", "--target", tp, "--solver", "dpmpp-2m", "--steps", "4", "--init", ip, "--out", op, "--schedule", file); code != 0 {
		t.Errorf("solve with the file: %d\n%s\n%s", code, out, errs)
	}
	if code, _, errs := runCLI("solve", "--target", tp, "--solver", "dpmpp-2m", "--steps", "5", "--init", ip, "--out", op, "--schedule", file); code == 0 || !strings.Contains(errs, "has 4 steps") {
		t.Errorf("solve at 5 steps: exit %d, %s", code, errs)
	}
	if code, _, errs := runCLI("solve", "--target", tp, "--process", "vp-linear", "--solver", "dpmpp-2m", "--steps", "4", "--init", ip, "--out", op, "--schedule", file); code == 0 || !strings.Contains(errs, "searched on process edm") {
		t.Errorf("solve on another process: exit %d, %s", code, errs)
	}
}

func TestScheduleSearchOnADiffuserCheckpoint(t *testing.T) {
	dir, run := trainTinyUMaze(t, `inpaint = ["0:2", "0:3", "0:4", "0:5", "-1:2", "-1:3", "-1:4", "-1:5"]
`)
	file := filepath.Join(dir, "maze.json")
	code, out, errs := runCLI("schedule", "search", "--checkpoint", run, "--solver", "dpmpp-2m", "--nfe", "3", "--points", "4",
		"--max-evals", "30", "--out", file)
	if code != 0 {
		t.Fatalf("schedule search: %d\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(out, "process vp-cosine") || !strings.Contains(out, "inpainted") {
		t.Errorf("output:\n%s", out)
	}
	code, out, errs = runCLI("plan", "evaluate", "--checkpoint", run, "--episodes", "1", "--seed", "5", "--steps", "3", "--schedule", file, "--baselines=false")
	if code != 0 {
		t.Fatalf("plan evaluate --schedule file: %d\n%s\n%s", code, out, errs)
	}
	if code, _, errs := runCLI("plan", "evaluate", "--checkpoint", run, "--episodes", "1", "--steps", "5", "--schedule", file, "--baselines=false"); code == 0 || !strings.Contains(errs, "has 3 steps") {
		t.Errorf("plan evaluate at 5 steps: exit %d, %s", code, errs)
	}
}

func TestScheduleSearchWithOrdersRecordsThemAndOnlyTheirSolverRunsThem(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "o.json")
	code, out, errs := runCLI("schedule", "search", "--target", "mixture", "--dim", "4", "--components", "2", "--points", "16",
		"--solver", "unipc-3", "--nfe", "4", "--max-evals", "40", "--orders", "search", "--out", file)
	if code != 0 {
		t.Fatalf("schedule search --orders search: %d\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(out, "step orders: ") {
		t.Errorf("output lacks the step orders:\n%s", out)
	}
	code, out, errs = runCLI("bench", "samplers", "--dim", "4", "--components", "2", "--points", "16", "--solvers", "unipc-3,ddim",
		"--nfe", "4", "--schedule", file)
	if code != 0 {
		t.Fatalf("bench samplers: %d\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(out, "searched for unipc-3 with step orders") || !strings.Contains(out, "run with unipc-3 only") {
		t.Errorf("bench does not name the orders:\n%s", out)
	}
	// unipc-3 runs the file; ddim cannot honour its orders ('-').
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) == 2 && ((f[0] == "unipc-3") == (f[1] == "-")) && (f[0] == "unipc-3" || f[0] == "ddim") {
			t.Errorf("bench row %q", line)
		}
	}
	tp := writeJSON(t, dir, "t.json", mixtureFile{Weights: []float64{1}, Means: [][]float64{{0, 0, 0, 0}},
		Covariances: [][][]float64{{{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}}}})
	ip := writeJSON(t, dir, "i.json", [][]float64{{1, 2, 3, 4}})
	op := filepath.Join(dir, "out.json")
	if code, out, errs := runCLI("solve", "--target", tp, "--solver", "unipc-3", "--steps", "4", "--init", ip, "--out", op, "--schedule", file); code != 0 {
		t.Errorf("solve with the file: %d\n%s\n%s", code, out, errs)
	}
	if code, _, errs := runCLI("solve", "--target", tp, "--solver", "dpmpp-3m", "--steps", "4", "--init", ip, "--out", op, "--schedule", file); code == 0 || !strings.Contains(errs, "use --solver unipc-3") {
		t.Errorf("solve with another solver: exit %d, %s", code, errs)
	}
	for _, c := range []struct{ args, want string }{
		{"--solver ddim --orders search", "ddim takes no per-step orders"},
		{"--solver dpmpp-3m --orders 1,x,1", "entry 2"},
		{"--solver dpmpp-3m --orders 1,2,3", "3 step orders given, dpmpp-3m takes 4 steps"},
	} {
		args := append([]string{"schedule", "search", "--target", "mixture", "--dim", "4", "--components", "2", "--points", "8",
			"--nfe", "4", "--max-evals", "10", "--out", filepath.Join(dir, "x.json")}, strings.Fields(c.args)...)
		if code, _, errs := runCLI(args...); code == 0 || !strings.Contains(errs, c.want) {
			t.Errorf("%s: exit %d, %s", c.args, code, errs)
		}
	}
}
