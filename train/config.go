package train

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
	"go.yaml.in/yaml/v3"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/nn"
)

// Config is a training run as a file (TOML or YAML): the dataset, the network, the objective, the optimisation and
// the sampler used to evaluate it. Keys are the snake_case JSON names of the Go fields, e.g.
//
//	out = "runs/umaze"
//	[data]
//	path = "umaze.arrow"
//	horizon = 32
//	[network]
//	arch = "temporal_unet"
//	[network.temporal_unet]
//	horizon = 32
//	transition = 6
//	dim = 32
//	dim_mults = [1, 2, 4]
//	[objective]
//	process = "vp-cosine"
//	prediction = "x0"
//	[train]
//	steps = 2000
//	batch = 32
//	lr = 2e-4
type Config struct {
	Out       string          `json:"out"` // run directory: checkpoints and metrics.jsonl
	Data      DataConfig      `json:"data"`
	Network   nn.Spec         `json:"network"`
	Objective ObjectiveConfig `json:"objective"`
	Train     Options         `json:"train"`
	Sample    SampleConfig    `json:"sample"`
}

// DataConfig selects the training examples of a dataset: windows of an episodes dataset (see
// datasets.SamplerConfig), or with Kind "geometric" whole trajectories of a geometric dataset in a
// GeoTDM layout (GeometricLayout).
type DataConfig struct {
	Path string `json:"path"`
	// Kind is "windows" (the default: segments of Horizon steps) or "geometric" (condition and target
	// frames of geometric trajectories, raw coordinates; the frames come from the network's egtn
	// configuration, or from Layout for another architecture).
	Kind string `json:"kind,omitempty"`
	// EdgeAttr fills a geometric network's edge attributes: none (default), product (q_i q_j of width-1
	// node features: charged), adjacency (1 where the trajectory's edge list joins the nodes: springs) or
	// hops (onehot(hop-1, 4) of the bond-graph distance within 3 hops at frame 0: GeoTDM's MD17 edges).
	EdgeAttr string `json:"edge_attr,omitempty"`
	// Layout describes the geometric layout when the network is not egtn (a baseline or a test with an mlp
	// whose dim and cond_dim match it); for an egtn network the network's configuration is the layout.
	Layout *nn.EGTNConfig `json:"layout,omitempty"`
	// Geometry is what the run's geometric dataset was, recorded by Config.Trainer (a value in a
	// configuration file is replaced): loaders compare other datasets against it.
	Geometry      *GeometryRecord `json:"geometry,omitempty"`
	Horizon       int             `json:"horizon,omitempty"`
	Columns       []string        `json:"columns,omitempty"`
	Normalizer    string          `json:"normalizer,omitempty"` // limits (default), gaussian or none
	MaxPathLength int             `json:"max_path_length,omitempty"`
	NoPadding     bool            `json:"no_padding,omitempty"`
	// Condition lists the values given to a conditional network as its condition, in order (the network's
	// cond_dim must equal their number): window entries "STEP:COMPONENT" (e.g. "0:2", "-1:2") of the
	// normalised window, "returns" (Decision Diffuser's discounted return-to-go from the window's first step,
	// divided by ReturnsScale) and "info:NAME:K" (component K of the episode info infos/NAME at the window's
	// first step, mapped to [-1, 1] by its dataset limits); see ConditionItem.
	Condition []string `json:"condition,omitempty"`
	// ReturnsScale divides the return-to-go of a "returns" condition (required with it; Decision Diffuser
	// uses 400 for locomotion).
	ReturnsScale float64 `json:"returns_scale,omitempty"`
	// Discount is the return-to-go's discount of a "returns" condition, in (0, 1]; 0 means DefaultDiscount.
	Discount float64 `json:"discount,omitempty"`
	// Inpaint lists window entries "STEP:COMPONENT" that are set to their clean values in the noisy
	// training input, as Diffuser's apply_conditioning does with a window's first and last states: an
	// unconditional network then learns to complete a window around entries that sampling clamps
	// (Model.Sample's Fixed entries). Without it, clamped entries are just unusual inputs the network never
	// saw, and plans ignore them.
	Inpaint []string `json:"inpaint,omitempty"`
	// Inputs and Targets list window entries "STEP:COMPONENT" for objective kind regression: the
	// regressor's input vector and the output it is fitted to, in normalised units (e.g. inverse dynamics
	// on horizon 2: inputs the observations at steps 0 and 1, targets the actions at step 0).
	Inputs  []string `json:"inputs,omitempty"`
	Targets []string `json:"targets,omitempty"`
	// RelativeTo, when set, gives each target a base among the inputs ("" for none): the target is then
	// fitted as its standardised increment over the base (Increment), e.g. a dynamics model's next state
	// as its change from the current one.
	RelativeTo []string `json:"relative_to,omitempty"`
}

// GeometryRecord describes the geometric dataset a run trained on.
type GeometryRecord struct {
	Spec      datasets.GeometricSpec `json:"spec"`
	Generator string                 `json:"generator,omitempty"` // the dataset's generator name, e.g. "trajdiff/geometry charged"
}

// Data kinds of DataConfig.Kind.
const (
	DataWindows   = "windows"
	DataGeometric = "geometric"
)

// IsGeometric reports data.kind geometric; an unknown kind is an error.
func (d DataConfig) IsGeometric() (bool, error) {
	switch d.Kind {
	case "", DataWindows:
		if d.EdgeAttr != "" || d.Layout != nil || d.Geometry != nil {
			return false, fmt.Errorf("train: data.edge_attr, data.layout and data.geometry belong to data.kind geometric")
		}
		return false, nil
	case DataGeometric:
		return true, nil
	}
	return false, fmt.Errorf("train: unknown data.kind %q (want windows or geometric)", d.Kind)
}

// GeometricLayout is the layout of a data.kind geometric run: the egtn network's configuration, or
// data.layout for another architecture, with data.edge_attr.
func (c Config) GeometricLayout() (GeometricLayout, error) {
	geo, err := c.Data.IsGeometric()
	if err != nil {
		return GeometricLayout{}, err
	}
	if !geo {
		return GeometricLayout{}, fmt.Errorf("train: data.kind is %q, not geometric", c.Data.Kind)
	}
	var cfg nn.EGTNConfig
	switch {
	case c.Network.Arch == "egtn" && c.Network.EGTN == nil:
		return GeometricLayout{}, fmt.Errorf("train: network egtn without its egtn configuration")
	case c.Network.Arch == "egtn" && c.Data.Layout != nil:
		return GeometricLayout{}, fmt.Errorf("train: data.layout is for networks other than egtn, whose configuration is the layout")
	case c.Network.Arch == "egtn":
		cfg = *c.Network.EGTN
	case c.Data.Layout == nil:
		return GeometricLayout{}, fmt.Errorf("train: data.kind geometric with network %q needs data.layout (the frames and widths of its examples)", c.Network.Arch)
	default:
		cfg = *c.Data.Layout
	}
	return NewGeometricLayout(cfg, c.Data.EdgeAttr)
}

// ConditionEntries parses Condition and returns its window entries, in order (ConditionItems has every item).
func (d DataConfig) ConditionEntries() ([]WindowEntry, error) {
	items, err := d.ConditionItems()
	var out []WindowEntry
	for _, it := range items {
		if !it.FromEpisode() {
			out = append(out, it.Entry)
		}
	}
	return out, err
}

// InpaintEntries parses Inpaint.
func (d DataConfig) InpaintEntries() ([]WindowEntry, error) { return parseWindowEntries(d.Inpaint) }

func parseWindowEntries(list []string) ([]WindowEntry, error) {
	var out []WindowEntry
	for _, s := range list {
		e, err := ParseWindowEntry(s)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// inpaintIndices are Inpaint's positions in a flattened window, each once.
func (d DataConfig) inpaintIndices(horizon, transition int) ([]int, error) {
	entries, err := d.InpaintEntries()
	if err != nil {
		return nil, err
	}
	var idx []int
	for _, e := range entries {
		k, err := e.Index(horizon, transition)
		if err != nil {
			return nil, fmt.Errorf("train: data.inpaint: %w", err)
		}
		if slices.Contains(idx, k) {
			return nil, fmt.Errorf("train: data.inpaint lists %d:%d twice", e.T, e.C)
		}
		idx = append(idx, k)
	}
	return idx, nil
}

// SampleConfig is the default sampler of a run: Model.Sample (`trajdiff sample`, quickstart) takes a request's
// empty fields from it, and Load's DefaultWeights reads EMA.
type SampleConfig struct {
	Solver   string `json:"solver,omitempty"`   // default dpmpp-2m
	Steps    int    `json:"steps,omitempty"`    // default 10
	Schedule string `json:"schedule,omitempty"` // default: the process's; a name ending in .json is a searched schedule file (diffusion.ScheduleFile, path relative to the working directory)
	EMA      *bool  `json:"ema,omitempty"`      // sample with the EMA weights (default true); false: the raw weights
	// ClipX0 clips x0-predictions to [-1, 1] in training units by default (SampleRequest.ClipX0; Diffuser's
	// clip_denoised, for the limits normaliser).
	ClipX0 bool `json:"clip_x0,omitempty"`
}

// LoadConfig reads a TOML configuration, or YAML when the name ends in .yaml or .yml. Unknown keys are
// errors. Relative paths are resolved against the file's directory and made absolute.
func LoadConfig(path string) (Config, error) {
	c := Config{Train: DefaultOptions()}
	if err := DecodeConfigFile(path, &c); err != nil {
		return Config{}, fmt.Errorf("train: %w", err)
	}
	// Absolute, so that a checkpoint's recorded data.path still finds the data from any working directory.
	base, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return Config{}, fmt.Errorf("train: config %s: %w", path, err)
	}
	for _, p := range []*string{&c.Out, &c.Data.Path, &c.Train.Init} {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(base, *p)
		}
	}
	if c.Out == "" {
		return Config{}, fmt.Errorf("train: config %s: out (the run directory) is required", path)
	}
	geo, err := c.Data.IsGeometric()
	if err != nil {
		return Config{}, fmt.Errorf("train: config %s: %w", path, err)
	}
	if c.Data.Path == "" || (!geo && c.Data.Horizon < 1) {
		return Config{}, fmt.Errorf("train: config %s: data.path and data.horizon >= 1 are required", path)
	}
	return c, nil
}

// NormalizerKind parses DataConfig.Normalizer; the default is Diffuser's limits (min-max to [-1, 1]).
func (d DataConfig) NormalizerKind() (datasets.NormalizerKind, error) {
	if d.Normalizer == "" {
		return datasets.NormMinMax, nil
	}
	return datasets.ParseNormalizerKind(strings.ToLower(d.Normalizer))
}

// OpenData opens the dataset and its segment sampler.
func (d DataConfig) OpenData() (*datasets.Dataset, *datasets.SegmentSampler, error) {
	kind, err := d.NormalizerKind()
	if err != nil {
		return nil, nil, err
	}
	ds, err := datasets.Open(d.Path)
	if err != nil {
		return nil, nil, err
	}
	s, err := datasets.NewSegmentSampler(ds, datasets.SamplerConfig{Horizon: d.Horizon, Columns: d.Columns,
		Normalizer: kind, MaxPathLength: d.MaxPathLength, NoPadding: d.NoPadding})
	if err != nil {
		ds.Close()
		return nil, nil, err
	}
	return ds, s, nil
}

// Trainer builds the trainer of a configuration; close the returned dataset after the run.
func (c Config) Trainer() (*Trainer, *datasets.Dataset, error) {
	if c.Objective.Kind == ObjectiveValue {
		return c.valueTrainer()
	}
	if c.Objective.Kind == ObjectiveRegression || len(c.Data.Inputs)+len(c.Data.Targets) > 0 {
		return c.regressionTrainer()
	}
	geo, err := c.Data.IsGeometric()
	if err != nil {
		return nil, nil, err
	}
	if geo {
		return c.geometricTrainer()
	}
	ds, s, err := c.Data.OpenData()
	if err != nil {
		return nil, nil, err
	}
	src, err := NewSamplerSource(s, c.Train.Batch, c.Train.Seed)
	if err != nil {
		ds.Close()
		return nil, nil, err
	}
	err = src.conditionOn(ds, c.Data)
	var inpaint []int
	if err == nil {
		inpaint, err = c.Data.inpaintIndices(s.Horizon(), s.Dim())
	}
	if err != nil {
		ds.Close()
		return nil, nil, err
	}
	extra, err := json.Marshal(c)
	if err != nil {
		ds.Close()
		return nil, nil, err
	}
	return &Trainer{Spec: c.Network, Objective: c.Objective, Source: src, Inpaint: inpaint, Options: c.Train, Dir: c.Out, Extra: extra}, ds, nil
}

// geometricTrainer builds the trainer of a data.kind geometric run. It records the dataset's layout and
// the normaliser "none" in the configuration the checkpoints store.
func (c Config) geometricTrainer() (*Trainer, *datasets.Dataset, error) {
	layout, err := c.GeometricLayout()
	if err != nil {
		return nil, nil, err
	}
	if len(c.Data.Condition) > 0 || len(c.Data.Inpaint) > 0 || c.Data.Columns != nil || c.Data.Horizon != 0 {
		return nil, nil, fmt.Errorf("train: data.condition, inpaint, columns and horizon select windows; data.kind geometric takes its frames from the layout")
	}
	switch strings.ToLower(c.Data.Normalizer) {
	case "", "none":
		c.Data.Normalizer = "none"
	default:
		return nil, nil, fmt.Errorf("train: data.kind geometric trains on raw coordinates (as GeoTDM does); normalizer %q is not supported", c.Data.Normalizer)
	}
	ds, err := datasets.Open(c.Data.Path)
	if err != nil {
		return nil, nil, err
	}
	src, err := NewGeometricSource(ds, layout, c.Train.Batch, c.Train.Seed)
	if err != nil {
		ds.Close()
		return nil, nil, fmt.Errorf("train: %s: %w", c.Data.Path, err)
	}
	meta := ds.Metadata()
	c.Data.Geometry = &GeometryRecord{Spec: *meta.Geometric, Generator: meta.Generator.Name}
	extra, err := json.Marshal(c)
	if err != nil {
		ds.Close()
		return nil, nil, err
	}
	return &Trainer{Spec: c.Network, Objective: c.Objective, Source: src, Options: c.Train, Dir: c.Out, Extra: extra}, ds, nil
}

// WriteConfig writes c as TOML-compatible JSON-named keys (for quickstart, which generates its run).
func WriteConfig(path string, c Config) error {
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := toml.NewEncoder(f).Encode(raw); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// DecodeConfigFile decodes a TOML file, or YAML when the name ends in .yaml or .yml, into v through JSON:
// TOML -> generic map -> JSON -> struct, so files, checkpoints and the Go API share one set of field names
// (the JSON tags), and unknown keys are errors (UnmarshalStrict). Fields already set in v are defaults.
func DecodeConfigFile(path string, v any) error {
	var raw map[string]any
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml":
		b, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("config: %w", err)
		}
		if err := yaml.Unmarshal(b, &raw); err != nil {
			return fmt.Errorf("config %s: %w", path, err)
		}
	default:
		if _, err := toml.DecodeFile(path, &raw); err != nil {
			return fmt.Errorf("config %s: %w", path, err)
		}
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	if err := UnmarshalStrict(b, v); err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	return nil
}
