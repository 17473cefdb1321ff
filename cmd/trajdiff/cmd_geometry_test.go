package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/geometry/geotdm"
)

// Charged data simulated by the CLI, a tiny mlp trained on a geometric layout by `train --config`, then
// `geometry forecast` (a samples dataset), `geometry evaluate` on two shards (a table per shard, JSON
// reports) and `geometry merge` (the report of all 6 systems); bad invocations exit 2.
func TestGeometryForecastEvaluateMerge(t *testing.T) {
	dir := t.TempDir()
	if code, out, errs := runCLI("simulate", "charged", "--out", filepath.Join(dir, "charged"), "--splits", "train=16,test=6",
		"--steps", "1000", "--frames", "6", "--workers", "1", "--quiet"); code != 0 {
		t.Fatalf("simulate: %d\n%s\n%s", code, out, errs)
	}
	cfg := filepath.Join(dir, "tiny.toml")
	if err := os.WriteFile(cfg, []byte(`out = "run"
[data]
path = "charged/train.arrow"
kind = "geometric"
edge_attr = "product"
[data.layout]
nodes = 5
spatial_dim = 3
cond_frames = [0, 1, 2]
target_frames = [3, 4, 5]
node_features = 1
edge_features = 1
hidden = 0
layers = 0
[network]
arch = "mlp"
[network.mlp]
dim = 45
cond_dim = 70
hidden = [32]
time_dim = 8
[objective]
process = "vp-discrete"
steps = 100
time = "discrete"
[train]
steps = 20
batch = 8
warmup = 0
checkpoint_every = 0
[sample]
solver = "ddim"
steps = 3
`), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runCLI("train", "--config", cfg); code != 0 {
		t.Fatalf("train: %d\n%s\n%s", code, out, errs)
	}
	run, test := filepath.Join(dir, "run"), filepath.Join(dir, "charged", "test.arrow")
	samples := filepath.Join(dir, "samples.arrow")
	code, out, errs := runCLI("geometry", "forecast", "--checkpoint", run, "--data", test, "--out", samples, "--k", "2", "--limit", "4", "--shard", "1/2")
	if code != 0 || !strings.Contains(out, "2 trajectories x 2 samples of 3 frames") {
		t.Fatalf("forecast: %d\n%s\n%s", code, out, errs)
	}
	ds, err := datasets.Open(samples)
	if err != nil {
		t.Fatal(err)
	}
	if ds.Len() != 4 || ds.Metadata().Geometric.Frames != 6 || ds.Metadata().Geometric.NodeFeatureNames[0] != "charge" {
		t.Errorf("samples file: %d rows, spec %+v", ds.Len(), ds.Metadata().Geometric)
	}
	ds.Close()

	var reports []string
	for _, s := range []string{"0/2", "1/2"} {
		rep := filepath.Join(dir, "report-"+strings.ReplaceAll(s, "/", "-")+".json")
		code, out, errs := runCLI("geometry", "evaluate", "--checkpoint", run, "--data", test, "--baseline", run, "--k", "2", "--shard", s, "--out", rep)
		if code != 0 {
			t.Fatalf("evaluate %s: %d\n%s\n%s", s, code, out, errs)
		}
		for _, want := range []string{"ADE mean", "FDE min", "model", "constant-velocity", "3 systems", " 3 "} {
			if !strings.Contains(out, want) {
				t.Errorf("evaluate %s output lacks %q:\n%s", s, want, out)
			}
		}
		reports = append(reports, rep)
	}
	merged := filepath.Join(dir, "report.json")
	code, out, errs = runCLI(append([]string{"geometry", "merge", "--out", merged}, reports...)...)
	if code != 0 || !strings.Contains(out, "6 systems") {
		t.Fatalf("merge: %d\n%s\n%s", code, out, errs)
	}
	b, err := os.ReadFile(merged)
	if err != nil {
		t.Fatal(err)
	}
	var rep geotdm.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Systems != 6 || len(rep.Methods) != 3 || rep.Methods[2].Systems != 6 {
		t.Errorf("merged report: %d systems, %d methods", rep.Systems, len(rep.Methods))
	}

	for _, bad := range [][]string{
		{"geometry", "evaluate", "--data", test},
		{"geometry", "evaluate", "--checkpoint", run, "--data", test, "--solver", "nope"},
		{"geometry", "forecast", "--checkpoint", run, "--data", test},
		{"geometry", "evaluate", "--checkpoint", run, "--data", test, "--shard", "2/2"},
		{"geometry", "merge"},
		{"geometry", "frobnicate"},
	} {
		if code, _, _ := runCLI(bad...); code != 2 {
			t.Errorf("%v: exit %d, want 2", bad, code)
		}
	}
	if code, out, _ := runCLI("geometry", "--help"); code != 0 || !strings.Contains(out, "merge") {
		t.Errorf("help: %d %s", code, out)
	}
}

// `geometry generate` on a tiny unconditional mlp: one sample per test system written as a dataset, a
// table of the model and the three reference baselines, a JSON report; --k other than 1 exits 2.
func TestGeometryGenerate(t *testing.T) {
	dir := t.TempDir()
	if code, out, errs := runCLI("simulate", "charged", "--out", filepath.Join(dir, "charged"), "--splits", "train=16,test=12",
		"--steps", "1000", "--frames", "6", "--workers", "1", "--quiet"); code != 0 {
		t.Fatalf("simulate: %d\n%s\n%s", code, out, errs)
	}
	cfg := filepath.Join(dir, "uncond.toml")
	if err := os.WriteFile(cfg, []byte(`out = "run"
[data]
path = "charged/train.arrow"
kind = "geometric"
edge_attr = "product"
[data.layout]
nodes = 5
spatial_dim = 3
target_frames = [0, 1, 2, 3, 4, 5]
node_features = 1
edge_features = 1
hidden = 0
layers = 0
[network]
arch = "mlp"
[network.mlp]
dim = 90
cond_dim = 25
hidden = [32]
time_dim = 8
[objective]
process = "vp-discrete"
steps = 100
time = "discrete"
[train]
steps = 20
batch = 8
warmup = 0
checkpoint_every = 0
[sample]
solver = "ddim"
steps = 3
`), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runCLI("train", "--config", cfg); code != 0 {
		t.Fatalf("train: %d\n%s\n%s", code, out, errs)
	}
	run, test, ref := filepath.Join(dir, "run"), filepath.Join(dir, "charged", "test.arrow"), filepath.Join(dir, "charged", "train.arrow")
	samples, report := filepath.Join(dir, "samples.arrow"), filepath.Join(dir, "uncond.json")
	code, out, errs := runCLI("geometry", "generate", "--checkpoint", run, "--data", test, "--reference", ref, "--out", samples,
		"--report", report, "--score-epochs", "2", "--predict-from", "3")
	if code != 0 {
		t.Fatalf("generate: %d\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{"12 systems", "class BCE", "prediction", "model", geotdm.ReferenceName, geotdm.TimeShuffledName, geotdm.ConstantVelocityStart} {
		if !strings.Contains(out, want) {
			t.Errorf("generate output lacks %q:\n%s", want, out)
		}
	}
	ds, err := datasets.Open(samples)
	if err != nil {
		t.Fatal(err)
	}
	if ds.Len() != 12 || ds.Metadata().Geometric.Frames != 6 {
		t.Errorf("samples file: %d rows, spec %+v", ds.Len(), ds.Metadata().Geometric)
	}
	ds.Close()
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var rep geotdm.UncondReport
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Systems != 12 || len(rep.Methods) != 4 || rep.PredictFrom != 3 {
		t.Errorf("report: %d systems, %d methods, prediction from %d", rep.Systems, len(rep.Methods), rep.PredictFrom)
	}
	if code, _, _ := runCLI("geometry", "generate", "--checkpoint", run, "--data", test, "--k", "3"); code != 2 {
		t.Errorf("--k 3: exit %d, want 2", code)
	}
}
