//go:build cuda || trajdiff_cuda

package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/pde/wdno"
)

// On a GPU (or gpu/cudaemu, on which CI runs this), `pde evaluate --device gpu` scores what the CPU scores:
// a tiny WDNO simulation model with a 2-D U-Net on the wavelet layout (9 bands of 8 x 8), sampled with DDPM
// (its noise from the same seed), gives every case's MSE within 1e-3 relative of the CPU run's (float32
// sampling against float64).
func TestPDEEvaluateGPUMatchesCPU(t *testing.T) {
	dir := t.TempDir()
	tinyBurgers(t, dir, "train.arrow", 16, 1, 12)
	test := tinyBurgers(t, dir, "test.arrow", 3, 2, 12)
	cfg := `out = "run-unet"
task = "simulate"
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
dim = 8
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
	p := filepath.Join(dir, "unet.toml")
	if err := os.WriteFile(p, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runCLI("pde", "train", "--config", p); code != 0 {
		t.Fatalf("pde train: exit %d\n%s\n%s", code, out, errs)
	}
	run := filepath.Join(dir, "run-unet")
	results := map[string][]wdno.CaseResult{}
	for _, device := range []string{"cpu", "gpu"} {
		report := filepath.Join(dir, device+".json")
		code, out, errs := runCLI("pde", "evaluate", "--checkpoint", run, "--data", test, "--solver", "ddpm", "--steps", "5", "--device", device, "--out", report)
		if code != 0 {
			t.Fatalf("pde evaluate --device %s: exit %d\n%s\n%s", device, code, out, errs)
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
		results[device] = rep.Results
	}
	cpu, gpu := results["cpu"], results["gpu"]
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
