package wdno

import (
	"encoding/json"
	"fmt"
	"maps"

	"github.com/trajdiff/trajdiff/train"
)

// Model is a trained WDNO or physical-space model read back from its checkpoint.
type Model struct {
	Config     Config
	Layout     Layout
	Task       Task
	Checkpoint *train.Checkpoint
}

// Load reads a run directory (its latest checkpoint) or a step directory written by Train. Without an
// explicit choice in weights it samples with the weights sample.ema names (the raw weights by default,
// as the reference does).
func Load(path string, weights train.Weights) (*Model, error) {
	_, c, err := readRun(path)
	if err != nil {
		return nil, err
	}
	if c.Solver == nil && c.Dataset == nil {
		return nil, fmt.Errorf("wdno: checkpoint %s records neither solver parameters nor its dataset", path)
	}
	if c.Task == TaskSuperres {
		return nil, fmt.Errorf("wdno: checkpoint %s is a super-resolution model: read it with LoadSuperres", path)
	}
	task, err := c.task()
	if err != nil {
		return nil, err
	}
	l, err := NewLayout(c.Layout)
	if err != nil {
		return nil, fmt.Errorf("wdno: checkpoint %s: %w", path, err)
	}
	weights = c.weights(weights)
	ck, err := train.LoadCheckpoint(path, train.LoadOptions{Weights: weights})
	if err != nil {
		return nil, fmt.Errorf("wdno: %w", err)
	}
	if ck.Net.Dim() != l.Dim() {
		return nil, fmt.Errorf("wdno: checkpoint %s: network of %d values for a layout of %d", path, ck.Net.Dim(), l.Dim())
	}
	return &Model{Config: c, Layout: l, Task: task, Checkpoint: ck}, nil
}

// latestOr resolves a run directory to its latest checkpoint.
func latestOr(path string) string {
	if latest, err := train.LatestCheckpoint(path); err == nil {
		return latest
	}
	return path
}

// Name describes the model: its space and task.
func (m *Model) Name() string {
	if m.Layout.Config().Space == SpacePhysical {
		return "ddpm-physical"
	}
	return "wdno"
}

// Compatible reports whether d has the resolution and solver the model was trained for. A dataset that
// WriteGenerated wrote counts as data of its source's generator.
func (m *Model) Compatible(d *Data) error {
	c := m.Layout.Config()
	if d.Frames != c.Frames || d.Cells != c.Cells || d.State != c.State || d.Control != *c.Control {
		return fmt.Errorf("wdno: the model was trained on %d frames x %d cells (%d + %d channels), %s holds %d x %d (%d + %d)",
			c.Frames, c.Cells, c.State, *c.Control, d.Path, d.Frames, d.Cells, d.State, d.Control)
	}
	if m.Config.Solver != nil && (!d.IsBurgers() || *m.Config.Solver != d.Params) {
		return fmt.Errorf("wdno: the model was trained on Burgers data of the solver %+v, %s comes from %q %+v", *m.Config.Solver, d.Path, d.Generator.Name, d.Generator.Params)
	}
	if g, dg := m.Config.Dataset, d.sourceGenerator(); g != nil && (g.Name != dg.Name || !sameParams(g.Params, dg.Params)) {
		return fmt.Errorf("wdno: the model was trained on data of %q %v, %s comes from %q %v", g.Name, g.Params, d.Path, dg.Name, dg.Params)
	}
	return nil
}

// sameParams compares generator parameters as they read back from JSON, leaving out the bookkeeping of
// how many trajectories a file (or shard) holds (pde.WriteFields).
func sameParams(a, b map[string]any) bool {
	strip := func(m map[string]any) string {
		c := maps.Clone(m)
		for _, k := range []string{"total_trajectories", "shard", "first_trajectory", "trajectories"} {
			delete(c, k)
		}
		j, err := json.Marshal(c)
		if err != nil {
			return "?" + err.Error()
		}
		return string(j)
	}
	return strip(a) == strip(b)
}

// readRun reads the training state and the WDNO configuration recorded in a run directory (its latest
// checkpoint) or step directory.
func readRun(path string) (train.State, Config, error) {
	var c Config
	st, err := train.ReadState(latestOr(path))
	if err != nil {
		return st, c, fmt.Errorf("wdno: %w", err)
	}
	if len(st.Extra) == 0 {
		return st, c, fmt.Errorf("wdno: checkpoint %s records no WDNO configuration (not written by wdno.Train)", path)
	}
	if err := train.UnmarshalStrict(st.Extra, &c); err != nil {
		return st, c, fmt.Errorf("wdno: checkpoint %s: its configuration: %w", path, err)
	}
	return st, c, nil
}

// weights resolves train.DefaultWeights to the weights sample.ema names (the raw weights unless it is set,
// as the reference samples).
func (c Config) weights(w train.Weights) train.Weights {
	if w != train.DefaultWeights {
		return w
	}
	if c.Sample.EMA {
		return train.EMAWeights
	}
	return train.RawWeights
}
