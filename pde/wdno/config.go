package wdno

import (
	"fmt"
	"path/filepath"

	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/pde/burgers"
	"github.com/trajdiff/trajdiff/train"
)

// Config is a WDNO (or physical-space baseline) training run on a Burgers dataset, as a TOML or YAML
// file with the JSON names of the fields:
//
//	out = "runs/wdno-burgers-small-sim"
//	task = "simulate"
//	[data]
//	path = "burgers-small-train.arrow"
//	[layout]
//	space = "wavelet"
//	[network]
//	arch = "unet2d"
//	[network.unet2d]
//	channels = 9
//	...
//	[objective]
//	process = "vp-cosine"
//	[train]
//	steps = 20000
//
// The network's input shape must be the layout's [channels, height, width] (or its product for an
// mlp). Checkpoints record the whole configuration with the fitted scales and the dataset's solver
// parameters, which is all Load needs.
type Config struct {
	Out       string                `json:"out"`
	Task      string                `json:"task"` // simulate (default) or control
	Data      DataConfig            `json:"data"`
	Layout    LayoutConfig          `json:"layout"`
	Network   nn.Spec               `json:"network"`
	Objective train.ObjectiveConfig `json:"objective"`
	Train     train.Options         `json:"train"`
	Sample    SampleConfig          `json:"sample"`
	// Superres configures task "superres" (SuperresConfig; nil: its defaults).
	Superres *SuperresConfig `json:"superres,omitempty"`
	// Solver is the training dataset's Burgers solver, recorded by Train (a value in a file is replaced):
	// evaluation re-simulates with it and refuses datasets of another resolution or system.
	Solver *burgers.Params `json:"solver,omitempty"`
	// Dataset is the training dataset's generator, recorded by Train: evaluation refuses test data of
	// another generator or parameters.
	Dataset *Generator `json:"dataset,omitempty"`
}

// DataConfig names the training dataset.
type DataConfig struct {
	Path string `json:"path"`
	// ScaleExamples is the number of trajectories FitScales reads when layout.scales is not given
	// (default 1000).
	ScaleExamples int `json:"scale_examples,omitempty"`
}

// SampleConfig is how a trained model samples by default (Request overrides each field).
type SampleConfig struct {
	Solver string `json:"solver,omitempty"` // default ddpm (DDIM with eta = 1, the reference's sampler)
	Steps  int    `json:"steps,omitempty"`  // default 50
	// EMA samples with the EMA weights; the reference samples with the raw weights (default false).
	EMA bool `json:"ema,omitempty"`
	// Guidance weights the gradient of the control objective in control sampling (default 1.2e5, the
	// reference's); 0 turns guidance off.
	Guidance *float64 `json:"guidance,omitempty"`
	// NoClip turns off the clamp of x0 predictions to [-1, 1] (the reference clamps).
	NoClip bool `json:"no_clip,omitempty"`
}

// LoadConfig reads a configuration file; relative paths are resolved against its directory.
func LoadConfig(path string) (Config, error) {
	c := Config{Train: train.DefaultOptions()}
	if err := train.DecodeConfigFile(path, &c); err != nil {
		return Config{}, fmt.Errorf("wdno: %w", err)
	}
	base, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return Config{}, fmt.Errorf("wdno: config %s: %w", path, err)
	}
	for _, p := range []*string{&c.Out, &c.Data.Path, &c.Train.Init} {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(base, *p)
		}
	}
	if c.Out == "" || c.Data.Path == "" {
		return Config{}, fmt.Errorf("wdno: config %s: out and data.path are required", path)
	}
	if c.Task == TaskSuperres {
		if c.Superres != nil {
			if _, err := c.Superres.levels(); err != nil {
				return Config{}, fmt.Errorf("wdno: config %s: %w", path, err)
			}
		}
		return c, nil
	}
	if _, err := c.task(); err != nil {
		return Config{}, fmt.Errorf("wdno: config %s: %w", path, err)
	}
	return c, nil
}

func (c Config) task() (Task, error) {
	if c.Task == "" {
		return Simulate, nil
	}
	return ParseTask(c.Task)
}
