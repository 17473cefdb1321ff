package train

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/internal/fsutil"
	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/nn/safetensors"
)

// Checkpoint files inside a run directory:
//
//	DIR/step-00001000/model.safetensors      the weights after 1000 steps
//	DIR/step-00001000/ema.safetensors        their exponential moving average
//	DIR/step-00001000/optimizer.safetensors  Adam's moments and step ("adam.m.<name>", "adam.v.<name>")
//	DIR/step-00001000/state.json             State: step, configuration, file checksums
//	DIR/latest                               the name of the newest complete checkpoint
//	DIR/metrics.jsonl                        one JSON line of metrics every LogEvery steps
//
// A checkpoint directory is written under a temporary name and renamed when complete; latest is replaced
// atomically afterwards, so a run killed at any moment leaves the previous checkpoint intact.
const (
	modelFile     = "model.safetensors"
	emaFile       = "ema.safetensors"
	optimizerFile = "optimizer.safetensors"
	stateFile     = "state.json"
	latestFile    = "latest"
	metricsFile   = "metrics.jsonl"
)

// State is a checkpoint's metadata.
type State struct {
	Step      int               `json:"step"` // completed optimisation steps
	Spec      nn.Spec           `json:"network"`
	DType     string            `json:"dtype"`
	Objective ObjectiveConfig   `json:"objective"`
	Inpaint   []int             `json:"inpaint,omitempty"` // Trainer.Inpaint
	Options   Options           `json:"options"`
	Extra     json.RawMessage   `json:"extra,omitempty"` // the caller's configuration (e.g. the CLI's file)
	Loss      float64           `json:"loss"`            // loss of the last step
	Random    string            `json:"random"`          // how every random draw is derived (no hidden state)
	Files     map[string]string `json:"files"`           // file name -> SHA-256

	// Inputs and Targets are Trainer.Inputs and Trainer.Targets (objective kind regression).
	Inputs  []int `json:"inputs,omitempty"`
	Targets []int `json:"targets,omitempty"`
	// Increments are the targets' increments (data.relative_to, Increment), measured when the run began.
	Increments []Increment `json:"increments,omitempty"`
}

const randomNote = "step s draws objective noise from ChaCha8(seed, s), dropout from Philox(seed, s), the batch from the source's seeded order; the state is complete"

func stepDir(step int) string { return fmt.Sprintf("step-%08d", step) }

// saveCheckpoint writes a checkpoint of the trainer's state and prunes old ones.
func saveCheckpoint(dir string, st State, model, ema *nn.Params, opt *nn.Adam, optParams []*nn.Param, keep int) error {
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return fmt.Errorf("train: checkpoint directory: %w", err)
	}
	name := stepDir(st.Step)
	tmp, err := fsutil.MkdirTemp(dir, fsutil.TempPrefix(name))
	if err != nil {
		return fmt.Errorf("train: checkpoint: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(tmp)
		}
	}()
	if err := model.Save(filepath.Join(tmp, modelFile), nil); err != nil {
		return err
	}
	if err := ema.Save(filepath.Join(tmp, emaFile), nil); err != nil {
		return err
	}
	ts, err := opt.StateTensors(optParams)
	if err != nil {
		return err
	}
	if err := safetensors.WriteFile(filepath.Join(tmp, optimizerFile), ts, nil); err != nil {
		return err
	}
	st.Files = map[string]string{}
	for _, f := range []string{modelFile, emaFile, optimizerFile} {
		sum, err := fileSHA256(filepath.Join(tmp, f))
		if err != nil {
			return err
		}
		st.Files[f] = sum
	}
	st.Random = randomNote
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	if err := fsutil.WriteFileAtomic(filepath.Join(tmp, stateFile), append(b, '\n')); err != nil {
		return err
	}
	final := filepath.Join(dir, name)
	if err := os.RemoveAll(final); err != nil { // a re-run of the same step after a resume
		return err
	}
	if err := os.Rename(tmp, final); err != nil {
		return fmt.Errorf("train: checkpoint: %w", err)
	}
	ok = true
	if err := fsutil.WriteFileAtomic(filepath.Join(dir, latestFile), []byte(name+"\n")); err != nil {
		return err
	}
	return pruneCheckpoints(dir, keep)
}

// pruneCheckpoints removes all but the newest keep checkpoint directories (and stale temporaries).
func pruneCheckpoints(dir string, keep int) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var steps []string
	for _, e := range entries {
		switch {
		case strings.HasPrefix(e.Name(), ".step-") && strings.Contains(e.Name(), ".tmp-"):
			os.RemoveAll(filepath.Join(dir, e.Name()))
		case e.IsDir() && strings.HasPrefix(e.Name(), "step-"):
			steps = append(steps, e.Name())
		}
	}
	sort.Strings(steps)
	for len(steps) > keep {
		if err := os.RemoveAll(filepath.Join(dir, steps[0])); err != nil {
			return err
		}
		steps = steps[1:]
	}
	return nil
}

// ErrNoCheckpoint is returned when a directory holds no complete checkpoint.
var ErrNoCheckpoint = errors.New("no checkpoint")

// LatestCheckpoint returns the path of the newest complete checkpoint in a run directory.
func LatestCheckpoint(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, latestFile))
	if errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("train: %s: %w", dir, ErrNoCheckpoint)
	}
	if err != nil {
		return "", err
	}
	name := strings.TrimSpace(string(b))
	if !strings.HasPrefix(name, "step-") || strings.ContainsAny(name, `/\`) {
		return "", fmt.Errorf("train: %s: latest names %q, not a checkpoint", dir, name)
	}
	return filepath.Join(dir, name), nil
}

// ReadState reads and checks a checkpoint's metadata: the files it lists must exist with their checksums.
func ReadState(ckpt string) (State, error) {
	var st State
	b, err := os.ReadFile(filepath.Join(ckpt, stateFile))
	if err != nil {
		return st, fmt.Errorf("train: checkpoint %s: %w", ckpt, err)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return st, fmt.Errorf("train: checkpoint %s: state.json: %w", ckpt, err)
	}
	for f, want := range st.Files {
		got, err := fileSHA256(filepath.Join(ckpt, f))
		if err != nil {
			return st, fmt.Errorf("train: checkpoint %s: %w", ckpt, err)
		}
		if got != want {
			return st, fmt.Errorf("train: checkpoint %s: %s has SHA-256 %s, state.json records %s (file damaged)", ckpt, f, got, want)
		}
	}
	return st, nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Weights selects which parameters of a checkpoint a loaded network uses.
type Weights int

const (
	// DefaultWeights follows the run: Load takes the configuration's sample.ema (SampleConfig.EMA), which
	// defaults to the EMA weights; LoadCheckpoint, without a configuration, takes the EMA weights.
	DefaultWeights Weights = iota
	// EMAWeights is the exponential moving average of the weights, what Diffuser and EDM evaluate.
	EMAWeights
	// RawWeights is the optimiser's last iterate.
	RawWeights
)

func (w Weights) String() string {
	switch w {
	case DefaultWeights:
		return "default"
	case EMAWeights:
		return "ema"
	case RawWeights:
		return "raw"
	}
	return fmt.Sprintf("Weights(%d)", int(w))
}

// useEMA resolves w, taking configured (nil: not configured) for DefaultWeights.
func (w Weights) useEMA(configured *bool) (bool, error) {
	switch w {
	case DefaultWeights:
		return configured == nil || *configured, nil
	case EMAWeights:
		return true, nil
	case RawWeights:
		return false, nil
	}
	return false, fmt.Errorf("train: unknown %v (want DefaultWeights, EMAWeights or RawWeights)", w)
}

// LoadOptions are the choices of Load and LoadCheckpoint.
type LoadOptions struct {
	Weights Weights // which weights the network gets (the zero value follows the run's configuration)
	// DataPath, when set, replaces the training dataset's recorded path for Load (a dataset moved or copied
	// elsewhere since training). Its statistics must be those the run normalised with: Load reads the
	// normalisers from it, and a dataset with other statistics gives samples in the wrong units.
	DataPath string
}

// Checkpoint is a trained network read back from a checkpoint, as the denoiser its objective defines.
type Checkpoint struct {
	Path      string             // the step directory read
	State     State              // its metadata (step, network, objective, options, the caller's configuration)
	EMA       bool               // whether Net holds the EMA weights (else the raw weights)
	Net       nn.Net             // the network with the chosen weights
	Predictor *nn.Predictor      // Net's inference path; Conditional gives a conditional network
	Denoiser  diffusion.Denoiser // the x0-predictor every sampler drives, for one sampler at a time (a conditional network: State.Objective.Denoiser of Predictor.Conditional)
	Process   diffusion.Process  // the process to sample with
	// Regressor and RegressorPredictor hold a regression checkpoint's network (objective kind
	// regression, read by Load); Net, Predictor, Denoiser and Process are then nil.
	Regressor          nn.Regressor
	RegressorPredictor *nn.RegressorPredictor
}

// LoadCheckpoint reads a checkpoint, a step directory or a run directory (for its latest checkpoint), with
// the EMA weights unless opts asks for the raw ones. It needs no configuration beyond the checkpoint's
// own, so it serves runs of any Source; Load adds a dataset's units and sampling of windows.
func LoadCheckpoint(path string, opts LoadOptions) (*Checkpoint, error) {
	ckpt, st, err := readCheckpoint(path)
	if err != nil {
		return nil, err
	}
	ema, err := opts.Weights.useEMA(nil)
	if err != nil {
		return nil, err
	}
	if st.Objective.Kind == ObjectiveRegression || st.Objective.Kind == ObjectiveValue {
		return nil, fmt.Errorf("train: checkpoint %s holds a regressor (objective kind regression), not a denoiser: Load reads it with its data's normalisers", ckpt)
	}
	return loadNetwork(ckpt, st, ema)
}

// readCheckpoint resolves a run directory to its latest checkpoint and reads the checkpoint's state.
func readCheckpoint(path string) (string, State, error) {
	ckpt := path
	if latest, err := LatestCheckpoint(path); err == nil {
		ckpt = latest
	}
	st, err := ReadState(ckpt)
	return ckpt, st, err
}

// loadNetwork builds the checkpoint's network with its raw or EMA weights.
func loadNetwork(ckpt string, st State, ema bool) (*Checkpoint, error) {
	if st.Objective.Kind == ObjectiveRegression || st.Objective.Kind == ObjectiveValue {
		return loadRegressor(ckpt, st, ema)
	}
	net, err := st.Spec.New(st.dtype(), st.Options.Seed)
	if err != nil {
		return nil, fmt.Errorf("train: checkpoint %s: %w", ckpt, err)
	}
	if err := loadWeights(ckpt, net.Params(), ema); err != nil {
		return nil, err
	}
	_, process, err := st.Objective.Build()
	if err != nil {
		return nil, fmt.Errorf("train: checkpoint %s: %w", ckpt, err)
	}
	if err := useSignal(net, process, st.Objective); err != nil { // before the predictor builds graphs of it
		return nil, fmt.Errorf("train: checkpoint %s: %w", ckpt, err)
	}
	pred := nn.NewPredictor(net)
	d, p, err := st.Objective.Denoiser(pred)
	if err != nil {
		return nil, fmt.Errorf("train: checkpoint %s: %w", ckpt, err)
	}
	return &Checkpoint{Path: ckpt, State: st, EMA: ema, Net: net, Predictor: pred, Denoiser: d, Process: p}, nil
}

// dtype is the checkpoint's parameter type.
func (st State) dtype() tensor.Dtype {
	if st.DType == tensor.Float64.String() {
		return tensor.Float64
	}
	return tensor.Float32
}

// loadWeights reads a checkpoint's raw or EMA weights into ps.
func loadWeights(ckpt string, ps *nn.Params, ema bool) error {
	file := modelFile
	if ema {
		file = emaFile
	}
	if _, err := ps.Load(filepath.Join(ckpt, file)); err != nil {
		return fmt.Errorf("train: checkpoint %s: %w", ckpt, err)
	}
	return nil
}
