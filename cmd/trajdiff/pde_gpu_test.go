//go:build cuda || trajdiff_cuda

package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/pde/wdno"
)

// tinyUnet2DWDNO trains a tiny WDNO model of task with a 2-D U-Net on the wavelet layout (9 bands of 8 x 8)
// for 10 steps on 16 tiny Burgers trajectories and returns its run directory and a test set of 3 cases.
func tinyUnet2DWDNO(t *testing.T, dir, task string) (run, test string) {
	t.Helper()
	tinyBurgers(t, dir, "train.arrow", 16, 1, 12)
	test = tinyBurgers(t, dir, "test.arrow", 3, 2, 12)
	cfg := `out = "run-unet"
task = "` + task + `"
[data]
path = "train.arrow"
[layout]
space = "wavelet"
[network]
arch = "unet2d"
[network.unet2d]
height = 8
width = 8
channels = 9
dim = 12
dim_mults = [1, 2]
attn_heads = 2
attn_dim_head = 4
[train]
steps = 10
batch = 8
lr = 1e-3
warmup = 2
checkpoint_every = 10
[sample]
steps = 5
`
	pdeTrain(t, dir, "unet.toml", cfg)
	return filepath.Join(dir, "run-unet"), test
}

// On a GPU (or gpu/cudaemu, on which CI runs this), `pde evaluate --device gpu` scores what the CPU scores:
// a tiny WDNO simulation model with a 2-D U-Net on the wavelet layout (9 bands of 8 x 8), sampled with DDPM
// (its noise from the same seed), gives every case's MSE within 1e-3 relative of the CPU run's (float32
// sampling against float64).
func TestPDEEvaluateGPUMatchesCPU(t *testing.T) {
	dir := t.TempDir()
	run, test := tinyUnet2DWDNO(t, dir, "simulate")
	cpu, gpu := evaluateOnBothDevices(t, dir, "--checkpoint", run, "--data", test, "--solver", "ddpm", "--steps", "5")
	if len(cpu) != 3 || len(gpu) != len(cpu) {
		t.Fatalf("%d CPU results, %d GPU results", len(cpu), len(gpu))
	}
	for i := range cpu {
		rel := math.Abs(gpu[i].MSE-cpu[i].MSE) / cpu[i].MSE
		t.Logf("case %d: MSE %.6g on the CPU, %.6g on the device (relative difference %.2e)", cpu[i].Case, cpu[i].MSE, gpu[i].MSE, rel)
		if !(cpu[i].MSE > 0) || !(rel <= 1e-3) || gpu[i].Error != "" {
			t.Errorf("case %d: MSE %v on the CPU, %v on the device (%q)", cpu[i].Case, cpu[i].MSE, gpu[i].MSE, gpu[i].Error)
		}
	}
}

// evaluateOnBothDevices runs `pde evaluate args --device cpu|gpu` and returns both reports' case results;
// the GPU run must name its device.
func evaluateOnBothDevices(t *testing.T, dir string, args ...string) (cpu, gpu []wdno.CaseResult) {
	t.Helper()
	return evaluateOn(t, dir, "cpu", "cpu.json", args...).Results, evaluateOn(t, dir, "gpu", "gpu.json", args...).Results
}

// evaluateOnGPU runs `pde evaluate args --device gpu --out dir/name` and returns its report.
func evaluateOnGPU(t *testing.T, dir, name string, args ...string) *wdno.Report {
	t.Helper()
	return evaluateOn(t, dir, "gpu", name, args...)
}

// evaluateOn runs `pde evaluate args --device device --out dir/name` and returns its report; a GPU run must
// name its device.
func evaluateOn(t *testing.T, dir, device, name string, args ...string) *wdno.Report {
	t.Helper()
	report := filepath.Join(dir, name)
	code, out, errs := runCLI(append(append([]string{"pde", "evaluate"}, args...), "--device", device, "--out", report)...)
	if code != 0 {
		t.Fatalf("pde evaluate %v --device %s: exit %d\n%s\n%s", args, device, code, out, errs)
	}
	if device == "gpu" && !strings.Contains(errs, "sampling on") {
		t.Errorf("the GPU run does not name its device: %q", errs)
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var rep wdno.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	return &rep
}

// fieldDifference is the largest |a| and the largest |a - b| of two fields of the same size.
func fieldDifference(a, b datasets.Tensor) (scale, worst float64) {
	for k := range a.Len() {
		scale = max(scale, math.Abs(a.At(k)))
		worst = max(worst, math.Abs(a.At(k)-b.At(k)))
	}
	return scale, worst
}

// On a GPU (or gpu/cudaemu), `pde generate --device gpu` writes the dataset the CPU writes: the tiny 2-D
// U-Net simulation model's trajectories, sampled with DDPM from the same seed, agree with the CPU run's
// within 1e-3 of the largest state value in every row (float32 sampling against float64), with the same
// rows, ids and source parameters, and the given controls within 1e-6 (their float32 round trip).
func TestPDEGenerateGPUMatchesCPU(t *testing.T) {
	dir := t.TempDir()
	run, test := tinyUnet2DWDNO(t, dir, "simulate")
	rows := map[string][]datasets.FieldView{}
	for _, device := range []string{"cpu", "gpu"} {
		gen := filepath.Join(dir, device+".arrow")
		code, out, errs := runCLI("pde", "generate", "--checkpoint", run, "--data", test, "--out", gen, "--solver", "ddpm", "--steps", "5", "--seed", "3", "--device", device)
		if code != 0 || !strings.Contains(out, "3 generated") {
			t.Fatalf("pde generate --device %s: exit %d\n%s\n%s", device, code, out, errs)
		}
		if device == "gpu" && !strings.Contains(errs, "pde generate: sampling on") {
			t.Errorf("the GPU run does not name its device: %q", errs)
		}
		d, err := datasets.Open(gen)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		for i := range d.Len() {
			v, err := d.Field(i)
			if err != nil {
				t.Fatal(err)
			}
			rows[device] = append(rows[device], v)
		}
	}
	cpu, gpu := rows["cpu"], rows["gpu"]
	if len(cpu) != 3 || len(gpu) != len(cpu) {
		t.Fatalf("%d CPU rows, %d GPU rows", len(cpu), len(gpu))
	}
	for i := range cpu {
		c, g := cpu[i], gpu[i]
		if c.ID != g.ID || c.Params.At(0) != g.Params.At(0) || c.Params.At(1) != g.Params.At(1) {
			t.Errorf("row %d: id %d params (%v, %v) on the CPU, id %d (%v, %v) on the device", i, c.ID, c.Params.At(0), c.Params.At(1), g.ID, g.Params.At(0), g.Params.At(1))
		}
		fScale, fWorst := fieldDifference(c.Control, g.Control)
		if !(fWorst <= 1e-6*fScale) { // the given control, through the layout and float32 on the device
			t.Errorf("row %d: the device's control differs from the CPU's by up to %v (largest |f| %v)", i, fWorst, fScale)
		}
		scale, worst := fieldDifference(c.State, g.State)
		t.Logf("row %d: largest |u| %.4g, worst device-CPU difference %.2e (%.2e relative); control %.2e relative", i, scale, worst, worst/scale, fWorst/fScale)
		if !(scale > 0) || !(worst <= 1e-3*scale) {
			t.Errorf("row %d: the device's state differs from the CPU's by up to %v (largest |u| %v)", i, worst, scale)
		}
	}
}

// On a GPU (or gpu/cudaemu), `pde estimate --device gpu` scores what the CPU scores: the tiny 2-D U-Net
// estimation model's prior draws (DDPM, the same seed, the whole loop on the device) and its clamp, guided
// and reddiff estimates (their loops on the CPU, the network on the device) give every case's MSE within
// 1e-3 relative of the CPU run's, and the model-free interpolation in the same run is the CPU's exactly.
func TestPDEEstimateGPUMatchesCPU(t *testing.T) {
	dir := t.TempDir()
	run, test := tinyUnet2DWDNO(t, dir, "estimate")
	results := map[string][]wdno.EstimationResult{}
	for _, device := range []string{"cpu", "gpu"} {
		report := filepath.Join(dir, device+".json")
		code, out, errs := runCLI("pde", "estimate", "--checkpoint", run, "--data", test, "--methods", "prior,clamp,guided,reddiff,interpolate", "--sensors", "4",
			"--solver", "ddpm", "--steps", "5", "--seed", "5", "--device", device, "--out", report)
		if code != 0 {
			t.Fatalf("pde estimate --device %s: exit %d\n%s\n%s", device, code, out, errs)
		}
		if device == "gpu" && !strings.Contains(errs, "pde estimate: sampling on") {
			t.Errorf("the GPU run does not name its device: %q", errs)
		}
		b, err := os.ReadFile(report)
		if err != nil {
			t.Fatal(err)
		}
		var rep wdno.EstimationReport
		if err := json.Unmarshal(b, &rep); err != nil {
			t.Fatal(err)
		}
		results[device] = rep.Results
	}
	cpu, gpu := results["cpu"], results["gpu"]
	if len(cpu) != 15 || len(gpu) != len(cpu) {
		t.Fatalf("%d CPU results, %d GPU results; want 3 cases of 5 methods", len(cpu), len(gpu))
	}
	for i := range cpu {
		c, g := cpu[i], gpu[i]
		rel := math.Abs(g.MSE-c.MSE) / c.MSE
		t.Logf("%s case %d: MSE %.6g on the CPU, %.6g with the device (relative difference %.2e)", c.Method, c.Case, c.MSE, g.MSE, rel)
		tol := 1e-3
		if c.Method == string(wdno.EstimateInterpolate) {
			tol = 0
		}
		if c.Method != g.Method || c.Case != g.Case || !(c.MSE > 0) || !(rel <= tol) || c.Error != "" || g.Error != "" {
			t.Errorf("%s case %d: MSE %v on the CPU, %v with the device (%q, %q)", c.Method, c.Case, c.MSE, g.MSE, c.Error, g.Error)
		}
	}
}

// On a GPU (or gpu/cudaemu), WDNO's smoke control model, a 3-D U-Net on the 42-channel wavelet layout,
// samples on the device what it samples on the CPU: with the guidance off, `pde evaluate --device gpu`
// re-simulates controls whose target share and J agree with the CPU run's within 1e-3 relative in every
// case (float32 sampling against float64; both go through the same re-simulation).
func TestPDEEvaluateGPUMatchesCPUOnSmoke(t *testing.T) {
	dir := t.TempDir()
	run, test := tinySmokeUnet3D(t, dir)
	cpu, gpu := evaluateOnBothDevices(t, dir, "--checkpoint", run, "--data", test, "--guidance", "0", "--baseline", "")
	if len(cpu) != 2 || len(gpu) != len(cpu) {
		t.Fatalf("%d CPU results, %d GPU results", len(cpu), len(gpu))
	}
	for i := range cpu {
		c, g := cpu[i], gpu[i]
		relOut := math.Abs(g.SmokeOut-c.SmokeOut) / math.Abs(c.SmokeOut)
		relJ := math.Abs(g.J-c.J) / math.Abs(c.J)
		t.Logf("case %d: smoke_out %.6g / %.6g, J %.6g / %.6g on the CPU / device (relative %.2e, %.2e)", c.Case, c.SmokeOut, g.SmokeOut, c.J, g.J, relOut, relJ)
		if !(c.SmokeOut > 0) || !(relOut <= 1e-3) || !(relJ <= 1e-3) || g.Error != "" {
			t.Errorf("case %d: CPU %+v, device %+v", c.Case, c, g)
		}
	}
}

// On a GPU (or gpu/cudaemu), WDNO's guided Burgers control runs on the device: `pde evaluate --device gpu`
// of the tiny 2-D U-Net control model with its default guidance (weight 1.2e5, the gradient of J through
// the wavelet decoder in every x0 prediction, gpu.WaveletControlGuide) gives every case's J, misfit and
// energy within 1e-4 relative of the CPU run's (float32 sampling against float64; both re-simulate the
// controls with the same solver), and the guidance matters: with --guidance 0 the device's J differs from
// the guided one by far more than the device and the CPU differ.
func TestPDEEvaluateGPUGuidedBurgersControlMatchesCPU(t *testing.T) {
	dir := t.TempDir()
	run, test := tinyUnet2DWDNO(t, dir, "control")
	args := []string{"--checkpoint", run, "--data", test, "--solver", "ddim", "--steps", "5", "--baseline", ""}
	cpu, gpu := evaluateOnBothDevices(t, dir, args...)
	if len(cpu) != 3 || len(gpu) != len(cpu) {
		t.Fatalf("%d CPU results, %d GPU results", len(cpu), len(gpu))
	}
	plain := evaluateOnGPU(t, dir, "unguided.json", append(args, "--guidance", "0")...)
	if len(plain.Results) != len(cpu) {
		t.Fatalf("%d unguided results for %d cases", len(plain.Results), len(cpu))
	}
	rel := func(a, b float64) float64 { return math.Abs(a-b) / math.Abs(b) }
	for i := range cpu {
		c, g, p := cpu[i], gpu[i], plain.Results[i]
		relJ, relMisfit, relEnergy, moved := rel(g.J, c.J), rel(g.Misfit, c.Misfit), rel(g.Energy, c.Energy), rel(p.J, g.J)
		t.Logf("case %d: J %.6g / %.6g on the CPU / device (relative %.2e; misfit %.2e, energy %.2e); unguided J %.6g (%.2e away)",
			c.Case, c.J, g.J, relJ, relMisfit, relEnergy, p.J, moved)
		if !(c.J > 0) || !(relJ <= 1e-4) || !(relMisfit <= 1e-4) || !(relEnergy <= 1e-4) || c.Error != "" || g.Error != "" {
			t.Errorf("case %d: CPU %+v, device %+v", c.Case, c, g)
		}
		if !(moved > 100*relJ) || !(moved > 1e-2) {
			t.Errorf("case %d: the unguided J %v is only %.2e from the guided %v", c.Case, p.J, moved, g.J)
		}
	}
}

// On a GPU (or gpu/cudaemu), WDNO's guided smoke control runs on the device: `pde evaluate --device gpu
// --guidance 100` of the tiny 3-D U-Net smoke control model (the gradient of J = -s(T-1) + 0.1 mean (d(0) -
// d0*)^2 through the 42-channel wavelet decoder in every x0 prediction, gpu.SmokeControlGuide) re-simulates
// controls whose target share and J agree with the CPU run's within 1e-3 relative in every case (float32
// sampling against float64, amplified by the re-simulation; both re-simulate with the same solver). That
// the guidance changes the samples is gpu/fromnn's TestGPUGuidedSmokeControlMatchesGenerate (an unguided
// run here would take this test past its time budget).
func TestPDEEvaluateGPUGuidedSmokeControlMatchesCPU(t *testing.T) {
	dir := t.TempDir()
	run, test := tinySmokeUnet3D(t, dir)
	cpu, gpu := evaluateOnBothDevices(t, dir, "--checkpoint", run, "--data", test, "--baseline", "", "--guidance", "100")
	if len(cpu) != 2 || len(gpu) != len(cpu) {
		t.Fatalf("%d CPU results, %d GPU results", len(cpu), len(gpu))
	}
	rel := func(a, b float64) float64 { return math.Abs(a-b) / math.Abs(b) }
	for i := range cpu {
		c, g := cpu[i], gpu[i]
		relOut, relJ := rel(g.SmokeOut, c.SmokeOut), rel(g.J, c.J)
		t.Logf("case %d: smoke_out %.6g / %.6g, J %.6g / %.6g on the CPU / device (relative %.2e, %.2e)",
			c.Case, c.SmokeOut, g.SmokeOut, c.J, g.J, relOut, relJ)
		if !(c.SmokeOut > 0) || !(relOut <= 1e-3) || !(relJ <= 1e-3) || c.Error != "" || g.Error != "" {
			t.Errorf("case %d: CPU %+v, device %+v", c.Case, c, g)
		}
	}
}

// On a GPU (or gpu/cudaemu), `pde evaluate --device gpu --particle-method` searches by control cost with the
// network on the device (gpu/fromnn.Sampler.Denoiser: each step's particles uploaded, denoised, downloaded)
// and its loop, guidance and solver on the host: best-of-4 and resampling 4 particles of the tiny 2-D U-Net control
// model give every case's J within 1e-4 relative of the CPU search's (float32 network evaluations against
// float64, the same seeds, so the same particles are kept), and four particles find a lower J than the
// one-sample run in some case, so the search is doing its work on the device.
func TestPDEEvaluateGPUSearchMatchesCPU(t *testing.T) {
	dir := t.TempDir()
	run, test := tinyUnet2DWDNO(t, dir, "control")
	common := []string{"--checkpoint", run, "--data", test, "--solver", "ddim", "--steps", "4", "--baseline", ""}
	single := evaluateOnGPU(t, dir, "one.json", common...)
	for _, method := range []string{"best-of-n", "resample"} {
		cpu, gpu := evaluateOnBothDevices(t, dir, append(common, "--particle-method", method, "--nfe-budget", "16")...)
		if len(cpu) != 3 || len(gpu) != len(cpu) || len(single.Results) != len(cpu) {
			t.Fatalf("%s: %d CPU results, %d GPU results, %d single-sample results", method, len(cpu), len(gpu), len(single.Results))
		}
		better := 0
		for i := range cpu {
			c, g := cpu[i], gpu[i]
			rel := math.Abs(g.J-c.J) / math.Abs(c.J)
			t.Logf("%s case %d: J %.6g on the CPU, %.6g with the device's network (relative %.2e); one sample %.6g", method, c.Case, c.J, g.J, rel, single.Results[i].J)
			if !(c.J > 0) || !(rel <= 1e-4) || c.Error != "" || g.Error != "" {
				t.Errorf("%s case %d: CPU %+v, device %+v", method, c.Case, c, g)
			}
			if g.J < single.Results[i].J {
				better++
			}
		}
		if better == 0 {
			t.Errorf("%s: the device search improved no case over one sample", method)
		}
	}
}

// On a GPU (or gpu/cudaemu), a physical-space smoke control model's guidance (its gradient runs through the
// decoder, which the device has no guide for) samples with the network on the device and the loop and the
// guidance on the CPU: `pde evaluate --device gpu` of the tiny MLP model with its default weight 100 gives
// every case's target share and J within 1e-3 relative of the CPU run's.
func TestPDEEvaluateGPUHostGuidanceMatchesCPU(t *testing.T) {
	dir := t.TempDir()
	run, test := tinySmokeMLP(t, dir)
	cpu, gpu := evaluateOnBothDevices(t, dir, "--checkpoint", run, "--data", test, "--baseline", "")
	if len(cpu) == 0 || len(gpu) != len(cpu) {
		t.Fatalf("%d CPU results, %d GPU results", len(cpu), len(gpu))
	}
	for i := range cpu {
		c, g := cpu[i], gpu[i]
		relOut := math.Abs(g.SmokeOut-c.SmokeOut) / math.Abs(c.SmokeOut)
		relJ := math.Abs(g.J-c.J) / math.Abs(c.J)
		t.Logf("case %d: smoke_out %.6g / %.6g, J %.6g / %.6g on the CPU / device (relative %.2e, %.2e)", c.Case, c.SmokeOut, g.SmokeOut, c.J, g.J, relOut, relJ)
		if !(c.SmokeOut > 0) || !(relOut <= 1e-3) || !(relJ <= 1e-3) || c.Error != "" || g.Error != "" {
			t.Errorf("case %d: CPU %+v, device %+v", c.Case, c, g)
		}
	}
}
