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
	"github.com/trajdiff/trajdiff/geometry/geotdm"
)

// TestGeometryGPUMatchesCPU: `trajdiff geometry forecast` and `geometry evaluate` with --device gpu draw a
// tiny EGTN's (learned prior, 10 DDIM steps) forecasts as the CPU does: the samples agree to float32
// accuracy (largest difference below 1e-3 in raw coordinates; measured 2.3e-5 on the emulator) and so do the
// displacement errors of the report (relative 1e-4).
func TestGeometryGPUMatchesCPU(t *testing.T) {
	dir := t.TempDir()
	if code, out, errs := runCLI("simulate", "charged", "--out", filepath.Join(dir, "charged"), "--splits", "train=16,test=4",
		"--steps", "1000", "--frames", "6", "--workers", "1", "--quiet"); code != 0 {
		t.Fatalf("simulate: %d\n%s\n%s", code, out, errs)
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
cond_frames = [0, 1, 2]
target_frames = [3, 4, 5]
node_features = 1
edge_features = 1
hidden = 16
layers = 1
time_scale = 100
prior = "learned"
prior_layers = 1
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
	run, test := filepath.Join(dir, "run"), filepath.Join(dir, "charged", "test.arrow")
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
