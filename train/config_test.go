package train

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// The same run written as TOML and as YAML loads to the same configuration; unknown keys are errors.
func TestLoadConfigTOMLAndYAML(t *testing.T) {
	dir := t.TempDir()
	tomlText := `out = "run"
[data]
path = "d.arrow"
horizon = 16
condition = ["0:2", "-1:2"]
[network]
arch = "mlp"
[network.mlp]
dim = 96
hidden = [64, 64]
time_dim = 16
[objective]
process = "flow"
prediction = "velocity"
[train]
steps = 10
batch = 4
lr = 1e-3
seed = 3
`
	yamlText := `out: run
data:
  path: d.arrow
  horizon: 16
  condition: ["0:2", "-1:2"]
network:
  arch: mlp
  mlp: {dim: 96, hidden: [64, 64], time_dim: 16}
objective: {process: flow, prediction: velocity}
train: {steps: 10, batch: 4, lr: 0.001, seed: 3}
`
	tp, yp := filepath.Join(dir, "c.toml"), filepath.Join(dir, "c.yaml")
	os.WriteFile(tp, []byte(tomlText), 0o644)
	os.WriteFile(yp, []byte(yamlText), 0o644)
	a, err := LoadConfig(tp)
	if err != nil {
		t.Fatal(err)
	}
	b, err := LoadConfig(yp)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("TOML %+v\nYAML %+v", a, b)
	}
	if a.Out != filepath.Join(dir, "run") || a.Data.Path != filepath.Join(dir, "d.arrow") || a.Train.Steps != 10 ||
		a.Train.EMADecay != DefaultOptions().EMADecay || a.Network.MLP.Dim != 96 {
		t.Errorf("loaded %+v", a)
	}
	bad := filepath.Join(dir, "bad.toml")
	os.WriteFile(bad, []byte(tomlText+"\nlearning_rate = 3\n"), 0o644)
	if _, err := LoadConfig(bad); err == nil {
		t.Error("unknown key accepted")
	}
}

// UnmarshalStrict takes exactly one JSON value whose keys the target knows.
func TestUnmarshalStrict(t *testing.T) {
	var s SampleConfig
	if err := UnmarshalStrict([]byte(`{"solver": "heun", "steps": 4}`), &s); err != nil || s.Solver != "heun" || s.Steps != 4 {
		t.Errorf("decoded %+v, %v", s, err)
	}
	for _, bad := range []string{`{"solver": "heun", "stpes": 4}`, `{"solver": "heun"} {}`, `{"solver": `} {
		if err := UnmarshalStrict([]byte(bad), &s); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

// A configuration named by a relative path records absolute paths, so a checkpoint finds its data from any
// working directory.
func TestLoadConfigMakesPathsAbsolute(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "c.toml"), []byte("out = \"run\"\n[data]\npath = \"d.arrow\"\nhorizon = 4\n[train]\ninit = \"old\"\n"), 0o666); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	c, err := LoadConfig("c.toml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Data.Path != filepath.Join(dir, "d.arrow") || c.Out != filepath.Join(dir, "run") || c.Train.Init != filepath.Join(dir, "old") {
		t.Errorf("paths %q, %q and %q, want all absolute under %s", c.Data.Path, c.Out, c.Train.Init, dir)
	}
}
