package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/gpu"
	"github.com/trajdiff/trajdiff/internal/fsutil"
	"github.com/trajdiff/trajdiff/train"
)

func solveCommand() command {
	return command{
		name:    "solve",
		summary: "run one sampler on a Gaussian-mixture target and write the final points",
		run:     runSolve,
	}
}

// mixtureFile is the JSON form of a Gaussian-mixture target.
type mixtureFile struct {
	Weights     []float64     `json:"weights"`
	Means       [][]float64   `json:"means"`
	Covariances [][][]float64 `json:"covariances"`
}

func runSolve(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "solve", "solve --target FILE.json --process NAME --solver NAME --steps N --init NOISE.json --out OUT.json [--schedule NAME] [--seed S]")
	target := fs.String("target", "", "Gaussian-mixture target: {\"weights\": [..], \"means\": [[..]..], \"covariances\": [[[..]..]..]}")
	process := fs.String("process", "edm", "process: edm, ve, vp-linear, vp-discrete, vp-cosine, flow, trig")
	solver := fs.String("solver", "", "solver name (one of the solvers listed below)")
	steps := fs.Int("steps", 0, "number of steps: N noise levels by the schedule, then a final step to the data")
	schedule := fs.String("schedule", "", "schedule: karras, uniform-t, logsnr, quadratic, leading, trailing, linspace, or a FILE.json from 'schedule search' (default: karras for edm, logsnr for ve, uniform-t otherwise)")
	initPath := fs.String("init", "", "JSON array of initial points at the start of sampling, in the process's own scale")
	outPath := fs.String("out", "", "output JSON array of final points (written atomically)")
	seed := fs.Uint64("seed", 0, "noise seed for stochastic solvers")
	device := fs.String("device", "cpu", "cpu (float64), or gpu / gpu:N (float32 state, the exact mixture denoiser as a CUDA kernel; needs a binary built with -tags trajdiff_cuda)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: trajdiff solve --target FILE.json --process NAME --solver NAME --steps N --init NOISE.json --out OUT.json\n\nFlags:\n")
		fs.PrintDefaults()
		fmt.Fprintf(fs.Output(), "\nSolvers:\n%s", wrapNames(diffusion.SolverNames(), "  ", 100))
	}
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if err := wantArgs(fs, 0, "none"); err != nil {
		return err
	}
	for name, v := range map[string]string{"--target": *target, "--solver": *solver, "--init": *initPath, "--out": *outPath} {
		if v == "" {
			return usagef("%s is required", name)
		}
	}
	if *steps < 1 {
		return usagef("--steps must be at least 1, got %d", *steps)
	}
	ordinal, err := parseDevice(*device)
	if err != nil {
		return usagef("%v", err)
	}
	p, err := diffusion.NewProcess(*process)
	if err != nil {
		return usagef("%v", err)
	}
	s, err := diffusion.NewSolver(*solver)
	if err != nil {
		return usagef("%v", err)
	}
	sch, err := scheduleFor(p, *schedule)
	if err != nil {
		return usagef("%v", err)
	}
	if s, err = diffusion.ScheduleSolver(s, sch); err != nil { // a schedule file's searched step orders
		return usagef("%v", err)
	}
	g, err := readMixture(*target)
	if err != nil {
		return usagef("%v", err)
	}
	x, n, err := readPoints(*initPath, g.Dim())
	if err != nil {
		return usagef("%v", err)
	}
	times, err := sch.Times(p, *steps)
	if err != nil {
		return usagef("%v", err)
	}
	plan, err := s.Plan(p, times)
	if err != nil {
		return err
	}
	on := "CPU"
	if ordinal < 0 {
		if err := diffusion.Sample(ctx, plan, g.Denoiser(p), x, diffusion.RunOptions{Seed: *seed}); err != nil {
			return err
		}
	} else {
		info, err := gpu.SampleMixture(ctx, ordinal, plan, g, p, x, *seed, nil)
		if err != nil {
			return err
		}
		on = info.String()
	}
	if err := writePoints(*outPath, x, n, g.Dim()); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "%s on %s: %d steps (%s), %d evaluations, %d points on %s -> %s\n",
		s.Name(), p.Name(), plan.Steps(), sch.Name(), plan.NFE, n, on, *outPath)
	return nil
}

// wrapNames lists names separated by ", " in lines of at most width characters (a longer name gets a line
// of its own), each line indented and ended by a newline.
func wrapNames(names []string, indent string, width int) string {
	var b strings.Builder
	line := indent
	for i, n := range names {
		item := n
		if i < len(names)-1 {
			item += ","
		}
		if line != indent && len(line)+1+len(item) > width {
			b.WriteString(line + "\n")
			line = indent
		}
		if line != indent {
			line += " "
		}
		line += item
	}
	if line != indent {
		b.WriteString(line + "\n")
	}
	return b.String()
}

// scheduleFor returns the named schedule, or the process's default for "".
func scheduleFor(p diffusion.Process, name string) (diffusion.Schedule, error) {
	if name == "" {
		return diffusion.DefaultSchedule(p), nil
	}
	return diffusion.NewSchedule(name)
}

// parseDevice reads --device: -1 for the CPU, else the GPU ordinal.
func parseDevice(s string) (int, error) {
	switch {
	case s == "cpu":
		return -1, nil
	case s == "gpu":
		return 0, nil
	case strings.HasPrefix(s, "gpu:"):
		n, err := strconv.Atoi(s[4:])
		if err != nil || n < 0 {
			return 0, fmt.Errorf("--device %q: want cpu, gpu or gpu:N with N >= 0", s)
		}
		return n, nil
	}
	return 0, fmt.Errorf("--device %q: want cpu, gpu or gpu:N", s)
}

// decodeStrict decodes the one JSON value of a file (see train.UnmarshalStrict).
func decodeStrict(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := train.UnmarshalStrict(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func readMixture(path string) (*diffusion.GaussianMixture, error) {
	var m mixtureFile
	if err := decodeStrict(path, &m); err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	g, err := diffusion.NewGaussianMixture(m.Weights, m.Means, m.Covariances)
	if err != nil {
		return nil, fmt.Errorf("target %s: %w", path, err)
	}
	return g, nil
}

func readPoints(path string, dim int) ([]float64, int, error) {
	var pts [][]float64
	if err := decodeStrict(path, &pts); err != nil {
		return nil, 0, fmt.Errorf("init: %w (want a JSON array of points, each an array of %d numbers)", err, dim)
	}
	if len(pts) == 0 {
		return nil, 0, fmt.Errorf("init %s: no points", path)
	}
	x := make([]float64, 0, len(pts)*dim)
	for i, p := range pts {
		if len(p) != dim {
			return nil, 0, fmt.Errorf("init %s: point %d has %d coordinates, the target has dimension %d", path, i, len(p), dim)
		}
		x = append(x, p...)
	}
	return x, len(pts), nil
}

func writePoints(path string, x []float64, n, dim int) error {
	pts := make([][]float64, n)
	for i := range pts {
		pts[i] = x[i*dim : (i+1)*dim]
	}
	b, err := json.Marshal(pts)
	if err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(path, append(b, '\n'))
}
