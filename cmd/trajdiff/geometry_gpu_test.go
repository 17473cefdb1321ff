//go:build cuda || trajdiff_cuda

package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/datasets/datasetstest"
	"github.com/trajdiff/trajdiff/geometry/geotdm"
)

// tinyEGTN simulates a small charged-particle set in dir (16 training systems, tests test systems, 6 frames)
// and trains a tiny EGTN on it for 150 steps (10 DDIM steps to sample): with forecast, a forecaster of
// frames 3-5 from frames 0-2 with the learned prior; without, an unconditional generator of all 6 frames
// (prior none). simulate adds flags to the simulation's. It returns the run directory and the test set.
func tinyEGTN(t *testing.T, dir string, tests int, forecast bool, simulate ...string) (run, test string) {
	t.Helper()
	args := append([]string{"simulate", "charged", "--out", filepath.Join(dir, "charged"), "--splits", fmt.Sprintf("train=16,test=%d", tests),
		"--steps", "1000", "--frames", "6", "--workers", "1", "--quiet"}, simulate...)
	if code, out, errs := runCLI(args...); code != 0 {
		t.Fatalf("simulate: %d\n%s\n%s", code, out, errs)
	}
	frames := "target_frames = [0, 1, 2, 3, 4, 5]"
	if forecast {
		frames = "cond_frames = [0, 1, 2]\ntarget_frames = [3, 4, 5]\nprior = \"learned\"\nprior_layers = 1"
	}
	cfg := filepath.Join(dir, "tiny.toml")
	if err := os.WriteFile(cfg, []byte(`out = "run"
[data]
path = "charged/train.arrow"
kind = "geometric"
edge_attr = "product"
[network]
arch = "egtn"
[network.egtn]
nodes = 5
spatial_dim = 3
`+frames+`
node_features = 1
edge_features = 1
hidden = 16
layers = 1
time_scale = 100
[objective]
process = "vp-discrete"
steps = 100
prediction = "eps"
time = "discrete"
[train]
steps = 150
batch = 8
warmup = 0
checkpoint_every = 0
[sample]
solver = "ddim"
steps = 10
`), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runCLI("train", "--config", cfg); code != 0 {
		t.Fatalf("train: %d\n%s\n%s", code, out, errs)
	}
	return filepath.Join(dir, "run"), filepath.Join(dir, "charged", "test.arrow")
}

// TestGeometryGPUMatchesCPU: `trajdiff geometry forecast` and `geometry evaluate` with --device gpu draw a
// tiny EGTN's (learned prior, 10 DDIM steps) forecasts as the CPU does: the samples agree to float32
// accuracy (largest difference below 1e-3 in raw coordinates; measured 2.3e-5 on the emulator) and so do the
// displacement errors of the report (relative 1e-4).
func TestGeometryGPUMatchesCPU(t *testing.T) {
	run, test := tinyEGTN(t, t.TempDir(), 4, true)
	dir := t.TempDir()
	samples := map[string][]float32{}
	reports := map[string]*geotdm.Report{}
	for _, device := range []string{"cpu", "gpu"} {
		out := filepath.Join(dir, device+".arrow")
		code, stdout, errs := runCLI("geometry", "forecast", "--checkpoint", run, "--data", test, "--out", out, "--k", "2", "--device", device)
		if code != 0 {
			t.Fatalf("forecast --device %s: %d\n%s\n%s", device, code, stdout, errs)
		}
		if device == "gpu" && !strings.Contains(errs, "sampling on") {
			t.Errorf("forecast --device gpu does not name its device:\n%s", errs)
		}
		ds, err := datasets.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < ds.Len(); i++ {
			v, err := ds.Trajectory(i)
			if err != nil {
				t.Fatal(err)
			}
			samples[device] = v.Positions.AppendFloat32(samples[device])
		}
		ds.Close()
		rep := filepath.Join(dir, device+".json")
		if code, stdout, errs := runCLI("geometry", "evaluate", "--checkpoint", run, "--data", test, "--k", "2", "--device", device, "--out", rep); code != 0 {
			t.Fatalf("evaluate --device %s: %d\n%s\n%s", device, code, stdout, errs)
		}
		b, err := os.ReadFile(rep)
		if err != nil {
			t.Fatal(err)
		}
		var r geotdm.Report
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		reports[device] = &r
	}
	cpu, gpu := samples["cpu"], samples["gpu"]
	if len(cpu) == 0 || len(cpu) != len(gpu) {
		t.Fatalf("samples: %d values on the CPU, %d on the GPU", len(cpu), len(gpu))
	}
	worst := 0.0
	for i := range cpu {
		worst = math.Max(worst, math.Abs(float64(cpu[i])-float64(gpu[i])))
	}
	t.Logf("geometry forecast: max |gpu - cpu| over %d values %.3g", len(cpu), worst)
	if !(worst <= 1e-3) {
		t.Errorf("geometry forecast: max |gpu - cpu| %.3g > 1e-3", worst)
	}
	rc, rg := reports["cpu"], reports["gpu"]
	if len(rc.Methods) != len(rg.Methods) {
		t.Fatalf("reports: %d and %d methods", len(rc.Methods), len(rg.Methods))
	}
	for i, m := range rc.Methods {
		g := rg.Methods[i]
		for _, v := range [][2]float64{{m.MeanADE, g.MeanADE}, {m.MeanFDE, g.MeanFDE}, {m.MinADE, g.MinADE}, {m.MinFDE, g.MinFDE}} {
			if !(math.Abs(v[0]-v[1]) <= 1e-4*math.Max(1, math.Abs(v[0]))) {
				t.Errorf("%s: cpu %v, gpu %v", m.Name, v[0], v[1])
			}
		}
		t.Logf("%s: ADE mean cpu %.6g gpu %.6g", m.Name, m.MeanADE, g.MeanADE)
	}
}

// geometrySamples reads every position of a samples file written by `geometry forecast` or `generate`.
func geometrySamples(t *testing.T, path string) []float32 {
	t.Helper()
	ds, err := datasets.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	var out []float32
	for i := 0; i < ds.Len(); i++ {
		v, err := ds.Trajectory(i)
		if err != nil {
			t.Fatal(err)
		}
		out = v.Positions.AppendFloat32(out)
	}
	return out
}

// TestGeometryGPUGenerateMatchesCPU: `trajdiff geometry generate --device gpu` draws a tiny unconditional
// EGTN's samples (all 6 frames from node features and edges alone; GeoTDM's unconditional sampler, DDPM with
// sigma_t^2 = beta_t, on 20 steps: DDIM diverges for some systems of so small a model) as the CPU does: to
// float32 accuracy (largest difference below 1e-3 in raw coordinates, the forecasts' tolerance), every
// system sampled on both, and the scores computed from them on the CPU.
func TestGeometryGPUGenerateMatchesCPU(t *testing.T) {
	run, test := tinyEGTN(t, t.TempDir(), 12, false)
	dir := t.TempDir()
	samples := map[string][]float32{}
	for _, device := range []string{"cpu", "gpu"} {
		out, rep := filepath.Join(dir, device+".arrow"), filepath.Join(dir, device+".json")
		code, stdout, errs := runCLI("geometry", "generate", "--checkpoint", run, "--data", test, "--out", out, "--report", rep,
			"--solver", "ddpm-large", "--steps", "20", "--score-epochs", "1", "--predict-from", "3", "--device", device)
		if code != 0 {
			t.Fatalf("generate --device %s: %d\n%s\n%s", device, code, stdout, errs)
		}
		if device == "gpu" && !strings.Contains(errs, "geometry generate: sampling on") {
			t.Errorf("generate --device gpu does not name its device:\n%s", errs)
		}
		b, err := os.ReadFile(rep)
		if err != nil {
			t.Fatal(err)
		}
		var r geotdm.UncondReport
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		if r.Systems != 12 || len(r.Methods) != 1 || r.Methods[0].Samples != 12 || len(r.Methods[0].Failed) != 0 {
			t.Errorf("generate --device %s: report of %d systems, methods %+v", device, r.Systems, r.Methods)
		}
		samples[device] = geometrySamples(t, out)
	}
	cpu, gpu := samples["cpu"], samples["gpu"]
	if len(cpu) != 12*6*5*3 || len(cpu) != len(gpu) {
		t.Fatalf("samples: %d values on the CPU, %d on the GPU, want %d", len(cpu), len(gpu), 12*6*5*3)
	}
	worst := 0.0
	for i := range cpu {
		worst = math.Max(worst, math.Abs(float64(cpu[i])-float64(gpu[i])))
	}
	t.Logf("geometry generate: max |gpu - cpu| over %d values %.3g", len(cpu), worst)
	if !(worst <= 1e-3) {
		t.Errorf("geometry generate: max |gpu - cpu| %.3g > 1e-3", worst)
	}
	if code, _, _ := runCLI("geometry", "generate", "--checkpoint", run, "--data", test, "--device", "tpu"); code != 2 {
		t.Errorf("--device tpu: exit %d, want 2", code)
	}
}

// TestGeometryGPUIsolatesADivergedSystem: a condition coordinate of 1e200 (finite on the host, beyond
// float32) makes a test system's EGTN outputs non-finite; `geometry evaluate --device gpu` then records
// that system alone as failed and scores the others, exactly as the CPU run does (the same failed list, the
// displacement errors within the forecasts' relative 1e-4), instead of failing its whole network batch.
func TestGeometryGPUIsolatesADivergedSystem(t *testing.T) {
	run, test := tinyEGTN(t, t.TempDir(), 5, true, "--dtype", "float64") // a float64 coordinate holds 1e200
	ds, err := datasets.Open(test)
	if err != nil {
		t.Fatal(err)
	}
	v, err := ds.Trajectory(2)
	if err != nil {
		t.Fatal(err)
	}
	first := v.Positions.At(4) // a coordinate of node 1 in condition frame 0
	ds.Close()
	datasetstest.PatchFloat64(t, test, first, 1e200)
	dir := t.TempDir()
	reports := map[string]*geotdm.Report{}
	for _, device := range []string{"cpu", "gpu"} {
		rep := filepath.Join(dir, device+".json")
		// Batch 2 puts system 2 with system 3; the batch sampled alone would fail both.
		code, stdout, errs := runCLI("geometry", "evaluate", "--checkpoint", run, "--data", test, "--k", "2", "--batch", "2", "--device", device, "--out", rep)
		if code != 0 {
			t.Fatalf("evaluate --device %s: %d\n%s\n%s", device, code, stdout, errs)
		}
		if !strings.Contains(stdout, "sampling failed for 1 systems") {
			t.Errorf("evaluate --device %s does not report the failed system:\n%s", device, stdout)
		}
		b, err := os.ReadFile(rep)
		if err != nil {
			t.Fatal(err)
		}
		var r geotdm.Report
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		reports[device] = &r
	}
	rc, rg := reports["cpu"], reports["gpu"]
	mc, mg := rc.Methods[0], rg.Methods[0]
	if !slices.Equal(mc.Failed, []int{2}) || !slices.Equal(mg.Failed, mc.Failed) || mg.Systems != 4 || mc.Systems != 4 {
		t.Fatalf("failed systems: cpu %v (%d scored), gpu %v (%d scored); want [2] and 4 on both", mc.Failed, mc.Systems, mg.Failed, mg.Systems)
	}
	for _, v := range [][2]float64{{mc.MeanADE, mg.MeanADE}, {mc.MeanFDE, mg.MeanFDE}, {mc.MinADE, mg.MinADE}, {mc.MinFDE, mg.MinFDE}} {
		if !(math.Abs(v[0]-v[1]) <= 1e-4*math.Max(1, math.Abs(v[0]))) {
			t.Errorf("%s over the healthy systems: cpu %v, gpu %v", mc.Name, v[0], v[1])
		}
	}
	t.Logf("diverged system 2: failed on both; ADE mean over the others cpu %.6g gpu %.6g", mc.MeanADE, mg.MeanADE)
}
