package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/pde/wdno"
)

func runPDEEstimate(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "pde estimate", "pde estimate [--checkpoint DIR] --data test.arrow [--sensors 6 | --cells 5,15,...] [--frames 0,10,...] [--noise 0.05] [--methods reddiff,clamp,...] [--out report.json]")
	ckpt := fs.String("checkpoint", "", "run or step directory of a 'pde train' run with task = \"estimate\" (without: only the model-free baselines)")
	data := fs.String("data", "", "test dataset of 'trajdiff simulate burgers' at the model's resolution")
	sensors := fs.Int("sensors", 6, "number of sensors spread evenly over the grid")
	cellList := fs.String("cells", "", "explicit sensor grid points, comma-separated (overrides --sensors)")
	frameList := fs.String("frames", "", "stored frames the sensors read, comma-separated (default: every frame)")
	noise := fs.Float64("noise", 0.05, "standard deviation of the readings' Gaussian noise")
	measureSeed := fs.Uint64("measure-seed", 1, "seed of the measurement noise (case i's readings depend on it and i only)")
	methodList := fs.String("methods", "all", "comma-separated: reddiff, clamp, guided, prior (need --checkpoint), interpolate, resimulate")
	rdSteps := fs.Int("reddiff-steps", 0, "RED-Diff steps (default: --steps, i.e. the samplers' NFE)")
	rdLR := fs.Float64("reddiff-lr", 0.1, "RED-Diff Adam learning rate")
	rdLambda := fs.Float64("reddiff-lambda", 0.25, "RED-Diff regulariser weight lambda (SNR weighting lambda sigma/alpha)")
	rdSigma := fs.Float64("reddiff-sigma", 0, "RED-Diff data-fit sigma_y (default: --noise, at least 1e-3)")
	rdAverage := fs.Int("reddiff-average", 0, "RED-Diff returns the mean of its last n iterates (0: the last iterate)")
	var sf pdeSampling
	sf.register(fs, "estimate only shard i/n of the cases (a job array's task)")
	out := fs.String("out", "", "report JSON, written atomically")
	device := registerPDEDevice(fs, "the prior draw; clamp, guided and reddiff evaluate the network there and keep their loops on the CPU, as do the model-free interpolate and resimulate")
	precision := registerPrecision(fs)
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if err := wantArgs(fs, 0, "none"); err != nil {
		return err
	}
	if *data == "" {
		return usagef("--data is required")
	}
	weights, err := sf.check(env)
	if err != nil {
		return err
	}
	methods, err := wdno.ParseEstimateMethods(*methodList)
	if err != nil {
		return usagef("--methods: %v", err)
	}
	if err := checkPDEDevice(*device, *precision); err != nil {
		return err
	}
	d, err := wdno.OpenData(*data)
	if err != nil {
		return err
	}
	defer d.Close()
	var m *wdno.Model
	if *ckpt != "" {
		if m, err = wdno.Load(*ckpt, weights); err != nil {
			return err
		}
	} else if *methodList == "all" {
		methods = nil // the model-free ones
	}
	s := wdno.Sensors{Noise: *noise}
	if *cellList != "" {
		if s.Cells, err = parseIndexList("--cells", *cellList); err != nil {
			return err
		}
	} else if s.Cells, err = wdno.EvenSensors(d.Cells, *sensors); err != nil {
		return usagef("--sensors: %v", err)
	}
	if *frameList != "" {
		if s.Frames, err = parseIndexList("--frames", *frameList); err != nil {
			return err
		}
	}
	rd := diffusion.DefaultREDDiffOptions()
	rd.Steps, rd.LR, rd.Lambda, rd.SigmaY, rd.Average = *rdSteps, *rdLR, *rdLambda, *rdSigma, *rdAverage
	if rd.SigmaY == 0 {
		rd.SigmaY = max(*noise, 1e-3)
	}
	cases, err := sf.cases(d.Len())
	if err != nil {
		return err
	}
	if rd.Steps == 0 && m != nil {
		_, rd.Steps, _ = m.Settings(sf.request())
	}
	guidance := 0.0
	if sf.guidance >= 0 {
		guidance = sf.guidance
	}
	var sample wdno.DeviceSampler
	var network wdno.HostDenoiser
	if m != nil {
		var closeDevice func() error
		if sample, network, closeDevice, err = pdeDeviceSampler(env, "pde estimate", *device, *precision); err != nil {
			return err
		}
		defer closeDevice()
	}
	bars := newProgressBars(env.stderr, "pde estimate ", "cases")
	rep, err := wdno.EvaluateEstimation(ctx, d, m, wdno.EstimationOptions{
		EstimateOptions: wdno.EstimateOptions{Sensors: s, Solver: sf.solver, Steps: sf.steps, Seed: sf.seed, Guidance: guidance, REDDiff: &rd, Device: sample, Network: network},
		Methods:         methods, Cases: cases, Batch: sf.batch, MeasureSeed: *measureSeed,
		Progress: bars.Update})
	if err != nil {
		return err
	}
	frames := "every frame"
	if s.Frames != nil {
		frames = fmt.Sprintf("frames %v", s.Frames)
	}
	fmt.Fprintf(env.stdout, "state estimation on %s, cases %d..%d: sensors at %v, %s, noise %g\n", rep.Data, cases[0], cases[len(cases)-1], s.Cells, frames, s.Noise)
	writeEstimationTable(env.stdout, rep)
	return saveReport(env, *out, rep)
}

func writeEstimationTable(w io.Writer, rep *wdno.EstimationReport) {
	fmt.Fprintf(w, "%-12s %6s %22s %11s %11s %11s %5s %9s %7s\n", "method", "cases", "MSE (± SE)", "u0 MSE", "hidden MSE", "residual", "NFE", "seconds", "failed")
	for _, s := range rep.Summary {
		fmt.Fprintf(w, "%-12s %6d %11.4e ± %8.2e %11.4e %11.4e %11.4e %5d %9.1f %7d\n", s.Method, s.Cases, s.MSE, s.MSEErr, s.U0MSE, s.HiddenMSE, s.Residual, s.NFE, s.Seconds, s.Failed)
	}
}

// parseIndexList reads a comma-separated list of non-negative integers.
func parseIndexList(flag, list string) ([]int, error) {
	var out []int
	for _, v := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 {
			return nil, usagef("%s: %q is not a non-negative integer", flag, v)
		}
		out = append(out, n)
	}
	return out, nil
}
