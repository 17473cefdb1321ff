//go:build cuda || trajdiff_cuda

package main

import (
	"encoding/json"
	"maps"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// On a GPU (or gpu/cudaemu, on which CI runs this), `plan evaluate --device gpu` plans what the CPU plans:
// Diffuser with a model conditioned on the 8 endpoint values (start and goal observations, also inpainted),
// the same with its particle search (resampling 4 particles by the plan reward: the network on the device,
// the loop and the reward on the CPU) and with its free-space projection (the network on the device, the
// loop and the projection of every x0-prediction on the CPU), Decision Diffuser with its returns condition, classifier-free
// guidance and RTI warm starts, and Trajectory
// Diffuser, whose candidates are refined on the device from the CPU's draft (a warm start of several
// windows sharing one condition row) with the same guidance. The first
// plans agree to float32 accuracy (1e-3 in maze units, the FP32 sampler tolerance of gpu/fromnn), and so do
// the executed paths, which the plans steer.
func TestPlanEvaluateGPUMatchesCPU(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "umaze.arrow")
	if code, out, errs := runCLI("simulate", "maze2d", "--layout", "umaze", "--steps", "4000", "--chunk-steps", "4000", "--out", data, "--quiet"); code != 0 {
		t.Fatalf("simulate: %d\n%s\n%s", code, out, errs)
	}
	const ends = `["0:2", "0:3", "0:4", "0:5", "-1:2", "-1:3", "-1:4", "-1:5"]`
	const regression = `
[train]
steps = 10
batch = 8
warmup = 0
checkpoint_every = 0
`
	configs := map[string]string{
		"diffuser": `out = "diffuser"
[data]
path = "umaze.arrow"
horizon = 8
no_padding = true
condition = ` + ends + `
inpaint = ` + ends + `
[network]
arch = "mlp"
[network.mlp]
dim = 48
hidden = [32]
time_dim = 8
cond_dim = 8
[objective]
process = "vp-cosine"
prediction = "x0"
[sample]
solver = "dpmpp-2m"
steps = 3
clip_x0 = true
[train]
steps = 10
batch = 8
warmup = 0
checkpoint_every = 0
`,
		"dd": `out = "dd"
[data]
path = "umaze.arrow"
horizon = 8
columns = ["observations"]
no_padding = true
condition = ["returns"]
returns_scale = 40.0
inpaint = ["0:0", "0:1", "0:2", "0:3"]
normalizer = "gaussian" # the limits normaliser would clip the barely trained model's plans to the data's range, hiding differences
[network]
arch = "mlp"
[network.mlp]
dim = 32
hidden = [16]
time_dim = 8
cond_dim = 1
[objective]
process = "vp-cosine"
prediction = "x0" # an eps-predicting model this young predicts x0 far outside [-1, 1]: clipped plans would hide differences
[sample]
clip_x0 = true
[train]
steps = 10
batch = 8
warmup = 0
checkpoint_every = 0
cond_dropout = 0.25
`,
	}
	// Trajectory Diffuser refines its draft with the dd state model; its draft, inverse dynamics and
	// critic are regressions, which stay on the CPU.
	maps.Copy(configs, tdRegressions(regression))
	for name, cfg := range configs {
		path := filepath.Join(dir, name+".toml")
		if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		if code, out, errs := runCLI("train", "--config", path); code != 0 {
			t.Fatalf("train %s: %d\n%s\n%s", name, code, out, errs)
		}
	}
	// The planners' samples do go to the device: one that is not there is an error naming it.
	if code, _, errs := runCLI("plan", "evaluate", "--checkpoint", filepath.Join(dir, "diffuser"), "--episodes", "1", "--baselines=false",
		"--device", "gpu:7", "--out", filepath.Join(dir, "none.json")); code == 0 || !strings.Contains(errs, "device 7") {
		t.Errorf("--device gpu:7: exit %d, stderr %q; want a failure naming the device", code, errs)
	}
	for _, c := range []struct {
		name string
		args []string
	}{
		{"diffuser", []string{"--checkpoint", filepath.Join(dir, "diffuser"), "--episodes", "2", "--multi"}},
		{"diffuser-search", []string{"--checkpoint", filepath.Join(dir, "diffuser"), "--episodes", "2", "--multi",
			"--particle-method", "resample", "--nfe-budget", "12"}},
		{"diffuser-projected", []string{"--checkpoint", filepath.Join(dir, "diffuser"), "--episodes", "2", "--multi", "--wall-clearance", "0.1"}},
		{"decision-diffuser", []string{"--checkpoint", filepath.Join(dir, "dd"), "--planner", "decision-diffuser", "--episodes", "1",
			"--controller", "pd", "--guidance", "1.4", "--replan-every", "25", "--warm-time", "0.3", "--warm-steps", "2", "--steps", "3"}},
		{"trajectory-diffuser", []string{"--checkpoint", filepath.Join(dir, "dd"), "--planner", "trajectory-diffuser", "--episodes", "1",
			"--draft", filepath.Join(dir, "draft"), "--invdyn", filepath.Join(dir, "invdyn"), "--critic", filepath.Join(dir, "critic"),
			"--candidates", "4", "--refine-steps", "2", "--refine-time", "0.3", "--replan-every", "40"}},
	} {
		var eps [2][]planEpisode
		for i, device := range []string{"cpu", "gpu"} {
			out := filepath.Join(dir, c.name+"-"+device+".json")
			args := append([]string{"plan", "evaluate", "--seed", "5", "--baselines=false", "--device", device, "--out", out}, c.args...)
			code, stdout, errs := runCLI(args...)
			if code != 0 {
				t.Fatalf("%s on %s: %d\n%s\n%s", c.name, device, code, stdout, errs)
			}
			if device == "gpu" && !strings.Contains(errs, "sampling the plans on") {
				t.Errorf("%s: stderr %q does not name the device", c.name, errs)
			}
			eps[i] = readPlanEpisodes(t, out)
		}
		cpu, gpu := eps[0], eps[1]
		if len(cpu) == 0 || len(cpu) != len(gpu) {
			t.Fatalf("%s: %d episodes on the CPU, %d on the GPU", c.name, len(cpu), len(gpu))
		}
		plan, path := 0.0, 0.0
		for e := range cpu {
			if len(cpu[e].FirstPlan) == 0 || len(cpu[e].FirstPlan) != len(gpu[e].FirstPlan) || len(cpu[e].Path) != len(gpu[e].Path) || cpu[e].NFE != gpu[e].NFE {
				t.Fatalf("%s episode %d: first plans of %d and %d points, paths of %d and %d, NFE %d and %d", c.name, e,
					len(cpu[e].FirstPlan), len(gpu[e].FirstPlan), len(cpu[e].Path), len(gpu[e].Path), cpu[e].NFE, gpu[e].NFE)
			}
			if c.name == "diffuser-search" && gpu[e].NFE != 12 {
				t.Errorf("diffuser-search episode %d: %d NFE, want the search's budget, 12", e, gpu[e].NFE)
			}
			plan = math.Max(plan, maxPointDiff(cpu[e].FirstPlan, gpu[e].FirstPlan))
			path = math.Max(path, maxPointDiff(cpu[e].Path, gpu[e].Path))
		}
		t.Logf("%s: GPU vs CPU first plans differ by up to %.2e, executed paths by up to %.2e (maze units)", c.name, plan, path)
		if !(plan <= 1e-3) || !(path <= 1e-3) {
			t.Errorf("%s: GPU and CPU differ by up to %.3g in the first plans and %.3g in the paths (tolerance 1e-3)", c.name, plan, path)
		}
	}
}

type planEpisode struct {
	NFE       int          `json:"nfe"`
	Path      [][2]float64 `json:"path"`
	FirstPlan [][2]float64 `json:"first_plan"`
}

// readPlanEpisodes reads the planner's episodes (the first agent's) from a `plan evaluate` results file.
func readPlanEpisodes(t *testing.T, path string) []planEpisode {
	t.Helper()
	var doc struct {
		Results struct {
			Agents []struct {
				Episodes []planEpisode `json:"episodes"`
			} `json:"agents"`
		} `json:"results"`
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &doc); err != nil || len(doc.Results.Agents) == 0 {
		t.Fatalf("%s: %v (%s)", path, err, strings.TrimSpace(string(b[:min(len(b), 200)])))
	}
	return doc.Results.Agents[0].Episodes
}

func maxPointDiff(a, b [][2]float64) float64 {
	d := 0.0
	for i := range a {
		d = math.Max(d, math.Max(math.Abs(a[i][0]-b[i][0]), math.Abs(a[i][1]-b[i][1])))
	}
	return d
}

// On a GPU (or gpu/cudaemu), `trajdiff inverse --device gpu` reconstructs what the CPU reconstructs from the
// same waypoints: clamp and ends sampled on the device, guided and RED-Diff with their loops on the CPU and
// the network on the device, for a tiny unconditional Diffuser. Every method's position RMSE, as printed
// (4 decimals), is the CPU's.
func TestInverseGPUMatchesCPU(t *testing.T) {
	dir, run := trainTinyUMaze(t, "")
	held := filepath.Join(dir, "heldout.arrow")
	if code, out, errs := runCLI("simulate", "maze2d", "--layout", "umaze", "--segments", "goal", "--steps", "2000", "--chunk-steps", "2000", "--seed", "9",
		"--out", held, "--quiet"); code != 0 {
		t.Fatalf("simulate: %d\n%s\n%s", code, out, errs)
	}
	rmse := map[string]map[string]string{}
	for _, device := range []string{"cpu", "gpu"} {
		code, out, errs := runCLI("inverse", "--checkpoint", run, "--heldout", held, "--n", "3", "--waypoints", "2", "--reddiff-steps", "8",
			"--methods", "clamp,guided,reddiff,ends", "--device", device)
		if code != 0 {
			t.Fatalf("inverse --device %s: exit %d\n%s\n%s", device, code, out, errs)
		}
		if device == "gpu" && !strings.Contains(errs, "inverse: sampling the plans on") {
			t.Errorf("the GPU run does not name its device: %q", errs)
		}
		rmse[device] = map[string]string{}
		for _, line := range strings.Split(out, "\n") {
			f := strings.Fields(line)
			for _, m := range []string{"clamp", "guided", "reddiff", "ends"} {
				if len(f) > 4 && f[0] == m {
					// name [arg] NFE time RMSE...: the RMSE follows the time column ending in "s".
					for k := 1; k+1 < len(f); k++ {
						if strings.HasSuffix(f[k], "s") {
							rmse[device][m] = f[k+1]
							break
						}
					}
				}
			}
		}
	}
	if len(rmse["cpu"]) != 4 {
		t.Fatalf("CPU table rows: %v", rmse["cpu"])
	}
	for m, v := range rmse["cpu"] {
		t.Logf("%s: position RMSE %s on the CPU, %s with the device", m, v, rmse["gpu"][m])
		if rmse["gpu"][m] != v {
			t.Errorf("%s: position RMSE %s on the CPU, %s with the device", m, v, rmse["gpu"][m])
		}
	}
}
